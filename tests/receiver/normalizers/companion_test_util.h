// Test support for the companion mail-log normalizers (opendkim, postgrey,
// iredapd, clamav, spamassassin, roundcube, other_mta, auth_misc): case
// files, corpus coverage, field agreement with expected/*.jsonl (through
// coverage/agreement.h), and robustness against truncated and random input.
// Header-only so that each test executable stays independent.
//
// Case file format (tests/data/<family>/*.txt):
//   - lines starting with '#' and blank lines are comments;
//   - a line starting with two spaces is an expectation "  key=value" for
//     the case above it; "  unrecognized" expects the table to refuse it;
//   - any other line is a case: a whole syslog line, parsed with
//     ParseSyslogLine and then normalized.
// Keys: family (default given by the test), event, queue_id, message_id,
// from, to (repeatable, in order), orig_to, status, dsn, relay, reply,
// delay, delays, size, nrcpt, client_name, client_ip, sasl_user, helo, proto,
// link=kind:queue_id[@host] (repeatable), extra.NAME. Every mail field not
// listed must be empty (-1 for size/nrcpt); extras are checked only when
// listed.
#pragma once

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coverage/agreement.h"
#include "receiver/normalizers/normalizer.h"
#include "receiver/intake/syslog_parser.h"
#include "store/record.h"
#include "test_util.h"

namespace mlq::testing {

struct NormCase {
  int line_no = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> expect;
  bool unrecognized = false;
};

inline std::vector<NormCase> ReadCases(const std::string& path) {
  std::vector<NormCase> cases;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("  ")) {
      EXPECT_FALSE(cases.empty()) << path << ":" << no << ": expectation before any case";
      if (cases.empty()) continue;
      std::string_view e = std::string_view(line).substr(2);
      if (e == "unrecognized") {
        cases.back().unrecognized = true;
        continue;
      }
      size_t eq = e.find('=');
      EXPECT_NE(eq, std::string_view::npos) << path << ":" << no << ": bad expectation";
      if (eq == std::string_view::npos) continue;
      cases.back().expect.emplace_back(std::string(e.substr(0, eq)), std::string(e.substr(eq + 1)));
      continue;
    }
    NormCase c;
    c.line_no = no;
    c.line = line;
    cases.push_back(std::move(c));
  }
  return cases;
}

// A record for `line` as the receiver builds it: syslog header parsed.
inline LogRecord ParseLine(std::string_view line) {
  LogRecord rec;
  rec.raw.assign(line.data(), line.size());
  ParseContext ctx;
  ctx.received_us = 1700000000LL * 1000000;  // Nov 2023
  ctx.fallback_host = "192.0.2.250";
  ParseSyslogLine(rec, ctx);
  return rec;
}

inline LogRecord NormalizeLine(const NormalizerTable& table, std::string_view line) {
  LogRecord rec = ParseLine(line);
  table.Normalize(rec);
  return rec;
}

inline std::string LinkText(const Link& l) {
  std::string s = l.kind + ":" + l.queue_id;
  if (!l.host.empty()) s += "@" + l.host;
  return s;
}

// Checks one case; failures name the file line.
inline void ExpectCase(const NormalizerTable& table, const NormCase& c,
                       std::string_view default_family, const std::string& file) {
  SCOPED_TRACE(file + ":" + std::to_string(c.line_no) + ": " + c.line);
  LogRecord rec = NormalizeLine(table, c.line);
  if (c.unrecognized) {
    EXPECT_EQ(rec.family, "");
    EXPECT_EQ(rec.event, "");
    return;
  }
  std::vector<std::string> want_to, want_links;
  std::vector<std::pair<std::string, std::string>> fields = {
      {"family", std::string(default_family)}};
  auto set = [&](const std::string& k, const std::string& v) {
    for (auto& [fk, fv] : fields) {
      if (fk == k) {
        fv = v;
        return;
      }
    }
    fields.emplace_back(k, v);
  };
  for (const auto& [k, v] : c.expect) {
    if (k == "to") {
      want_to.push_back(v);
    } else if (k == "link") {
      want_links.push_back(v);
    } else if (k.starts_with("extra.")) {
      EXPECT_EQ(rec.Extra(k.substr(6)), v) << "extra " << k.substr(6);
    } else {
      set(k, v);
    }
  }
  auto want = [&](std::string_view k) -> std::string {
    for (const auto& [fk, fv] : fields) {
      if (fk == k) return fv;
    }
    return "";
  };
  const std::pair<std::string_view, const std::string*> strings[] = {
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
  for (const auto& [k, v] : strings) EXPECT_EQ(*v, want(k)) << "field " << k;
  for (const auto& [fk, fv] : fields) {
    bool known = fk == "size" || fk == "nrcpt";
    for (const auto& [k, v] : strings) known = known || fk == k;
    EXPECT_TRUE(known) << "unknown expectation key " << fk;
  }
  std::string size = want("size"), nrcpt = want("nrcpt");
  EXPECT_EQ(rec.size, size.empty() ? -1 : std::stoll(size)) << "field size";
  EXPECT_EQ(rec.nrcpt, nrcpt.empty() ? -1 : std::stoll(nrcpt)) << "field nrcpt";
  EXPECT_EQ(rec.to, want_to) << "field to";
  std::vector<std::string> links;
  for (const Link& l : rec.links) links.push_back(LinkText(l));
  EXPECT_EQ(links, want_links) << "field links";
}

// Runs every case of a case file.
inline size_t RunCaseFile(const NormalizerTable& table, const std::string& relative,
                          std::string_view default_family) {
  const std::string path = TestData(relative);
  std::vector<NormCase> cases = ReadCases(path);
  EXPECT_FALSE(cases.empty()) << path;
  for (const NormCase& c : cases) ExpectCase(table, c, default_family, relative);
  return cases.size();
}

// ---- the shared corpus (optional: tests skip when it is absent) ----

inline bool IsDir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The corpus folder: $MLQ_CORPUS, else ../shared/corpus next to the project.
inline std::string CorpusDir() {
  if (const char* env = std::getenv("MLQ_CORPUS")) return env;
  return std::string(MLQ_TEST_DATA) + "/../../../shared/corpus";
}

inline bool FileExists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

struct Coverage {
  size_t lines = 0;
  size_t recognized = 0;
  std::vector<std::string> misses;
  void Add(const Coverage& o) {
    lines += o.lines;
    recognized += o.recognized;
    misses.insert(misses.end(), o.misses.begin(), o.misses.end());
  }
  double Percent() const { return lines == 0 ? 100.0 : 100.0 * recognized / lines; }
};

// Lines of `path` that `counts` accepts (all when null) and how many of them
// get a non-empty event; prints one summary line.
inline Coverage MeasureFile(const NormalizerTable& table, const std::string& path,
                            const std::function<bool(const LogRecord&)>& counts = nullptr) {
  Coverage cov;
  for (const std::string& line : ReadLines(path)) {
    if (line.empty()) continue;
    LogRecord rec = ParseLine(line);
    if (counts && !counts(rec)) continue;
    table.Normalize(rec);
    ++cov.lines;
    if (!rec.event.empty()) {
      ++cov.recognized;
    } else {
      cov.misses.push_back(line);
    }
  }
  std::string name = path.substr(path.rfind('/') + 1);
  std::printf("  coverage %-70s %4zu/%-4zu %6.1f%%\n", name.c_str(), cov.recognized, cov.lines,
              cov.Percent());
  return cov;
}

inline void PrintMisses(const Coverage& cov, size_t max = 20) {
  for (size_t i = 0; i < cov.misses.size() && i < max; ++i) {
    std::printf("    unrecognized: %s\n", cov.misses[i].c_str());
  }
}

// ---- agreement with fail2ban's expectations (coverage/agreement.h) ----

// CompareFail2ban for a family table: host and user of the matching lines of
// a fail2ban-*.jsonl file; prints a summary line and the differences.
// `counts` selects the lines this table is responsible for.
inline Agreement CompareFail2ban(const NormalizerTable& table, const std::string& path,
                                 const RecordFilter& counts = nullptr) {
  Agreement a = CompareFail2ban(
      path, [&table](std::string_view line) { return NormalizeLine(table, line); }, counts);
  std::string name = path.substr(path.rfind('/') + 1);
  std::printf("  agreement %-40s %4zu/%-4zu %6.1f%%\n", name.c_str(), a.agreed, a.compared,
              a.Percent());
  for (const std::string& d : a.differences) std::printf("    %s\n", d.c_str());
  return a;
}

// ---- robustness ----

// Feeds every prefix of each line, random byte mutations of it, and random
// strings under each program name to the table. Passing means no crash, no
// exception and (under sanitizers) no out-of-bounds read; a recognized line
// must always have a family.
inline void FuzzTable(const NormalizerTable& table, const std::vector<std::string>& lines,
                      const std::vector<std::string>& programs, uint32_t seed = 12345) {
  auto check = [&](LogRecord& rec) {
    bool ok = table.Normalize(rec);
    if (ok) {
      ASSERT_FALSE(rec.family.empty()) << rec.raw;
      ASSERT_FALSE(rec.event.empty()) << rec.raw;
    }
  };
  std::mt19937 rng(seed);
  for (const std::string& line : lines) {
    for (size_t n = 0; n <= line.size(); ++n) {
      LogRecord rec = ParseLine(std::string_view(line).substr(0, n));
      check(rec);
      // The message alone, truncated from the front too.
      LogRecord tail = ParseLine(line);
      std::string msg(tail.message());
      LogRecord r2;
      r2.program = tail.program;
      r2.pid = tail.pid;
      r2.raw = msg.substr(std::min(n, msg.size()));
      check(r2);
    }
    for (int i = 0; i < 200; ++i) {
      std::string m = line;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        size_t pos = rng() % m.size();
        switch (rng() % 4) {
          case 0:
            m[pos] = static_cast<char>(rng() % 256);
            break;
          case 1:
            m.erase(pos, 1 + rng() % 8);
            break;
          case 2:
            m.insert(pos, 1, " []<>:;,=()'\"/-."[rng() % 16]);
            break;
          default:
            m.resize(pos);
            break;
        }
      }
      LogRecord rec = ParseLine(m);
      check(rec);
    }
  }
  // Splices of random pieces of the lines, under each program: keeps the
  // keywords the parsers look for while breaking their order.
  for (const std::string& program : programs) {
    for (int i = 0; i < 500 && !lines.empty(); ++i) {
      std::string msg;
      int pieces = 1 + static_cast<int>(rng() % 4);
      for (int p = 0; p < pieces; ++p) {
        const std::string& src = lines[rng() % lines.size()];
        if (src.empty()) continue;
        size_t a = rng() % src.size();
        size_t len = rng() % (src.size() - a + 1);
        msg += src.substr(a, len);
      }
      LogRecord rec;
      rec.program = program;
      rec.raw = msg;
      check(rec);
    }
  }
  static const char kAlphabet[] = "ab01 :;,.=[]()<>'\"@-/_\\\t\xff";
  for (const std::string& program : programs) {
    for (int i = 0; i < 3000; ++i) {
      std::string msg;
      size_t len = rng() % 64;
      for (size_t k = 0; k < len; ++k) msg.push_back(kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
      LogRecord rec;
      rec.program = program;
      rec.raw = msg;
      check(rec);
      LogRecord sniff;  // no program: the sniffers see it
      sniff.raw = msg;
      check(sniff);
    }
  }
}

// The lines of case files (for FuzzTable).
inline std::vector<std::string> CaseLines(const std::vector<std::string>& relatives) {
  std::vector<std::string> out;
  for (const std::string& r : relatives) {
    for (const NormCase& c : ReadCases(TestData(r))) out.push_back(c.line);
  }
  return out;
}

}  // namespace mlq::testing
