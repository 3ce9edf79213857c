#pragma once

#include <string>
#include <string_view>

namespace mlq {

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// above U+10FFFF. Syslog lines are bytes; protobuf `string` fields and JSON
// must be UTF-8, so lines that are not are flagged (kFlagInvalidUtf8) when
// received and repaired only where they leave the process.

// True when `s` is valid UTF-8. ASCII runs are checked eight bytes at a time.
bool IsValidUtf8(std::string_view s);

// `s` with every maximal invalid subsequence replaced by U+FFFD (the
// "substitution of maximal subparts" of Unicode chapter 3), so valid text is
// unchanged and each bad byte run becomes one replacement character.
std::string ToValidUtf8(std::string_view s);

}  // namespace mlq
