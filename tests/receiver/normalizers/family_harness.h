// The one harness of the normalizer family tests (tests/receiver/normalizers):
// a table holding only the family's normalizers, lines parsed as the receiver
// parses them, case files, the expected-output tables (expected.tsv), corpus
// coverage, field agreement with other parsers' expectations (through
// coverage/agreement.h), and robustness against truncated and random input.
// Each family's test file gives what differs (FamilySpec: its Register
// function(s), family name, received time, data folder, exclusions, probes)
// and keeps only its own cases and assertions.
//
// Case file format (tests/data/<family>/*.txt):
//   - lines starting with '#' and blank lines are comments;
//   - a line starting with two spaces is an expectation "  key=value" for
//     the case above it; "  unrecognized" expects the table to refuse it;
//   - any other line is a case: a whole syslog line, parsed with
//     ParseSyslogLine and then normalized ("raw:" then a TSV-escaped line
//     for lines with control characters).
// Keys: family (default given by the test), event, queue_id, message_id,
// from, to (repeatable, in order), orig_to, status, dsn, relay, reply,
// delay, delays, size, nrcpt, client_name, client_ip, sasl_user, helo, proto,
// link=kind:queue_id[@host] (repeatable), time (ISO), pid, extra.NAME. Every
// mail field not listed must be empty (-1 for size/nrcpt); extras, time and
// pid are checked only when listed.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coverage/agreement.h"
#include "receiver/intake/syslog_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/record.h"
#include "test_util.h"

namespace mlq::testing {

using RegisterFn = void (*)(NormalizerTable&);

// A table holding only what `registers` register.
NormalizerTable TableOf(std::initializer_list<RegisterFn> registers);

// How a line is parsed: the time it is received at and the host it gets
// when its header names none.
struct ParseOptions {
  int64_t received_us = 1700000000LL * 1000000;  // Nov 2023
  std::string fallback_host = "192.0.2.250";
};

// A record for `line` as the receiver builds it: syslog header parsed.
LogRecord ParseLine(std::string_view line, const ParseOptions& opts = {});
// The same, then normalized by `table`.
LogRecord NormalizeLine(const NormalizerTable& table, std::string_view line,
                        const ParseOptions& opts = {});

// ---- case files ----

struct NormCase {
  int line_no = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> expect;
  bool unrecognized = false;
};

std::vector<NormCase> ReadCases(const std::string& path);

// How cases are checked: the parse options, and whether links name their
// host ("kind:queue_id@host") or not ("kind:queue_id").
struct CaseStyle {
  ParseOptions parse;
  bool link_host = true;
};

std::string LinkText(const Link& l, bool with_host = true);

// Checks one case; failures name the file line.
void ExpectCase(const NormalizerTable& table, const NormCase& c, std::string_view default_family,
                const std::string& file, const CaseStyle& style = {});

// Runs every case of a case file (relative to tests/data); returns how many.
size_t RunCaseFile(const NormalizerTable& table, const std::string& relative,
                   std::string_view default_family, const CaseStyle& style = {});

// The lines of case files (for FuzzTable).
std::vector<std::string> CaseLines(const std::vector<std::string>& relatives);

// ---- the expected-output tables (tests/data/<family>/expected.tsv) ----

// The record's mail fields in the expected.tsv notation: "event=..." always,
// the other fields only when set.
std::vector<std::string> Describe(const LogRecord& rec);

// ---- files and the shared corpus (optional: tests skip when it is absent) ----

bool IsDir(const std::string& p);
bool FileExists(const std::string& p);

// The corpus folder: $MLQ_CORPUS, else ../shared/corpus next to the project.
std::string CorpusDir();

// The files of `dir` whose name ends with `suffix`, sorted; none when `dir`
// is missing.
std::vector<std::string> FilesIn(const std::string& dir, std::string_view suffix);

// The lines of a data file without its leading "#" comment block.
std::vector<std::string> DataLines(const std::string& path);

struct Coverage {
  size_t lines = 0;
  size_t recognized = 0;
  std::vector<std::string> misses;
  void Add(const Coverage& o);
  double Percent() const { return lines == 0 ? 100.0 : 100.0 * recognized / lines; }
};

// Lines of `path` that `counts` accepts (all when null) and how many of them
// get a non-empty event; prints one summary line.
Coverage MeasureFile(const NormalizerTable& table, const std::string& path,
                     const std::function<bool(const LogRecord&)>& counts = nullptr);

void PrintMisses(const Coverage& cov, size_t max = 20);

// Counted lines of whole files, how many were recognized, and how many were
// left out as another program's (`foreign`).
struct LineCoverage {
  size_t lines = 0;
  size_t recognized = 0;
  size_t foreign = 0;
  std::vector<std::string> unrecognized;
  void Count(bool ok, const std::string& line);
  void Merge(const LineCoverage& o);
  double Rate() const { return lines == 0 ? 0 : double(recognized) / lines; }
  // One line: `name`, the count of `noun` lines, the rate; then up to 20
  // unrecognized lines.
  void Print(std::string_view name, std::string_view noun, int width) const;
};

// ---- agreement with fail2ban's expectations (coverage/agreement.h) ----

// CompareFail2ban for a family table: host and user of the matching lines of
// a fail2ban-*.jsonl file; prints a summary line and the differences.
// `counts` selects the lines this table is responsible for.
Agreement CompareFail2ban(const NormalizerTable& table, const std::string& path,
                          const RecordFilter& counts = nullptr);

// ---- robustness ----

// Feeds every prefix of each line, random byte mutations of it, and random
// strings under each program name to the table. Passing means no crash, no
// exception and (under sanitizers) no out-of-bounds read; a recognized line
// must always have a family.
void FuzzTable(const NormalizerTable& table, const std::vector<std::string>& lines,
               const std::vector<std::string>& programs, uint32_t seed = 12345);

// ---- one family ----

// What differs between the families.
struct FamilySpec {
  // The family name; also its folder under tests/data (cases.txt, corpus/,
  // expected-fields.tsv, expected.tsv) and under the corpus' mail/.
  std::string family{};
  std::vector<RegisterFn> registers{};
  // A whole table instead of `registers` (Postfix: the default table).
  const NormalizerTable* table = nullptr;
  ParseOptions parse{};
  bool link_host = true;
  // Non-blank lines of a corpus file (by file name) that are not the
  // family's and do not count.
  std::function<bool(const std::string& file, std::string_view line)> excluded{};
  // For Poke: the family's normalizer and sniffer, the program its lines
  // come under, and more probes of a text.
  NormalizeFn normalize = nullptr;
  NormalizeFn sniff = nullptr;
  std::string program{};
  std::function<void(std::string_view text)> probe{};
  // How coverage lines print: the width of the file name column.
  int print_width = 62;
};

// A family read from its own log files through syslog (Kerio, Zimbra,
// Exim): lines received at 2026-11-22T12:00:00Z, links compared without
// their host; `program` is the one Poke feeds the table under.
FamilySpec LogFileFamily(std::string family, RegisterFn reg, NormalizeFn normalize,
                         NormalizeFn sniff, std::string program,
                         std::function<bool(const std::string&, std::string_view)> excluded = {},
                         std::function<void(std::string_view)> probe = {});

class FamilyHarness {
 public:
  explicit FamilyHarness(FamilySpec spec);

  const FamilySpec& spec() const { return spec_; }
  const NormalizerTable& Table() const { return table_; }
  // tests/data/<family>/<relative>
  std::string Data(std::string_view relative) const;

  // A whole received line: header parsed by the real syslog parser, then
  // normalized by the family's table.
  LogRecord FromLine(std::string_view line, bool* recognized = nullptr) const;
  // A record whose header parsed to `program` with MSG `msg`, normalized.
  LogRecord FromMsg(std::string_view program, std::string_view msg,
                    bool* recognized = nullptr) const;

  // Every case of <family>/cases.txt, after asserting there are more than
  // `more_than` of them.
  void RunCases(size_t more_than) const;

  // Every row of an expected-output table (relative to tests/data) matches
  // exactly: "line<TAB>field=value..." rows, or with `program_column`
  // "program<TAB>msg<TAB>field=value..." rows. Returns the rows checked.
  size_t ExpectTableRows(const std::string& relative, bool program_column = false) const;

  // Recognition over the ".log" files of a folder (each file at least
  // `file_bar`); `strip_comments` drops a leading "#" block. Prints a line
  // per file and the total.
  struct Rate {
    size_t lines = 0, recognized = 0, specific = 0, files = 0;
    double Value() const { return lines == 0 ? 1.0 : static_cast<double>(recognized) / lines; }
  };
  Rate RunCoverage(const std::string& dir, bool strip_comments, double file_bar = 0.98) const;
  // <family>/corpus of tests/data.
  // The corpus copies (<family>/corpus of tests/data): `files` files, each
  // and all together recognized at `bar` at least.
  void ExpectCorpusCopiesCoverage(size_t files, double bar = 0.98) const;
  // The corpus' mail/<family> folder, when present (else the test skips):
  // each file and all together recognized at `bar` at least.
  void ExpectFullCorpusCoverage(double bar = 0.98) const;

  // Agreement with <family>/expected-fields.tsv (differences printed):
  // `min_compared` fields compared at least, `min_percent` of them agreeing.
  void ExpectFieldsAgreement(size_t min_compared, double min_percent = 95.0) const;

  // Calls the normalizer, the probes, the sniffer and the table on `text`
  // held in a buffer of exactly its size (so that a sanitizer sees any read
  // past the end); a refused sniff must leave the record untouched.
  void Poke(std::string_view text) const;
  // The case lines and the lines of the corpus copies.
  std::vector<std::string> AllTestLines() const;
  // Pokes every prefix of each test line (40 random ones of a long line).
  void PokeTruncatedLines() const;
  // Pokes 20000 random strings of `pieces` and random bytes.
  void PokeRandomPieces(std::span<const std::string_view> pieces) const;

  // How a line of a whole file counts for the family: not at all, as
  // another program's line in the family's files (foreign), or as its own.
  // `own_file`: the file belongs to the family (its corpus folder, its
  // copies, its expected.tsv) rather than to a mixed log.
  enum class LineKind { kOther, kForeign, kOwn };
  using Classifier = std::function<LineKind(const LogRecord& rec, bool own_file)>;
  // The family's lines of whole files: recognized when they get the
  // family and an event. Prints a line per file and the total; `noun` and
  // `width` shape the printed lines.
  LineCoverage FileCoverage(const std::string& path, bool own_file,
                            const Classifier& classify) const;
  // The seeds, <family>/corpus and the lines of <family>/expected.tsv.
  LineCoverage CopiedDataCoverage(const Classifier& classify) const;
  // Whether the shared corpus has a mail/<family> folder.
  bool HasSharedCorpus() const;
  // Every file of every mail/* folder of the shared corpus but "-subset"
  // files (which repeat lines of a mixed log).
  LineCoverage SharedCorpusCoverage(const Classifier& classify) const;

  // How the expected.tsv families (amavis, dovecot) parse their lines.
  static ParseOptions TableParse() { return {1700000000000000, "192.0.2.1"}; }

 private:
  FamilySpec spec_;
  NormalizerTable table_;
};

}  // namespace mlq::testing
