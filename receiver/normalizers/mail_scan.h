// Scanning helpers that know mail-log shapes: `key=value` fields, Postfix
// endpoints "name[ip]:port", enhanced status codes, Postfix queue IDs. They
// extend the general helpers of base/scan.h in the same namespace, with the
// same conventions: header-only, allocation-free, views into the caller's
// text, pure (thread-safe).
#pragma once

#include <cstddef>
#include <string_view>

#include "base/scan.h"

namespace mlq::scan {

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
// A byte IsAddressLike accepts.
inline bool IsAddressChar(char c) {
  return IsAlnum(c) || c == '.' || c == ':' || c == '/' || c == '%' || c == '-' || c == '_';
}

inline bool IsAddressLike(std::string_view ip) {
  if (ip == "unknown") return true;
  bool sep = false;
  for (char c : ip) {
    if (c == '.' || c == ':' || c == '/') {
      sep = true;
    } else if (!IsAddressChar(c)) {
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
  // The ']' must follow a run of address bytes (anything else fails
  // IsAddressLike): the search stops there rather than running to the end
  // of the line, which made a caller trying every '[' quadratic.
  size_t rb = lb + 1;
  while (rb < s.size() && IsAddressChar(s[rb])) ++rb;
  if (rb >= s.size() || s[rb] != ']') return false;
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

// True for a dotted IPv4 address: 7 to 15 characters, digits and exactly
// three dots (octet values are not checked).
inline bool IsIpv4(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return false;
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (!IsDigit(c)) {
      return false;
    }
  }
  return dots == 3;
}

// The ID token at the start of `s` ("A3EF4405DD14", "1qAbcD-0001Xy-Zz"):
// letters, digits, '-', '_' and '.', without trailing '.' or '-'; "" when
// none.
inline std::string_view IdToken(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (IsAlnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.')) ++i;
  while (i > 0 && (s[i - 1] == '.' || s[i - 1] == '-')) --i;
  return s.substr(0, i);
}

}  // namespace mlq::scan
