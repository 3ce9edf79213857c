// Tests of the Roundcube normalizer (receiver/roundcube.cc).

#include "receiver/normalizers/roundcube.h"

#include <gtest/gtest.h>

#include <string>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

NormalizerTable Table() { return testing::TableOf({RegisterRoundcube}); }

TEST(RoundcubeTest, Cases) {
  EXPECT_GE(testing::RunCaseFile(Table(), "roundcube/cases.txt", "roundcube"), 30u);
}

TEST(RoundcubeTest, LogFileSnifferNeedsTheDate) {
  NormalizerTable t = Table();
  EXPECT_EQ(testing::NormalizeLine(t, "[error] FAILED login for x from 192.0.2.1").event, "");
  EXPECT_EQ(testing::NormalizeLine(t, "FAILED login for x from 192.0.2.1").event, "");
}

TEST(RoundcubeTest, LogFileDateWithOffsetBecomesTheTime) {
  NormalizerTable t = Table();
  // 2020-10-27 12:00:37 +0100 = 11:00:37 UTC.
  LogRecord rec = testing::NormalizeLine(
      t, "[27-Oct-2020 12:00:37 +0100]: <20cd0a1a> In migration: 0000-dbinit");
  EXPECT_EQ(rec.event, "db-migration");
  EXPECT_EQ(rec.timestamp_us, 1603796437LL * 1000000);
  EXPECT_EQ(rec.flags & kFlagNoTimestamp, 0u);
  rec = testing::NormalizeLine(
      t,
      "[7-Jul-2021 01:49:23 -0600]: <d3e8d08c> PHP Error: Request security check failed "
      "(POST /cpsess9671421933/3rdparty/roundcube/index.php?_task=login&_action=login)");
  EXPECT_EQ(rec.event, "request-check-failed");
  EXPECT_EQ(rec.timestamp_us, 1625644163LL * 1000000);  // 07:49:23 UTC
  // A zone name would need the zone database: the receive time stays.
  rec = testing::NormalizeLine(
      t,
      "[02-May-2021 13:16:15 America/Boise] Unexpected condition from IMAP server, closed or "
      "corrupt connection to IMAP. Possible mailbox corruption.");
  EXPECT_EQ(rec.event, "imap-error");
  EXPECT_NE(rec.flags & kFlagNoTimestamp, 0u);
  // A syslog header's time wins over the text.
  rec = testing::NormalizeLine(
      t, "May 19 06:07:49 server roundcube[21296]: [27-Oct-2020 12:00:37 +0100]: In migration: x");
  EXPECT_NE(rec.timestamp_us, 1603796437LL * 1000000);
}

TEST(RoundcubeTest, CorpusCoverageAndAgreement) {
  const std::string dir = testing::CorpusDir();
  MLQ_REQUIRE_CORPUS(testing::FileExists(dir + "/mail/seeds/000_07d424b83bb7cfa9.log"),
                     "no corpus at " << dir);
  NormalizerTable t = Table();
  testing::Coverage total;
  total.Add(testing::MeasureFile(t, dir + "/mail/other/fail2ban-roundcube-auth.log"));
  auto mine = [](const LogRecord& r) { return r.program == "roundcube"; };
  total.Add(testing::MeasureFile(t, dir + "/mail/seeds/000_07d424b83bb7cfa9.log", mine));
  // A cPanel server's Roundcube and PHP error logs mixed into a maillog
  // dump: the lines with the bracketed PHP date (one shell-prompt line and
  // the Postfix lines are not Roundcube's).
  auto log_file = [](const LogRecord& r) {
    return r.program.empty() && r.raw.size() > 2 && r.raw[0] == '[' && r.raw[1] >= '0' &&
           r.raw[1] <= '9';
  };
  const std::string mixed = dir + "/mail/postfix/infohtreasure-Postfix-Maillog-Dump-maillog.log";
  if (testing::FileExists(mixed)) total.Add(testing::MeasureFile(t, mixed, log_file));
  testing::PrintMisses(total);
  std::printf("  roundcube total: %zu/%zu = %.1f%%\n", total.recognized, total.lines,
              total.Percent());
  EXPECT_GE(total.lines, 19u + (testing::FileExists(mixed) ? 1267u : 0u));
  EXPECT_GE(total.Percent(), 98.0);
  testing::Agreement a =
      testing::CompareFail2ban(t, dir + "/expected/fail2ban-roundcube-auth.jsonl");
  EXPECT_GE(a.compared, 17u);
  EXPECT_GE(a.Percent(), 95.0);
}

TEST(RoundcubeTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(t, testing::CaseLines({"roundcube/cases.txt"}), {"roundcube", ""});
}

}  // namespace
}  // namespace mlq
