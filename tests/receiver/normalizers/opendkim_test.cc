// Tests of the OpenDKIM / OpenDMARC normalizer (receiver/opendkim.cc).

#include "receiver/normalizers/opendkim.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

NormalizerTable Table() { return testing::TableOf({RegisterOpendkim}); }

bool IsMine(const LogRecord& rec) {
  return rec.program == "opendkim" || rec.program == "opendmarc";
}

TEST(OpendkimTest, Cases) {
  EXPECT_GE(testing::RunCaseFile(Table(), "opendkim/cases.txt", "opendkim"), 20u);
}

TEST(OpendkimTest, QueueIdTiesToPostfix) {
  NormalizerTable t = Table();
  LogRecord rec = testing::NormalizeLine(
      t,
      "Aug 19 05:49:44 mail opendkim[10046]: EA8FF222F6: DKIM-Signature field added "
      "(s=default, d=unotes.co)");
  EXPECT_EQ(rec.queue_id, "EA8FF222F6");
  EXPECT_EQ(rec.program, "opendkim");
  EXPECT_EQ(rec.pid, "10046");
}

TEST(OpendkimTest, UnknownJobIdLeavesQueueIdEmpty) {
  NormalizerTable t = Table();
  LogRecord rec = testing::NormalizeLine(
      t, "Aug 19 05:49:44 mail opendkim[1]: (unknown-jobid): not authenticated");
  EXPECT_EQ(rec.event, "not-authenticated");
  EXPECT_EQ(rec.queue_id, "");
}

TEST(OpendkimTest, CorpusCoverage) {
  const std::string dir = testing::CorpusDir() + "/mail/";
  MLQ_REQUIRE_CORPUS(testing::FileExists(dir + "seeds/003_e0219925bad23f2a.log"),
                     "no corpus at " << dir);
  NormalizerTable t = Table();
  testing::Coverage total;
  for (const char* f : {"opendkim/issue-docker-mailserver-1049-startup-opendkim-subset.log",
                        "opendkim/issue-getmail6-105-lmtp-amavis-opendkim-opendkim-subset.log",
                        "seeds/002_57e71bef38fd9a1d.log", "seeds/003_e0219925bad23f2a.log",
                        "other/issue-docker-mailserver-1049-startup.log",
                        "postfix/issue-getmail6-105-lmtp-amavis-opendkim.log"}) {
    if (!testing::FileExists(dir + f)) continue;
    total.Add(testing::MeasureFile(t, dir + f, IsMine));
  }
  testing::PrintMisses(total);
  std::printf("  opendkim total: %zu/%zu = %.1f%%\n", total.recognized, total.lines,
              total.Percent());
  EXPECT_GE(total.lines, 10u);
  EXPECT_GE(total.Percent(), 98.0);
}

TEST(OpendkimTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(t, testing::CaseLines({"opendkim/cases.txt"}), {"opendkim", "opendmarc"});
}

}  // namespace
}  // namespace mlq
