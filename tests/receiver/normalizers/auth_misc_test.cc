// Tests of the saslauthd / sshd / policyd-spf normalizers (receiver/auth_misc.cc).

#include "receiver/normalizers/auth_misc.h"

#include <gtest/gtest.h>

#include <string>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

NormalizerTable Table() { return testing::TableOf({RegisterAuthMisc}); }

TEST(AuthMiscTest, Cases) {
  EXPECT_GE(testing::RunCaseFile(Table(), "auth_misc/cases.txt", "sshd"), 38u);
}

// "sshd(pam_unix)" has no '/' so the table looks it up whole: it needs (and
// has) its own registration.
TEST(AuthMiscTest, ParenthesizedProgramIsRegistered) {
  NormalizerTable t = Table();
  EXPECT_NE(t.Find("sshd(pam_unix)"), nullptr);
  EXPECT_NE(t.Find("sshd"), nullptr);
  EXPECT_EQ(t.Find("sshd-session"), t.Find("sshd"));  // dash fallback
}

// The sshd lines of the corpus's syslog vectors (TSV input column) whose
// header names sshd.
TEST(AuthMiscTest, CorpusCoverage) {
  const std::string dir = testing::CorpusDir() + "/syslog/";
  MLQ_REQUIRE_CORPUS(testing::FileExists(dir + "sshguard-banner-formats.tsv"),
                     "no corpus at " << dir);
  NormalizerTable t = Table();
  size_t lines = 0, recognized = 0;
  for (const char* f : {"sshguard-banner-formats.tsv", "rsyslog-tests-head.tsv",
                        "rsyslog-parse1-legacy-testsuites.tsv", "crowdsec-hub-syslog-tests.tsv"}) {
    size_t fl = 0, fr = 0;
    for (const auto& row : testing::ReadTsv(dir + f)) {
      if (row.empty() || row[0] == "input") continue;
      LogRecord rec = testing::ParseLine(row[0]);
      if (rec.program != "sshd" && rec.program != "sshd(pam_unix)") continue;
      t.Normalize(rec);
      ++fl;
      if (!rec.event.empty()) {
        ++fr;
      } else {
        std::printf("    unrecognized: %s\n", row[0].c_str());
      }
    }
    std::printf("  coverage %-50s %4zu/%-4zu\n", f, fr, fl);
    lines += fl;
    recognized += fr;
  }
  std::printf("  auth_misc total: %zu/%zu\n", recognized, lines);
  EXPECT_GE(lines, 8u);
  EXPECT_EQ(recognized, lines);
}

TEST(AuthMiscTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(t, testing::CaseLines({"auth_misc/cases.txt"}),
                     {"sshd", "sshd(pam_unix)", "saslauthd", "policyd-spf"});
}

}  // namespace
}  // namespace mlq
