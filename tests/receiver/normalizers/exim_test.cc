// Tests of the Exim normalizer: table-driven cases over real lines
// (tests/data/exim/cases.txt), recognition rates over copies of the corpus
// files (tests/data/exim/corpus/, and the full shared corpus when present),
// agreement with other parsers' expected fields
// (tests/data/exim/expected-fields.tsv), and robustness against truncated
// and random input.

#include "receiver/normalizers/exim.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "coverage/daemon_path.h"
#include "receiver/normalizers/family_harness.h"
#include "test_util.h"

namespace mlq {
namespace {

const testing::FamilyHarness& H();

// A whole line as the receiver builds it: header parsed, normalized.
LogRecord ParseLine(std::string_view line) { return H().FromLine(line); }

// Lines of a corpus file that are not Exim log lines and do not count,
// besides blank lines (test-suite separators): in the Exim test-suite files the
// harness's "******** SERVER ********" / "**NOTE:" lines; in the test-suite
// mainlog (test/log/*), lines that neither start with a "YYYY-" time nor
// with a blank are the fake SMTP servers' transcripts ("<<< RCPT TO:...",
// "250 OK") and filter-test output that the harness writes into the files.
bool Excluded(const std::string& file, std::string_view line) {
  if (!file.starts_with("exim-testsuite-")) return false;
  if (line == "******** SERVER ********" || line.starts_with("**NOTE:")) return true;
  if (file == "exim-testsuite-log.log") {
    auto digit = [&](size_t i) { return i < line.size() && line[i] >= '0' && line[i] <= '9'; };
    bool timed = digit(0) && digit(1) && digit(2) && digit(3) && line.size() > 4 && line[4] == '-';
    return !timed && line[0] != ' ' && line[0] != '\t';
  }
  return false;
}

const testing::FamilyHarness& H() {
  static const testing::FamilyHarness h(
      testing::LogFileFamily("exim", RegisterExim, NormalizeExim, SniffExim, "exim", Excluded));
  return h;
}

TEST(EximTest, Cases) { H().RunCases(50u); }

// ---- shapes documented by Exim but absent from the corpus ----
// These lines are constructed from the Exim specification ("Log files"):
// log_timezone adds the zone to the time, and Exim splits a long or
// multi-line message it writes to syslog into parts marked "[n/m]" or "[n\m]".

TEST(EximTest, TimestampWithZoneOffsetIsConvertedToUtc) {
  LogRecord rec = ParseLine("2026-11-22 10:11:12 +0100 1pABCd-000Abc-Xy Completed");
  EXPECT_EQ(rec.event, "removed");
  EXPECT_EQ(rec.queue_id, "1pABCd-000Abc-Xy");
  EXPECT_EQ(testing::IsoTime(rec.timestamp_us), "2026-11-22T09:11:12");
  EXPECT_EQ(rec.flags & kFlagNoTimestamp, 0u);
  rec = ParseLine("2026-11-22 10:11:12.250 -0230 1rXyZa-00000000AbC-0aBc Completed");
  EXPECT_EQ(rec.queue_id, "1rXyZa-00000000AbC-0aBc");
  EXPECT_EQ(testing::IsoTime(rec.timestamp_us), "2026-11-22T12:41:12.25");
}

TEST(EximTest, SyslogTimeWinsOverTheEmbeddedOne) {
  LogRecord rec =
      ParseLine("Nov 22 10:00:00 mx exim[77]: 2021-07-17 23:20:49 1pABCd-000Abc-Xy Completed");
  EXPECT_EQ(rec.format, SyslogFormat::kRfc3164);
  EXPECT_EQ(rec.event, "removed");
  EXPECT_EQ(testing::IsoTime(rec.timestamp_us), "2026-11-22T10:00:00");
  EXPECT_EQ(rec.pid, "77");
}

TEST(EximTest, SyslogSplitParts) {
  LogRecord first = ParseLine(
      "Nov 22 10:00:00 mx exim[77]: [1\\2] 1pABCd-000Abc-Xy <= a@example.org "
      "H=mx.example.org [192.0.2.1] P=esmtp S=100 for b@example.com");
  EXPECT_EQ(first.event, "queued");
  EXPECT_EQ(first.from, "a@example.org");
  EXPECT_EQ(first.client_ip, "192.0.2.1");
  LogRecord second = ParseLine("Nov 22 10:00:00 mx exim[77]: [2\\2] c@example.com");
  EXPECT_EQ(second.family, "exim");
  EXPECT_EQ(second.event, "continuation");
  EXPECT_EQ(second.Extra("part"), "2");
}

TEST(EximTest, RegistersProgramsAndSniffer) {
  const NormalizerTable& t = H().Table();
  EXPECT_EQ(t.Find("exim"), &NormalizeExim);
  EXPECT_EQ(t.Find("exim4"), &NormalizeExim);
  EXPECT_EQ(t.Find("exim4-heavy"), &NormalizeExim);
  // A line of an unrelated program is not sniffed even if it looks like Exim.
  LogRecord rec = ParseLine("Nov 22 10:00:00 mx cron[1]: SMTP connection from [192.0.2.1]");
  EXPECT_EQ(rec.family, "");
}

// ---- corpus coverage ----

TEST(EximTest, CorpusCopiesCoverage) { H().ExpectCorpusCopiesCoverage(14u); }

TEST(EximTest, FullCorpusCoverage) { H().ExpectFullCorpusCoverage(); }

// ---- agreement with other parsers' expected fields ----

TEST(EximTest, ExpectedFieldsAgreement) { H().ExpectFieldsAgreement(201u); }  // more than 200

// ---- robustness ----

TEST(EximTest, TruncatedLinesAreSafe) { H().PokeTruncatedLines(); }

TEST(EximTest, RandomInputIsSafe) {
  static constexpr std::string_view kPieces[] = {"<=",
                                                 "=>",
                                                 "->",
                                                 "**",
                                                 "==",
                                                 "*>",
                                                 " ",
                                                 " ",
                                                 " ",
                                                 ":",
                                                 ": ",
                                                 "[",
                                                 "]",
                                                 "(",
                                                 ")",
                                                 "<",
                                                 ">",
                                                 "\"",
                                                 "\\",
                                                 "=",
                                                 "H=",
                                                 "I=",
                                                 "F=",
                                                 "R=",
                                                 "T=",
                                                 "C=\"",
                                                 "S=",
                                                 "id=",
                                                 "A=",
                                                 "U=",
                                                 "for ",
                                                 "rejected ",
                                                 "RCPT ",
                                                 "authenticator failed for ",
                                                 "SMTP connection from ",
                                                 "defer (",
                                                 "1pABCd-000Abc-Xy",
                                                 "1rXyZa-00000000AbC-0aBc",
                                                 "2026-11-22 10:11:12",
                                                 ".345",
                                                 " +0100",
                                                 "[123] ",
                                                 "[1/2] ",
                                                 "x.example",
                                                 "192.0.2.1",
                                                 ":25",
                                                 "\t",
                                                 "  ",
                                                 "a@b",
                                                 "SA: Action: ",
                                                 "DKIM: ",
                                                 "(set_id=",
                                                 "queued as ",
                                                 "\xff",
                                                 std::string_view("\0", 1)};
  H().PokeRandomPieces(kPieces);
}

}  // namespace
}  // namespace mlq
