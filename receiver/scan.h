// Small string-scanning helpers shared by the mail normalizers.
//
// Every normalizer runs on every received line, so these are header-only,
// allocation-free and work on std::string_view: a returned view points into
// the caller's text and lives as long as that text. No regex engine is used
// anywhere in the normalizers (see DESIGN.md, "Performance").
//
// Conventions: a Consume* function advances its `s` argument past what it
// recognized and returns true, or leaves `s` untouched and returns false.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mlq::scan {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
inline bool IsUpperHex(char c) { return IsDigit(c) || (c >= 'A' && c <= 'F'); }

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

// Finds `key=value` in `msg`. The key must start the text or follow one of
// " ,;([" (so "to" does not match inside "orig_to="). The value is either a
// bracketed "<...>" (returned without the brackets, so "<>" gives "" but
// still returns true) or the text up to the next ',' or ' ' or end.
// Returns false when the key is absent.
inline bool FindField(std::string_view msg, std::string_view key, std::string_view* value) {
  size_t from = 0;
  while (true) {
    size_t pos = msg.find(key, from);
    if (pos == std::string_view::npos) return false;
    size_t eq = pos + key.size();
    from = pos + 1;
    if (eq >= msg.size() || msg[eq] != '=') continue;
    if (pos > 0) {
      char b = msg[pos - 1];
      if (b != ' ' && b != ',' && b != ';' && b != '(' && b != '[') continue;
    }
    std::string_view rest = msg.substr(eq + 1);
    if (!rest.empty() && rest.front() == '<') {
      size_t gt = rest.find('>');
      if (gt != std::string_view::npos) {
        *value = rest.substr(1, gt - 1);
        return true;
      }
    }
    size_t end = rest.find_first_of(", ");
    *value = rest.substr(0, end);
    return true;
  }
}

// The value of `key=value` in `msg` (see FindField), "" when absent.
inline std::string_view FieldValue(std::string_view msg, std::string_view key) {
  std::string_view v;
  return FindField(msg, key, &v) ? v : std::string_view();
}

// A network peer as Postfix logs it: "name[ip]", "name[ip]:port",
// "[ip]:port" (postscreen) or "[ip]".
struct Endpoint {
  std::string_view name;  // "" for the bracket-only forms; "unknown" is kept as logged
  std::string_view ip;    // without the brackets; may be IPv6
  std::string_view port;  // "" when not logged
};

// What Postfix puts between the brackets of an endpoint: an IPv4 or IPv6
// address (possibly anonymized, "x.x.1.2", or with a zone "fe80::1%eth0"),
// a UNIX socket ("private/dovecot-lmtp") or "unknown". Rejects the bracketed
// indexes of "dict_ldap_get_values[1]".
inline bool IsAddressLike(std::string_view ip) {
  if (ip == "unknown") return true;
  bool sep = false;
  for (char c : ip) {
    if (c == '.' || c == ':' || c == '/') {
      sep = true;
    } else if (!IsAlnum(c) && c != '%' && c != '-' && c != '_') {
      return false;
    }
  }
  return sep;
}

// Parses an endpoint at the start of `s` and advances past it. The name runs
// up to '[' and may not contain spaces; the bracketed part must pass
// IsAddressLike; the port, when present, is ":" and digits right after ']'.
inline bool ConsumeEndpoint(std::string_view& s, Endpoint* out) {
  size_t lb = s.find('[');
  if (lb == std::string_view::npos) return false;
  std::string_view name = s.substr(0, lb);
  if (name.find(' ') != std::string_view::npos) return false;
  size_t rb = s.find(']', lb + 1);
  if (rb == std::string_view::npos) return false;
  std::string_view ip = s.substr(lb + 1, rb - lb - 1);
  if (!IsAddressLike(ip)) return false;
  size_t end = rb + 1;
  std::string_view port;
  if (end < s.size() && s[end] == ':') {
    size_t p = end + 1;
    while (p < s.size() && IsDigit(s[p])) ++p;
    if (p > end + 1) {
      port = s.substr(end + 1, p - end - 1);
      end = p;
    }
  }
  out->name = name;
  out->ip = ip;
  out->port = port;
  s.remove_prefix(end);
  return true;
}

// True when `s` is exactly one endpoint (see ConsumeEndpoint).
inline bool ParseEndpoint(std::string_view s, Endpoint* out) {
  return ConsumeEndpoint(s, out) && s.empty();
}

// True for an enhanced status code "X.Y.Z" (RFC 3463): X one digit, Y and Z
// one to three digits.
inline bool IsDsn(std::string_view s) {
  if (s.size() < 5 || !IsDigit(s[0]) || s[1] != '.') return false;
  size_t i = 2, n = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++n;
  if (n == 0 || n > 3 || i >= s.size() || s[i] != '.') return false;
  ++i;
  n = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++n;
  return n > 0 && n <= 3 && i == s.size();
}

// The enhanced status code at the start of an SMTP reply: "554 5.7.1 <x>:
// ..." -> "5.7.1", "550-5.7.26 ..." -> "5.7.26", "5.7.1 Blocked" -> "5.7.1",
// "250 Ok" -> "".
inline std::string_view LeadingDsn(std::string_view reply) {
  if (reply.size() >= 4 && IsDigit(reply[0]) && IsDigit(reply[1]) && IsDigit(reply[2]) &&
      (reply[3] == ' ' || reply[3] == '-')) {
    reply.remove_prefix(4);
  }
  std::string_view code = reply.substr(0, reply.find(' '));
  return IsDsn(code) ? code : std::string_view();
}

// A Postfix queue ID (see postconf(5) enable_long_queue_ids):
// - short: uppercase hex, 5 hex digits of microseconds plus the inode number
//   in hex, so 6 or more characters ("B141CE6BDD", "95FA2DB2C9");
// - long: 10 base-52 characters of time, 'z', the inode number in base 51
//   ("4Ldr9y6wlvz3xgh"). The alphabets have no vowels and base 51 has no 'z',
//   which is what tells an ID from a word such as "statistics".
// "NOQUEUE" is not a queue ID (it has vowels and is not hex).
inline bool IsPostfixQueueId(std::string_view s) {
  if (s.size() < 6 || s.size() > 24) return false;
  bool hex = true;
  for (char c : s) {
    if (!IsUpperHex(c)) {
      hex = false;
      break;
    }
  }
  if (hex) return true;
  if (s.size() < 12 || s.size() > 20 || s[10] != 'z') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!IsAlnum(c)) return false;
    switch (c) {
      case 'A':
      case 'E':
      case 'I':
      case 'O':
      case 'U':
      case 'a':
      case 'e':
      case 'i':
      case 'o':
      case 'u':
        return false;
      default:
        break;
    }
    if (c == 'z' && i > 10) return false;
  }
  return true;
}

}  // namespace mlq::scan
