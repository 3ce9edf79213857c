// Plain-text output for terminals: aligned tables and human-readable numbers.
//
// Everything shown passes through SanitizeForTerminal, so log text cannot
// move the cursor, change colours or retitle the terminal.
// Pure functions and a value type; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlq::cli {

// s made safe to print: C0 controls and DEL become "\n", "\t", "\r" or
// "\xNN", C1 controls (U+0080..U+009F) "\u00NN", invalid UTF-8 bytes U+FFFD.
// Everything else (including all printable UTF-8) is kept as is.
std::string SanitizeForTerminal(std::string_view s);

// Bytes for people, with binary units and one decimal below 10:
// "512 B", "1.5 KiB", "23 MiB", "1.2 GiB", ...
std::string HumanBytes(uint64_t bytes);

// n with thousands separators: "1,234,567".
std::string GroupThousands(uint64_t n);

// A table of text cells, columns separated by two spaces, with a header row.
// Every column but the last is padded to its width (the widest cell, capped
// by SetMaxWidth; a longer cell is printed whole and pushes the rest of its
// row right rather than being cut). The last column is never padded or cut,
// so long free text (a log message) goes last. Widths count code points.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Caps the padded width of `column` (cells are never truncated).
  void SetMaxWidth(size_t column, size_t width);
  // Pads `column` on the left (for numbers).
  void SetRightAligned(size_t column);

  // A row; missing cells are empty, extra cells are ignored.
  void AddRow(std::vector<std::string> cells);

  size_t rows() const { return rows_.size(); }

  // The header line and every row, each ending in '\n', without trailing
  // spaces; all cells sanitized.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<size_t> max_width_;  // 0 = no cap
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace mlq::cli
