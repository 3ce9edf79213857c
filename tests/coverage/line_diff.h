// A line diff for test failure messages: which lines of `want` a reader must
// delete ("- ") and which of `got` add ("+ ") to turn one into the other,
// with up to `context` unchanged lines ("  ") around each change. Empty when
// the texts are equal. Quadratic (longest common subsequence): for texts of
// a few hundred lines.
#pragma once

#include <string>

namespace mlq::testing {

std::string LineDiff(const std::string& want, const std::string& got, size_t context = 2);

}  // namespace mlq::testing
