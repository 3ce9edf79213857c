// Tests of the ClamAV normalizer (receiver/clamav.cc).

#include "receiver/normalizers/clamav.h"

#include <gtest/gtest.h>

#include <string>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

NormalizerTable Table() { return testing::TableOf({RegisterClamav}); }

TEST(ClamavTest, Cases) {
  EXPECT_GE(testing::RunCaseFile(Table(), "clamav/cases.txt", "clamav"), 30u);
}

// The LogTime prefix of a clamd log file identifies ClamAV by itself; a
// docker timestamp alone does not.
TEST(ClamavTest, SnifferNeedsEvidence) {
  NormalizerTable t = Table();
  EXPECT_EQ(testing::NormalizeLine(t, "Sun Dec 24 21:19:09 2023 -> Some new message").event,
            "info");
  EXPECT_EQ(testing::NormalizeLine(t, "2024-07-22T02:01:00.8Z Some new message").event, "");
  EXPECT_EQ(testing::NormalizeLine(t, "web_1  | Exiting").event, "");
  EXPECT_EQ(testing::NormalizeLine(t, "clamd_1  | Exiting").event, "info");
  // An RFC 3339 syslog header with an offset is not a docker prefix.
  EXPECT_EQ(testing::NormalizeLine(t, "2024-07-22T02:01:00.8+02:00 host app: Database test passed.")
                .event,
            "");
}

TEST(ClamavTest, MilterTakesLastInfectedBy) {
  NormalizerTable t = Table();
  LogRecord rec = testing::NormalizeLine(
      t,
      "May  5 13:40:01 mail clamav-milter[1]: Message AB12CD34EF from <a@b> to <c@d>, <e@f> "
      "with subject 'infected by me' message-id '<x@y>' date 'now' infected by Eicar");
  EXPECT_EQ(rec.event, "virus-found");
  EXPECT_EQ(rec.Extra("virus"), "Eicar");
  EXPECT_EQ(rec.Extra("subject"), "infected by me");
  EXPECT_EQ(rec.to, (std::vector<std::string>{"c@d", "e@f"}));
  EXPECT_EQ(rec.message_id, "x@y");
}

TEST(ClamavTest, CorpusCoverage) {
  const std::string dir = testing::CorpusDir() + "/mail/";
  MLQ_REQUIRE_CORPUS(testing::FileExists(dir + "seeds/002_57e71bef38fd9a1d.log"),
                     "no corpus at " << dir);
  NormalizerTable t = Table();
  testing::Coverage total;
  for (const char* f :
       {"clamav/issue-clamav-docker-52-docker-timestamped.log",
        "clamav/issue-docker-mailserver-3725-clamd.log",
        "clamav/issue-docker-mailserver-4604-clamd.log",
        "clamav/issue-mailcow-dockerized-4525-2746-compose-prefixed.log",
        "clamav/issue-nethserver-dev-5755-clamd-syslog.log", "clamav/wazuh-ruleset.log"}) {
    total.Add(testing::MeasureFile(t, dir + f));
  }
  auto mine = [](const LogRecord& r) {
    return r.program == "clamd" || r.program == "freshclam" || r.program == "clamav-milter";
  };
  total.Add(testing::MeasureFile(t, dir + "seeds/002_57e71bef38fd9a1d.log", mine));
  testing::PrintMisses(total);
  std::printf("  clamav total: %zu/%zu = %.1f%%\n", total.recognized, total.lines, total.Percent());
  EXPECT_GE(total.lines, 42u);
  EXPECT_GE(total.Percent(), 98.0);
}

TEST(ClamavTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(t, testing::CaseLines({"clamav/cases.txt"}),
                     {"clamd", "freshclam", "clamav-milter", "clamonacc", "", "Jul"});
}

}  // namespace
}  // namespace mlq
