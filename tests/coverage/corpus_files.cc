#include "coverage/corpus_files.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string_view>

#include "coverage/json_line.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

namespace fs = std::filesystem;

// Grok patterns of postfix-grok-patterns that match a piece of a message,
// not a whole one: no program logs them alone.
constexpr std::string_view kGrokFragments[] = {"DELAYS", "RELAY", "TLS_FEATURES",
                                               "COMMAND_COUNTER_DATA"};

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

// "Jul  5 06:52:11 ...": an RFC 3164 timestamp, so a whole syslog line.
bool StartsWithSyslogTime(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ",
                                                 "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "};
  for (std::string_view m : kMonths) {
    if (s.starts_with(m)) return true;
  }
  return false;
}

// The part of a (possibly multi-line) body that the .log file holds as one
// line: up to the first CR or LF.
std::string_view FirstPiece(std::string_view s) { return s.substr(0, s.find_first_of("\r\n")); }

// Body line -> program, from expected/<stem>.jsonl.
std::map<std::string, std::string, std::less<>> BodyPrograms(const fs::path& jsonl) {
  std::map<std::string, std::string, std::less<>> out;
  std::error_code ec;
  if (!fs::is_regular_file(jsonl, ec)) return out;
  for (const std::string& entry : ReadLines(jsonl.string())) {
    std::string line;
    if (!JsonValue(entry, "line", &line)) continue;
    std::string program = BodyProgram(entry);
    if (!program.empty()) out.emplace(std::string(FirstPiece(line)), program);
  }
  return out;
}

}  // namespace

std::string BodyProgram(const std::string& json_entry) {
  std::string line, pattern, array, program;
  if (!JsonValue(json_entry, "line", &line) || StartsWithSyslogTime(line)) return "";
  if (JsonValue(json_entry, "pattern", &pattern)) {
    // "^%{POSTFIX_SMTPD}$" -> "postfix/smtpd"; POSTFIX_SCRIPT -> postfix/postfix-script.
    constexpr std::string_view kPrefix = "^%{POSTFIX_";
    if (!pattern.starts_with(kPrefix)) return "";
    std::string name = pattern.substr(kPrefix.size(), pattern.find('}') - kPrefix.size());
    for (std::string_view f : kGrokFragments) {
      if (name == f) return "";
    }
    if (name == "SCRIPT") name = "POSTFIX_SCRIPT";
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
    return "postfix/" + name;
  }
  if (JsonValue(json_entry, "array", &array) && array == "postfixLines" &&
      JsonValue(json_entry, "program", &program) && program != "syslog" && program != "empty") {
    return program;
  }
  return "";
}

std::vector<std::string> MailFolders(const std::string& corpus) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(corpus) / "mail", ec)) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<CorpusFile> ReadMailFolder(const std::string& corpus, const std::string& folder) {
  std::vector<CorpusFile> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(corpus) / "mail" / folder, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !name.ends_with(".log")) continue;
    CorpusFile f;
    f.folder = folder;
    f.name = name;
    f.derived = name.ends_with("-subset.log");
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(),
            [](const CorpusFile& a, const CorpusFile& b) { return a.name < b.name; });
  for (CorpusFile& f : files) {
    const bool all_bodies = f.name.ends_with("-msgbodies.log");
    std::string stem = f.name.substr(0, f.name.size() - 4);
    if (all_bodies) stem.resize(stem.size() - std::string_view("-msgbodies").size());
    auto programs = BodyPrograms(fs::path(corpus) / "expected" / (stem + ".jsonl"));
    for (std::string& text : ReadLines((fs::path(corpus) / "mail" / folder / f.name).string())) {
      if (IsBlank(text)) continue;
      auto it = programs.find(text);
      if (it != programs.end()) {
        f.lines.push_back(CorpusLine{std::move(text), it->second});
      } else if (all_bodies) {
        f.left_out.push_back(std::move(text));
      } else {
        f.lines.push_back(CorpusLine{std::move(text), ""});
      }
    }
  }
  return files;
}

}  // namespace mlq::testing
