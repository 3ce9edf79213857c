#include "coverage/coverage_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string_view>

#include "coverage/corpus_files.h"
#include "coverage/daemon_path.h"
#include "coverage/event_kinds.h"
#include "coverage/json_line.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

namespace fs = std::filesystem;

// The corpus README's families; "other" and "seeds" mix many programs.
constexpr std::string_view kFamilyFolders[] = {"amavis",   "clamav",       "dovecot",  "exim",
                                               "iredapd",  "kerio",        "opendkim", "postfix",
                                               "postgrey", "spamassassin", "zimbra"};
constexpr std::string_view kSshguard = "sshguard-parser-tests-mail.jsonl";
constexpr std::string_view kSshguardLog = "sshguard-parser-tests.log";

bool IsFamilyFolder(std::string_view folder) {
  return std::find(std::begin(kFamilyFolders), std::end(kFamilyFolders), folder) !=
         std::end(kFamilyFolders);
}

std::string Percent(size_t part, size_t whole) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", whole == 0 ? 100.0 : 100.0 * part / whole);
  return buf;
}

std::string Ratio(const Agreement& a) {
  return std::to_string(a.agreed) + "/" + std::to_string(a.compared);
}

FileCoverage MeasureFile(const CorpusFile& file, const DaemonPath& daemon) {
  FileCoverage c;
  c.name = file.name;
  c.derived = file.derived;
  c.left_out = file.left_out;
  for (const CorpusLine& line : file.lines) {
    LogRecord rec =
        line.program.empty() ? daemon.Line(line.text) : daemon.Body(line.program, line.text);
    ++c.lines;
    if (!rec.family.empty() && !rec.event.empty()) ++c.recognized;
    if (IsSpecificEvent(rec.family, rec.event)) {
      ++c.specific;
      continue;
    }
    std::string kind = rec.family.empty() && rec.event.empty()
                           ? std::string("-")
                           : (rec.family.empty() ? "?" : rec.family) + ":" + rec.event;
    ++c.not_specific[kind];
    c.not_specific_lines.push_back(line.program.empty() ? line.text
                                                        : line.program + ": " + line.text);
  }
  return c;
}

FileCoverage& FileIn(FolderCoverage& folder, const std::string& name) {
  for (FileCoverage& f : folder.files) {
    if (f.name == name) return f;
  }
  FileCoverage f;
  f.name = name;
  folder.files.push_back(std::move(f));
  return folder.files.back();
}

void Attach(FileCoverage& file, const std::string& source, const Agreement& a) {
  file.agreement.Merge(a);
  file.sources.push_back(source + " " + Ratio(a));
}

// The expected files a folder's expected-fields.tsv is derived from.
std::set<std::string> TsvSources(const std::string& tsv) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::is_regular_file(tsv, ec)) return out;
  for (const auto& row : ReadTsv(tsv)) {
    if (row.size() == 4 && !row[0].starts_with("#") && row[0] != "source") out.insert(row[0]);
  }
  return out;
}

// The s01-parse parsers an expected crowdsec file names.
std::string CrowdsecParsers(const std::string& path) {
  std::set<std::string> names;
  for (const std::string& obj : ReadLines(path)) {
    std::string stage, parser;
    if (JsonValue(obj, "stage", &stage) && stage == "s01-parse" &&
        JsonValue(obj, "parser", &parser)) {
      names.insert(parser);
    }
  }
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "no s01-parse entries" : out;
}

class Builder {
 public:
  Builder(const std::string& corpus, const std::string& test_data)
      : corpus_(corpus), test_data_(test_data) {}

  CoverageReport Build() {
    std::set<std::string> names(std::begin(kFamilyFolders), std::end(kFamilyFolders));
    for (const std::string& f : MailFolders(corpus_)) names.insert(f);
    for (const std::string& name : names) {
      FolderCoverage folder;
      folder.folder = name;
      folder.covered_family = IsFamilyFolder(name);
      folder.present = fs::is_directory(fs::path(corpus_) / "mail" / name);
      for (const CorpusFile& f : ReadMailFolder(corpus_, name)) {
        folder.files.push_back(MeasureFile(f, daemon_));
      }
      report_.folders.push_back(std::move(folder));
    }
    CompareTsvs();
    CompareExpectedFiles();
    return std::move(report_);
  }

 private:
  LineFn Lines() const {
    return [this](std::string_view l) { return daemon_.Line(l); };
  }

  FolderCoverage* Folder(std::string_view name) {
    for (FolderCoverage& f : report_.folders) {
      if (f.folder == name && f.present) return &f;
    }
    return nullptr;
  }

  // The folder and file holding the lines of expected file `stem`.
  bool Locate(const std::string& stem, FolderCoverage** folder, std::string* file) {
    for (FolderCoverage& f : report_.folders) {
      for (const FileCoverage& c : f.files) {
        if (c.name == stem + ".log" || c.name == stem + "-msgbodies.log") {
          *folder = &f;
          *file = c.name;
          return true;
        }
      }
    }
    return false;
  }

  std::string TsvPath(std::string_view folder) const {
    return test_data_ + "/" + std::string(folder) + "/expected-fields.tsv";
  }

  void CompareTsvs() {
    for (FolderCoverage& folder : report_.folders) {
      const std::string tsv = TsvPath(folder.folder);
      for (const std::string& source : TsvSources(tsv)) {
        tsv_sources_[folder.folder].insert(source);
        std::string stem = source.substr(0, source.size() - 6);
        std::string file = source == kSshguard ? std::string(kSshguardLog) : stem + ".log";
        Agreement a = CompareExpectedFieldsTsv(tsv, folder.folder, Lines(), source);
        Attach(FileIn(folder, file),
               "tests/data/" + folder.folder + "/expected-fields.tsv [" + source + "]", a);
      }
    }
  }

  bool ViaTsv(std::string_view folder, const std::string& source) const {
    auto it = tsv_sources_.find(std::string(folder));
    return it != tsv_sources_.end() && it->second.count(source) > 0;
  }

  void CompareSshguardSections(const std::string& path) {
    std::set<std::string> sections;
    for (const std::string& obj : ReadLines(path)) {
      std::string s;
      if (JsonValue(obj, "section", &s)) sections.insert(s);
    }
    for (const std::string& section : sections) {
      std::string name = section.substr(0, section.find(' '));
      FolderCoverage* folder = Folder(name);
      if (folder == nullptr) folder = Folder("other");
      if (folder == nullptr || ViaTsv(folder->folder, std::string(kSshguard))) continue;
      Agreement a = CompareSshguard(path, section, Lines());
      if (a.compared == 0) {
        report_.not_compared.push_back(std::string(kSshguard) + " [" + section +
                                       "]: no line with an address");
        continue;
      }
      Attach(FileIn(*folder, std::string(kSshguardLog)),
             std::string(kSshguard) + " [" + section + "]", a);
    }
  }

  void CompareExpectedFiles() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(corpus_) / "expected", ec)) {
      std::string n = e.path().filename().string();
      if (n.ends_with(".jsonl")) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const std::string path = (fs::path(corpus_) / "expected" / name).string();
      if (name == kSshguard) {
        CompareSshguardSections(path);
        continue;
      }
      FolderCoverage* folder = nullptr;
      std::string file;
      if (!Locate(name.substr(0, name.size() - 6), &folder, &file)) {
        report_.not_compared.push_back(name + ": its lines are not under mail/");
        continue;
      }
      if (ViaTsv(folder->folder, name)) continue;
      Agreement a;
      if (name.starts_with("fail2ban-")) {
        a = CompareFail2ban(path, Lines(), nullptr, /*compare_time=*/true);
      } else if (name.starts_with("crowdsec-hub-")) {
        a = CompareCrowdsec(path, Lines());
        if (a.compared == 0) {
          report_.not_compared.push_back(name + ": no field mapping for " + CrowdsecParsers(path));
          continue;
        }
      } else if (name == "postfix-grok-patterns.jsonl") {
        a = ComparePostfixGrok(path, [this](std::string_view program, std::string_view msg) {
          return daemon_.Body(program, msg);
        });
      } else {
        report_.not_compared.push_back(name + ": no comparison written for it");
        continue;
      }
      Attach(FileIn(*folder, file), name, a);
    }
  }

  const std::string corpus_;
  const std::string test_data_;
  DaemonPath daemon_;
  CoverageReport report_;
  std::map<std::string, std::set<std::string>> tsv_sources_;  // folder -> sources
};

std::string KindsNote(const FolderCoverage& folder, size_t max_kinds) {
  std::map<std::string, size_t> kinds;
  for (const FileCoverage& f : folder.files) {
    for (const auto& [k, n] : f.not_specific) kinds[k] += n;
  }
  std::vector<std::pair<size_t, std::string>> sorted;
  for (const auto& [k, n] : kinds) sorted.emplace_back(n, k);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string out;
  for (size_t i = 0; i < sorted.size() && i < max_kinds; ++i) {
    out += (i == 0 ? "" : ", ") + sorted[i].second + " " + std::to_string(sorted[i].first);
  }
  if (sorted.size() > max_kinds) {
    size_t rest = 0;
    for (size_t i = max_kinds; i < sorted.size(); ++i) rest += sorted[i].first;
    out += ", " + std::to_string(sorted.size() - max_kinds) + " more kinds " + std::to_string(rest);
  }
  return out;
}

}  // namespace

size_t FolderCoverage::Lines(bool with_derived) const {
  size_t n = 0;
  for (const FileCoverage& f : files) n += with_derived || !f.derived ? f.lines : 0;
  return n;
}

size_t FolderCoverage::Recognized(bool with_derived) const {
  size_t n = 0;
  for (const FileCoverage& f : files) n += with_derived || !f.derived ? f.recognized : 0;
  return n;
}

size_t FolderCoverage::Specific(bool with_derived) const {
  size_t n = 0;
  for (const FileCoverage& f : files) n += with_derived || !f.derived ? f.specific : 0;
  return n;
}

Agreement FolderCoverage::Fields() const {
  Agreement a;
  for (const FileCoverage& f : files) a.Merge(f.agreement);
  return a;
}

bool FolderCoverage::MeetsLineBar() const { return Specific() * 100 >= Lines() * 98; }

bool FolderCoverage::MeetsFieldBar() const {
  Agreement a = Fields();
  return a.agreed * 100 >= a.compared * 95;
}

CoverageReport BuildCoverageReport(const std::string& corpus, const std::string& test_data) {
  return Builder(corpus, test_data).Build();
}

std::string RenderCoverageReport(const CoverageReport& report) {
  std::string out =
      "| folder | files | lines | recognized | specific event | specific % | fields compared | "
      "fields agreeing | agreeing % | bar (98 % / 95 %) |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  size_t files = 0, lines = 0, recognized = 0, specific = 0;
  Agreement all;
  for (const FolderCoverage& f : report.folders) {
    size_t derived = 0;
    for (const FileCoverage& c : f.files) derived += c.derived && c.lines > 0 ? 1 : 0;
    size_t nfiles = 0;
    for (const FileCoverage& c : f.files) nfiles += c.lines + c.left_out.size() > 0 ? 1 : 0;
    Agreement a = f.Fields();
    std::string bar = !f.covered_family ? "mixed folder: none"
                      : f.Lines() == 0  ? "no lines in the corpus"
                      : f.MeetsLineBar() && f.MeetsFieldBar()
                          ? "yes"
                          : std::string("**no**: ") + (f.MeetsLineBar() ? "" : "lines") +
                                (!f.MeetsLineBar() && !f.MeetsFieldBar() ? ", " : "") +
                                (f.MeetsFieldBar() ? "" : "fields");
    out += "| " + f.folder + (f.present ? "" : " (no folder)") + " | " + std::to_string(nfiles) +
           (derived > 0 ? " (" + std::to_string(derived) + " derived)" : "") + " | " +
           std::to_string(f.Lines()) + " | " + std::to_string(f.Recognized()) + " | " +
           std::to_string(f.Specific()) + " | " +
           (f.Lines() == 0 ? "—" : Percent(f.Specific(), f.Lines())) + " | " +
           std::to_string(a.compared) + " | " + std::to_string(a.agreed) + " | " +
           (a.compared == 0 ? "—" : Percent(a.agreed, a.compared)) + " | " + bar + " |\n";
    files += nfiles - derived;
    lines += f.Lines(false);
    recognized += f.Recognized(false);
    specific += f.Specific(false);
    all.Merge(a);
  }
  out += "| **all folders, derived files left out** | " + std::to_string(files) + " | " +
         std::to_string(lines) + " | " + std::to_string(recognized) + " | " +
         std::to_string(specific) + " | " + Percent(specific, lines) + " | " +
         std::to_string(all.compared) + " | " + std::to_string(all.agreed) + " | " +
         Percent(all.agreed, all.compared) + " | |\n";

  out += "\nLines without a specific event, by family:event (`-`: not recognized):\n\n";
  for (const FolderCoverage& f : report.folders) {
    if (f.Lines() == f.Specific()) continue;
    out += "- " + f.folder + ": " + KindsNote(f, 8) + "\n";
  }
  out += "\nMessage bodies left out (no program in their expected file):\n\n";
  bool any = false;
  for (const FolderCoverage& f : report.folders) {
    for (const FileCoverage& c : f.files) {
      if (c.left_out.empty()) continue;
      out += "- " + f.folder + "/" + c.name + ": " + std::to_string(c.left_out.size()) + "\n";
      any = true;
    }
  }
  if (!any) out += "- none\n";
  out += "\nExpected fields compared (agreeing/compared):\n\n";
  for (const FolderCoverage& f : report.folders) {
    std::string sources;
    for (const FileCoverage& c : f.files) {
      for (const std::string& s : c.sources) sources += (sources.empty() ? "" : "; ") + s;
    }
    if (!sources.empty()) out += "- " + f.folder + ": " + sources + "\n";
  }
  out += "\nExpected files not compared:\n\n";
  for (const std::string& n : report.not_compared) out += "- " + n + "\n";
  if (report.not_compared.empty()) out += "- none\n";
  return out;
}

std::string RenderFolderDetail(const FolderCoverage& folder, size_t max_lines) {
  std::string out =
      "| file | lines | specific | % | fields agreeing |\n|---|---:|---:|---:|---:|\n";
  for (const FileCoverage& c : folder.files) {
    out += "| " + c.name + (c.derived ? " (derived)" : "") + " | " + std::to_string(c.lines) +
           " | " + std::to_string(c.specific) + " | " + Percent(c.specific, c.lines) + " | " +
           (c.agreement.compared == 0 ? "—" : Ratio(c.agreement)) + " |\n";
  }
  for (const FileCoverage& c : folder.files) {
    if (c.not_specific_lines.empty() && c.left_out.empty() && c.agreement.differences.empty()) {
      continue;
    }
    out += "\n" + c.name + ":\n";
    for (size_t i = 0; i < c.not_specific_lines.size() && i < max_lines; ++i) {
      out += "  not specific: " + c.not_specific_lines[i] + "\n";
    }
    for (size_t i = 0; i < c.left_out.size() && i < max_lines; ++i) {
      out += "  left out: " + c.left_out[i] + "\n";
    }
    for (size_t i = 0; i < c.agreement.differences.size() && i < max_lines; ++i) {
      out += "  differs: " + c.agreement.differences[i] + "\n";
    }
  }
  return out;
}

}  // namespace mlq::testing
