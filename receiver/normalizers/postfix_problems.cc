// Postfix problem reports (see postfix_problems.h).
//
// Hand-written scanning over string_view only.

#include "receiver/normalizers/postfix_problems.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq::postfix_problems {
namespace {

using scan::ConsumeEndpoint;
using scan::ConsumePrefix;
using scan::ConsumeWord;
using scan::Endpoint;
using scan::IsDigits;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetClient;
using fields::SetExtraIfAny;

void Set(LogRecord& rec, string_view event, string_view reply) {
  Assign(rec.event, event);
  if (!reply.empty()) Assign(rec.reply, TrimRight(reply));
}

string_view DaemonName(string_view program) { return program.substr(program.rfind('/') + 1); }

// An IPv4 or IPv6 address token (digits, hex, '.', ':').
bool IsIpToken(string_view s) {
  if (s.empty()) return false;
  bool sep = false;
  for (char c : s) {
    if (c == '.' || c == ':') {
      sep = true;
    } else if (!scan::IsDigit(c) && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return sep;
}

// A configuration file path "/etc/postfix/main.cf".
bool IsConfigPath(string_view p) {
  return p.size() > 4 && p.front() == '/' && p.find(' ') == npos && p.ends_with(".cf");
}

// ---- smtpd: the client ----

bool ParseClientProblem(string_view s, LogRecord& rec) {
  string_view t = s;
  // smtpd_peer.c: "hostname %s does not resolve to address %s[: %s]"
  if (ConsumePrefix(t, "hostname ")) {
    string_view name = ConsumeWord(t);
    if (!ConsumePrefix(t, "does not resolve to address ")) return false;
    string_view ip = t.substr(0, t.find(' '));
    if (ip.ends_with(':')) ip.remove_suffix(1);
    if (!IsIpToken(ip)) return false;
    t.remove_prefix(ip.size());
    ConsumePrefix(t, ": ");
    Set(rec, "dns-mismatch", Trim(t));
    Assign(rec.client_ip, ip);
    SetExtraIfAny(rec, "hostname", name);
    return true;
  }
  // "%s: hostname %s verification failed: %s", "%s: address not listed for hostname %s"
  size_t colon = s.find(": ");
  if (colon != npos && IsIpToken(s.substr(0, colon))) {
    string_view ip = s.substr(0, colon);
    t = s.substr(colon + 2);
    if (ConsumePrefix(t, "hostname ")) {
      string_view name = ConsumeWord(t);
      if (!ConsumePrefix(t, "verification failed")) return false;
      ConsumePrefix(t, ": ");
      Set(rec, "dns-mismatch", Trim(t));
      Assign(rec.client_ip, ip);
      SetExtraIfAny(rec, "hostname", name);
      return true;
    }
    if (ConsumePrefix(t, "address not listed for hostname ")) {
      Set(rec, "dns-mismatch", "address not listed for hostname");
      Assign(rec.client_ip, ip);
      SetExtraIfAny(rec, "hostname", ConsumeWord(t));
      return true;
    }
    return false;
  }
  t = s;
  // "non-SMTP command from %s: %s"
  if (ConsumePrefix(t, "non-SMTP command from ")) {
    Endpoint ep;
    if (!ConsumeEndpoint(t, &ep)) return false;
    Assign(rec.event, "non-smtp-command");
    SetClient(rec, ep);
    if (ConsumePrefix(t, ": ")) SetExtraIfAny(rec, "command", TrimRight(t));
    return true;
  }
  // anvil limits: "Connection rate limit exceeded: 31 from host[ip] for service smtpd"
  size_t lim = s.find(" limit exceeded: ");
  if (lim != npos && lim < 48) {
    t = s.substr(lim + 17);
    string_view count = ConsumeWord(t);
    Endpoint ep;
    if (!IsDigits(count) || !ConsumePrefix(t, "from ") || !ConsumeEndpoint(t, &ep)) return false;
    Assign(rec.event, "rate-limit");
    SetClient(rec, ep);
    SetExtraIfAny(rec, "limit", s.substr(0, lim));
    SetExtraIfAny(rec, "count", count);
    if (ConsumePrefix(t, " for service ")) SetExtraIfAny(rec, "service", ConsumeWord(t));
    return true;
  }
  // "Illegal address syntax from %s in %s command: %s"
  if (ConsumePrefix(t, "Illegal address syntax from ")) {
    Endpoint ep;
    if (!ConsumeEndpoint(t, &ep) || !ConsumePrefix(t, " in ")) return false;
    string_view stage = ConsumeWord(t);
    if (!ConsumePrefix(t, "command: ")) return false;
    Assign(rec.event, "illegal-address");
    SetClient(rec, ep);
    SetExtraIfAny(rec, "stage", stage);
    string_view addr = StripAngles(Trim(t));
    if (stage == "MAIL") Assign(rec.from, addr);
    if (stage == "RCPT" && !addr.empty()) rec.to.emplace_back(addr);
    return true;
  }
  if (ConsumePrefix(t, "SASL authentication failure: ")) {
    Set(rec, "sasl-error", t);
    return true;
  }
  return false;
}

// ---- DNS lists, tables ----

bool ParseLookupProblem(string_view s, LogRecord& rec) {
  string_view t = s;
  // smtpd_check.c: "%s: RBL lookup error: %s"
  size_t rbl = s.find(": RBL lookup error: ");
  if (rbl != npos && s.substr(0, rbl).find(' ') == npos) {
    Set(rec, "dnsbl-error", s.substr(rbl + 20));
    SetExtraIfAny(rec, "query", s.substr(0, rbl));
    return true;
  }
  // dnsblog.c: "dnsblog_query: lookup error for DNS query %s: %s"
  if (ConsumePrefix(t, "dnsblog_query: lookup error for DNS query ")) {
    size_t colon = t.find(": ");
    if (colon == npos) return false;
    Set(rec, "dnsbl-error", t.substr(colon + 2));
    SetExtraIfAny(rec, "query", t.substr(0, colon));
    return true;
  }
  // "virtual_alias_domains lookup failure"
  if (s.ends_with(" lookup failure")) {
    string_view map = s.substr(0, s.size() - 15);
    if (map.empty() || map.find(' ') != npos) return false;
    Assign(rec.event, "lookup-error");
    SetExtraIfAny(rec, "map", map);
    return true;
  }
  return false;
}

// ---- between daemons, the master ----

bool ParseServiceProblem(string_view s, string_view daemon, LogRecord& rec) {
  string_view t = s;
  // mail_connect: "private/lmtp socket: malformed response"
  size_t sock = s.find(" socket: ");
  if (sock != npos && s.substr(0, sock).find(' ') == npos &&
      (s.starts_with("private/") || s.starts_with("public/"))) {
    Set(rec, "ipc-error", s.substr(sock + 9));
    SetExtraIfAny(rec, "service", s.substr(0, sock));
    return true;
  }
  if (ConsumePrefix(t, "problem talking to service ")) {
    string_view service = t.substr(0, t.find(": "));
    t.remove_prefix(service.size());
    ConsumePrefix(t, ": ");
    Set(rec, "ipc-error", t);
    SetExtraIfAny(rec, "service", service);
    return true;
  }
  // qmgr: "transport lmtp failure -- see a previous warning/fatal/panic ..."
  t = s;
  if (ConsumePrefix(t, "transport ")) {
    string_view transport = ConsumeWord(t);
    if (!t.starts_with("failure")) return false;
    Assign(rec.event, "transport-failure");
    SetExtraIfAny(rec, "transport", transport);
    return true;
  }
  if (daemon != "master") return false;
  // master_spawn.c: "process %s pid %d exit status %d", "... killed by signal %d"
  if (ConsumePrefix(t, "process ")) {
    string_view command = ConsumeWord(t);
    if (!ConsumePrefix(t, "pid ")) return false;
    string_view pid = ConsumeWord(t);
    string_view status_key;
    if (ConsumePrefix(t, "exit status ")) {
      status_key = "exit_status";
    } else if (ConsumePrefix(t, "killed by signal ")) {
      status_key = "signal";
    } else {
      return false;
    }
    string_view value = ConsumeWord(t);
    if (!IsDigits(pid) || !IsDigits(value)) return false;
    Assign(rec.event, "process-exit");
    SetExtraIfAny(rec, "command", command);
    SetExtraIfAny(rec, "pid", pid);
    SetExtraIfAny(rec, status_key, value);
    return true;
  }
  // master_spawn.c: "%s: bad command startup -- throttling"
  if (s.ends_with(": bad command startup -- throttling")) {
    string_view command = s.substr(0, s.size() - 35);
    if (command.empty() || command.find(' ') != npos) return false;
    Assign(rec.event, "service-throttled");
    SetExtraIfAny(rec, "command", command);
    return true;
  }
  // master_listen.c: "bind %s port %d: %m"
  if (ConsumePrefix(t, "bind ")) {
    string_view address = ConsumeWord(t);
    if (!ConsumePrefix(t, "port ")) return false;
    string_view port = t.substr(0, t.find(':'));
    if (!IsDigits(port)) return false;
    t.remove_prefix(port.size());
    ConsumePrefix(t, ": ");
    Set(rec, "startup-failed", t);
    SetExtraIfAny(rec, "address", address);
    SetExtraIfAny(rec, "port", port);
    return true;
  }
  if (s == "daemon initialization failure") {
    Assign(rec.event, "startup-failed");
    return true;
  }
  return false;
}

// postfix-script and the postfix(1) command.
bool ParseControlProblem(string_view s, string_view daemon, LogRecord& rec) {
  if (daemon != "postfix-script" && daemon != "postfix") return false;
  if (s == "mail system startup failed" || s == "Postfix integrity check failed!") {
    Assign(rec.event, "startup-failed");
    return true;
  }
  if (s == "the Postfix mail system is not running" ||
      s == "the Postfix mail system is already running") {
    Assign(rec.event, "master");
    SetExtraIfAny(rec, "state", s.ends_with("not running") ? "not-running" : "running");
    return true;
  }
  string_view t = s;
  if (ConsumePrefix(t, "unknown command: ")) {
    Set(rec, "usage-error", s);
    SetExtraIfAny(
        rec, "command",
        t.size() >= 2 && t.front() == '\'' && t.back() == '\'' ? t.substr(1, t.size() - 2) : t);
    return true;
  }
  if (s.starts_with("usage: ")) {
    Set(rec, "usage-error", s);
    return true;
  }
  return false;
}

// ---- configuration ----

bool ParseConfigProblem(string_view s, LogRecord& rec) {
  string_view t = s;
  // "open database /etc/postfix/virtual.db: No such file or directory",
  // "open /etc/postfix/main.cf: No such file or directory"
  if (ConsumePrefix(t, "open ")) {
    bool database = ConsumePrefix(t, "database ");
    size_t colon = t.find(": ");
    if (colon == npos) return false;
    string_view file = t.substr(0, colon);
    if (!database && !IsConfigPath(file)) return false;
    Set(rec, "config-error", t.substr(colon + 2));
    SetExtraIfAny(rec, "file", file);
    return true;
  }
  // "no /etc/postfix/master.cf file found"
  if (ConsumePrefix(t, "no ") && t.ends_with(" file found")) {
    string_view file = t.substr(0, t.size() - 11);
    if (!IsConfigPath(file)) return false;
    Set(rec, "config-error", "file not found");
    SetExtraIfAny(rec, "file", file);
    return true;
  }
  t = s;
  // mail_conf_*.c: "file %s: parameter %s: unknown user name value: %s"
  if (ConsumePrefix(t, "file ")) {
    size_t colon = t.find(": parameter ");
    if (colon == npos) return false;
    string_view file = t.substr(0, colon);
    t.remove_prefix(colon + 12);
    size_t c2 = t.find(": ");
    if (c2 == npos) return false;
    Set(rec, "config-error", t.substr(c2 + 2));
    SetExtraIfAny(rec, "file", file);
    SetExtraIfAny(rec, "parameter", t.substr(0, c2));
    return true;
  }
  // "config variable inet_interfaces: host not found: llocalhost"
  if (ConsumePrefix(t, "config variable ")) {
    size_t colon = t.find(": ");
    if (colon == npos) return false;
    Set(rec, "config-error", t.substr(colon + 2));
    SetExtraIfAny(rec, "parameter", t.substr(0, colon));
    return true;
  }
  // master_ent.c: "/etc/postfix/master.cf: logical line must not start with whitespace: ..."
  size_t colon = s.find(": ");
  if (colon != npos && IsConfigPath(s.substr(0, colon))) {
    Set(rec, "config-error", s.substr(colon + 2));
    SetExtraIfAny(rec, "file", s.substr(0, colon));
    return true;
  }
  // mail_params.c: "bounce_queue_lifetime is larger than maximal_queue_lifetime - adjusting ..."
  t = s;
  string_view param = ConsumeWord(t);
  if (t.starts_with("is larger than ") && t.find(" - adjusting ") != npos) {
    Set(rec, "config-error", t);
    SetExtraIfAny(rec, "parameter", param);
    return true;
  }
  t = s;
  // A transport or master.cf service that the system does not know:
  // "unknown service: private/dovecot-lmtp/tcp",
  // "127.0.0.1:wesmtp: Servname not supported for ai_socktype".
  if (ConsumePrefix(t, "unknown service: ")) {
    Set(rec, "config-error", "unknown service");
    SetExtraIfAny(rec, "service", Trim(t));
    return true;
  }
  size_t serv = s.find(": Servname not supported for ai_socktype");
  if (serv != npos && s.substr(0, serv).find(' ') == npos) {
    Set(rec, "config-error", s.substr(serv + 2));
    SetExtraIfAny(rec, "service", s.substr(0, serv));
    return true;
  }
  if (ConsumePrefix(t, "unsupported dictionary type: ")) {
    Set(rec, "config-error", "unsupported dictionary type");
    SetExtraIfAny(rec, "dict_type", Trim(t));
    return true;
  }
  return false;
}

// ---- local submission: sendmail(1), postdrop(1) ----

bool ParseSubmitProblem(string_view s, string_view daemon, LogRecord& rec) {
  if (daemon != "sendmail" && daemon != "postdrop") return false;
  if (s == "Recipient addresses must be specified on the command line or via the -t option" ||
      (s.starts_with("-t option cannot be used with "))) {
    Set(rec, "usage-error", s);
    return true;
  }
  // "root(0): error reading input: Is a directory" (user name and uid)
  size_t lp = s.find('(');
  if (lp != npos && lp > 0 && s.substr(0, lp).find(' ') == npos) {
    size_t rp = s.find("): ", lp);
    if (rp != npos && IsDigits(s.substr(lp + 1, rp - lp - 1))) {
      Set(rec, "submit-error", s.substr(rp + 3));
      SetExtraIfAny(rec, "user", s.substr(0, lp));
      SetExtraIfAny(rec, "uid", s.substr(lp + 1, rp - lp - 1));
      return true;
    }
  }
  string_view t = s;
  // "uid=0: File too large"
  if (ConsumePrefix(t, "uid=")) {
    size_t colon = t.find(": ");
    if (colon == npos || !IsDigits(t.substr(0, colon))) return false;
    Set(rec, "submit-error", t.substr(colon + 2));
    SetExtraIfAny(rec, "uid", t.substr(0, colon));
    return true;
  }
  // "mail_queue_enter: create file maildrop/123456.12345: Read-only file system"
  if (ConsumePrefix(t, "mail_queue_enter: ")) {
    Set(rec, "submit-error", t);
    return true;
  }
  return false;
}

}  // namespace

bool Classify(string_view text, LogRecord& rec) {
  string_view s = TrimRight(text);
  string_view daemon = DaemonName(rec.program);
  return ParseClientProblem(s, rec) || ParseLookupProblem(s, rec) ||
         ParseServiceProblem(s, daemon, rec) || ParseControlProblem(s, daemon, rec) ||
         ParseSubmitProblem(s, daemon, rec) || ParseConfigProblem(s, rec);
}

}  // namespace mlq::postfix_problems
