// Courier, Cyrus and UW IMAP/POP3 daemon lines (see imap_pop.h). Hand-written
// string_view scanning.

#include "receiver/normalizers/imap_pop.h"

#include <string_view>

#include "receiver/normalizers/kv_scan.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using fields::Assign;
using fields::SetExtra;
using kv::CleanIp;
using kv::IsIp;
using kv::SetClientHostIp;
using kv::SpaceField;
using scan::ConsumePrefix;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

// Courier: "LOGIN FAILED, user=x, ip=[::ffff:1.2.3.4]", "LOGIN, user=x,
// ip=[...], port=[...], protocol=IMAP", "LOGOUT, ...", "Connection, ip=[...]",
// "DISCONNECTED, ...", "TIMEOUT, ...".
bool CourierImap(string_view s, LogRecord& rec) {
  size_t c = s.find(", ");
  string_view head = s.substr(0, c);
  string_view ev;
  if (head == "LOGIN FAILED") {
    ev = "auth-failure";
  } else if (head == "LOGIN") {
    ev = "login";
  } else if (head == "LOGOUT") {
    ev = "logout";
  } else if (head == "Connection" || head == "Connected") {
    ev = "connect";
  } else if (head == "DISCONNECTED" || head == "Disconnected" || head == "TIMEOUT") {
    ev = "disconnect";
  } else if (head == "authentication error" || s.starts_with("authentication error:")) {
    ev = "auth-failure";
  } else {
    return false;
  }
  rec.family = "courier";
  Assign(rec.event, ev);
  if (c == npos) return true;
  string_view f = s.substr(c + 2);
  string_view v;
  if (SpaceField(f, "user", &v)) Assign(rec.sasl_user, v);
  if (SpaceField(f, "method", &v)) SetExtra(rec, "sasl_method", v);
  if (SpaceField(f, "ip", &v)) {
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
    Assign(rec.client_ip, CleanIp(v));
  }
  if (SpaceField(f, "protocol", &v)) SetExtra(rec, "protocol", v);
  return true;
}

// "host [ip] rest", "host[ip] rest", "[ip] rest": the client, and *rest.
bool ConsumeCyrusEndpoint(string_view s, LogRecord& rec, string_view* rest) {
  size_t rb = s.find(']');
  if (rb == npos) return false;
  size_t lb = s.rfind('[', rb);
  if (lb == npos) return false;
  string_view ip = s.substr(lb + 1, rb - lb - 1);
  if (!IsIp(ip) && ip != "unix socket" && ip != "UNIX") return false;
  Assign(rec.client_name, Trim(s.substr(0, lb)));
  Assign(rec.client_ip, CleanIp(ip));
  *rest = Trim(s.substr(rb + 1));
  return true;
}

// Cyrus timsieved (tag "timsieved", "cyrus/timsieved" or "sieve"): its
// badlogin lines carry no user, the SASL error follows the mechanism.
bool IsTimsieved(string_view program) {
  string_view last = program.substr(program.rfind('/') + 1);
  return last == "timsieved" || last == "sieve";
}

// Cyrus: "badlogin: host [ip] MECH [user] SASL(-13): reason" (the user may be
// absent or in parentheses), "login: host [ip] user MECH User logged in ...";
// timsieved: "badlogin: host[ip] MECH reason".
bool CyrusImap(string_view s, LogRecord& rec) {
  string_view v = s;
  if (ConsumePrefix(v, "badlogin: ")) {
    string_view rest;
    rec.family = "cyrus";
    rec.event = "auth-failure";
    if (!ConsumeCyrusEndpoint(v, rec, &rest)) return true;
    string_view mech = rest.substr(0, rest.find(' '));
    SetExtra(rec, "sasl_method", mech);
    rest = mech.size() < rest.size() ? Trim(rest.substr(mech.size())) : string_view();
    if (IsTimsieved(rec.program)) {
      Assign(rec.reply, rest);
      return true;
    }
    if (rest.starts_with("(")) {
      size_t close = rest.find(')');
      if (close != npos) {
        Assign(rec.sasl_user, rest.substr(1, close - 1));
        rest = Trim(rest.substr(close + 1));
      }
    } else if (!rest.empty() && rest.front() != '[') {
      size_t sp = rest.find(' ');
      Assign(rec.sasl_user, rest.substr(0, sp));
      rest = sp == npos ? string_view() : Trim(rest.substr(sp + 1));
    }
    if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']') {
      rest = rest.substr(1, rest.size() - 2);
    }
    Assign(rec.reply, rest);
    return true;
  }
  if (ConsumePrefix(v, "login: ")) {
    string_view rest;
    rec.family = "cyrus";
    rec.event = "login";
    if (!ConsumeCyrusEndpoint(v, rec, &rest)) return true;
    size_t sp = rest.find(' ');
    Assign(rec.sasl_user, rest.substr(0, sp));
    if (sp != npos) {
      string_view m = rest.substr(sp + 1);
      SetExtra(rec, "sasl_method", m.substr(0, m.find(' ')));
    }
    return true;
  }
  if (ConsumePrefix(v, "Delivered: ")) {
    // lmtpd: "Delivered: <msgid> to mailbox: user.x"
    rec.family = "cyrus";
    rec.event = "delivery";
    rec.status = "sent";
    size_t to = v.find(" to mailbox: ");
    Assign(rec.message_id, StripAngles(v.substr(0, to)));
    if (to != npos) SetExtra(rec, "mailbox", v.substr(to + 13));
    return true;
  }
  if (ConsumePrefix(v, "accepted connection")) {
    rec.family = "cyrus";
    rec.event = "connect";
    return true;
  }
  static constexpr string_view kInfo[] = {
      "USAGE ",    "executed",   "starttls: ",      "SSL_accept", "IOERROR",   "DBERROR",
      "seen_db: ", "auditlog: ", "Deleted mailbox", "mystore: ",  "duplicate_"};
  for (string_view p : kInfo) {
    if (s.starts_with(p)) {
      rec.family = "cyrus";
      rec.event = p.starts_with("IOERROR") || p.starts_with("DBERROR") ? "error" : "info";
      return true;
    }
  }
  return false;
}

// UW IMAP: "Login failed user=x auth=x host=name [ip]", "AUTHENTICATE LOGIN
// failure host=name [ip]", "Authenticated user=x host=name [ip]", "Logout
// user=x host=...", "imap service init from 1.2.3.4".
bool UwImap(string_view s, LogRecord& rec) {
  string_view ev;
  if (s.starts_with("Login failed ") || s.starts_with("Login excessive login failures") ||
      s.starts_with("Login disabled") || s.starts_with("Failed ") ||
      (s.starts_with("AUTHENTICATE ") && s.find(" failure") != npos) ||
      s.starts_with("APOP failure") || s.starts_with("Auth failure")) {
    ev = "auth-failure";
  } else if (s.starts_with("Authenticated user=") || s.starts_with("Login user=") ||
             s.starts_with("Auth user=") || s.starts_with("APOP user=") ||
             s.starts_with("Preauthenticated user=")) {
    ev = "login";
  } else if (s.starts_with("Logout user=") || s.starts_with("Autologout user=") ||
             s.starts_with("Killed ")) {
    ev = "logout";
  } else if (s.starts_with("Command stream end of file") ||
             s.starts_with("command stream end of file") ||
             s.starts_with("Connection reset by peer") || s.starts_with("Broken pipe") ||
             s.starts_with("Unexpected client disconnect") ||
             s.starts_with("Connection timed out") || s.starts_with("Autologout host=")) {
    ev = "disconnect";
  } else if (s.starts_with("connect from ")) {
    // tcp_wrappers in front of UW imapd: "connect from 192.168.11.200"
    rec.family = "uw-imap";
    rec.event = "connect";
    string_view ip = Trim(s.substr(13));
    if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
    return true;
  } else if (s.find(" service init from ") != npos) {
    rec.family = "uw-imap";
    rec.event = "connect";
    string_view ip = Trim(s.substr(s.find(" service init from ") + 19));
    if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
    return true;
  } else if (s.starts_with("Moved ") || s.starts_with("Trying IP address") ||
             s.starts_with("Mailbox lock") || s.starts_with("Mailbox vulnerable")) {
    rec.family = "uw-imap";
    rec.event = "info";
    return true;
  } else {
    return false;
  }
  rec.family = "uw-imap";
  Assign(rec.event, ev);
  string_view v;
  if (SpaceField(s, "user", &v) && v != "???") Assign(rec.sasl_user, v);
  size_t h = s.find("host=");
  if (h != npos) SetClientHostIp(s.substr(h + 5), rec);
  if (s.starts_with("AUTHENTICATE ")) {
    string_view m = s.substr(13);
    SetExtra(rec, "sasl_method", m.substr(0, m.find(' ')));
  }
  return true;
}

bool NormalizeImapd(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  return CourierImap(s, rec) || CyrusImap(s, rec) || UwImap(s, rec);
}

}  // namespace

void RegisterImapPop(NormalizerTable& table) {
  for (string_view p :
       {"imapd", "pop3d", "ipop3d", "imap", "imaps", "pop3", "pop3s", "cyrus", "lmtpunix",
        "timsieved", "sieve", "courierpop3login", "courierpop3d", "courierimaplogin"}) {
    table.Register(p, NormalizeImapd);
  }
}

}  // namespace mlq
