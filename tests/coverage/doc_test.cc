// docs/COVERAGE.md stays current: its table is what mlq-coverage-report
// prints for ../shared/corpus today, and every covered family meets the
// issue's bars (98 % of lines with a specific event kind, 95 % of expected
// fields agreeing) or is listed with its reason in the doc's "Below the
// bar" section ("- `<folder>` lines: ..." / "- `<folder>` fields: ...").
// Without ../shared/corpus (or $MLQ_CORPUS) there is nothing to compare:
// the tests skip and say so.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "coverage/coverage_report.h"
#include "coverage/line_diff.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

namespace fs = std::filesystem;

const std::string kDoc = std::string(MLQ_SOURCE_DIR) + "/docs/COVERAGE.md";

// $MLQ_CORPUS, else ../shared/corpus next to the project.
std::string Corpus() {
  if (const char* env = std::getenv("MLQ_CORPUS")) return env;
  return (fs::path(MLQ_TEST_DATA) / ".." / ".." / ".." / "shared" / "corpus")
      .lexically_normal()
      .string();
}

bool HaveCorpus() { return fs::is_directory(fs::path(Corpus()) / "mail"); }

// What the program prints (stdout), and its exit status.
std::string RunCommand(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

// The doc's text between the report markers ("" when they are missing).
std::string DocBlock(const std::string& doc) {
  size_t begin = doc.find(kBeginMarker), end = doc.find(kEndMarker);
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "";
  begin += std::string_view(kBeginMarker).size();
  if (begin < doc.size() && doc[begin] == '\n') ++begin;
  return doc.substr(begin, end - begin);
}

// "- `<folder>` lines:" / "- `<folder>` fields:" entries of the doc.
std::map<std::string, std::set<std::string>> ListedShortfalls(const std::string& doc) {
  std::map<std::string, std::set<std::string>> out;
  static const std::regex kEntry(R"(^- `([a-z0-9_-]+)` (lines|fields):)");
  size_t start = 0;
  while (start < doc.size()) {
    size_t end = doc.find('\n', start);
    if (end == std::string::npos) end = doc.size();
    std::smatch m;
    std::string line = doc.substr(start, end - start);
    if (std::regex_search(line, m, kEntry)) out[m[1]].insert(m[2]);
    start = end + 1;
  }
  return out;
}

TEST(CoverageDoc, TableIsCurrent) {
  MLQ_REQUIRE_CORPUS(HaveCorpus(), "no shared corpus at "
                                       << Corpus()
                                       << " (set MLQ_CORPUS): docs/COVERAGE.md cannot be checked");
  int status = 0;
  std::string generated =
      RunCommand(std::string("'") + MLQ_COVERAGE_REPORT_BIN + "' '" + Corpus() + "'", &status);
  ASSERT_EQ(status, 0) << "mlq-coverage-report failed: " << generated;
  std::string doc = ReadFile(kDoc);
  std::string block = DocBlock(doc);
  ASSERT_FALSE(block.empty()) << kDoc << " lacks the lines " << kBeginMarker << " and "
                              << kEndMarker;
  EXPECT_TRUE(block == generated)
      << "docs/COVERAGE.md does not hold the report of " << Corpus()
      << " any more. Regenerate it from the project root with\n"
      << "    build/tests/mlq-coverage-report ../shared/corpus --update docs/COVERAGE.md\n"
      << "and update the text around it. Lines to delete (-) and add (+):\n"
      << LineDiff(block, generated);
}

TEST(CoverageDoc, CoveredFamiliesMeetTheBarsOrAreListed) {
  MLQ_REQUIRE_CORPUS(HaveCorpus(), "no shared corpus at "
                                       << Corpus()
                                       << " (set MLQ_CORPUS): the coverage bars cannot be checked");
  CoverageReport report = BuildCoverageReport(Corpus(), std::string(MLQ_TEST_DATA));
  std::map<std::string, std::set<std::string>> listed = ListedShortfalls(ReadFile(kDoc));
  std::set<std::string> covered;
  for (const FolderCoverage& f : report.folders) {
    if (!f.covered_family || f.Lines() == 0) continue;
    covered.insert(f.folder);
    const std::set<std::string>& mine = listed[f.folder];
    Agreement a = f.Fields();
    std::string lines = std::to_string(f.Specific()) + "/" + std::to_string(f.Lines());
    std::string fields = std::to_string(a.agreed) + "/" + std::to_string(a.compared);
    if (f.MeetsLineBar()) {
      EXPECT_FALSE(mine.count("lines"))
          << f.folder << " now has " << lines << " lines with a specific event (>= 98 %): "
          << "remove \"- `" << f.folder << "` lines:\" from docs/COVERAGE.md";
    } else {
      EXPECT_TRUE(mine.count("lines"))
          << f.folder << ": only " << lines << " lines with a specific event (< 98 %) and "
          << "docs/COVERAGE.md gives no reason (\"- `" << f.folder << "` lines: ...\")";
    }
    if (f.MeetsFieldBar()) {
      EXPECT_FALSE(mine.count("fields"))
          << f.folder << " now agrees on " << fields << " fields (>= 95 %): remove \"- `"
          << f.folder << "` fields:\" from docs/COVERAGE.md";
    } else {
      EXPECT_TRUE(mine.count("fields"))
          << f.folder << ": only " << fields << " expected fields agree (< 95 %) and "
          << "docs/COVERAGE.md gives no reason (\"- `" << f.folder << "` fields: ...\")";
    }
  }
  for (const auto& [folder, measures] : listed) {
    EXPECT_TRUE(covered.count(folder) || measures.empty())
        << "docs/COVERAGE.md lists `" << folder << "`, which is no covered family with lines";
  }
}

}  // namespace
}  // namespace mlq::testing
