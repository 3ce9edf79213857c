#include "coverage/line_diff.h"

#include <algorithm>
#include <vector>

namespace mlq::testing {
namespace {

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string LineDiff(const std::string& want, const std::string& got, size_t context) {
  if (want == got) return "";
  const std::vector<std::string> a = SplitLines(want), b = SplitLines(got);
  const size_t n = a.size(), m = b.size();
  // lcs[i][j]: longest common subsequence of a[i..] and b[j..].
  std::vector<std::vector<size_t>> lcs(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  struct Op {
    char kind;  // ' ', '-', '+'
    const std::string* line;
  };
  std::vector<Op> ops;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ops.push_back({' ', &a[i++]});
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back({'-', &a[i++]});
    } else {
      ops.push_back({'+', &b[j++]});
    }
  }
  std::vector<bool> show(ops.size(), false);
  for (size_t k = 0; k < ops.size(); ++k) {
    if (ops[k].kind == ' ') continue;
    size_t from = k >= context ? k - context : 0;
    for (size_t c = from; c <= k + context && c < ops.size(); ++c) show[c] = true;
  }
  std::string out;
  bool gap = false;
  for (size_t k = 0; k < ops.size(); ++k) {
    if (!show[k]) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out += "  ...\n";
    gap = false;
    out += std::string(1, ops[k].kind) + " " + *ops[k].line + "\n";
  }
  return out;
}

}  // namespace mlq::testing
