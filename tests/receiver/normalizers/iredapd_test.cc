// Tests of the iRedAPD normalizer (receiver/iredapd.cc).

#include "receiver/normalizers/iredapd.h"

#include <gtest/gtest.h>

#include <string>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

NormalizerTable Table() { return testing::TableOf({RegisterIredapd}); }

TEST(IredapdTest, Cases) {
  EXPECT_GE(testing::RunCaseFile(Table(), "iredapd/cases.txt", "iredapd"), 11u);
}

// iRedAPD's tag has no colon: the message starts at the client address.
TEST(IredapdTest, TagWithoutColon) {
  LogRecord rec = testing::ParseLine(
      "Jul  6 04:19:36 mail iredapd [103.69.195.21] Bypass greylisting due to SPF match (x)");
  EXPECT_EQ(rec.program, "iredapd");
  EXPECT_EQ(rec.message(), "[103.69.195.21] Bypass greylisting due to SPF match (x)");
}

TEST(IredapdTest, EmptySender) {
  NormalizerTable t = Table();
  LogRecord rec = testing::NormalizeLine(
      t, "Jul  6 08:46:20 mail iredapd [192.0.2.1] RCPT, <> -> a@b, DUNNO [sasl_username=]");
  EXPECT_EQ(rec.event, "policy");
  EXPECT_EQ(rec.from, "");
  EXPECT_EQ(rec.status, "DUNNO");
}

TEST(IredapdTest, CorpusCoverage) {
  const std::string dir = testing::CorpusDir() + "/mail/";
  MLQ_REQUIRE_CORPUS(testing::FileExists(dir + "seeds/000_07d424b83bb7cfa9.log"),
                     "no corpus at " << dir);
  NormalizerTable t = Table();
  auto mine = [](const LogRecord& r) { return r.program == "iredapd"; };
  testing::Coverage total = testing::MeasureFile(t, dir + "seeds/000_07d424b83bb7cfa9.log", mine);
  testing::PrintMisses(total);
  std::printf("  iredapd total: %zu/%zu = %.1f%%\n", total.recognized, total.lines,
              total.Percent());
  EXPECT_GE(total.lines, 8u);
  EXPECT_GE(total.Percent(), 98.0);
}

TEST(IredapdTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(t, testing::CaseLines({"iredapd/cases.txt"}), {"iredapd"});
}

}  // namespace
}  // namespace mlq
