// Shared helpers for the GoogleTest suite.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

// Skips the current test, or fails it under CI, when `present` is false:
// MLQ_REQUIRE_CORPUS(IsDir(dir), "no corpus at " << dir);
#define MLQ_REQUIRE_CORPUS(present, message)            \
  do {                                                  \
    if (!(present)) {                                   \
      if (::mlq::testing::UnderCi()) FAIL() << message; \
      GTEST_SKIP() << message;                          \
    }                                                   \
  } while (0)

namespace mlq::testing {

// True when the suite runs under CI (CI=true): a missing ../shared/corpus or
// sender program is then a failure, never a skip.
bool UnderCi();

// Whether `path` exists (any kind of file).
bool Exists(const std::string& path);

// A fresh empty folder under $TMPDIR, removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The whole file; fails the current test (and returns "") when unreadable.
std::string ReadFile(const std::string& path);

// The lines of a file, without line ends.
std::vector<std::string> ReadLines(const std::string& path);

// Path of a file under tests/data/.
std::string TestData(std::string_view relative);

// Undoes the cell escaping of the corpus TSV files (tests/data/syslog/*.tsv):
// \\ backslash, \t tab, \n LF, \r CR, \xHH any byte. Other backslashes are kept.
std::string UnescapeTsvCell(std::string_view cell);

// The rows of a TSV file (header row included), split on TAB, each cell
// unescaped with UnescapeTsvCell. Empty lines are skipped.
std::vector<std::vector<std::string>> ReadTsv(const std::string& path);

}  // namespace mlq::testing
