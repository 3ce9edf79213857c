// Backup, SIGHUP reload and retention, end to end with the real mlqd and
// mlq binaries:
//  a. `mlq backup DIR` during ingest makes a store a second mlqd serves,
//     with at least the records the backup reported; an existing DIR is
//     refused with a clear error.
//  b. SIGHUP during ingest: mlqd stays up and loses nothing; retention from
//     the --config file changes with it; a broken config keeps the running
//     settings.
//  c. --retention 1d: lines three days old are deleted by the retention
//     pass and never returned again; fresh lines stay.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
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

constexpr int64_t kDayUs = 86400LL * 1000000;

std::vector<std::string> Args(const std::vector<std::string>& more) {
  std::vector<std::string> args = {"--syslog-udp", "",       "--syslog-tcp",
                                   "127.0.0.1:0",  "--grpc", "127.0.0.1:0",
                                   "--timezone",   "UTC"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// "backup /x/y: 12,345 records, 3.1 MiB" -> 12345 (-1 when not found).
int64_t BackupRecords(const std::string& out) {
  const size_t colon = out.find(": ");
  const size_t rec = out.find(" records");
  if (colon == std::string::npos || rec == std::string::npos || rec < colon) return -1;
  std::string digits;
  for (char c : out.substr(colon + 2, rec - colon - 2)) {
    if (c >= '0' && c <= '9') digits += c;
  }
  return digits.empty() ? -1 : std::stoll(digits);
}

// ---------------------------------------------------------------------------
// a. Backup
// ---------------------------------------------------------------------------

TEST(BackupTest, BackupDuringIngestIsServedBySecondMlqdAndExistingDirIsRefused) {
  TempDir dir;
  Mlqd d(dir.path() + "/data", Args({}), dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  NumberedSender sender(d.Port("tcp"), {.prefix = "BA", .rate = 20000});
  ASSERT_TRUE(WaitFor([&] { return Field(d.Status(), "stored") > 20000; }, seconds(60)))
      << d.Status().dump();

  const std::string backup = dir.path() + "/backup";
  // Records stored (and synced) before the call: the copy must hold them.
  const int64_t before_backup = Field(d.Status(), "stored");
  const CommandResult r = d.Mlq({"backup", backup});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int64_t reported = BackupRecords(r.out);
  ASSERT_GT(reported, 0) << r.out;
  // Ingest went on during the backup.
  EXPECT_TRUE(WaitFor([&] { return Field(d.Status(), "stored") > reported; }, seconds(10)));

  // A second mlqd serves the copy.
  Mlqd copy(backup,
            {"--syslog-udp", "", "--syslog-tcp", "", "--grpc", "127.0.0.1:0", "--timezone", "UTC"},
            dir.path() + "/copy.log");
  ASSERT_TRUE(copy.Start()) << copy.log();
  const int64_t copy_records = Field(copy.Status(), "stored");
  const Census census = TakeCensus(copy.grpc(), "BA", sender.used() + 1);
  EXPECT_GE(copy_records, before_backup) << "records stored before the backup are not in it";
  EXPECT_GE(copy_records, reported) << "the backup holds fewer records than it reported";
  EXPECT_EQ(static_cast<int64_t>(census.rows), copy_records)
      << "the copy's record count disagrees with its records";
  EXPECT_EQ(census.duplicates, 0u);
  // One TCP connection, one writer: the copy holds every line up to the
  // last one it holds.
  uint32_t highest = 0;
  for (uint32_t i = 0; i < census.count.size(); ++i) {
    if (census.count[i] != 0) highest = i;
  }
  EXPECT_EQ(census.missing_below(highest + 1), 0u)
      << "the copy has holes, e.g." << census.MissingExamples(highest + 1);

  // The folder exists now: refused, clearly.
  const CommandResult again = d.Mlq({"backup", backup});
  EXPECT_NE(again.exit_code, 0) << again.out;
  EXPECT_NE(again.err.find("exist"), std::string::npos) << again.err;
  EXPECT_TRUE(d.Running());
  EXPECT_EQ(Field(copy.Status(), "stored"), copy_records) << "the existing folder was touched";

  sender.Stop();
  EXPECT_EQ(copy.Stop(), 0) << copy.log();
  EXPECT_EQ(d.Stop(), 0) << d.log();
  std::printf(
      "[ figures  ] backup: %lld records before the call, reported %lld, the copy serves %lld "
      "(%llu distinct)\n",
      static_cast<long long>(before_backup), static_cast<long long>(reported),
      static_cast<long long>(copy_records), static_cast<unsigned long long>(census.distinct));
}

// ---------------------------------------------------------------------------
// b. SIGHUP
// ---------------------------------------------------------------------------

TEST(BackupReloadTest, SighupDuringIngestReloadsRetentionAndSurvivesBrokenConfig) {
  TempDir dir;
  const std::string config = dir.path() + "/mlqd.conf";
  WriteFile(config, "# mlqd test config\nqueue-records = 200000\n");
  Mlqd d(dir.path() + "/data", Args({"--config", config}), dir.path() + "/mlqd.log");
  ASSERT_TRUE(d.Start()) << d.log();
  EXPECT_EQ(Field(d.Status(), "retention_us"), 0);
  constexpr uint32_t kLines = 100000;
  NumberedSender sender(d.Port("tcp"), {.prefix = "5A", .total = kLines, .rate = 20000});

  auto hup_and_wait = [&](const std::string& text, int64_t retention_us, uint64_t max_disk) {
    WriteFile(config, text);
    d.Signal(SIGHUP);
    json status;
    const bool ok = WaitFor(
        [&] {
          status = d.Status();
          return Field(status, "retention_us") == retention_us &&
                 status.value("max_disk_bytes", uint64_t{1}) == max_disk;
        },
        seconds(10));
    EXPECT_TRUE(ok) << "after SIGHUP with config:\n"
                    << text << "\nstatus: " << status.dump() << "\n"
                    << d.log();
    EXPECT_TRUE(d.Running()) << d.log();
  };
  hup_and_wait("queue-records = 200000\n", 0, 0);
  hup_and_wait("retention = 1d\n", kDayUs, 0);
  hup_and_wait("retention = 2w\nmax-disk = 1G\n", 14 * kDayUs, 1ull << 30);
  // Broken configs: the running settings stay.
  for (const char* broken : {"retention = banana\n", "max-disk = 1K\n", ""}) {
    if (*broken == '\0') {
      unlink(config.c_str());  // the config file is gone
    } else {
      WriteFile(config, broken);
    }
    d.Signal(SIGHUP);
    std::this_thread::sleep_for(milliseconds(500));
    const json status = d.Status();
    ASSERT_TRUE(d.Running()) << "mlqd died on SIGHUP with config " << broken << d.log();
    EXPECT_EQ(Field(status, "retention_us"), 14 * kDayUs) << broken << status.dump();
    EXPECT_EQ(status.value("max_disk_bytes", uint64_t{0}), 1ull << 30) << broken;
  }
  EXPECT_NE(d.log().find("config not reloaded"), std::string::npos) << d.log();
  hup_and_wait("retention = 1d\n", kDayUs, 0);
  // A burst of SIGHUPs.
  for (int i = 0; i < 10; ++i) {
    d.Signal(SIGHUP);
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(WaitFor([&] { return sender.done(); }, seconds(120))) << sender.sent();
  EXPECT_TRUE(sender.never_broke());
  EXPECT_TRUE(WaitFor([&] { return Field(d.Status(), "stored") >= kLines; }, seconds(60)))
      << d.Status().dump();
  EXPECT_TRUE(d.Running()) << d.log();
  const Census census = TakeCensus(d.grpc(), "5A", kLines);
  EXPECT_EQ(census.distinct, kLines) << "lost, e.g." << census.MissingExamples(kLines);
  EXPECT_EQ(census.duplicates, 0u);
  EXPECT_EQ(Field(d.Status(), "retention_us"), kDayUs);
  EXPECT_EQ(d.Stop(), 0) << d.log();
}

// ---------------------------------------------------------------------------
// c. Retention
// ---------------------------------------------------------------------------

std::string Rfc5424(time_t t, const std::string& host, const std::string& qid) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string("<22>1 ") + stamp + " " + host + " postfix/qmgr 77 - - " + qid + ": removed";
}

// Sends 500 lines three days old and 500 fresh ones into mlqd running with
// --retention 1d. With `restart_first`, mlqd first runs without retention
// and is restarted with it (so the lines are in table files, not in the
// memtable, when the pass deletes them). After the pass, more lines arrive.
void RetentionEndToEnd(bool restart_first) {
  TempDir dir;
  const std::string data = dir.path() + "/data", log = dir.path() + "/mlqd.log";
  auto d =
      std::make_unique<Mlqd>(data,
                             Args(restart_first ? std::vector<std::string>{}
                                                : std::vector<std::string>{"--retention", "1d"}),
                             log);
  ASSERT_TRUE(d->Start()) << d->log();
  constexpr uint32_t kEach = 500;
  const time_t now = time(nullptr);
  std::string old_lines, fresh_lines, later_lines;
  for (uint32_t n = 0; n < kEach; ++n) {
    old_lines += Rfc5424(now - 3 * 86400 + n, "mx-old", Qid("0D", n)) + "\n";
    fresh_lines += Rfc5424(now - 60 + n % 50, "mx-new", Qid("F5", n)) + "\n";
    later_lines += Rfc5424(now - 30 + n % 20, "mx-new", Qid("F6", n)) + "\n";
  }
  ASSERT_TRUE(SendTcp(d->Port("tcp"), old_lines + fresh_lines));
  ASSERT_TRUE(WaitFor([&] { return Counter(d->Status(), "stored") >= 2 * kEach; }, seconds(30)))
      << d->Status().dump();
  if (restart_first) {
    ASSERT_EQ(d->Stop(), 0) << d->log();
    d = std::make_unique<Mlqd>(data, Args({"--retention", "1d"}), log);
    ASSERT_TRUE(d->Start()) << d->log();
  }

  json status;
  const auto t0 = std::chrono::steady_clock::now();
  const bool expired = WaitFor(
      [&] {
        status = d->Status();
        return !d->Running() || (Field(status, "expired_before_us") > 0 &&
                                 Counter(status, "retention.deleted") >= kEach);
      },
      seconds(30));
  ASSERT_TRUE(d->Running()) << "mlqd died in the retention pass:\n" << d->log();
  EXPECT_TRUE(expired) << status.dump() << "\n" << d->log();
  const double pass_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Status reads its fields one after the other, so the snapshot that saw
  // the pass's counter may hold the record count from before the pass
  // (read first, while the pass was deleting): check a status taken after.
  status = d->Status();
  const int64_t now_us = static_cast<int64_t>(time(nullptr)) * 1000000;
  const int64_t expired_before = Field(status, "expired_before_us");
  EXPECT_GE(expired_before, now_us - kDayUs - 120LL * 1000000) << status.dump();
  EXPECT_LE(expired_before, now_us - kDayUs + 60LL * 1000000) << status.dump();
  const int64_t oldest = Field(status, "oldest_us");
  EXPECT_GE(oldest, now_us - kDayUs) << "oldest_us not within the last day: " << status.dump();
  EXPECT_LE(oldest, now_us) << status.dump();
  EXPECT_EQ(Field(status, "stored"), static_cast<int64_t>(kEach)) << status.dump();

  // Lines keep arriving after the pass.
  ASSERT_TRUE(SendTcp(d->Port("tcp"), later_lines));
  EXPECT_TRUE(WaitFor([&] { return Field(d->Status(), "stored") >= 2 * kEach || !d->Running(); },
                      seconds(30)));
  ASSERT_TRUE(d->Running()) << "mlqd died storing lines after the retention pass:\n" << d->log();

  auto check = [&](const char* when) {
    const Census old_census = TakeCensus(d->grpc(), "0D", kEach, "10d");
    EXPECT_EQ(old_census.distinct, 0u) << when << ": expired lines are still returned";
    for (const char* prefix : {"F5", "F6"}) {
      const Census fresh = TakeCensus(d->grpc(), prefix, kEach, "10d");
      EXPECT_EQ(fresh.distinct, kEach)
          << when << ": fresh lines " << prefix << " lost, e.g." << fresh.MissingExamples(kEach);
    }
    // Index lookups do not return them either.
    for (uint32_t n : {0u, 1u, kEach / 2, kEach - 1}) {
      const CommandResult r = d->Mlq({"find", "--json", "--queue-id", Qid("0D", n)});
      EXPECT_EQ(ParseJsonLines(r.out).size(), 0u) << when << ": " << Qid("0D", n) << r.out;
      const CommandResult f = d->Mlq({"find", "--json", "--queue-id", Qid("F5", n)});
      EXPECT_EQ(ParseJsonLines(f.out).size(), 1u) << when << ": " << Qid("F5", n) << f.err;
    }
  };
  check("after the pass");
  EXPECT_EQ(d->Stop(), 0) << d->log();
  ASSERT_TRUE(d->Start()) << "mlqd does not start again:\n" << d->log();
  check("after a restart");
  EXPECT_EQ(Field(d->Status(), "stored"), static_cast<int64_t>(2 * kEach));
  EXPECT_EQ(d->Stop(), 0) << d->log();
  std::printf("[ figures  ] retention: %u old lines deleted %.1f s after the %s\n", kEach, pass_s,
              restart_first ? "restart" : "lines were stored");
}

// The lines are still in the memtable when the pass deletes them.
TEST(BackupRetentionTest, LinesOlderThanRetentionAreDeletedAndNeverReturned) {
  RetentionEndToEnd(/*restart_first=*/false);
}

// The lines were flushed to table files by a clean restart before the pass.
TEST(BackupRetentionTest, RetentionSetAtRestartDeletesFlushedOldLines) {
  RetentionEndToEnd(/*restart_first=*/true);
}

}  // namespace
}  // namespace mlq::testing
