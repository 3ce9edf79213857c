// Tests of the Exim normalizer: table-driven cases over real lines
// (tests/data/exim/cases.txt), recognition rates over copies of the corpus
// files (tests/data/exim/corpus/, and the full shared corpus when present),
// agreement with other parsers' expected fields
// (tests/data/exim/expected-fields.tsv), and robustness against truncated
// and random input.

#include "receiver/normalizers/exim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coverage/agreement.h"
#include "coverage/daemon_path.h"
#include "coverage/event_kinds.h"
#include "receiver/normalizers/normalizer.h"
#include "receiver/intake/syslog_parser.h"
#include "store/record.h"
#include "test_util.h"

namespace mlq {
namespace {

constexpr std::string_view kFamily = "exim";
constexpr int64_t kReceivedUs = 1795348800LL * 1000000;  // 2026-11-22T12:00:00Z

const NormalizerTable& Table() {
  static const NormalizerTable* const table = [] {
    auto* t = new NormalizerTable();
    RegisterExim(*t);
    return t;
  }();
  return *table;
}

// A record for `line` as the receiver builds it: header parsed, normalized.
LogRecord ParseLine(std::string_view line) {
  LogRecord rec;
  rec.raw.assign(line.data(), line.size());
  ParseContext ctx;
  ctx.received_us = kReceivedUs;
  ctx.fallback_host = "192.0.2.250";
  ParseSyslogLine(rec, ctx);
  Table().Normalize(rec);
  return rec;
}

// The lines of a data file without its leading "#" comment block.
std::vector<std::string> DataLines(const std::string& path) {
  std::vector<std::string> lines = testing::ReadLines(path);
  size_t skip = 0;
  while (skip < lines.size() && lines[skip].starts_with("#")) ++skip;
  lines.erase(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(skip));
  return lines;
}

// ---- case files ----

struct Case {
  int line_no = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> expect;
  bool unrecognized = false;
};

std::vector<Case> ReadCases(const std::string& path) {
  std::vector<Case> cases;
  int no = 0;
  for (const std::string& l : testing::ReadLines(path)) {
    ++no;
    if (l.empty() || l[0] == '#') continue;
    if (l.starts_with("  ")) {
      if (cases.empty()) {
        ADD_FAILURE() << path << ":" << no << ": expectation before any case";
        continue;
      }
      std::string_view e = std::string_view(l).substr(2);
      if (e == "unrecognized") {
        cases.back().unrecognized = true;
        continue;
      }
      size_t eq = e.find('=');
      if (eq == std::string_view::npos) {
        ADD_FAILURE() << path << ":" << no << ": bad expectation " << e;
        continue;
      }
      cases.back().expect.emplace_back(std::string(e.substr(0, eq)), std::string(e.substr(eq + 1)));
      continue;
    }
    Case c;
    c.line_no = no;
    c.line = l.starts_with("raw:") ? testing::UnescapeTsvCell(std::string_view(l).substr(4)) : l;
    cases.push_back(std::move(c));
  }
  return cases;
}

void ExpectCase(const Case& c, const std::string& file) {
  SCOPED_TRACE(file + ":" + std::to_string(c.line_no) + ": " + c.line);
  LogRecord rec = ParseLine(c.line);
  if (c.unrecognized) {
    EXPECT_EQ(rec.family, "");
    EXPECT_EQ(rec.event, "");
    return;
  }
  std::map<std::string, std::string> want = {{"family", std::string(kFamily)}};
  std::vector<std::string> want_to, want_links;
  for (const auto& [k, v] : c.expect) {
    if (k == "to") {
      want_to.push_back(v);
    } else if (k == "link") {
      want_links.push_back(v);
    } else if (k.starts_with("extra.")) {
      EXPECT_EQ(rec.Extra(k.substr(6)), v) << "extra " << k.substr(6);
    } else if (k == "time") {
      EXPECT_EQ(testing::IsoTime(rec.timestamp_us), v) << "time";
    } else if (k == "pid") {
      EXPECT_EQ(rec.pid, v) << "pid";
    } else {
      want[k] = v;
    }
  }
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"family", &rec.family},
      {"event", &rec.event},
      {"queue_id", &rec.queue_id},
      {"message_id", &rec.message_id},
      {"from", &rec.from},
      {"orig_to", &rec.orig_to},
      {"status", &rec.status},
      {"dsn", &rec.dsn},
      {"relay", &rec.relay},
      {"reply", &rec.reply},
      {"delay", &rec.delay},
      {"delays", &rec.delays},
      {"client_name", &rec.client_name},
      {"client_ip", &rec.client_ip},
      {"sasl_user", &rec.sasl_user},
      {"helo", &rec.helo},
      {"proto", &rec.proto},
  };
  for (const auto& [k, v] : fields) {
    auto it = want.find(std::string(k));
    EXPECT_EQ(*v, it == want.end() ? "" : it->second) << "field " << k;
  }
  for (const auto& [k, v] : want) {
    bool known = k == "size" || k == "nrcpt";
    for (const auto& [fk, fv] : fields) known = known || k == fk;
    EXPECT_TRUE(known) << "unknown expectation key " << k;
  }
  EXPECT_EQ(rec.size, want.count("size") ? std::stoll(want["size"]) : -1) << "field size";
  EXPECT_EQ(rec.nrcpt, want.count("nrcpt") ? std::stoll(want["nrcpt"]) : -1) << "field nrcpt";
  EXPECT_EQ(rec.to, want_to) << "field to";
  std::vector<std::string> links;
  for (const Link& l : rec.links) links.push_back(l.kind + ":" + l.queue_id);
  EXPECT_EQ(links, want_links) << "field links";
}

TEST(EximTest, Cases) {
  const std::vector<Case> cases = ReadCases(testing::TestData("exim/cases.txt"));
  ASSERT_GT(cases.size(), 50u);
  for (const Case& c : cases) ExpectCase(c, "exim/cases.txt");
}

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
  const NormalizerTable& t = Table();
  EXPECT_EQ(t.Find("exim"), &NormalizeExim);
  EXPECT_EQ(t.Find("exim4"), &NormalizeExim);
  EXPECT_EQ(t.Find("exim4-heavy"), &NormalizeExim);
  // A line of an unrelated program is not sniffed even if it looks like Exim.
  LogRecord rec = ParseLine("Nov 22 10:00:00 mx cron[1]: SMTP connection from [192.0.2.1]");
  EXPECT_EQ(rec.family, "");
}

// ---- corpus coverage ----

// Lines of a corpus file that are not Exim log lines and do not count:
// blank lines (test-suite separators), and in the Exim test-suite files the
// harness's "******** SERVER ********" / "**NOTE:" lines; in the test-suite
// mainlog (test/log/*), lines that neither start with a "YYYY-" time nor
// with a blank are the fake SMTP servers' transcripts ("<<< RCPT TO:...",
// "250 OK") and filter-test output that the harness writes into the files.
bool Excluded(const std::string& file, std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return true;
  if (!file.starts_with("exim-testsuite-")) return false;
  if (line == "******** SERVER ********" || line.starts_with("**NOTE:")) return true;
  if (file == "exim-testsuite-log.log") {
    auto digit = [&](size_t i) { return i < line.size() && line[i] >= '0' && line[i] <= '9'; };
    bool timed = digit(0) && digit(1) && digit(2) && digit(3) && line.size() > 4 && line[4] == '-';
    return !timed && line[0] != ' ' && line[0] != '\t';
  }
  return false;
}

struct Coverage {
  size_t lines = 0, recognized = 0, specific = 0;
  double Rate() const { return lines == 0 ? 1.0 : static_cast<double>(recognized) / lines; }
};

// Runs every file of `dir` through the table; prints the rate per file.
Coverage RunCoverage(const std::string& dir, bool strip_comments, size_t* files) {
  Coverage total;
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    const std::string file = std::filesystem::path(path).filename().string();
    std::vector<std::string> lines = strip_comments ? DataLines(path) : testing::ReadLines(path);
    Coverage c;
    std::vector<std::string> missed;
    for (const std::string& line : lines) {
      if (Excluded(file, line)) continue;
      ++c.lines;
      LogRecord rec = ParseLine(line);
      if (rec.family == kFamily && !rec.event.empty()) {
        ++c.recognized;
        if (!testing::IsGenericEvent(rec.event)) ++c.specific;
      } else if (missed.size() < 3) {
        missed.push_back(line);
      }
    }
    if (c.lines == 0) {
      std::printf("  %-48s excluded (another family's lines, see Excluded)\n", file.c_str());
      ++*files;
      continue;
    }
    std::printf("  %-48s %6zu lines  recognized %6.2f%%  specific event %6.2f%%\n", file.c_str(),
                c.lines, 100.0 * c.Rate(), 100.0 * static_cast<double>(c.specific) / c.lines);
    for (const std::string& m : missed) std::printf("      unrecognized: %.150s\n", m.c_str());
    EXPECT_GE(c.Rate(), 0.98) << file;
    total.lines += c.lines;
    total.recognized += c.recognized;
    total.specific += c.specific;
    ++*files;
  }
  std::printf("  %-48s %6zu lines  recognized %6.2f%%  specific event %6.2f%%\n", "TOTAL",
              total.lines, 100.0 * total.Rate(),
              total.lines ? 100.0 * static_cast<double>(total.specific) / total.lines : 100.0);
  return total;
}

TEST(EximTest, CorpusCopiesCoverage) {
  size_t files = 0;
  Coverage total = RunCoverage(testing::TestData("exim/corpus"), true, &files);
  EXPECT_EQ(files, 14u);
  EXPECT_GE(total.Rate(), 0.98);
}

std::string CorpusDir() {
  if (const char* env = std::getenv("MLQ_CORPUS")) return env;
  return std::string(MLQ_TEST_DATA) + "/../../../shared/corpus";
}

TEST(EximTest, FullCorpusCoverage) {
  const std::string dir = CorpusDir() + "/mail/exim";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no shared corpus at " << dir;
  size_t files = 0;
  Coverage total = RunCoverage(dir, false, &files);
  EXPECT_GE(total.Rate(), 0.98);
}

// ---- agreement with other parsers' expected fields ----

TEST(EximTest, ExpectedFieldsAgreement) {
  testing::Agreement a =
      testing::CompareExpectedFieldsTsv(testing::TestData("exim/expected-fields.tsv"), kFamily,
                                        [](std::string_view line) { return ParseLine(line); });
  for (const std::string& d : a.differences) std::printf("  disagree %s\n", d.c_str());
  ASSERT_GT(a.compared, 200u);
  std::printf("  overall %zu/%zu (%.1f%%)\n", a.agreed, a.compared, a.Percent());
  EXPECT_GE(a.Percent(), 95.0);
}

// ---- robustness ----

// Calls the normalizer and the sniffer on `text` held in a buffer of exactly
// its size (so that a sanitizer sees any read past the end); a refused sniff
// must leave the record untouched.
void Poke(std::string_view text) {
  std::unique_ptr<char[]> buf(new char[text.size() + 1]);
  std::copy(text.begin(), text.end(), buf.get());
  std::string_view view(buf.get(), text.size());
  LogRecord a;
  EXPECT_TRUE(NormalizeExim(view, a));
  EXPECT_EQ(a.family, "exim");
  EXPECT_FALSE(a.event.empty());
  LogRecord b;
  if (!SniffExim(view, b)) {
    EXPECT_EQ(b, LogRecord{}) << text;
  }
  LogRecord c;
  c.program = "exim";
  c.raw.assign(view.data(), view.size());
  Table().Normalize(c);
}

std::vector<std::string> AllTestLines() {
  std::vector<std::string> lines;
  for (const Case& c : ReadCases(testing::TestData("exim/cases.txt"))) lines.push_back(c.line);
  for (const auto& e : std::filesystem::directory_iterator(testing::TestData("exim/corpus"))) {
    for (std::string& l : DataLines(e.path().string())) lines.push_back(std::move(l));
  }
  return lines;
}

TEST(EximTest, TruncatedLinesAreSafe) {
  std::mt19937 rng(7);
  for (const std::string& line : AllTestLines()) {
    if (line.size() <= 160) {
      for (size_t n = 0; n <= line.size(); ++n) Poke(std::string_view(line).substr(0, n));
    } else {
      for (int i = 0; i < 40; ++i) Poke(std::string_view(line).substr(0, rng() % line.size()));
      Poke(line);
    }
  }
}

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
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int parts = static_cast<int>(rng() % 24);
    for (int p = 0; p < parts; ++p) {
      if (rng() % 4 == 0) {
        s.push_back(static_cast<char>(rng() % 256));
      } else {
        std::string_view piece = kPieces[rng() % std::size(kPieces)];
        s.append(piece.data(), piece.size());
      }
    }
    Poke(s);
  }
}

}  // namespace
}  // namespace mlq
