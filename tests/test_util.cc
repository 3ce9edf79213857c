#include "test_util.h"

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mlq::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mlq-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) ADD_FAILURE() << "mkdtemp failed for " << tmpl;
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::string all = ReadFile(path);
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string::npos) end = all.size();
    std::string line = all.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string TestData(std::string_view relative) {
  return std::string(MLQ_TEST_DATA) + "/" + std::string(relative);
}

std::string UnescapeTsvCell(std::string_view cell) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(cell.size());
  for (size_t i = 0; i < cell.size(); ++i) {
    const char c = cell[i];
    if (c != '\\' || i + 1 >= cell.size()) {
      out.push_back(c);
      continue;
    }
    const char e = cell[i + 1];
    if (e == '\\') {
      out.push_back('\\');
      ++i;
    } else if (e == 't') {
      out.push_back('\t');
      ++i;
    } else if (e == 'n') {
      out.push_back('\n');
      ++i;
    } else if (e == 'r') {
      out.push_back('\r');
      ++i;
    } else if (e == 'x' && i + 3 < cell.size() && hex(cell[i + 2]) >= 0 && hex(cell[i + 3]) >= 0) {
      out.push_back(static_cast<char>(hex(cell[i + 2]) * 16 + hex(cell[i + 3])));
      i += 3;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::vector<std::string>> ReadTsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : ReadLines(path)) {
    if (line.empty()) continue;
    std::vector<std::string> row;
    size_t start = 0;
    for (;;) {
      const size_t tab = line.find('\t', start);
      const size_t end = tab == std::string::npos ? line.size() : tab;
      row.push_back(UnescapeTsvCell(std::string_view(line).substr(start, end - start)));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

bool UnderCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace mlq::testing
