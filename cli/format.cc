#include "cli/format.h"

#include <algorithm>
#include <cstdio>

#include "base/utf8.h"

namespace mlq::cli {

bool IsInvisibleLayoutControl(int32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

std::string SanitizeForTerminal(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    const size_t start = pos;
    const int32_t cp = DecodeUtf8(s, &pos);
    if (cp < 0) {
      out.append(kReplacementChar);
    } else if (cp == '\n') {
      out.append("\\n");
    } else if (cp == '\t') {
      out.append("\\t");
    } else if (cp == '\r') {
      out.append("\\r");
    } else if (cp < 0x20 || cp == 0x7F) {
      out.append("\\x");
      out.push_back(kHex[cp >> 4]);
      out.push_back(kHex[cp & 0xF]);
    } else if ((cp >= 0x80 && cp <= 0x9F) || IsInvisibleLayoutControl(cp)) {
      out.append("\\u");
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 0xF]);
    } else {
      out.append(s.substr(start, pos - start));
    }
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 6) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  if (v < 10) {
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f %s", v, kUnits[unit]);
  }
  // Rounding may show "1024 KiB"; that is still correct and rare enough.
  return buf;
}

std::string GroupThousands(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)),
      max_width_(headers_.size(), 0),
      right_(headers_.size(), false) {}

void Table::SetMaxWidth(size_t column, size_t width) {
  if (column < max_width_.size()) max_width_[column] = width;
}

void Table::SetRightAligned(size_t column) {
  if (column < right_.size()) right_[column] = true;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (std::string& cell : cells) cell = SanitizeForTerminal(cell);
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  const size_t n = headers_.size();
  std::vector<size_t> width(n, 0);
  const auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < n; ++c) width[c] = std::max(width[c], Utf8Width(row[c]));
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);
  for (size_t c = 0; c < n; ++c) {
    if (max_width_[c] != 0)
      width[c] = std::min(width[c], std::max(max_width_[c], headers_[c].size()));
  }

  std::string out;
  const auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < n; ++c) {
      const std::string& cell = row[c];
      const size_t w = Utf8Width(cell);
      const size_t pad = w < width[c] ? width[c] - w : 0;
      if (c > 0) line.append("  ");
      if (c + 1 == n) {
        line.append(cell);  // last column: never padded
      } else if (right_[c]) {
        line.append(pad, ' ').append(cell);
      } else {
        line.append(cell).append(pad, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.append(line).push_back('\n');
  };
  emit(headers_);
  for (const auto& row : rows_) emit(row);
  return out;
}

}  // namespace mlq::cli
