// A full disk, for real: mlqd's data folder on a small tmpfs mounted by the
// test (root needed: skipped without it, a failure under CI=true).
//
//  a. TCP intake fills the disk, with --disk-reserve 1 (RocksDB meets
//     ENOSPC) and with the default reserve (mlqd pauses first): mlqd stays
//     up, says why in `mlq status`, answers queries, pushes back on the
//     sender instead of dropping; once the tmpfs grows, intake resumes by
//     itself and every line sent is stored exactly once.
//  b. `mlq import` while the disk fills fails with a retryable error that
//     says why; run again once there is space, it stores the rest, once.
//  c. A store opened on a full disk opens read-only, serves its lines, and
//     becomes writable by itself once space returns.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "durability_util.h"
#include "harness.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

#define MLQ_REQUIRE_TMPFS(fs) MLQ_REQUIRE_CORPUS((fs).ok(), (fs).why())

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string Unavailable(const json& status) {
  return status.is_object() ? status.value("store_unavailable", std::string()) : std::string();
}

int64_t DroppedTotal(const json& status) {
  int64_t total = 0;
  if (!status.is_object() || !status.contains("counters")) return -1;
  for (const auto& [name, v] : status["counters"].items()) {
    if (name.rfind("dropped.", 0) == 0 && v.is_number()) total += v.get<int64_t>();
  }
  return total;
}

std::vector<std::string> Args(const std::vector<std::string>& more) {
  std::vector<std::string> args = {"--syslog-udp", "",       "--syslog-tcp",
                                   "127.0.0.1:0",  "--grpc", "127.0.0.1:0",
                                   "--timezone",   "UTC"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// ---------------------------------------------------------------------------
// a. TCP intake on a disk that fills up
// ---------------------------------------------------------------------------

// `reserve`: --disk-reserve ("" = the default).
void TcpIntakeOnFullDisk(const char* name, const std::string& reserve) {
  Tmpfs fs("64m");
  MLQ_REQUIRE_TMPFS(fs);
  const auto t0 = std::chrono::steady_clock::now();
  TempDir logs;
  constexpr uint32_t kLines = 150000;
  constexpr int64_t kQueue = 20000;
  std::vector<std::string> more = {"--queue-records", std::to_string(kQueue)};
  if (!reserve.empty()) more.insert(more.end(), {"--disk-reserve", reserve});
  Mlqd d(fs.path() + "/data", Args(more), logs.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  // ~480-byte lines that do not compress much: the 64 MiB fill up fast.
  NumberedSender sender(d.Port("tcp"), {.prefix = "FA", .total = kLines, .pad = 400});

  json status;
  const bool paused = WaitFor(
      [&] {
        status = d.Status();
        return !Unavailable(status).empty() || sender.done();
      },
      seconds(120));
  ASSERT_TRUE(paused && !Unavailable(status).empty())
      << "the disk never filled (sender done: " << sender.done() << "): " << status.dump() << "\n"
      << d.log();
  const double filled_after = SecondsSince(t0);
  const int64_t stored_at_pause = Field(status, "stored");
  const std::string reason = Unavailable(status);

  // While full: alive, answering, pushing back on the sender.
  std::this_thread::sleep_for(seconds(2));
  const json st1 = d.Status();
  const uint32_t sent1 = sender.sent();
  std::this_thread::sleep_for(seconds(2));
  const json st2 = d.Status();
  const uint32_t sent2 = sender.sent();
  ASSERT_TRUE(d.Running()) << "mlqd exited on a full disk:\n" << d.log();
  ASSERT_TRUE(st1.is_object() && st2.is_object()) << "mlq status did not answer";
  EXPECT_FALSE(Unavailable(st2).empty()) << st2.dump();
  EXPECT_FALSE(sender.done()) << "every line was taken while the disk was full";
  EXPECT_LE(sent2 - sent1, 1000u) << "the sender is not held back";
  const int64_t received1 = Counter(st1, "received.tcp"), received2 = Counter(st2, "received.tcp");
  EXPECT_LE(received2 - received1, 1000) << "mlqd keeps reading while it cannot store";
  // Read but not stored: at most the queue, the round the writer keeps
  // retrying and the round written before it whose sync failed (each at
  // most a queue's worth), plus a batch per connection.
  EXPECT_LE(received2, Counter(st2, "stored") + 3 * kQueue + 5000)
      << "mlqd read far more than it stored and queued: " << st2.dump();
  EXPECT_EQ(DroppedTotal(st2), 0) << st2.dump();
  CommandResult find = d.Mlq({"find", "--json", "--since", "1h", "--limit", "5"});
  EXPECT_EQ(find.exit_code, 0) << find.err;
  EXPECT_EQ(ParseJsonLines(find.out).size(), 5u) << find.out;
  CommandResult text = d.Mlq({"status"});
  EXPECT_NE(text.out.find("PAUSED"), std::string::npos) << text.out;

  // Space returns: intake resumes by itself.
  ASSERT_TRUE(fs.Resize("512m"));
  const auto resized = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return Unavailable(d.Status()).empty(); }, seconds(60)))
      << d.Status().dump() << "\n"
      << d.log();
  const double resumed_after = SecondsSince(resized);
  EXPECT_TRUE(WaitFor([&] { return sender.done(); }, seconds(180))) << "sender still stalled";
  EXPECT_TRUE(sender.never_broke()) << "the sender's connection broke";
  EXPECT_TRUE(WaitFor([&] { return Field(d.Status(), "stored") >= kLines; }, seconds(120)))
      << d.Status().dump();
  const json final_status = d.Status();
  EXPECT_GT(Counter(final_status, "store.recoveries"), 0) << final_status.dump();
  EXPECT_EQ(DroppedTotal(final_status), 0) << final_status.dump();
  const Census census = TakeCensus(d.grpc(), "FA", kLines);
  EXPECT_EQ(census.distinct, kLines) << "lost, e.g." << census.MissingExamples(kLines);
  EXPECT_EQ(census.duplicates, 0u);
  EXPECT_EQ(Field(final_status, "stored"), static_cast<int64_t>(kLines)) << final_status.dump();
  EXPECT_EQ(d.Stop(), 0) << d.log();
  // And it is all still there after a clean restart.
  ASSERT_TRUE(d.Start()) << d.log();
  EXPECT_EQ(Field(d.Status(), "stored"), static_cast<int64_t>(kLines));
  EXPECT_EQ(d.Stop(), 0) << d.log();

  std::printf(
      "[ figures  ] disk full (%s): paused after %.1f s at %lld records (\"%s\"), resumed %.1f s "
      "after the resize, %u lines stored once, %.1f s\n",
      name, filled_after, static_cast<long long>(stored_at_pause), reason.c_str(), resumed_after,
      kLines, SecondsSince(t0));
}

// --disk-reserve 1: RocksDB itself meets ENOSPC.
TEST(DiskFullTest, TcpIntakeMeetingEnospcPausesAndResumesWithoutLoss) {
  TcpIntakeOnFullDisk("enospc", "1");
}

// The default reserve (16 MiB here): mlqd pauses before ENOSPC.
TEST(DiskFullTest, TcpIntakeAtTheReservePausesAndResumesWithoutLoss) {
  TcpIntakeOnFullDisk("default reserve", "");
}

// ---------------------------------------------------------------------------
// b. Ingest while the disk fills
// ---------------------------------------------------------------------------

TEST(DiskFullIngestTest, ImportFailsWithTheReasonAndReimportStoresTheRestOnce) {
  Tmpfs fs("64m");
  MLQ_REQUIRE_TMPFS(fs);
  TempDir dir;
  constexpr uint32_t kLines = 40000;
  const std::string file = dir.path() + "/maillog";
  {
    std::ofstream out(file);
    const time_t base = time(nullptr) - 600;
    const std::string pad(400, 'p');
    for (uint32_t n = 0; n < kLines; ++n) {
      // Incompressible enough: the number spread through the padding.
      std::string text = "removed pad=" + pad;
      for (size_t i = 0; i < text.size(); i += 16) text[i] = "0123456789abcdef"[(n * 7 + i) % 16];
      out << NumberedLine("AB", n, base + n / 100, text, /*syslog=*/false, "mx-imp") << '\n';
    }
  }
  Mlqd d(fs.path() + "/data", Args({}), dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  const json before = d.Status();
  const int64_t reserve = Field(before, "disk_reserve_bytes");
  ASSERT_GT(reserve, 0) << before.dump();
  // Leave the reserve plus 4 MiB: the import fills that and meets the reserve.
  const uint64_t leave = static_cast<uint64_t>(reserve) + (4u << 20);
  {
    const uint64_t free = fs.FreeBytes();
    ASSERT_GT(free, leave);
    std::ofstream filler(fs.path() + "/filler", std::ios::binary);
    const std::string mb(1 << 20, 'x');
    for (uint64_t left = free - leave; left > 0;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, mb.size()));
      filler.write(mb.data(), static_cast<std::streamsize>(n));
      left -= n;
    }
  }
  auto import = [&] { return d.Mlq({"import", "--json", "--no-progress", file}, seconds(40)); };
  const auto t_import = std::chrono::steady_clock::now();
  const CommandResult first = import();
  const double first_s = SecondsSince(t_import);
  EXPECT_NE(first.exit_code, 0) << "the import succeeded on a full disk: " << first.out;
  EXPECT_NE(first.exit_code, -1) << "the import hung on a full disk (killed after 40 s)\n"
                                 << d.Status().dump();
  EXPECT_NE(first.err.find("store unavailable"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("disk"), std::string::npos) << "no reason given: " << first.err;
  ASSERT_TRUE(d.Running()) << d.log();
  const json full = d.Status();
  EXPECT_FALSE(Unavailable(full).empty()) << full.dump();
  const int64_t stored_while_full = Field(full, "stored");
  EXPECT_GT(stored_while_full, 0) << "nothing fit before the reserve";
  EXPECT_LT(stored_while_full, static_cast<int64_t>(kLines));

  // Space again (the filler goes): the writer resumes, the import completes.
  ASSERT_EQ(unlink((fs.path() + "/filler").c_str()), 0);
  EXPECT_TRUE(WaitFor([&] { return Unavailable(d.Status()).empty(); }, seconds(60)))
      << d.Status().dump();
  const CommandResult second = import();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json summary = json::parse(second.out, nullptr, false);
  EXPECT_EQ(summary.value("stored", uint64_t{0}) + summary.value("duplicates", uint64_t{0}), kLines)
      << second.out;
  EXPECT_GE(summary.value("duplicates", uint64_t{0}), static_cast<uint64_t>(stored_while_full))
      << "lines stored by the failed import were stored again: " << second.out;
  const Census census = TakeCensus(d.grpc(), "AB", kLines, "1d");
  EXPECT_EQ(census.distinct, kLines) << "missing, e.g." << census.MissingExamples(kLines);
  EXPECT_EQ(census.duplicates, 0u);
  EXPECT_EQ(Field(d.Status(), "stored"), static_cast<int64_t>(kLines));
  EXPECT_EQ(d.Stop(15, seconds(30)), 0) << "mlqd did not stop cleanly on SIGTERM:\n" << d.log();

  std::printf(
      "[ figures  ] import on a full disk: failed after %.1f s with %lld of %u lines stored "
      "(%s), re-import: %s\n",
      first_s, static_cast<long long>(stored_while_full), kLines, first.err.c_str(),
      second.out.substr(0, 80).c_str());
}

// ---------------------------------------------------------------------------
// c. A store opened on a full disk
// ---------------------------------------------------------------------------

TEST(DiskFullOpenTest, StoreOpenedOnFullDiskIsReadOnlyThenResumesByItself) {
  Tmpfs fs("64m");
  MLQ_REQUIRE_TMPFS(fs);
  TempDir dir;
  constexpr uint32_t kLines = 5000;
  Mlqd d(fs.path() + "/data", Args({}), dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  {
    NumberedSender sender(d.Port("tcp"), {.prefix = "0C", .total = kLines});
    ASSERT_TRUE(WaitFor([&] { return Field(d.Status(), "stored") >= kLines; }, seconds(60)))
        << d.Status().dump();
  }
  ASSERT_EQ(d.Stop(), 0) << d.log();

  const uint64_t filled = FillDisk(fs.path() + "/filler");
  ASSERT_GT(filled, 0u);
  ASSERT_LT(fs.FreeBytes(), 1u << 20) << "the tmpfs is not full";
  ASSERT_TRUE(d.Start()) << "mlqd does not start on a full disk:\n" << d.log();
  json status = d.Status();
  EXPECT_TRUE(status.value("store_read_only", false)) << status.dump();
  EXPECT_FALSE(Unavailable(status).empty()) << status.dump();
  EXPECT_EQ(Field(status, "stored"), static_cast<int64_t>(kLines)) << status.dump();
  Census census = TakeCensus(d.grpc(), "0C", kLines);
  EXPECT_EQ(census.distinct, kLines) << "missing, e.g." << census.MissingExamples(kLines);
  // New lines wait (TCP pauses) while the store is read-only.
  NumberedSender sender(d.Port("tcp"), {.prefix = "1C", .total = kLines});
  std::this_thread::sleep_for(seconds(2));
  status = d.Status();
  EXPECT_EQ(Field(status, "stored"), static_cast<int64_t>(kLines)) << status.dump();
  EXPECT_TRUE(d.Running()) << d.log();

  ASSERT_EQ(unlink((fs.path() + "/filler").c_str()), 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        status = d.Status();
        return Unavailable(status).empty() && !status.value("store_read_only", true);
      },
      seconds(60)))
      << status.dump() << "\n"
      << d.log();
  EXPECT_TRUE(WaitFor([&] { return Field(d.Status(), "stored") >= 2 * kLines; }, seconds(60)))
      << d.Status().dump();
  census = TakeCensus(d.grpc(), "1C", kLines);
  EXPECT_EQ(census.distinct, kLines) << "missing, e.g." << census.MissingExamples(kLines);
  EXPECT_EQ(census.duplicates, 0u);
  census = TakeCensus(d.grpc(), "0C", kLines);
  EXPECT_EQ(census.distinct, kLines);
  EXPECT_EQ(census.duplicates, 0u);
  sender.Stop();
  EXPECT_EQ(d.Stop(), 0) << d.log();
}

}  // namespace
}  // namespace mlq::testing
