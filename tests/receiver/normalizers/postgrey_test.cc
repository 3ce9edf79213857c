// Tests of the Postgrey normalizer (receiver/postgrey.cc).

#include "receiver/normalizers/postgrey.h"

#include <gtest/gtest.h>

#include <string>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

NormalizerTable Table() { return testing::TableOf({RegisterPostgrey}); }

TEST(PostgreyTest, Cases) {
  EXPECT_GE(testing::RunCaseFile(Table(), "postgrey/cases.txt", "postgrey"), 14u);
}

TEST(PostgreyTest, ReasonWithCommaLikeTextStaysWhole) {
  NormalizerTable t = Table();
  LogRecord rec = testing::NormalizeLine(
      t,
      "Jun 20 16:46:17 ares postgrey[919]: action=greylist, reason=early-retry (295s missing), "
      "client_name=a, client_address=192.0.2.1, sender=, recipient=b@c");
  EXPECT_EQ(rec.Extra("reason"), "early-retry (295s missing)");
  EXPECT_EQ(rec.from, "");
  EXPECT_EQ(rec.to, std::vector<std::string>{"b@c"});
}

TEST(PostgreyTest, CorpusCoverage) {
  const std::string dir = testing::CorpusDir() + "/mail/";
  MLQ_REQUIRE_CORPUS(testing::FileExists(dir + "seeds/003_e0219925bad23f2a.log"),
                     "no corpus at " << dir);
  NormalizerTable t = Table();
  testing::Coverage total;
  auto mine = [](const LogRecord& r) { return r.program == "postgrey"; };
  for (const char* f : {"postgrey/sshguard-parser-tests.log", "seeds/003_e0219925bad23f2a.log"}) {
    total.Add(testing::MeasureFile(t, dir + f, mine));
  }
  testing::PrintMisses(total);
  std::printf("  postgrey total: %zu/%zu = %.1f%%\n", total.recognized, total.lines,
              total.Percent());
  EXPECT_GE(total.lines, 6u);
  EXPECT_GE(total.Percent(), 98.0);
}

TEST(PostgreyTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(t, testing::CaseLines({"postgrey/cases.txt"}), {"postgrey"});
}

}  // namespace
}  // namespace mlq
