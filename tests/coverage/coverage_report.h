// The corpus coverage report of docs/COVERAGE.md: for each folder of
// ../shared/corpus/mail (and each family the corpus has no folder for), how
// many lines get a specific event kind through the daemon's path, and how
// many expected fields of other parsers our records agree with.
//
// What is counted (corpus_files.h, event_kinds.h, agreement.h):
// - lines: every non-blank line of the folder's *.log files, message bodies
//   with the program their expected file names; *-subset.log files count in
//   their folder but not in the total over all folders.
// - recognized: a normalizer set family and event; specific: and the event
//   is not generic.
// - fields: the expected files attributed to the folder (the .log file of
//   the same name lives there; sshguard sections by name, the rest in
//   "other"). exim, kerio and zimbra compare through their
//   tests/data/<family>/expected-fields.tsv, which is derived from the
//   expected files it names.
//
// Covered families (the 98 % / 95 % bars apply): the family folders. "other"
// and "seeds" mix many programs and have no bar of their own.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "coverage/agreement.h"

namespace mlq::testing {

struct FileCoverage {
  std::string name;
  bool derived = false;
  size_t lines = 0;
  size_t recognized = 0;
  size_t specific = 0;
  std::map<std::string, size_t> not_specific;  // "family:event" ("-" when none) -> lines
  std::vector<std::string> not_specific_lines;
  std::vector<std::string> left_out;
  Agreement agreement;
  std::vector<std::string> sources;  // expected files compared: "name (a/b)"
};

struct FolderCoverage {
  std::string folder;
  bool covered_family = false;
  bool present = false;  // the corpus has this folder
  std::vector<FileCoverage> files;

  // Sums over the files (`with_derived`: *-subset.log files included).
  size_t Lines(bool with_derived = true) const;
  size_t Recognized(bool with_derived = true) const;
  size_t Specific(bool with_derived = true) const;
  Agreement Fields() const;
  bool MeetsLineBar() const;   // >= 98 % specific (true without lines)
  bool MeetsFieldBar() const;  // >= 95 % agreeing (true without fields)
};

struct CoverageReport {
  std::vector<FolderCoverage> folders;
  std::vector<std::string> not_compared;  // expected files no comparison reads, with why
};

// Reads <corpus>/mail and <corpus>/expected; `test_data` is tests/data (for
// the expected-fields tables).
CoverageReport BuildCoverageReport(const std::string& corpus, const std::string& test_data);

// The table and its notes, as docs/COVERAGE.md holds them between the
// markers below.
std::string RenderCoverageReport(const CoverageReport& report);

inline constexpr char kBeginMarker[] = "<!-- coverage-report:begin -->";
inline constexpr char kEndMarker[] = "<!-- coverage-report:end -->";

// Per-file rows and the first `max_lines` lines without a specific event of
// each file of one folder: for finding out why a folder is below the bar.
std::string RenderFolderDetail(const FolderCoverage& folder, size_t max_lines);

}  // namespace mlq::testing
