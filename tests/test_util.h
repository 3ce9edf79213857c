// Shared helpers for the GoogleTest suite.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mlq::testing {

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

}  // namespace mlq::testing
