// Tests of the SpamAssassin normalizer (receiver/spamassassin.cc).

#include "receiver/normalizers/spamassassin.h"

#include <gtest/gtest.h>

#include <string>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

NormalizerTable Table() { return testing::TableOf({RegisterSpamassassin}); }

TEST(SpamassassinTest, Cases) {
  EXPECT_GE(testing::RunCaseFile(Table(), "spamassassin/cases.txt", "spamassassin"), 20u);
}

TEST(SpamassassinTest, CorpusCoverage) {
  const std::string dir = testing::CorpusDir() + "/mail/";
  MLQ_REQUIRE_CORPUS(testing::FileExists(dir + "spamassassin/wazuh-ruleset.log"),
                     "no corpus at " << dir);
  NormalizerTable t = Table();
  testing::Coverage total;
  for (const char* f : {"spamassassin/issue-mailcow-318-postscreen-spamd-spamassassin-subset.log",
                        "spamassassin/msimerson-log-ship-elastic-postfix-harvest.log",
                        "spamassassin/msimerson-postfix-parser-tests-spamassassin-subset.log",
                        "spamassassin/wazuh-ruleset.log"}) {
    total.Add(testing::MeasureFile(t, dir + f));
  }
  testing::PrintMisses(total);
  std::printf("  spamassassin total: %zu/%zu = %.1f%%\n", total.recognized, total.lines,
              total.Percent());
  EXPECT_GE(total.lines, 13u);
  EXPECT_GE(total.Percent(), 98.0);
}

TEST(SpamassassinTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(t, testing::CaseLines({"spamassassin/cases.txt"}), {"spamd", "spamc"});
}

}  // namespace
}  // namespace mlq
