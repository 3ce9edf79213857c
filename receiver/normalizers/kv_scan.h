// Scanning helpers shared by the normalizers of the smaller MTAs and mail
// daemons (sendmail, qmail, dma, courier, imap_pop, solid_pop3d, perdition,
// mailscanner): bracketed "host [ip]" clients, IP address clean-up, "key=value"
// fields ended by a space, remote "queued as" IDs. Same conventions as
// base/scan.h and mail_scan.h: header-only, allocation-free scanning (the
// functions taking a LogRecord copy into it), views into the caller's text,
// no state (thread-safe).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"
#include "store/record.h"

namespace mlq::kv {

// Appends `to` to rec.to unless it is empty.
inline void PushTo(LogRecord& rec, std::string_view to) {
  if (!to.empty()) rec.to.emplace_back(to);
}

using scan::IsIpv4;

// The address as stored in client_ip: trimmed, without Sendmail's "IPv6:"
// tag and without the "::ffff:" (or "::FFFF:") prefix of an IPv4-mapped
// address, so it compares with Postfix's: "::ffff:1.2.3.4" -> "1.2.3.4"; "IPv6:2001:db8::1"
// -> "2001:db8::1". Other text is returned trimmed.
inline std::string_view CleanIp(std::string_view ip) {
  ip = scan::Trim(ip);
  if (ip.size() > 5 && ip.substr(0, 5) == "IPv6:") ip.remove_prefix(5);
  if (ip.size() > 7 && (ip.substr(0, 7) == "::ffff:" || ip.substr(0, 7) == "::FFFF:") &&
      IsIpv4(ip.substr(7))) {
    ip.remove_prefix(7);
  }
  return ip;
}

using scan::IsHex;

// True for an IPv4 or IPv6 address (possibly IPv4-mapped or "IPv6:"-tagged;
// see CleanIp). IPv6 is checked loosely: hex digits, ':' and '.' with at
// least one ':'.
inline bool IsIp(std::string_view s) {
  s = CleanIp(s);
  if (IsIpv4(s)) return true;
  if (s.size() < 2 || s.find(':') == std::string_view::npos) return false;
  for (char c : s) {
    if (!IsHex(c) && c != ':' && c != '.') return false;
  }
  return true;
}

// "host [ip]", "host [ip] (may be forged)", "[ip]", "host[ip]",
// "[ip] [ip]": sets name and ip (ip cleaned, name without brackets, "" when
// the name is only the address literal). False when there is no "[ip]".
inline bool ParseHostIp(std::string_view v, std::string_view* name, std::string_view* ip) {
  v = scan::Trim(v);
  size_t forged = v.find(" (may be forged)");
  if (forged != std::string_view::npos) v = v.substr(0, forged);
  if (v.empty() || v.back() != ']') return false;
  size_t lb = v.rfind('[');
  if (lb == std::string_view::npos) return false;
  *ip = CleanIp(v.substr(lb + 1, v.size() - lb - 2));
  std::string_view n = scan::Trim(v.substr(0, lb));
  if (n.size() >= 2 && n.front() == '[' && n.back() == ']') n = {};
  *name = n;
  return !ip->empty();
}

// Sets client_name and client_ip from a ParseHostIp form; leaves both
// untouched when `v` has no "[ip]".
inline void SetClientHostIp(std::string_view v, LogRecord& rec) {
  std::string_view name, ip;
  if (ParseHostIp(v, &name, &ip)) {
    fields::Assign(rec.client_name, name);
    fields::Assign(rec.client_ip, ip);
  }
}

using scan::IdToken;

// "... queued as X" (or "Queued as X") in a remote reply -> appends
// Link{"queued_as", X} (X an IdToken); does nothing when absent.
inline void LinkQueuedAs(std::string_view reply, LogRecord& rec) {
  size_t q = reply.find("ueued as ");
  if (q == std::string_view::npos || q == 0 || (reply[q - 1] != 'q' && reply[q - 1] != 'Q')) return;
  std::string_view id = IdToken(reply.substr(q + 9));
  if (!id.empty()) rec.links.push_back(Link{"queued_as", std::string(id), ""});
}

// The value of "key=" up to the next space or ',' ("user=x auth=x host=...").
// The key must start `s` or follow a space or ','. False when absent.
inline bool SpaceField(std::string_view s, std::string_view key, std::string_view* value) {
  size_t from = 0;
  while (from < s.size()) {
    size_t p = s.find(key, from);
    if (p == std::string_view::npos) return false;
    from = p + 1;
    if (p > 0 && s[p - 1] != ' ' && s[p - 1] != ',') continue;
    size_t v = p + key.size();
    if (v >= s.size() || s[v] != '=') continue;
    ++v;
    size_t e = v;
    while (e < s.size() && s[e] != ' ' && s[e] != ',') ++e;
    *value = s.substr(v, e - v);
    return true;
  }
  return false;
}

// The word at the start of `s`, up to the first space or ':' (all of `s`
// when there is none).
inline std::string_view FirstToken(std::string_view s) {
  size_t e = s.find_first_of(" :");
  return s.substr(0, e);
}

// True when s[i..] is "key=" with a lowercase/digit/'_' key.
inline bool KeyStartsAt(std::string_view s, size_t i) {
  size_t k = i;
  while (k < s.size() && (scan::IsLower(s[k]) || scan::IsDigit(s[k]) || s[k] == '_')) ++k;
  return k > i && k < s.size() && s[k] == '=';
}

// The value of "key=" in a ", "-separated list whose values may contain
// spaces and commas: it runs to the next ", " that starts another key.
inline bool ListField(std::string_view s, std::string_view key, std::string_view* value) {
  size_t from = 0;
  while (from < s.size()) {
    size_t p = s.find(key, from);
    if (p == std::string_view::npos) return false;
    from = p + 1;
    if (p > 0 && !(p >= 2 && s[p - 1] == ' ' && s[p - 2] == ',')) continue;
    size_t v = p + key.size();
    if (v >= s.size() || s[v] != '=') continue;
    ++v;
    size_t e = v;
    while (true) {
      e = s.find(", ", e);
      if (e == std::string_view::npos) {
        e = s.size();
        break;
      }
      if (KeyStartsAt(s, e + 2)) break;
      e += 2;
    }
    *value = s.substr(v, e - v);
    return true;
  }
  return false;
}

}  // namespace mlq::kv
