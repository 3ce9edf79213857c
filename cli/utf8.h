// UTF-8 decoding shared by the JSON writer and the terminal table output.
//
// Strict decoding (RFC 3629): overlong forms, surrogates (U+D800..U+DFFF),
// code points above U+10FFFF and truncated sequences are invalid. Pure
// functions, no state: safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlq::cli {

// U+FFFD REPLACEMENT CHARACTER, UTF-8 encoded.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

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

}  // namespace mlq::cli
