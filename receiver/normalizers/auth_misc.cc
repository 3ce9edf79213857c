// saslauthd, sshd and policyd-spf lines (see auth_misc.h). Formats follow
// saslauthd's auth_*() logging ("auth failure: [user=%s] [service=%s]
// [realm=%s] [mech=%s] [reason=%s]"), OpenSSH's auth.c/sshd.c messages and
// python-policyd-spf's Received-SPF header text.

#include "receiver/normalizers/auth_misc.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"
#include "receiver/normalizers/zimbra.h"

namespace mlq {
namespace {

using scan::ConsumePrefix;
using scan::IsDigit;
using scan::IsHex;
using scan::IsIpv4;
using scan::IsLower;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

// "::ffff:1.2.3.4" -> "1.2.3.4".
string_view CleanIp(string_view ip) {
  if (ip.size() > 7 && (ip.substr(0, 7) == "::ffff:" || ip.substr(0, 7) == "::FFFF:") &&
      IsIpv4(ip.substr(7))) {
    ip.remove_prefix(7);
  }
  return ip;
}

bool IsIp(string_view s) {
  s = CleanIp(s);
  if (IsIpv4(s)) return true;
  if (s.size() < 2 || s.find(':') == npos) return false;
  for (char c : s) {
    if (!IsHex(c) && c != ':' && c != '.' && c != '%') return false;
  }
  return true;
}

// Stores a peer that is either an address or a host name.
void SetHost(string_view host, LogRecord& rec) {
  if (host.empty()) return;
  if (IsIp(host)) {
    Assign(rec.client_ip, CleanIp(host));
  } else {
    Assign(rec.client_name, host);
  }
}

// The first word of s, without trailing ':' / ',' ("1.2.3.4:" -> "1.2.3.4").
string_view AddrWord(string_view s) {
  string_view w = s.substr(0, s.find(' '));
  while (!w.empty() && (w.back() == ',' || w.back() == '.')) w.remove_suffix(1);
  // "198.51.100.34:" or "198.51.100.76 port 58846:11:" forms.
  if (!w.empty() && w.back() == ':') w.remove_suffix(1);
  if (!IsIp(w)) {
    size_t c = w.find(':');
    if (c != npos && IsIpv4(w.substr(0, c))) w = w.substr(0, c);
  }
  return w;
}

// "key=value" in a "; " or space separated list (pam_unix, policyd-spf).
bool PamField(string_view s, string_view key, string_view* value) {
  size_t from = 0;
  while (from < s.size()) {
    size_t p = s.find(key, from);
    if (p == npos) return false;
    from = p + 1;
    if (p > 0 && s[p - 1] != ' ' && s[p - 1] != ';' && s[p - 1] != '(') continue;
    size_t v = p + key.size();
    if (v >= s.size() || s[v] != '=') continue;
    ++v;
    size_t e = v;
    while (e < s.size() && s[e] != ' ' && s[e] != ';') ++e;
    *value = s.substr(v, e - v);
    return true;
  }
  return false;
}

// pam_unix and friends: "pam_unix(sshd:auth): authentication failure;
// logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
// "check pass; user unknown", "session opened for user x(uid=0) by (uid=0)",
// "PAM 2 more authentication failures; ...". `s` is after the module tag.
bool ParsePam(string_view s, string_view family, LogRecord& rec) {
  string_view v;
  if (s.starts_with("authentication failure") || s.find(" authentication failure") != npos ||
      s.starts_with("check pass; user unknown") || s.starts_with("auth could not identify")) {
    Assign(rec.family, family);
    rec.event = "auth-failure";
    if (PamField(s, "user", &v)) Assign(rec.sasl_user, v);
    if (PamField(s, "rhost", &v)) SetHost(v, rec);
    return true;
  }
  v = s;
  bool opened = ConsumePrefix(v, "session opened for user ");
  if (opened || ConsumePrefix(v, "session closed for user ")) {
    Assign(rec.family, family);
    rec.event = "session";
    rec.status = opened ? "opened" : "closed";
    string_view user = v.substr(0, v.find(' '));
    size_t paren = user.find('(');
    Assign(rec.sasl_user, user.substr(0, paren));
    return true;
  }
  return false;
}

// Strips "pam_unix(sshd:auth): " and returns true when it was there.
bool ConsumePamModule(string_view& s) {
  if (!s.starts_with("pam_")) return false;
  size_t close = s.find("): ");
  if (close == npos || close > 60) return false;
  s.remove_prefix(close + 3);
  return true;
}

// ===================== saslauthd =====================

// "[user=x]" value in a saslauthd line.
bool SaslField(string_view s, string_view key, string_view* value) {
  size_t p = s.find(key);
  while (p != npos) {
    if (p > 0 && s[p - 1] == '[' && p + key.size() < s.size() && s[p + key.size()] == '=') {
      size_t v = p + key.size() + 1;
      size_t e = s.find(']', v);
      if (e == npos) return false;
      *value = s.substr(v, e - v);
      return true;
    }
    p = s.find(key, p + 1);
  }
  return false;
}

bool NormalizeSaslauthd(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  // saslauthd's Zimbra mechanism belongs to the Zimbra normalizer, which
  // registers "saslauthd" only when nobody else did.
  if (s.starts_with("auth_zimbra: ")) return NormalizeZimbra(msg, rec);
  // Debug mode: "do_auth         : auth failure: [user=...] ..."
  size_t fail = s.find("auth failure: [");
  size_t ok = s.find("auth success: [");
  if (fail != npos || ok != npos) {
    rec.family = "saslauthd";
    rec.event = fail != npos ? "auth-failure" : "login";
    string_view v;
    if (SaslField(s, "user", &v)) Assign(rec.sasl_user, v);
    if (SaslField(s, "service", &v)) SetExtra(rec, "service", v);
    if (SaslField(s, "realm", &v) && !v.empty()) SetExtra(rec, "realm", v);
    if (SaslField(s, "mech", &v)) SetExtra(rec, "mech", v);
    if (SaslField(s, "reason", &v)) Assign(rec.reply, v);
    return true;
  }
  string_view p = s;
  if (ConsumePamModule(p) && ParsePam(p, "saslauthd", rec)) return true;
  if (s.find("pam_authenticate failed") != npos || s.find("authentication failed") != npos) {
    rec.family = "saslauthd";
    rec.event = "auth-failure";
    Assign(rec.reply, s);
    return true;
  }
  if (s.find("master pid is") != npos || s.find("listening on socket") != npos ||
      s.starts_with("START: ") || s.find("master exited") != npos ||
      s.starts_with("Caught signal") || s.find("detach_tty") != npos ||
      s.find("ipc_init") != npos || s.find("server_exit") != npos || s.starts_with("Starting") ||
      s.find("Cleaning up") != npos) {
    rec.family = "saslauthd";
    rec.event = "info";
    return true;
  }
  if (s.starts_with("ERROR") || s.find("error") != npos || s.starts_with("FATAL")) {
    rec.family = "saslauthd";
    rec.event = "error";
    Assign(rec.reply, s);
    return true;
  }
  return false;
}

// ===================== sshd =====================

// "USER from HOST [port N] [ssh2]" (user may contain " from "): the user and
// host of the last " from " before any "ssh2: " auth-info suffix.
bool SplitUserFrom(string_view s, string_view* user, string_view* host) {
  size_t info = s.find(" ssh2: ");
  if (info == npos) info = s.find(" ssh1: ");
  if (info != npos) s = s.substr(0, info);
  size_t end = s.size();
  while (end > 0) {
    size_t p = s.rfind(" from ", end - 1);
    if (p == npos) break;
    string_view h = AddrWord(s.substr(p + 6));
    if (!h.empty()) {
      *user = s.substr(0, p);
      *host = h;
      return true;
    }
    if (p == 0) break;
    end = p;
  }
  // An empty user name: "Invalid user  from 1.2.3.4" leaves "from 1.2.3.4".
  string_view v = s;
  if (ConsumePrefix(v, "from ")) {
    *user = {};
    *host = AddrWord(v);
    return !host->empty();
  }
  return false;
}

void SetUser(string_view user, LogRecord& rec) {
  if (ConsumePrefix(user, "invalid user ") || ConsumePrefix(user, "illegal user ")) {
    SetExtra(rec, "invalid_user", "yes");
  }
  if (user == "<invalid username>") {
    SetExtra(rec, "invalid_user", "yes");
    return;
  }
  Assign(rec.sasl_user, user);
}

// "Failed password for [invalid user] x from IP port N ssh2" and
// "Accepted publickey for x from IP port N ssh2: RSA SHA256:...".
bool ParseAuthResult(string_view s, string_view event, LogRecord& rec) {
  size_t f = s.find(" for ");
  if (f == npos) return false;
  string_view method = s.substr(0, f);
  if (method.find(' ') != npos) return false;
  string_view user, host;
  if (!SplitUserFrom(s.substr(f + 5), &user, &host)) return false;
  rec.family = "sshd";
  Assign(rec.event, event);
  SetExtra(rec, "method", method);
  SetUser(user, rec);
  SetHost(host, rec);
  return true;
}

// "[authenticating user x |invalid user x |user x ]IP [port N]"
void ParsePeerWithUser(string_view s, LogRecord& rec) {
  string_view v = s;
  bool user = ConsumePrefix(v, "authenticating user ") || ConsumePrefix(v, "invalid user ") ||
              ConsumePrefix(v, "user ");
  if (user) {
    if (s.starts_with("invalid user ")) SetExtra(rec, "invalid_user", "yes");
    // The user name is everything before the last address.
    size_t sp = v.rfind(" port ");
    string_view head = sp == npos ? v : v.substr(0, sp);
    size_t last = head.rfind(' ');
    if (last != npos) {
      Assign(rec.sasl_user, head.substr(0, last));
      SetHost(AddrWord(head.substr(last + 1)), rec);
    }
    return;
  }
  SetHost(AddrWord(v), rec);
}

bool ClassifySshd(string_view s, LogRecord& rec) {
  string_view v = s;
  if (ConsumePrefix(v, "Failed ")) return ParseAuthResult(v, "auth-failure", rec);
  if (ConsumePrefix(v, "Accepted ")) return ParseAuthResult(v, "login", rec);
  if (ConsumePrefix(v, "Invalid user ") || ConsumePrefix(v, "Illegal user ")) {
    string_view user, host;
    rec.family = "sshd";
    rec.event = "auth-failure";
    SetExtra(rec, "invalid_user", "yes");
    if (SplitUserFrom(v, &user, &host)) {
      Assign(rec.sasl_user, user);
      SetHost(host, rec);
    } else {
      Assign(rec.sasl_user, v);
    }
    return true;
  }
  if (ConsumePrefix(v, "input_userauth_request: invalid user ")) {
    rec.family = "sshd";
    rec.event = "auth-failure";
    SetExtra(rec, "invalid_user", "yes");
    Assign(rec.sasl_user, v);
    return true;
  }
  if (ConsumePrefix(v, "PAM: ")) {
    // "Authentication failure for x from HOST", "authentication error for x
    // from HOST via IP", "User not known to ... for illegal user x from IP"
    size_t f = v.find(" for ");
    if (f == npos) return false;
    string_view rest = v.substr(f + 5);
    size_t via = rest.rfind(" via ");
    if (via != npos) rest = rest.substr(0, via);
    string_view user, host;
    rec.family = "sshd";
    rec.event = "auth-failure";
    SetExtra(rec, "method", "pam");
    if (SplitUserFrom(rest, &user, &host)) {
      SetUser(user, rec);
      SetHost(host, rec);
    }
    return true;
  }
  string_view pam = s;
  if (ConsumePamModule(pam)) return ParsePam(pam, "sshd", rec);
  if (s.starts_with("PAM ") && s.find("authentication failure") != npos) {
    return ParsePam(s.substr(s.find("authentication failure")), "sshd", rec);
  }
  if (ConsumePrefix(v, "User ")) {
    // "User root from HOST not allowed because ...", "User x not allowed because ..."
    size_t na = v.find(" not allowed because ");
    if (na == npos) return false;
    string_view head = v.substr(0, na);
    rec.family = "sshd";
    rec.event = "auth-failure";
    Assign(rec.reply, v.substr(na + 1));
    string_view user, host;
    if (SplitUserFrom(head, &user, &host)) {
      Assign(rec.sasl_user, user);
      SetHost(host, rec);
    } else {
      Assign(rec.sasl_user, head);
    }
    return true;
  }
  if (ConsumePrefix(v, "ROOT LOGIN REFUSED FROM ")) {
    rec.family = "sshd";
    rec.event = "auth-failure";
    rec.sasl_user = "root";
    SetHost(AddrWord(v), rec);
    return true;
  }
  if (ConsumePrefix(v, "maximum authentication attempts exceeded for ")) {
    string_view user, host;
    rec.family = "sshd";
    rec.event = "auth-failure";
    if (SplitUserFrom(v, &user, &host)) {
      SetUser(user, rec);
      SetHost(host, rec);
    }
    return true;
  }
  if (ConsumePrefix(v, "Disconnecting: Too many authentication failures")) {
    rec.family = "sshd";
    rec.event = "auth-failure";
    string_view u = v;
    if (ConsumePrefix(u, " for ")) SetUser(u, rec);
    return true;
  }
  if (ConsumePrefix(v, "Disconnecting ")) {
    // "Disconnecting invalid user x 1.2.3.4 port 22: Too many authentication failures"
    size_t colon = v.find(": ");
    string_view peer = v.substr(0, colon);
    string_view reason = colon == npos ? string_view() : v.substr(colon + 2);
    rec.family = "sshd";
    rec.event = reason.find("authentication failures") != npos ? "auth-failure" : "disconnect";
    ParsePeerWithUser(peer, rec);
    Assign(rec.reply, reason);
    return true;
  }
  if (ConsumePrefix(v, "Connection closed by ") || ConsumePrefix(v, "Disconnected from ") ||
      ConsumePrefix(v, "Connection reset by ")) {
    rec.family = "sshd";
    rec.event = "disconnect";
    ParsePeerWithUser(v, rec);
    return true;
  }
  if (ConsumePrefix(v, "Received disconnect from ") ||
      ConsumePrefix(v, "Did not receive identification string from ") ||
      ConsumePrefix(v, "Timeout before authentication for ") ||
      ConsumePrefix(v, "Unable to negotiate with ") ||
      ConsumePrefix(v, "Bad protocol version identification ")) {
    rec.family = "sshd";
    rec.event = "disconnect";
    string_view w = AddrWord(v);
    if (!IsIp(w)) {
      // "Bad protocol version identification 'x' from 1.2.3.4 port 1234"
      size_t from = v.find(" from ");
      w = from == npos ? string_view() : AddrWord(v.substr(from + 6));
    }
    SetHost(w, rec);
    size_t reason = v.find(": ");
    if (reason != npos) Assign(rec.reply, v.substr(reason + 2));
    return true;
  }
  if (ConsumePrefix(v, "Connection from ")) {
    rec.family = "sshd";
    rec.event = "connect";
    SetHost(AddrWord(v), rec);
    return true;
  }
  if (ConsumePrefix(v, "refused connect from ")) {
    // tcp_wrappers: "refused connect from NAME (IP)"
    rec.family = "sshd";
    rec.event = "reject";
    rec.status = "reject";
    size_t lp = v.rfind(" (");
    if (lp != npos && v.back() == ')') {
      SetHost(v.substr(lp + 2, v.size() - lp - 3), rec);
    } else {
      SetHost(AddrWord(v), rec);
    }
    return true;
  }
  static constexpr string_view kInfo[] = {
      "Server listening on",
      "Received signal",
      "Postponed ",
      "Starting session:",
      "User child is on pid",
      "Transferred:",
      "Close session:",
      "subsystem request",
      "Address ",
      "reverse mapping checking",
      "Changed root directory",
      "Exiting on signal",
      "Starting ",
      "debug",
      "rexec line",
      "Set /proc/self/oom_score_adj",
      "fatal: ",
      "kex_exchange_identification",
      "banner exchange",
      "ssh_dispatch_run_fatal",
      "Protocol major versions differ",
      "Nasty PTR record",
      "userauth_",
      "Authentication refused",
      "Read error from remote host",
      "Timeout, client not responding",
  };
  for (string_view p : kInfo) {
    if (s.starts_with(p)) {
      rec.family = "sshd";
      bool fatal = p == "fatal: " || p == "ssh_dispatch_run_fatal" ||
                   p == "kex_exchange_identification" || p == "banner exchange" ||
                   p == "Read error from remote host" || p == "Timeout, client not responding";
      rec.event = fatal ? "disconnect" : "info";
      if (fatal) {
        // "... Connection from 1.2.3.4 port 22: ..." / "... from 1.2.3.4 port 22"
        size_t from = s.find(" from ");
        if (from != npos) SetHost(AddrWord(s.substr(from + 6)), rec);
      }
      return true;
    }
  }
  return false;
}

bool NormalizeSshd(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  // Solaris: "[ID 800047 auth.info] Failed keyboard-interactive for ..."
  if (s.starts_with("[ID ")) {
    size_t rb = s.find("] ");
    if (rb != npos) s.remove_prefix(rb + 2);
  }
  ConsumePrefix(s, "error: ");
  if (s.ends_with(" [preauth]")) s.remove_suffix(10);
  s = TrimRight(s);
  if (s.empty()) return false;
  size_t extras = rec.extra.size();
  if (ClassifySshd(s, rec)) return true;
  if (rec.extra.size() > extras) rec.extra.resize(extras);
  rec.family.clear();
  rec.event.clear();
  return false;
}

// sshd(pam_unix)[12750]: session opened for user foo by (uid=0)
bool NormalizeSshdPam(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  return ParsePam(s, "sshd", rec);
}

// ===================== policyd-spf =====================

string_view LowerSpfResult(string_view w) {
  static constexpr string_view kResults[] = {"pass", "fail",      "softfail", "neutral",
                                             "none", "temperror", "permerror"};
  for (string_view r : kResults) {
    if (w.size() != r.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < w.size(); ++i) {
      char c = w[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      eq = eq && c == r[i];
    }
    if (eq) return r;
  }
  return {};
}

void SpfFields(string_view s, LogRecord& rec) {
  string_view v;
  if (PamField(s, "client-ip", &v)) Assign(rec.client_ip, CleanIp(v));
  if (PamField(s, "helo", &v)) Assign(rec.helo, v);
  if (PamField(s, "envelope-from", &v)) Assign(rec.from, scan::StripAngles(v));
  if (PamField(s, "receiver", &v) && !v.empty() && v != "<UNKNOWN>") {
    rec.to.emplace_back(scan::StripAngles(v));
  }
  // "identity=mailfrom;" or "identity=no SPF record;": up to the ';'.
  size_t id = s.find("identity=");
  if (id != npos) {
    string_view rest = s.substr(id + 9);
    SetExtra(rec, "identity", Trim(rest.substr(0, rest.find(';'))));
  }
}

bool NormalizePolicydSpf(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  string_view v = s;
  ConsumePrefix(v, "prepend ");
  ConsumePrefix(v, "action=PREPEND ");
  ConsumePrefix(v, "Received-SPF: ");
  // "Pass (mailfrom) identity=mailfrom; client-ip=...", "None; identity=..."
  size_t e = 0;
  while (e < v.size() && (scan::IsAlpha(v[e]))) ++e;
  string_view result = LowerSpfResult(v.substr(0, e));
  if (!result.empty() && s.find("identity=") != npos) {
    rec.family = "policyd-spf";
    rec.event = "spf";
    Assign(rec.status, result);
    SpfFields(v, rec);
    return true;
  }
  // "550 5.7.23 Message rejected due to: SPF fail - not authorized. Please see
  // http://www.openspf.net/Why?s=mfrom;id=a@b;ip=1.2.3.4;r=<UNKNOWN>"
  size_t due = s.find("rejected due to: SPF ");
  if (due != npos) {
    rec.family = "policyd-spf";
    rec.event = "spf";
    string_view r = s.substr(due + 21);
    size_t sp = 0;
    while (sp < r.size() && scan::IsAlpha(r[sp])) ++sp;
    string_view res = LowerSpfResult(r.substr(0, sp));
    rec.status = res.empty() ? "fail" : std::string(res);
    Assign(rec.reply, s);
    Assign(rec.dsn, scan::LeadingDsn(s));
    size_t why = s.find("Why?");
    if (why != npos) {
      string_view q = s.substr(why + 4);
      string_view f;
      if (PamField(q, "id", &f)) Assign(rec.from, f);
      if (PamField(q, "ip", &f)) Assign(rec.client_ip, CleanIp(f));
    }
    return true;
  }
  if (s.starts_with("Starting") || s.starts_with("Config:") || s.starts_with("Policy ") ||
      s.starts_with("spfcheck:") || s.starts_with("Exiting") || s.starts_with("Instance ") ||
      s.starts_with("Reason: ") || s.starts_with("Dummy ") || s.starts_with("SPF ") ||
      s.starts_with("Mail From") || s.starts_with("HELO ") || s.starts_with("Action: ") ||
      s.starts_with("Helo ") || s.starts_with("Header field") || s.starts_with("Found ") ||
      s.starts_with("Read line")) {
    rec.family = "policyd-spf";
    rec.event = "info";
    return true;
  }
  if (s.starts_with("ERROR") || s.starts_with("Error") || s.starts_with("Traceback") ||
      s.find("Exception") != npos) {
    rec.family = "policyd-spf";
    rec.event = "error";
    Assign(rec.reply, s);
    return true;
  }
  return false;
}

}  // namespace

void RegisterAuthMisc(NormalizerTable& table) {
  table.Register("saslauthd", NormalizeSaslauthd);
  table.Register("sshd", NormalizeSshd);
  table.Register("sshd(pam_unix)", NormalizeSshdPam);
  table.Register("policyd-spf", NormalizePolicydSpf);
  table.Register("policy-spf", NormalizePolicydSpf);
}

}  // namespace mlq
