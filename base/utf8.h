#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlq {

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// above U+10FFFF. Syslog lines are bytes; protobuf `string` fields and JSON
// must be UTF-8, so lines that are not are flagged (kFlagInvalidUtf8) when
// received and repaired only where they leave the process (the query
// service's conversion, the CLI's JSON and terminal output).
//
// One decoder serves every function here. Pure functions, no state: safe
// from any thread.

// U+FFFD REPLACEMENT CHARACTER, UTF-8 encoded.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// True when `s` is valid UTF-8. ASCII runs are checked eight bytes at a time.
bool IsValidUtf8(std::string_view s);

// `s` with every maximal invalid subsequence replaced by U+FFFD (the
// "substitution of maximal subparts" of Unicode chapter 3), so valid text is
// unchanged and each bad byte run becomes one replacement character.
std::string ToValidUtf8(std::string_view s);

// Decodes the code point starting at s[*pos] and advances *pos past it.
// Returns the code point, or -1 for an invalid byte (then *pos advances by
// exactly one byte, so the caller can replace it and resynchronise).
// Precondition: *pos < s.size().
int32_t DecodeUtf8(std::string_view s, size_t* pos);

// Appends the UTF-8 encoding of code point cp (0..0x10FFFF) to *out.
void AppendUtf8(uint32_t cp, std::string* out);

// Number of code points in s, counting each invalid byte as one. Used as the
// display width of table cells (good enough for the Latin and ASCII text
// that fills mail logs; wide CJK glyphs count as one column).
size_t Utf8Width(std::string_view s);

}  // namespace mlq
