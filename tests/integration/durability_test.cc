// Durability under SIGKILL, with the real mlqd and mlq binaries: mlqd is
// killed at random moments (at least 20 times) while lines flow in, and
// restarted on the same data folder and ports each time.
//
//  1. Plain TCP: what mlqd counted as stored (the per-process "stored"
//     counter, which moves only after the WAL sync) is never lost, and no
//     record present before a kill is missing after the restart.
//  2. Ingest (`mlq import`): an import cut short by a kill is run again;
//     once one run succeeds every line of the file is stored exactly once.
//     And an import whose stream meets a full writer queue still gets its
//     reply (and mlqd then stops on SIGTERM).
//  3. RELP (rsyslog omrelp): rsyslog resends what mlqd did not acknowledge,
//     so every line arrives; duplicates are bounded by the RELP window.
//
// Every wait is bounded; figures are reported with RecordProperty.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <set>
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

constexpr int kKills = 20;

std::string Local(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// Two distinct free ports.
std::pair<uint16_t, uint16_t> TwoPorts() {
  uint16_t a = FreeTcpPort(), b = FreeTcpPort();
  while (b == a) b = FreeTcpPort();
  return {a, b};
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Waits (at most `timeout`) until this process of mlqd has stored something.
bool WaitStoring(const Mlqd& d, milliseconds timeout = seconds(20)) {
  return WaitFor([&] { return Counter(d.Status(), "stored") > 0; }, timeout);
}

// ---------------------------------------------------------------------------
// 1. TCP
// ---------------------------------------------------------------------------

TEST(DurabilityTest, TcpStoredLinesSurviveRepeatedSigkill) {
  const auto t0 = std::chrono::steady_clock::now();
  TempDir dir;
  const auto [tcp, grpc] = TwoPorts();
  Mlqd d(
      dir.path() + "/data",
      {"--syslog-udp", "", "--syslog-tcp", Local(tcp), "--grpc", Local(grpc), "--timezone", "UTC"},
      dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  NumberedSender sender(tcp, {.prefix = "DA", .rate = 10000});

  uint64_t acknowledged = 0;  // sum of the per-process "stored" counters before each kill
  int kills = 0;
  for (int k = 0; k < kKills; ++k) {
    ASSERT_TRUE(WaitStoring(d)) << "no line stored after restart " << k << "\n" << d.log();
    std::this_thread::sleep_for(milliseconds(RandomInt(100, 700)));
    const json before = d.Status();
    const int64_t stored_here = Counter(before, "stored");
    const int64_t records_before = Field(before, "stored");
    ASSERT_GE(stored_here, 0) << before.dump();
    d.Kill();
    ++kills;
    acknowledged += static_cast<uint64_t>(stored_here);
    ASSERT_TRUE(d.Start()) << "restart after kill " << kills << " failed:\n" << d.log();
    const json after = d.Status();
    const int64_t records_after = Field(after, "stored");
    EXPECT_GE(records_after, records_before)
        << "kill " << kills << ": records present before the kill are gone";
    EXPECT_GE(records_after, static_cast<int64_t>(acknowledged))
        << "kill " << kills << ": fewer records than mlqd counted as stored";
    if (::testing::Test::HasFailure()) break;
  }
  sender.Stop();
  // Let the last run store what it has read, then stop cleanly.
  int64_t last = -1;
  WaitFor(
      [&] {
        const int64_t now = Field(d.Status(), "stored");
        const bool stable = now == last;
        last = now;
        return stable;
      },
      seconds(30));
  const int64_t stored_last_run = Counter(d.Status(), "stored");
  EXPECT_EQ(d.Stop(), 0) << d.log();
  ASSERT_TRUE(d.Start()) << d.log();
  const json final_status = d.Status();
  const int64_t records = Field(final_status, "stored");
  const Census census = TakeCensus(d.grpc(), "DA", sender.used());
  EXPECT_GE(census.distinct,
            acknowledged + static_cast<uint64_t>(std::max<int64_t>(0, stored_last_run)))
      << "lines counted as stored were lost";
  EXPECT_EQ(census.duplicates, 0u) << "a TCP line was stored twice";
  EXPECT_EQ(static_cast<int64_t>(census.rows), records)
      << "the record count disagrees with the records found";
  EXPECT_EQ(d.Stop(), 0) << d.log();

  std::printf(
      "[ figures  ] TCP crash: %d kills, %u lines sent (%llu reconnects), %llu acknowledged "
      "before kills, %llu distinct stored, %llu duplicates, %.1f s\n",
      kills, sender.used(), static_cast<unsigned long long>(sender.reconnects()),
      static_cast<unsigned long long>(acknowledged),
      static_cast<unsigned long long>(census.distinct),
      static_cast<unsigned long long>(census.duplicates), SecondsSince(t0));
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("lines_sent", static_cast<int>(sender.used()));
  ::testing::Test::RecordProperty("acknowledged", static_cast<int>(acknowledged));
  ::testing::Test::RecordProperty("distinct_stored", static_cast<int>(census.distinct));
}

// ---------------------------------------------------------------------------
// 2. Ingest
// ---------------------------------------------------------------------------

constexpr uint32_t kImportLines = 200000;

std::string ImportLine(uint32_t n, time_t t) {
  return Bsd(t) + " mx-imp postfix/cleanup[88]: " + Qid("EB", n) + ": message-id=<" +
         std::to_string(n) + ".dur@example.org>";
}

TEST(DurabilityTest, ImportKilledRepeatedlyStoresEveryLineExactlyOnce) {
  const auto t0 = std::chrono::steady_clock::now();
  TempDir dir;
  const std::string file = dir.path() + "/maillog";
  {
    std::ofstream out(file);
    const time_t base = time(nullptr) - 3600;
    for (uint32_t n = 0; n < kImportLines; ++n) {
      out << ImportLine(n, base + static_cast<time_t>(n / 60)) << '\n';
    }
  }
  const auto [tcp, grpc] = TwoPorts();
  Mlqd d(
      dir.path() + "/data",
      {"--syslog-udp", "", "--syslog-tcp", Local(tcp), "--grpc", Local(grpc), "--timezone", "UTC"},
      dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  auto run_import = [&d, &file] {
    return d.Mlq({"import", "--json", "--no-progress", file}, seconds(300));
  };

  int kills = 0, succeeded_before_kill = 0, failed = 0;
  for (int k = 0; k < kKills; ++k) {
    std::future<CommandResult> import = std::async(std::launch::async, run_import);
    // Kill while the import streams (once the file is stored, later runs
    // only find duplicates: killed all the same).
    WaitFor(
        [&] {
          return Counter(d.Status(), "received.ingest") > 0 ||
                 import.wait_for(milliseconds(0)) == std::future_status::ready;
        },
        seconds(10));
    std::this_thread::sleep_for(milliseconds(RandomInt(100, 700)));
    const int64_t records_before = Field(d.Status(), "stored");
    d.Kill();
    ++kills;
    const CommandResult r = import.get();
    if (r.exit_code == 0) {
      ++succeeded_before_kill;
      const json summary = json::parse(r.out, nullptr, false);
      EXPECT_EQ(summary.value("stored", uint64_t{0}) + summary.value("duplicates", uint64_t{0}),
                kImportLines)
          << r.out;
    } else {
      ++failed;
    }
    ASSERT_TRUE(d.Start()) << "restart after kill " << kills << " failed:\n" << d.log();
    EXPECT_GE(Field(d.Status(), "stored"), records_before)
        << "kill " << kills << ": records present before the kill are gone";
    if (::testing::Test::HasFailure()) break;
  }
  // Now without kills: this run must complete.
  const CommandResult last = run_import();
  ASSERT_EQ(last.exit_code, 0) << last.err << "\n" << d.log();
  const json summary = json::parse(last.out, nullptr, false);
  EXPECT_EQ(summary.value("lines", uint64_t{0}), kImportLines) << last.out;
  EXPECT_EQ(summary.value("stored", uint64_t{0}) + summary.value("duplicates", uint64_t{0}),
            kImportLines)
      << last.out;

  EXPECT_EQ(Field(d.Status(), "stored"), static_cast<int64_t>(kImportLines))
      << "records in the store";
  const Census census = TakeCensus(d.grpc(), "EB", kImportLines, "2d");
  EXPECT_EQ(census.distinct, kImportLines)
      << "missing lines, e.g." << census.MissingExamples(kImportLines);
  EXPECT_EQ(census.duplicates, 0u) << "an imported line was stored twice";
  EXPECT_EQ(census.rows, kImportLines);
  // Spot checks through the message-id index.
  int spot_bad = 0;
  for (int i = 0; i < 200; ++i) {
    const uint32_t n = static_cast<uint32_t>(RandomInt(0, kImportLines - 1));
    const CommandResult f =
        d.Mlq({"find", "--json", "--message-id", "<" + std::to_string(n) + ".dur@example.org>"});
    const size_t rows = ParseJsonLines(f.out).size();
    if (rows != 1 && ++spot_bad <= 5) {
      ADD_FAILURE() << "message-id of line " << n << " found " << rows << " times: " << f.err;
    }
  }
  EXPECT_EQ(spot_bad, 0);
  EXPECT_EQ(d.Stop(), 0) << d.log();

  std::printf(
      "[ figures  ] import crash: %d kills (%d imports cut short, %d finished before the kill), "
      "%u lines, %llu stored once, %llu duplicates, %.1f s\n",
      kills, failed, succeeded_before_kill, kImportLines,
      static_cast<unsigned long long>(census.distinct),
      static_cast<unsigned long long>(census.duplicates), SecondsSince(t0));
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("imports_cut_short", failed);
}

// The writer queue fills while an import streams (a small --queue-records
// stands for a busy mlqd): Ingest waits and retries, and must still reply
// once every line is stored; mlqd then stops on SIGTERM.
TEST(DurabilityTest, ImportThroughAFullWriterQueueGetsItsReply) {
  TempDir dir;
  constexpr uint32_t kLines = 50000;
  const std::string file = dir.path() + "/maillog";
  {
    std::ofstream out(file);
    const time_t base = time(nullptr) - 3600;
    for (uint32_t n = 0; n < kLines; ++n) out << ImportLine(n, base + n / 60) << '\n';
  }
  Mlqd d(dir.path() + "/data",
         {"--syslog-udp", "", "--syslog-tcp", "", "--grpc", "127.0.0.1:0", "--timezone", "UTC",
          "--queue-records", "1000"},
         dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  const CommandResult r = d.Mlq({"import", "--json", "--no-progress", file}, seconds(30));
  const json status = d.Status();
  EXPECT_EQ(r.exit_code, 0) << (r.exit_code == -1 ? "no reply within 30 s (killed); " : "") << r.err
                            << "\nstatus: " << status.dump();
  EXPECT_EQ(Field(status, "stored"), static_cast<int64_t>(kLines));
  EXPECT_EQ(d.Stop(15, seconds(20)), 0) << "mlqd did not stop on SIGTERM:\n" << d.log();
}

// ---------------------------------------------------------------------------
// 3. RELP
// ---------------------------------------------------------------------------

std::string OmrelpModule() {
  const char* v = std::getenv("MLQ_RSYSLOG_OMRELP");
  return v != nullptr && *v != '\0' ? v : "/usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so";
}

TEST(DurabilityTest, RelpFromRsyslogLosesNothingAcrossRepeatedSigkill) {
  for (const std::string& path : {Rsyslog::Binary(), OmrelpModule()}) {
    MLQ_REQUIRE_CORPUS(access(path.c_str(), R_OK) == 0,
                       path << " not found: install the test senders with "
                               "deploy/install-test-senders.sh (rsyslog, rsyslog-relp)");
  }
  const auto t0 = std::chrono::steady_clock::now();
  TempDir dir;
  const auto [relp, grpc] = TwoPorts();
  Mlqd d(dir.path() + "/data",
         {"--syslog-udp", "", "--syslog-tcp", "", "--syslog-relp", Local(relp), "--grpc",
          Local(grpc), "--timezone", "UTC"},
         dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  ASSERT_EQ(d.Port("relp"), relp) << "mlqd does not listen for RELP:\n" << d.log();

  // rsyslog: lines from its imtcp input go to mlqd over RELP through an
  // in-memory action queue big enough never to fill (a full queue would
  // make rsyslog itself discard), retried forever.
  Rsyslog rsyslog(dir.path() + "/rsyslog");
  const std::string body =
      "module(load=\"omrelp\")\n"
      "if prifilt(\"mail.*\") then {\n"
      "  action(type=\"omrelp\" target=\"127.0.0.1\" port=\"" +
      std::to_string(relp) +
      "\" template=\"RSYSLOG_SyslogProtocol23Format\"\n"
      "         queue.type=\"LinkedList\" queue.size=\"1000000\"\n"
      "         action.resumeRetryCount=\"-1\" action.resumeInterval=\"1\")\n"
      "}\n";
  ASSERT_TRUE(rsyslog.Start(body)) << rsyslog.log();
  // rsyslogd never dies: its TCP input loses nothing.
  NumberedSender sender(rsyslog.input_port(), {.prefix = "CE", .rate = 2000, .host = "mx-relp"});

  int kills = 0, reconnect_timeouts = 0;
  uint64_t acknowledged = 0;
  for (int k = 0; k < kKills; ++k) {
    // rsyslog reconnects after its resume interval; kill once lines flow.
    if (!WaitFor([&] { return Counter(d.Status(), "stored") > 0; }, seconds(30))) {
      ++reconnect_timeouts;
    }
    std::this_thread::sleep_for(milliseconds(RandomInt(100, 700)));
    const json before = d.Status();
    const int64_t records_before = Field(before, "stored");
    acknowledged += static_cast<uint64_t>(std::max<int64_t>(0, Counter(before, "stored")));
    d.Kill();
    ++kills;
    ASSERT_TRUE(d.Start()) << "restart after kill " << kills << " failed:\n" << d.log();
    EXPECT_GE(Field(d.Status(), "stored"), records_before)
        << "kill " << kills << ": records present before the kill are gone";
    ASSERT_TRUE(rsyslog.Running()) << rsyslog.log();
  }
  sender.Stop();
  ASSERT_TRUE(sender.never_broke()) << "the connection to rsyslogd broke";
  const uint32_t n = sender.sent();

  // Every line arrives once rsyslog has resent what was not acknowledged.
  Census census;
  const bool all = WaitFor(
      [&] {
        census = TakeCensus(d.grpc(), "CE", n);
        return census.missing_below(n) == 0;
      },
      seconds(120));
  const uint64_t missing = census.missing_below(n);
  EXPECT_TRUE(all && missing == 0)
      << missing << " of " << n << " lines never arrived, e.g." << census.MissingExamples(n)
      << "\nstatus: " << d.Status().dump() << "\n"
      << rsyslog.log();
  // A line stored but not yet acknowledged when mlqd died is resent: at
  // most one RELP window (128 frames) per kill.
  EXPECT_LE(census.duplicates, static_cast<uint64_t>(kills) * 128);
  EXPECT_GE(census.distinct, acknowledged);
  const json status = d.Status();
  EXPECT_EQ(Counter(status, "listener.relp.frames.malformed") <= 0, true) << status.dump();
  EXPECT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
  EXPECT_EQ(d.Stop(), 0) << d.log();

  std::printf(
      "[ figures  ] RELP crash: %d kills (%d without reconnect in 30 s), %u lines, %llu distinct "
      "stored, %llu duplicates, %.1f s\n",
      kills, reconnect_timeouts, n, static_cast<unsigned long long>(census.distinct),
      static_cast<unsigned long long>(census.duplicates), SecondsSince(t0));
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("lines", static_cast<int>(n));
  ::testing::Test::RecordProperty("duplicates", static_cast<int>(census.duplicates));
}

}  // namespace
}  // namespace mlq::testing
