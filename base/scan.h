// Small string-scanning helpers shared by every part of mlq: the syslog
// parser, the mail normalizers (which add mail-specific ones in
// receiver/normalizers/mail_scan.h), the query service and the CLI.
//
// The normalizers run them on every received line, so they are header-only,
// allocation-free and work on std::string_view: a returned view points into
// the caller's text and lives as long as that text. No regex engine is used
// anywhere on the data path (see docs/ARCHITECTURE.md).
//
// LowerCopy is the one helper that allocates (it returns a new string, for
// building lookup keys and comparing case-insensitively).
//
// Conventions: a Consume* function advances its `s` argument past what it
// recognized and returns true, or leaves `s` untouched and returns false.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlq::scan {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
inline bool IsUpperHex(char c) { return IsDigit(c) || (c >= 'A' && c <= 'F'); }
inline bool IsHex(char c) { return IsUpperHex(c) || (c >= 'a' && c <= 'f'); }
// Space, tab, CR or LF (not the other isspace() bytes: VT, FF).
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// `c` in lower case when it is an ASCII capital A-Z, else `c` itself (no
// locale: bytes of UTF-8 sequences are left alone).
inline char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// A copy of `s` with ASCII capitals lowered (ToLower on every byte).
inline std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

// True when a and b are equal but for ASCII case (ToLower on every byte;
// no locale, so UTF-8 bytes compare as they are).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

// True when s is non-empty and all ASCII digits.
inline bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// The decimal value of s, or -1 when s is not a run of digits (or overflows).
inline int64_t ParseInt(std::string_view s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// True when `part` occurs in `s` (std::string_view::contains is C++23).
inline bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Removes `p` from the front of `s` when `s` starts with it.
inline bool ConsumePrefix(std::string_view& s, std::string_view p) {
  if (!s.starts_with(p)) return false;
  s.remove_prefix(p.size());
  return true;
}

// Removes one `c` from the front of `s` when `s` starts with it.
inline bool ConsumeChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

inline void SkipSpaces(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  s.remove_prefix(i);
}

// `s` without trailing spaces, tabs, CR and LF.
inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// `s` without leading and trailing spaces (and trailing CR/LF/tab).
inline std::string_view Trim(std::string_view s) {
  SkipSpaces(s);
  return TrimRight(s);
}

// `s` without leading and trailing spaces, tabs, CRs and LFs (IsSpace) at
// both ends; unlike Trim, a leading tab or line break goes too.
inline std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Returns the text before the first `delim` and advances `s` past the
// delimiter. When `delim` does not occur, returns false and leaves `s` alone.
inline bool ConsumeUntil(std::string_view& s, std::string_view delim, std::string_view* before) {
  size_t pos = s.find(delim);
  if (pos == std::string_view::npos) return false;
  *before = s.substr(0, pos);
  s.remove_prefix(pos + delim.size());
  return true;
}

// Returns the text up to the first space (all of `s` when there is none) and
// advances `s` past it and the spaces that follow.
inline std::string_view ConsumeWord(std::string_view& s) {
  size_t pos = s.find(' ');
  std::string_view word = s.substr(0, pos);
  s.remove_prefix(pos == std::string_view::npos ? s.size() : pos);
  SkipSpaces(s);
  return word;
}

// `v` without one pair of surrounding angle brackets: "<a@b>" -> "a@b",
// "<>" -> "". Text that is not bracketed is returned as is.
inline std::string_view StripAngles(std::string_view v) {
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') return v.substr(1, v.size() - 2);
  return v;
}

// Given `s` starting with `open`, sets *inner to the text up to the matching
// `close`, counting nested pairs: ExtractBracketed("(a (b) c) d", '(', ')')
// -> "a (b) c". Returns false when `s` does not start with `open` or the
// brackets never balance.
inline bool ExtractBracketed(std::string_view s, char open, char close, std::string_view* inner) {
  if (s.empty() || s.front() != open) return false;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == open) {
      ++depth;
    } else if (s[i] == close && --depth == 0) {
      *inner = s.substr(1, i - 1);
      return true;
    }
  }
  return false;
}

}  // namespace mlq::scan
