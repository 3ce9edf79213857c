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

// s made safe to print on a terminal, as one line of visible text. The
// contract every text output of mlq relies on:
// - C0 controls and DEL become "\n", "\t", "\r" or "\xNN" (so ESC is
//   "\x1b": no escape sequence, OSC title, bell or cursor move survives,
//   and log text can never start a line of its own);
// - C1 controls encoded in UTF-8 (U+0080..U+009F, e.g. U+009B, the 8-bit
//   CSI) become "\u00NN";
// - every byte that is not part of valid UTF-8 (a lone 0x9B, Latin-1 text,
//   overlong forms, surrogates) becomes U+FFFD, so a terminal in an 8-bit
//   mode never sees a raw C1 byte;
// - bidirectional formatting controls (U+061C, U+200E, U+200F,
//   U+202A..U+202E, U+2066..U+2069) and the line and paragraph separators
//   U+2028, U+2029 become "\uNNNN", so text cannot reorder or hide what
//   follows it ("Trojan Source");
// - everything else, including all printable UTF-8, is kept as is. A
//   backslash is not escaped: "\x1b" in the output may also be those four
//   characters in the log.
// The result is valid UTF-8 and holds no byte below 0x20 and no 0x7F.
std::string SanitizeForTerminal(std::string_view s);

// True for the code points SanitizeForTerminal writes as "\uNNNN" besides
// the C1 controls: the bidirectional formatting controls and U+2028, U+2029.
// Invisible, yet they reorder or break the text around them. The JSON writer
// escapes them too.
bool IsInvisibleLayoutControl(int32_t cp);

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
