// The family-test harness (family_harness.h).

#include "receiver/normalizers/family_harness.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>

#include "coverage/daemon_path.h"
#include "coverage/event_kinds.h"

namespace mlq::testing {

NormalizerTable TableOf(std::initializer_list<RegisterFn> registers) {
  NormalizerTable t;
  for (RegisterFn r : registers) r(t);
  return t;
}

LogRecord ParseLine(std::string_view line, const ParseOptions& opts) {
  LogRecord rec;
  rec.raw.assign(line.data(), line.size());
  ParseContext ctx;
  ctx.received_us = opts.received_us;
  ctx.fallback_host = opts.fallback_host;
  ParseSyslogLine(rec, ctx);
  return rec;
}

LogRecord NormalizeLine(const NormalizerTable& table, std::string_view line,
                        const ParseOptions& opts) {
  LogRecord rec = ParseLine(line, opts);
  table.Normalize(rec);
  return rec;
}

// ---- case files ----

std::vector<NormCase> ReadCases(const std::string& path) {
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
      if (cases.empty()) {
        ADD_FAILURE() << path << ":" << no << ": expectation before any case";
        continue;
      }
      std::string_view e = std::string_view(line).substr(2);
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
    NormCase c;
    c.line_no = no;
    c.line = line.starts_with("raw:") ? UnescapeTsvCell(std::string_view(line).substr(4)) : line;
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string LinkText(const Link& l, bool with_host) {
  std::string s = l.kind + ":" + l.queue_id;
  if (with_host && !l.host.empty()) s += "@" + l.host;
  return s;
}

void ExpectCase(const NormalizerTable& table, const NormCase& c, std::string_view default_family,
                const std::string& file, const CaseStyle& style) {
  SCOPED_TRACE(file + ":" + std::to_string(c.line_no) + ": " + c.line);
  LogRecord rec = NormalizeLine(table, c.line, style.parse);
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
    } else if (k == "time") {
      EXPECT_EQ(IsoTime(rec.timestamp_us), v) << "time";
    } else if (k == "pid") {
      EXPECT_EQ(rec.pid, v) << "pid";
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
  for (const Link& l : rec.links) links.push_back(LinkText(l, style.link_host));
  EXPECT_EQ(links, want_links) << "field links";
}

size_t RunCaseFile(const NormalizerTable& table, const std::string& relative,
                   std::string_view default_family, const CaseStyle& style) {
  const std::string path = TestData(relative);
  std::vector<NormCase> cases = ReadCases(path);
  EXPECT_FALSE(cases.empty()) << path;
  for (const NormCase& c : cases) ExpectCase(table, c, default_family, relative, style);
  return cases.size();
}

std::vector<std::string> CaseLines(const std::vector<std::string>& relatives) {
  std::vector<std::string> out;
  for (const std::string& r : relatives) {
    for (const NormCase& c : ReadCases(TestData(r))) out.push_back(c.line);
  }
  return out;
}

// ---- expected-output tables ----

std::vector<std::string> Describe(const LogRecord& rec) {
  std::vector<std::string> out{"event=" + rec.event};
  auto add = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) out.push_back(std::string(key) + "=" + value);
  };
  add("queue_id", rec.queue_id);
  add("message_id", rec.message_id);
  add("from", rec.from);
  for (const std::string& to : rec.to) add("to", to);
  add("orig_to", rec.orig_to);
  add("status", rec.status);
  add("dsn", rec.dsn);
  add("relay", rec.relay);
  add("reply", rec.reply);
  add("delay", rec.delay);
  add("delays", rec.delays);
  if (rec.size >= 0) add("size", std::to_string(rec.size));
  if (rec.nrcpt >= 0) add("nrcpt", std::to_string(rec.nrcpt));
  add("client_name", rec.client_name);
  add("client_ip", rec.client_ip);
  add("sasl_user", rec.sasl_user);
  add("helo", rec.helo);
  add("proto", rec.proto);
  for (const Link& l : rec.links) add("link", LinkText(l));
  for (const auto& [k, v] : rec.extra) out.push_back("extra." + k + "=" + v);
  return out;
}

// ---- files and the shared corpus ----

bool IsDir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool FileExists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string CorpusDir() {
  if (const char* env = std::getenv("MLQ_CORPUS")) return env;
  return std::string(MLQ_TEST_DATA) + "/../../../shared/corpus";
}

std::vector<std::string> FilesIn(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string path = entry.path().string();
    if (path.ends_with(suffix)) files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> DataLines(const std::string& path) {
  std::vector<std::string> lines = ReadLines(path);
  size_t skip = 0;
  while (skip < lines.size() && lines[skip].starts_with("#")) ++skip;
  lines.erase(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(skip));
  return lines;
}

void Coverage::Add(const Coverage& o) {
  lines += o.lines;
  recognized += o.recognized;
  misses.insert(misses.end(), o.misses.begin(), o.misses.end());
}

Coverage MeasureFile(const NormalizerTable& table, const std::string& path,
                     const std::function<bool(const LogRecord&)>& counts) {
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

void PrintMisses(const Coverage& cov, size_t max) {
  for (size_t i = 0; i < cov.misses.size() && i < max; ++i) {
    std::printf("    unrecognized: %s\n", cov.misses[i].c_str());
  }
}

void LineCoverage::Count(bool ok, const std::string& line) {
  ++lines;
  if (ok) {
    ++recognized;
  } else {
    unrecognized.push_back(line);
  }
}

void LineCoverage::Merge(const LineCoverage& o) {
  lines += o.lines;
  recognized += o.recognized;
  foreign += o.foreign;
  unrecognized.insert(unrecognized.end(), o.unrecognized.begin(), o.unrecognized.end());
}

void LineCoverage::Print(std::string_view name, std::string_view noun, int width) const {
  std::printf("%-*s %5zu %s lines, %6.2f%% with an event", width, std::string(name).c_str(), lines,
              std::string(noun).c_str(), 100 * Rate());
  if (foreign > 0) std::printf(" (%zu foreign lines left out)", foreign);
  std::printf("\n");
  for (size_t i = 0; i < unrecognized.size() && i < 20; ++i) {
    std::printf("    unrecognized: %s\n", unrecognized[i].c_str());
  }
}

// ---- agreement ----

Agreement CompareFail2ban(const NormalizerTable& table, const std::string& path,
                          const RecordFilter& counts) {
  Agreement a = CompareFail2ban(
      path, [&table](std::string_view line) { return NormalizeLine(table, line); }, counts);
  std::string name = path.substr(path.rfind('/') + 1);
  std::printf("  agreement %-40s %4zu/%-4zu %6.1f%%\n", name.c_str(), a.agreed, a.compared,
              a.Percent());
  for (const std::string& d : a.differences) std::printf("    %s\n", d.c_str());
  return a;
}

// ---- robustness ----

void FuzzTable(const NormalizerTable& table, const std::vector<std::string>& lines,
               const std::vector<std::string>& programs, uint32_t seed) {
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

// ---- one family ----

namespace {

NormalizerTable BuildTable(const FamilySpec& spec) {
  if (spec.table != nullptr) return *spec.table;
  NormalizerTable t;
  for (RegisterFn r : spec.registers) r(t);
  return t;
}

}  // namespace

FamilySpec LogFileFamily(std::string family, RegisterFn reg, NormalizeFn normalize,
                         NormalizeFn sniff, std::string program,
                         std::function<bool(const std::string&, std::string_view)> excluded,
                         std::function<void(std::string_view)> probe) {
  FamilySpec spec;
  spec.family = std::move(family);
  spec.registers = {reg};
  spec.parse.received_us = 1795348800LL * 1000000;  // 2026-11-22T12:00:00Z
  spec.link_host = false;
  spec.excluded = std::move(excluded);
  spec.normalize = normalize;
  spec.sniff = sniff;
  spec.program = std::move(program);
  spec.probe = std::move(probe);
  return spec;
}

FamilyHarness::FamilyHarness(FamilySpec spec) : spec_(std::move(spec)), table_(BuildTable(spec_)) {}

std::string FamilyHarness::Data(std::string_view relative) const {
  return TestData(spec_.family + "/" + std::string(relative));
}

LogRecord FamilyHarness::FromLine(std::string_view line, bool* recognized) const {
  LogRecord rec = ParseLine(line, spec_.parse);
  bool ok = table_.Normalize(rec);
  if (recognized != nullptr) *recognized = ok;
  return rec;
}

LogRecord FamilyHarness::FromMsg(std::string_view program, std::string_view msg,
                                 bool* recognized) const {
  LogRecord rec;
  rec.program = std::string(program);
  rec.raw = std::string(msg);
  rec.msg_offset = 0;
  bool ok = table_.Normalize(rec);
  if (recognized != nullptr) *recognized = ok;
  return rec;
}

void FamilyHarness::RunCases(size_t more_than) const {
  const std::string file = spec_.family + "/cases.txt";
  const std::vector<NormCase> cases = ReadCases(TestData(file));
  ASSERT_GT(cases.size(), more_than);
  const CaseStyle style{spec_.parse, spec_.link_host};
  for (const NormCase& c : cases) ExpectCase(table_, c, spec_.family, file, style);
}

size_t FamilyHarness::ExpectTableRows(const std::string& relative, bool program_column) const {
  std::vector<std::vector<std::string>> rows = ReadTsv(TestData(relative));
  const size_t first_field = program_column ? 2 : 1;
  size_t checked = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::vector<std::string>& row = rows[i];
    if (row[0].starts_with("#")) continue;
    EXPECT_GE(row.size(), first_field + 1) << "row " << i + 1;
    if (row.size() < first_field + 1) return checked;
    const std::string& msg = program_column ? row[1] : row[0];
    bool recognized = false;
    LogRecord rec = program_column ? FromMsg(row[0], msg, &recognized) : FromLine(msg, &recognized);
    SCOPED_TRACE(program_column ? "program=" + row[0] + " msg=" + msg : "line: " + msg);
    EXPECT_TRUE(recognized);
    EXPECT_EQ(rec.family, spec_.family);
    EXPECT_EQ(rec.raw, msg) << "raw must stay untouched";
    std::vector<std::string> want(row.begin() + static_cast<std::ptrdiff_t>(first_field),
                                  row.end());
    std::vector<std::string> got = Describe(rec);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    std::vector<std::string> missing, unexpected;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                        std::back_inserter(unexpected));
    EXPECT_TRUE(missing.empty() && unexpected.empty())
        << "missing: " << ::testing::PrintToString(missing)
        << "\nunexpected: " << ::testing::PrintToString(unexpected);
    ++checked;
  }
  return checked;
}

FamilyHarness::Rate FamilyHarness::RunCoverage(const std::string& dir, bool strip_comments,
                                               double file_bar) const {
  Rate total;
  for (const std::string& path : FilesIn(dir, ".log")) {
    const std::string file = std::filesystem::path(path).filename().string();
    std::vector<std::string> lines = strip_comments ? DataLines(path) : ReadLines(path);
    Rate c;
    std::vector<std::string> missed;
    for (const std::string& line : lines) {
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank
      if (spec_.excluded && spec_.excluded(file, line)) continue;
      ++c.lines;
      LogRecord rec = FromLine(line);
      if (rec.family == spec_.family && !rec.event.empty()) {
        ++c.recognized;
        if (!IsGenericEvent(rec.event)) ++c.specific;
      } else if (missed.size() < 3) {
        missed.push_back(line);
      }
    }
    ++total.files;
    if (c.lines == 0) {
      std::printf("  %-48s excluded (another family's lines, see Excluded)\n", file.c_str());
      continue;
    }
    std::printf("  %-48s %6zu lines  recognized %6.2f%%  specific event %6.2f%%\n", file.c_str(),
                c.lines, 100.0 * c.Value(), 100.0 * static_cast<double>(c.specific) / c.lines);
    for (const std::string& m : missed) std::printf("      unrecognized: %.150s\n", m.c_str());
    EXPECT_GE(c.Value(), file_bar) << file;
    total.lines += c.lines;
    total.recognized += c.recognized;
    total.specific += c.specific;
  }
  std::printf("  %-48s %6zu lines  recognized %6.2f%%  specific event %6.2f%%\n", "TOTAL",
              total.lines, 100.0 * total.Value(),
              total.lines ? 100.0 * static_cast<double>(total.specific) / total.lines : 100.0);
  return total;
}

void FamilyHarness::ExpectCorpusCopiesCoverage(size_t files, double bar) const {
  Rate total = RunCoverage(Data("corpus"), true, bar);
  EXPECT_EQ(total.files, files);
  EXPECT_GE(total.Value(), bar);
}

void FamilyHarness::ExpectFullCorpusCoverage(double bar) const {
  const std::string dir = CorpusDir() + "/mail/" + spec_.family;
  MLQ_REQUIRE_CORPUS(IsDir(dir), "no shared corpus at " << dir);
  EXPECT_GE(RunCoverage(dir, false, bar).Value(), bar);
}

void FamilyHarness::ExpectFieldsAgreement(size_t min_compared, double min_percent) const {
  Agreement a = CompareExpectedFieldsTsv(Data("expected-fields.tsv"), spec_.family,
                                         [this](std::string_view line) { return FromLine(line); });
  for (const std::string& d : a.differences) std::printf("  disagree %s\n", d.c_str());
  ASSERT_GE(a.compared, min_compared);
  std::printf("  overall %zu/%zu (%.1f%%)\n", a.agreed, a.compared, a.Percent());
  EXPECT_GE(a.Percent(), min_percent);
}

LineCoverage FamilyHarness::FileCoverage(const std::string& path, bool own_file,
                                         const Classifier& classify) const {
  LineCoverage c;
  for (const std::string& line : ReadLines(path)) {
    LogRecord rec = FromLine(line);
    switch (classify(rec, own_file)) {
      case LineKind::kOther:
        break;
      case LineKind::kForeign:
        ++c.foreign;
        break;
      case LineKind::kOwn:
        c.Count(rec.family == spec_.family && !rec.event.empty(), line);
        break;
    }
  }
  return c;
}

LineCoverage FamilyHarness::CopiedDataCoverage(const Classifier& classify) const {
  const std::string& fam = spec_.family;
  LineCoverage total;
  for (const std::string& f : FilesIn(TestData("seeds"), ".log")) {
    LineCoverage c = FileCoverage(f, false, classify);
    c.Print("seeds/" + std::filesystem::path(f).filename().string(), fam, spec_.print_width);
    total.Merge(c);
  }
  for (const std::string& f : FilesIn(Data("corpus"), ".log")) {
    LineCoverage c = FileCoverage(f, true, classify);
    c.Print(fam + "/corpus/" + std::filesystem::path(f).filename().string(), fam,
            spec_.print_width);
    total.Merge(c);
  }
  LineCoverage table;
  for (const auto& row : ReadTsv(Data("expected.tsv"))) {
    if (row[0].starts_with("#")) continue;
    LogRecord rec = FromLine(row[0]);
    LineKind kind = classify(rec, true);
    if (kind == LineKind::kForeign) ++table.foreign;
    if (kind == LineKind::kOwn) {
      table.Count(rec.family == spec_.family && !rec.event.empty(), row[0]);
    }
  }
  table.Print(fam + "/expected.tsv", fam, spec_.print_width);
  total.Merge(table);
  total.Print("TOTAL tests/data", fam, spec_.print_width);
  return total;
}

bool FamilyHarness::HasSharedCorpus() const { return IsDir(CorpusDir() + "/mail/" + spec_.family); }

LineCoverage FamilyHarness::SharedCorpusCoverage(const Classifier& classify) const {
  const std::filesystem::path mail = std::filesystem::path(CorpusDir()) / "mail";
  LineCoverage total;
  for (const auto& dir : std::filesystem::directory_iterator(mail)) {
    if (!dir.is_directory()) continue;
    const std::string folder = dir.path().filename().string();
    for (const std::string& f : FilesIn(dir.path().string(), ".log")) {
      if (f.ends_with("-subset.log")) continue;
      LineCoverage c = FileCoverage(f, folder == spec_.family, classify);
      if (c.lines == 0 && c.foreign == 0) continue;
      c.Print(folder + "/" + std::filesystem::path(f).filename().string(), spec_.family,
              spec_.print_width);
      total.Merge(c);
    }
  }
  total.Print("TOTAL ../shared/corpus/mail", spec_.family, spec_.print_width);
  return total;
}

void FamilyHarness::Poke(std::string_view text) const {
  std::unique_ptr<char[]> buf(new char[text.size() + 1]);
  std::copy(text.begin(), text.end(), buf.get());
  std::string_view view(buf.get(), text.size());
  LogRecord a;
  EXPECT_TRUE(spec_.normalize(view, a));
  EXPECT_EQ(a.family, spec_.family);
  EXPECT_FALSE(a.event.empty());
  if (spec_.probe) spec_.probe(view);
  LogRecord b;
  if (!spec_.sniff(view, b)) {
    EXPECT_EQ(b, LogRecord{}) << text;
  }
  LogRecord c;
  c.program = spec_.program;
  c.raw.assign(view.data(), view.size());
  table_.Normalize(c);
}

std::vector<std::string> FamilyHarness::AllTestLines() const {
  std::vector<std::string> lines;
  for (const NormCase& c : ReadCases(Data("cases.txt"))) lines.push_back(c.line);
  for (const auto& e : std::filesystem::directory_iterator(Data("corpus"))) {
    for (std::string& l : DataLines(e.path().string())) lines.push_back(std::move(l));
  }
  return lines;
}

void FamilyHarness::PokeTruncatedLines() const {
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

void FamilyHarness::PokeRandomPieces(std::span<const std::string_view> pieces) const {
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int parts = static_cast<int>(rng() % 24);
    for (int p = 0; p < parts; ++p) {
      if (rng() % 4 == 0) {
        s.push_back(static_cast<char>(rng() % 256));
      } else {
        std::string_view piece = pieces[rng() % pieces.size()];
        s.append(piece.data(), piece.size());
      }
    }
    Poke(s);
  }
}

}  // namespace mlq::testing
