// Sendmail, qmail, dma, Courier, Cyrus, UW IMAP, solid-pop3d, perdition and
// MailScanner lines (see other_mta.h). Hand-written string_view scanning.

#include "receiver/normalizers/other_mta.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "receiver/normalizers/record_fields.h"
#include "receiver/normalizers/mail_scan.h"

namespace mlq {
namespace {

using scan::ConsumePrefix;
using scan::IsAlnum;
using scan::IsDigit;
using scan::IsDigits;
using scan::IsDsn;
using scan::IsLower;
using scan::IsUpper;
using scan::LeadingDsn;
using scan::ParseInt;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

// ===================== shared helpers =====================

using fields::Assign;
using fields::SetExtra;

void PushTo(LogRecord& rec, string_view to) {
  if (!to.empty()) rec.to.emplace_back(to);
}

bool IsIpv4(string_view s) {
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

// "::ffff:1.2.3.4" -> "1.2.3.4"; "IPv6:2001:db8::1" -> "2001:db8::1".
string_view CleanIp(string_view ip) {
  ip = Trim(ip);
  if (ip.size() > 5 && ip.substr(0, 5) == "IPv6:") ip.remove_prefix(5);
  if (ip.size() > 7 && (ip.substr(0, 7) == "::ffff:" || ip.substr(0, 7) == "::FFFF:") &&
      IsIpv4(ip.substr(7))) {
    ip.remove_prefix(7);
  }
  return ip;
}

bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// True for an IPv4 or IPv6 address (possibly IPv4-mapped).
bool IsIp(string_view s) {
  s = CleanIp(s);
  if (IsIpv4(s)) return true;
  if (s.size() < 2 || s.find(':') == npos) return false;
  for (char c : s) {
    if (!IsHex(c) && c != ':' && c != '.') return false;
  }
  return true;
}

// "host [ip]", "host [ip] (may be forged)", "[ip]", "host[ip]",
// "[ip] [ip]": sets name and ip (ip cleaned, name without brackets, "" when
// the name is only the address literal). False when there is no "[ip]".
bool ParseHostIp(string_view v, string_view* name, string_view* ip) {
  v = Trim(v);
  size_t forged = v.find(" (may be forged)");
  if (forged != npos) v = v.substr(0, forged);
  if (v.empty() || v.back() != ']') return false;
  size_t lb = v.rfind('[');
  if (lb == npos) return false;
  *ip = CleanIp(v.substr(lb + 1, v.size() - lb - 2));
  string_view n = Trim(v.substr(0, lb));
  if (n.size() >= 2 && n.front() == '[' && n.back() == ']') n = {};
  *name = n;
  return !ip->empty();
}

void SetClientHostIp(string_view v, LogRecord& rec) {
  string_view name, ip;
  if (ParseHostIp(v, &name, &ip)) {
    Assign(rec.client_name, name);
    Assign(rec.client_ip, ip);
  }
}

// An ID token inside a reply ("A3EF4405DD14", "1qAbcD-0001Xy-Zz").
string_view IdToken(string_view s) {
  size_t i = 0;
  while (i < s.size() && (IsAlnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.')) ++i;
  while (i > 0 && (s[i - 1] == '.' || s[i - 1] == '-')) --i;
  return s.substr(0, i);
}

// "... queued as X" in a remote reply -> Link{"queued_as", X}.
void LinkQueuedAs(string_view reply, LogRecord& rec) {
  size_t q = reply.find("ueued as ");
  if (q == npos || q == 0 || (reply[q - 1] != 'q' && reply[q - 1] != 'Q')) return;
  string_view id = IdToken(reply.substr(q + 9));
  if (!id.empty()) rec.links.push_back(Link{"queued_as", std::string(id), ""});
}

// True when s[i..] is "key=" with a lowercase/digit/'_' key.
bool KeyStartsAt(string_view s, size_t i) {
  size_t k = i;
  while (k < s.size() && (IsLower(s[k]) || IsDigit(s[k]) || s[k] == '_')) ++k;
  return k > i && k < s.size() && s[k] == '=';
}

// The value of "key=" in a ", "-separated list whose values may contain
// spaces and commas: it runs to the next ", " that starts another key.
bool ListField(string_view s, string_view key, string_view* value) {
  size_t from = 0;
  while (from < s.size()) {
    size_t p = s.find(key, from);
    if (p == npos) return false;
    from = p + 1;
    if (p > 0 && !(p >= 2 && s[p - 1] == ' ' && s[p - 2] == ',')) continue;
    size_t v = p + key.size();
    if (v >= s.size() || s[v] != '=') continue;
    ++v;
    size_t e = v;
    while (true) {
      e = s.find(", ", e);
      if (e == npos) {
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

// The value of "key=" up to the next space ("user=x auth=x host=...").
bool SpaceField(string_view s, string_view key, string_view* value) {
  size_t from = 0;
  while (from < s.size()) {
    size_t p = s.find(key, from);
    if (p == npos) return false;
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

// Status of a delivery from its DSN class, else from the text.
string_view StatusFromDsn(string_view dsn, string_view text) {
  if (!dsn.empty()) {
    if (dsn[0] == '2') return "sent";
    if (dsn[0] == '4') return "deferred";
    if (dsn[0] == '5') return "bounced";
  }
  if (text.starts_with("Sent")) return "sent";
  if (text.starts_with("Deferred") || text.starts_with("deferred")) return "deferred";
  if (text.starts_with("queued")) return "queued";
  return "bounced";
}

// ===================== Sendmail =====================

// "21QBRGdX006005", "xA32R2PQ3529566": 8 characters of time and sequence
// (base 60) then the process ID in decimal.
bool IsSendmailQid(string_view t) {
  if (t.size() < 13 || t.size() > 20) return false;
  for (size_t i = 0; i < 8; ++i) {
    if (!IsAlnum(t[i])) return false;
  }
  return IsDigits(t.substr(8));
}

// sendmail "[D+]HH:MM:SS" -> seconds; "" when not in that form.
std::string SendmailSeconds(string_view v) {
  int64_t days = 0;
  size_t plus = v.find('+');
  if (plus != npos) {
    days = ParseInt(v.substr(0, plus));
    if (days < 0) return {};
    v.remove_prefix(plus + 1);
  }
  if (v.size() != 8 || v[2] != ':' || v[5] != ':') return {};
  int64_t h = ParseInt(v.substr(0, 2)), m = ParseInt(v.substr(3, 2)), s = ParseInt(v.substr(6, 2));
  if (h < 0 || m < 0 || s < 0) return {};
  return std::to_string(((days * 24 + h) * 60 + m) * 60 + s);
}

// "<a@b>,<c@d>" or "a@b,c@d" -> to.
void PushRecipientList(string_view list, LogRecord& rec) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    PushTo(rec, StripAngles(Trim(list.substr(0, comma))));
    if (comma == npos) break;
    list.remove_prefix(comma + 1);
  }
}

// "from=<a>, size=N, class=0, nrcpts=N, msgid=<id>, proto=ESMTP, daemon=MTA,
// relay=host [ip]"
void SendmailFrom(string_view s, LogRecord& rec) {
  rec.event = "queued";
  string_view v;
  if (ListField(s, "from", &v)) Assign(rec.from, StripAngles(v));
  if (ListField(s, "size", &v)) rec.size = ParseInt(v);
  if (ListField(s, "nrcpts", &v)) rec.nrcpt = ParseInt(v);
  if (ListField(s, "msgid", &v)) Assign(rec.message_id, StripAngles(v));
  if (ListField(s, "proto", &v)) Assign(rec.proto, v);
  if (ListField(s, "daemon", &v)) SetExtra(rec, "daemon", v);
  if (ListField(s, "relay", &v)) {
    string_view name, ip;
    if (ParseHostIp(v, &name, &ip)) {
      Assign(rec.client_name, name);
      Assign(rec.client_ip, ip);
    } else {
      // Local submission: "relay=root@localhost".
      SetExtra(rec, "submitter", v);
    }
  }
}

// "to=<b>, ctladdr=..., delay=00:00:01, xdelay=..., mailer=esmtp, pri=...,
// relay=host [ip], dsn=2.0.0, stat=Sent (...)"
void SendmailTo(string_view s, LogRecord& rec) {
  rec.event = "delivery";
  string_view v;
  if (ListField(s, "to", &v)) PushRecipientList(v, rec);
  if (ListField(s, "delay", &v)) rec.delay = SendmailSeconds(v);
  if (ListField(s, "xdelay", &v)) SetExtra(rec, "xdelay", v);
  string_view mailer;
  if (ListField(s, "mailer", &mailer)) SetExtra(rec, "mailer", mailer);
  if (ListField(s, "relay", &v)) {
    string_view name, ip;
    if (ParseHostIp(v, &name, &ip)) {
      rec.relay.assign(name.empty() ? ip.data() : name.data(),
                       name.empty() ? ip.size() : name.size());
      rec.relay.push_back('[');
      rec.relay.append(ip.data(), ip.size());
      rec.relay.push_back(']');
    } else {
      Assign(rec.relay, v);
    }
  } else if (mailer == "local" || mailer == "prog" || mailer == "cyrus" || mailer == "cyrusv2" ||
             mailer == "procmail") {
    Assign(rec.relay, mailer);
  }
  string_view dsn;
  if (ListField(s, "dsn", &dsn) && IsDsn(dsn)) Assign(rec.dsn, dsn);
  string_view stat;
  if (ListField(s, "stat", &stat)) {
    Assign(rec.reply, stat);
    Assign(rec.status, StatusFromDsn(rec.dsn, stat));
    LinkQueuedAs(stat, rec);
    // sendmail to sendmail: "Sent (s1GNXHYB005133 Message accepted for delivery)"
    string_view t = stat;
    if (ConsumePrefix(t, "Sent (")) {
      string_view id = t.substr(0, t.find(' '));
      if (t.find(" Message accepted for delivery") == id.size() && rec.links.empty() &&
          !id.empty()) {
        rec.links.push_back(Link{"queued_as", std::string(id), ""});
      }
    }
  }
}

// "ruleset=check_rcpt, arg1=<x>, relay=host [ip], reject=550 5.7.1 <x>... Relaying denied."
void SendmailRuleset(string_view s, LogRecord& rec) {
  rec.event = "reject";
  rec.status = "reject";
  string_view ruleset, arg1, v;
  ListField(s, "ruleset", &ruleset);
  SetExtra(rec, "ruleset", ruleset);
  ListField(s, "arg1", &arg1);
  if (ruleset == "check_rcpt") {
    PushTo(rec, StripAngles(arg1));
  } else if (ruleset == "check_mail") {
    Assign(rec.from, StripAngles(arg1));
  }
  if (ListField(s, "relay", &v)) SetClientHostIp(v, rec);
  if (rec.client_ip.empty() && ruleset == "check_relay" && ListField(s, "arg2", &v) && IsIp(v)) {
    Assign(rec.client_ip, CleanIp(v));
  }
  string_view reject;
  if (ListField(s, "reject", &reject) || ListField(s, "discard", &reject) ||
      ListField(s, "quarantine", &reject)) {
    Assign(rec.reply, reject);
    Assign(rec.dsn, LeadingDsn(reject));
  }
}

// "AUTH failure (LOGIN): authentication failure (-13) SASL(-13): ...,
// user=x, relay=host [ip] (may be forged)". The relay is the last field
// (a user name can contain ", relay=").
void SendmailAuthFailure(string_view s, LogRecord& rec) {
  rec.event = "auth-failure";
  string_view v = s.substr(14);  // after "AUTH failure ("
  size_t close = v.find(')');
  if (close != npos) SetExtra(rec, "sasl_method", v.substr(0, close));
  size_t relay = s.rfind(", relay=");
  string_view head = relay == npos ? s : s.substr(0, relay);
  if (relay != npos) SetClientHostIp(s.substr(relay + 8), rec);
  size_t user = head.rfind(", user=");
  if (user != npos) {
    // The user runs to the first ", relay=" after it (or the end).
    string_view u = s.substr(user + 7);
    size_t r = u.find(", relay=");
    Assign(rec.sasl_user, u.substr(0, r));
    head = head.substr(0, user);
  }
  size_t colon = head.find("): ");
  if (colon != npos) Assign(rec.reply, head.substr(colon + 3));
}

// Lines without "key=" structure; `s` is after the queue ID (if any).
bool SendmailText(string_view s, LogRecord& rec) {
  size_t p;
  if ((p = s.find(": possible SMTP attack: command=")) != npos) {
    SetClientHostIp(s.substr(0, p), rec);
    string_view cmd = s.substr(p + 32);
    cmd = cmd.substr(0, cmd.find(','));
    rec.event = cmd == "AUTH" ? "auth-failure" : "possible-attack";
    SetExtra(rec, "command", cmd);
    string_view count;
    if (ListField(s, "count", &count)) SetExtra(rec, "count", count);
    return true;
  }
  if ((p = s.find(" did not issue MAIL/EXPN/VRFY/ETRN")) != npos) {
    rec.event = "disconnect";
    SetClientHostIp(s.substr(0, p), rec);
    Assign(rec.reply, s.substr(p + 1));
    return true;
  }
  string_view v = s;
  if (ConsumePrefix(v, "lost input channel from ")) {
    rec.event = "lost-connection";
    size_t to = v.find(" to ");
    SetClientHostIp(v.substr(0, to), rec);
    size_t after = v.rfind(" after ");
    if (after != npos) SetExtra(rec, "after", v.substr(after + 7));
    return true;
  }
  if (ConsumePrefix(v, "rejecting commands from ")) {
    rec.event = "reject";
    rec.status = "reject";
    size_t due = v.find(" due to ");
    SetClientHostIp(v.substr(0, due), rec);
    if (due != npos) Assign(rec.reply, v.substr(due + 1));
    return true;
  }
  if (ConsumePrefix(v, "timeout waiting for input from ")) {
    rec.event = "timeout";
    size_t during = v.find(" during ");
    SetClientHostIp(v.substr(0, during), rec);
    return true;
  }
  if (ConsumePrefix(v, "connect from ")) {
    rec.event = "connect";
    SetClientHostIp(v, rec);
    return true;
  }
  // "[ip]: EXPN root [rejected]", "host [ip]: vrfy info [rejected]", "[ip]: expn root"
  size_t colon = s.find("]: ");
  if (colon != npos) {
    string_view cmd = s.substr(colon + 3);
    string_view word = cmd.substr(0, cmd.find(' '));
    if (word == "EXPN" || word == "expn" || word == "VRFY" || word == "vrfy") {
      rec.event = "vrfy-expn";
      SetClientHostIp(s.substr(0, colon + 1), rec);
      SetExtra(rec, "command", cmd.ends_with(" [rejected]") ? cmd.substr(0, cmd.size() - 11) : cmd);
      if (cmd.ends_with("[rejected]")) rec.status = "reject";
      return true;
    }
  }
  // "<addr>... User unknown": a refused recipient (or sender).
  if (s.size() > 2 && s.front() == '<') {
    size_t dots = s.find(">... ");
    if (dots != npos) {
      string_view text = s.substr(dots + 5);
      string_view addr = s.substr(1, dots - 1);
      if (text.ends_with("ok") || text.ends_with("ok.")) {
        rec.event = "info";
      } else {
        rec.event = "reject";
        rec.status = "reject";
        PushTo(rec, addr);
        Assign(rec.reply, text);
      }
      return true;
    }
  }
  if (s.starts_with("SYSERR") || s.starts_with("collect: ") || s.starts_with("error ") ||
      s.starts_with("makeconnection") || s.starts_with("unable to ") || s.starts_with("Losing ") ||
      s.starts_with("savemail panic")) {
    rec.event = "error";
    Assign(rec.reply, s);
    return true;
  }
  if (s.starts_with("Milter")) {
    string_view reject;
    if (ListField(s, "reject", &reject)) {
      rec.event = "reject";
      rec.status = "reject";
      Assign(rec.reply, reject);
      Assign(rec.dsn, LeadingDsn(reject));
    } else {
      rec.event = "milter";
    }
    return true;
  }
  return false;
}

// "QID2: DSN: User unknown", "QID2: return to sender: ...", "QID2: sender
// notify: Warning: could not send message for past 4 hours".
bool SendmailNotice(string_view s, LogRecord& rec) {
  size_t c = s.find(": ");
  if (c == npos || !IsSendmailQid(s.substr(0, c))) return false;
  string_view id = s.substr(0, c);
  string_view text = s.substr(c + 2);
  string_view v = text;
  if (ConsumePrefix(v, "sender notify: ") || ConsumePrefix(v, "postmaster notify: ") ||
      ConsumePrefix(v, "DSN: ") || ConsumePrefix(v, "return to sender: ")) {
    bool delay = text.starts_with("sender notify: Warning") || v.starts_with("Warning: could not");
    rec.event = delay ? "delay-notice" : "bounce-notice";
    rec.links.push_back(Link{"bounce", std::string(id), ""});
    Assign(rec.reply, v);
    return true;
  }
  return false;
}

bool IsSendmailInfo(string_view s) {
  static constexpr string_view kPrefixes[] = {
      "alias database ",
      "starting daemon",
      "restarting ",
      "stopping daemon",
      "Authentication-Warning",
      "clone ",
      "done; ",
      "AUTH=client",
      "runqueue",
      "grew WorkList",
      "rejecting connections",
      "accepting connections",
      "STARTTLS: ",
      "tls_",
      "setsender: ",
      "headers too large",
      "Syntax error",
      "Warning: ",
      "SMTP outgoing connect",
      "SMTP diagnostic",

      "sendmail ",
      "daemon ",
  };
  for (string_view p : kPrefixes) {
    if (s.starts_with(p)) return true;
  }
  // "/etc/aliases: 77 aliases, longest 10 bytes, 778 bytes total"
  return s.find(" aliases, longest ") != npos;
}

bool NormalizeSendmail(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  string_view qid;
  size_t c = s.find(": ");
  if (c != npos && (IsSendmailQid(s.substr(0, c)) || s.substr(0, c) == "NOQUEUE")) {
    if (s.substr(0, c) != "NOQUEUE") qid = s.substr(0, c);
    s.remove_prefix(c + 2);
  }
  size_t extras = rec.extra.size();
  rec.family = "sendmail";
  Assign(rec.queue_id, qid);
  string_view v = s;
  if (s.starts_with("from=")) {
    SendmailFrom(s, rec);
  } else if (s.starts_with("to=")) {
    SendmailTo(s, rec);
  } else if (s.starts_with("ruleset=")) {
    SendmailRuleset(s, rec);
  } else if (s.starts_with("AUTH failure (")) {
    SendmailAuthFailure(s, rec);
  } else if (ConsumePrefix(v, "AUTH=server, ")) {
    rec.event = "login";
    string_view f;
    if (ListField(s, "relay", &f)) SetClientHostIp(f, rec);
    if (ListField(s, "authid", &f)) Assign(rec.sasl_user, f);
    if (ListField(s, "mech", &f)) SetExtra(rec, "sasl_method", f);
  } else if (s.starts_with("STARTTLS=")) {
    rec.event = s.find("error") != npos ? "tls-error" : "tls";
    string_view f;
    if (ListField(s, "relay", &f)) SetClientHostIp(f, rec);
    if (ListField(s, "version", &f)) SetExtra(rec, "tls_version", f);
    if (ListField(s, "verify", &f)) SetExtra(rec, "tls_verify", f);
    if (ListField(s, "cipher", &f)) SetExtra(rec, "tls_cipher", f);
  } else if (SendmailNotice(s, rec) || SendmailText(s, rec)) {
    // filled
  } else if (!qid.empty() || IsSendmailInfo(s)) {
    rec.event = "info";
  } else {
    rec.family.clear();
    rec.queue_id.clear();
    if (rec.extra.size() > extras) rec.extra.resize(extras);
    return false;
  }
  return true;
}

// ===================== qmail =====================

// splogger's "1157520813.485077 " and multilog's "@4000000045a1b2c3..." prefixes.
string_view StripQmailTime(string_view s) {
  size_t i = 0;
  if (!s.empty() && s[0] == '@') {
    i = 1;
    while (i < s.size() && IsHex(s[i])) ++i;
    if (i > 16 && i < s.size() && s[i] == ' ') return s.substr(i + 1);
    return s;
  }
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i < 9 || i >= s.size() || s[i] != '.') return s;
  ++i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i < s.size() && s[i] == ' ') return s.substr(i + 1);
  return s;
}

// Word at the start of s (up to space or ':').
string_view FirstToken(string_view s) {
  size_t e = s.find_first_of(" :");
  return s.substr(0, e);
}

// Lines of qmail-send (and of the other qmail programs via splogger).
bool QmailSend(string_view s, LogRecord& rec) {
  string_view v = s;
  if (ConsumePrefix(v, "new msg ")) {
    rec.event = "queued";
    Assign(rec.queue_id, FirstToken(v));
    return true;
  }
  if (ConsumePrefix(v, "info msg ")) {
    // "N: bytes B from <a> qp Q uid U"
    rec.event = "queued";
    string_view id = FirstToken(v);
    Assign(rec.queue_id, id);
    size_t b = v.find(": bytes ");
    if (b != npos) {
      string_view rest = v.substr(b + 8);
      rec.size = ParseInt(FirstToken(rest));
      size_t f = rest.find(" from <");
      if (f != npos) {
        string_view from = rest.substr(f + 7);
        Assign(rec.from, from.substr(0, from.find('>')));
      }
      size_t q = rest.find(" qp ");
      if (q != npos) SetExtra(rec, "qp", FirstToken(rest.substr(q + 4)));
      size_t u = rest.find(" uid ");
      if (u != npos) SetExtra(rec, "uid", FirstToken(rest.substr(u + 5)));
    }
    return true;
  }
  if (ConsumePrefix(v, "starting delivery ")) {
    // "D: msg N to remote b@c"
    rec.event = "delivery-start";
    SetExtra(rec, "delivery_id", FirstToken(v));
    size_t m = v.find(": msg ");
    if (m != npos) {
      string_view rest = v.substr(m + 6);
      Assign(rec.queue_id, FirstToken(rest));
      size_t to = rest.find(" to ");
      if (to != npos) {
        string_view t = rest.substr(to + 4);
        size_t sp = t.find(' ');
        if (sp != npos) {
          SetExtra(rec, "channel", t.substr(0, sp));
          PushTo(rec, t.substr(sp + 1));
        }
      }
    }
    return true;
  }
  if (ConsumePrefix(v, "delivery ")) {
    // "D: success: text" / "D: deferral: text" / "D: failure: text"
    string_view id = FirstToken(v);
    size_t c = v.find(": ");
    if (c == npos) return false;
    string_view rest = v.substr(c + 2);
    string_view kind = rest.substr(0, rest.find(':'));
    if (kind != "success" && kind != "deferral" && kind != "failure") return false;
    rec.event = "delivery";
    rec.status = kind == "success" ? "sent" : kind == "deferral" ? "deferred" : "bounced";
    SetExtra(rec, "delivery_id", id);
    string_view text =
        kind.size() + 2 <= rest.size() ? rest.substr(kind.size() + 2) : string_view();
    Assign(rec.reply, text);
    // "(#5.1.2)" DSN at the end of qmail texts.
    size_t h = text.rfind("(#");
    if (h != npos) {
      string_view d = text.substr(h + 2);
      d = d.substr(0, d.find(')'));
      if (IsDsn(d)) Assign(rec.dsn, d);
    }
    LinkQueuedAs(text, rec);
    // qmail writes spaces as '_': "Remote_host_said:_250_2.0.0_Ok:_queued_as_8D4F1200A3/"
    size_t qa = text.find("ueued_as_");
    if (rec.links.empty() && qa != npos && qa > 0) {
      string_view rest_id = text.substr(qa + 9);
      size_t e = 0;
      while (e < rest_id.size() && IsAlnum(rest_id[e])) ++e;
      if (e > 0) rec.links.push_back(Link{"queued_as", std::string(rest_id.substr(0, e)), ""});
    }
    return true;
  }
  if (ConsumePrefix(v, "end msg ")) {
    rec.event = "removed";
    Assign(rec.queue_id, FirstToken(v));
    return true;
  }
  if (ConsumePrefix(v, "bounce msg ")) {
    rec.event = "bounce-notice";
    Assign(rec.queue_id, FirstToken(v));
    return true;
  }
  if (s.starts_with("status: ") || s.starts_with("triple bounce") || s.starts_with("running") ||
      s.starts_with("exiting") || s.starts_with("subprocess")) {
    rec.event = "info";
    return true;
  }
  if (s.starts_with("alert: ") || s.starts_with("warning: ") || s.starts_with("fatal: ")) {
    rec.event = "error";
    Assign(rec.reply, s);
    return true;
  }
  return false;
}

// rblsmtpd: "198.51.100.77 pid 19597 sbl-xbl.spamhaus.org: 451 http://..."
// and "relays.ordb.org blocked 193.111.120.47 ordb-test.null.dk -".
bool Rblsmtpd(string_view s, LogRecord& rec) {
  string_view first = FirstToken(s);
  if (IsIp(first)) {
    rec.event = "reject";
    rec.status = "reject";
    Assign(rec.client_ip, CleanIp(first));
    size_t c = s.find(": ");
    if (c != npos) {
      Assign(rec.reply, s.substr(c + 2));
      SetExtra(rec, "rbl", s.substr(0, c).substr(s.substr(0, c).rfind(' ') + 1));
    }
    return true;
  }
  size_t b = s.find(" blocked ");
  if (b != npos) {
    string_view ip = FirstToken(s.substr(b + 9));
    if (IsIp(ip)) {
      rec.event = "reject";
      rec.status = "reject";
      Assign(rec.client_ip, CleanIp(ip));
      SetExtra(rec, "rbl", s.substr(0, b));
      return true;
    }
  }
  return false;
}

// qmail-smtpd patches: "421 badiprbl: ip 198.51.100.54 rbl: example.com",
// "pid 1234 from 1.2.3.4"; tcpserver: "ok 1234 host:1.2.3.4:25 :1.2.3.4::5678".
bool QmailSmtpd(string_view s, LogRecord& rec) {
  size_t ip = s.find(" ip ");
  if (s.size() >= 4 && IsDigit(s[0]) && IsDigit(s[1]) && IsDigit(s[2]) && s[3] == ' ') {
    rec.event = "reject";
    rec.status = "reject";
    Assign(rec.reply, s);
    if (ip != npos) {
      string_view a = FirstToken(s.substr(ip + 4));
      if (IsIp(a)) Assign(rec.client_ip, CleanIp(a));
    }
    return true;
  }
  string_view v = s;
  if (ConsumePrefix(v, "pid ")) {
    size_t f = v.find(" from ");
    if (f != npos) {
      rec.event = "connect";
      Assign(rec.client_ip, CleanIp(FirstToken(v.substr(f + 6))));
      return true;
    }
  }
  return false;
}

bool Tcpserver(string_view s, LogRecord& rec) {
  string_view v = s;
  if (ConsumePrefix(v, "ok ")) {
    rec.event = "connect";
    // "ok PID LOCALHOST:LOCALIP:LOCALPORT REMOTEHOST:REMOTEIP::REMOTEPORT"
    size_t sp = v.rfind(' ');
    if (sp != npos) {
      string_view remote = v.substr(sp + 1);
      size_t c1 = remote.find(':');
      size_t c2 = remote.rfind("::");
      if (c1 != npos && c2 != npos && c2 > c1) {
        Assign(rec.client_name, remote.substr(0, c1));
        Assign(rec.client_ip, CleanIp(remote.substr(c1 + 1, c2 - c1 - 1)));
      }
    }
    return true;
  }
  if (ConsumePrefix(v, "end ")) {
    rec.event = "disconnect";
    return true;
  }
  if (ConsumePrefix(v, "deny ")) {
    rec.event = "reject";
    rec.status = "reject";
    return true;
  }
  if (s.starts_with("status: ") || s.starts_with("pid ")) {
    rec.event = "info";
    return true;
  }
  return false;
}

bool NormalizeQmail(string_view msg, LogRecord& rec) {
  string_view s = StripQmailTime(TrimRight(msg));
  if (s.empty()) return false;
  size_t extras = rec.extra.size();
  rec.family = "qmail";
  bool ok;
  string_view v = s;
  if (ConsumePrefix(v, "rblsmtpd: ")) {
    ok = Rblsmtpd(v, rec);
  } else if (ConsumePrefix(v, "qmail-smtpd: ")) {
    ok = QmailSmtpd(v, rec);
  } else if (ConsumePrefix(v, "tcpserver: ")) {
    ok = Tcpserver(v, rec);
  } else if (ConsumePrefix(v, "qmail-send: ")) {
    ok = QmailSend(v, rec);
  } else {
    ok = QmailSend(s, rec) || Rblsmtpd(s, rec) || QmailSmtpd(s, rec);
  }
  if (!ok) {
    rec.family.clear();
    rec.event.clear();
    rec.status.clear();
    rec.queue_id.clear();
    if (rec.extra.size() > extras) rec.extra.resize(extras);
  }
  return ok;
}

bool NormalizeRblsmtpd(string_view msg, LogRecord& rec) {
  string_view s = StripQmailTime(TrimRight(msg));
  rec.family = "qmail";
  if (Rblsmtpd(s, rec)) return true;
  rec.family.clear();
  return false;
}

// ===================== dma =====================

// The dma queue ID: rec.pid when the parser kept the ID there, else the
// bracket group of the raw tag that is not all digits.
string_view DmaId(const LogRecord& rec) {
  if (!rec.pid.empty() && !IsDigits(rec.pid)) return rec.pid;
  string_view head =
      string_view(rec.raw).substr(0, std::min<size_t>(rec.msg_offset, rec.raw.size()));
  size_t p = head.find("dma[");
  if (p == npos) return {};
  size_t s = p + 4;
  while (s < head.size()) {
    size_t e = head.find(']', s);
    if (e == npos) return {};
    string_view g = head.substr(s, e - s);
    if (!g.empty() && !IsDigits(g)) return g;
    if (e + 1 >= head.size() || head[e + 1] != '[') return {};
    s = e + 2;
  }
  return {};
}

bool NormalizeDma(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  size_t extras = rec.extra.size();
  rec.family = "dma";
  Assign(rec.queue_id, DmaId(rec));
  string_view v = s;
  if (ConsumePrefix(v, "new mail from user=")) {
    // "new mail from user=root uid=0 envelope_from=<root@host>"
    rec.event = "queued";
    SetExtra(rec, "user", FirstToken(v));
    string_view f;
    if (SpaceField(s, "uid", &f)) SetExtra(rec, "uid", f);
    size_t e = s.find("envelope_from=");
    if (e != npos) Assign(rec.from, StripAngles(Trim(s.substr(e + 14))));
    return true;
  }
  if (ConsumePrefix(v, "trying remote delivery to ")) {
    // "mail.example.org [2001:db8::c8] pref 0"
    rec.event = "delivery-attempt";
    size_t pref = v.rfind(" pref ");
    string_view host = v.substr(0, pref);
    string_view name, ip;
    if (ParseHostIp(host, &name, &ip)) {
      Assign(rec.relay, name);
      rec.relay.push_back('[');
      rec.relay.append(ip.data(), ip.size());
      rec.relay.push_back(']');
    } else {
      Assign(rec.relay, host);
    }
    if (pref != npos) SetExtra(rec, "pref", v.substr(pref + 6));
    return true;
  }
  if (ConsumePrefix(v, "mail to=")) {
    // "mail to=<b> deferred: ..." / "mail to=<b> failed: ..."
    size_t sp = v.find(' ');
    PushTo(rec, StripAngles(v.substr(0, sp)));
    string_view rest = sp == npos ? string_view() : v.substr(sp + 1);
    rec.event = "delivery";
    rec.status = rest.starts_with("deferred") ? "deferred" : "bounced";
    Assign(rec.reply, rest);
    return true;
  }
  if (s.front() == '<') {
    size_t gt = s.find("> ");
    if (gt != npos) {
      string_view addr = s.substr(1, gt - 1);
      string_view rest = s.substr(gt + 2);
      PushTo(rec, addr);
      if (rest.starts_with("trying delivery")) {
        rec.event = "delivery-start";
      } else if (rest.starts_with("delivery successful")) {
        rec.event = "delivery";
        rec.status = "sent";
      } else if (rest.starts_with("delivery deferred") || rest.find("deferred") != npos) {
        rec.event = "delivery";
        rec.status = "deferred";
        Assign(rec.reply, rest);
      } else if (rest.starts_with("delivery failed") || rest.find("failed") != npos ||
                 rest.find("bounce") != npos) {
        rec.event = "delivery";
        rec.status = "bounced";
        Assign(rec.reply, rest);
      } else {
        rec.event = "info";
      }
      return true;
    }
  }
  if (s.starts_with("remote delivery deferred") || s.starts_with("remote delivery failed") ||
      s.starts_with("local delivery deferred") || s.starts_with("local delivery failed")) {
    rec.event = "delivery";
    rec.status = s.find("deferred") != npos ? "deferred" : "bounced";
    size_t c = s.find(": ");
    if (c != npos) Assign(rec.reply, s.substr(c + 2));
    return true;
  }
  if (s.find("error") != npos || s.find("failed") != npos || s.starts_with("can not") ||
      s.starts_with("cannot")) {
    rec.event = "error";
    Assign(rec.reply, s);
    return true;
  }
  if (!rec.queue_id.empty()) {
    rec.event = "info";
    return true;
  }
  rec.family.clear();
  rec.queue_id.clear();
  rec.to.clear();
  if (rec.extra.size() > extras) rec.extra.resize(extras);
  return false;
}

// ===================== Courier MTA =====================

// Splits Courier's "a,b=c,d=<e>,msg=\"x, y\": text" into the item list and
// the text after the first ": " outside quotes and angle brackets.
void SplitCourier(string_view s, string_view* items, string_view* text) {
  bool quote = false;
  int angle = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '"') quote = !quote;
    if (quote) continue;
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (angle == 0 && c == ':' && s[i + 1] == ' ') {
      *items = s.substr(0, i);
      *text = s.substr(i + 2);
      return;
    }
  }
  *items = s;
  *text = {};
}

// The value of item "key=" in a Courier item list (quotes removed).
bool CourierItem(string_view items, string_view key, string_view* value) {
  bool quote = false;
  size_t start = 0;
  for (size_t i = 0; i <= items.size(); ++i) {
    if (i < items.size() && items[i] == '"') quote = !quote;
    if (i == items.size() || (!quote && items[i] == ',')) {
      string_view item = items.substr(start, i - start);
      if (item.size() > key.size() && item.starts_with(key) && item[key.size()] == '=') {
        string_view v = item.substr(key.size() + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        *value = v;
        return true;
      }
      start = i + 1;
    }
  }
  return false;
}

bool NormalizeCourierMta(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  // Every Courier MTA line is an item list with at least one "key=value".
  if (s.empty() || s.find('=') == npos) return false;
  string_view items, text;
  SplitCourier(s, &items, &text);
  string_view head = items.substr(0, items.find(','));
  string_view v;
  rec.family = "courier";
  if (CourierItem(items, "relay", &v)) Assign(rec.client_ip, CleanIp(v));
  if (CourierItem(items, "ip", &v)) {
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
    Assign(rec.client_ip, CleanIp(v));
  }
  if (CourierItem(items, "from", &v)) Assign(rec.from, StripAngles(v));
  if (CourierItem(items, "to", &v)) PushTo(rec, StripAngles(v));
  if (CourierItem(items, "addr", &v)) PushTo(rec, StripAngles(v));
  if (CourierItem(items, "id", &v)) Assign(rec.queue_id, v);
  if (CourierItem(items, "size", &v)) rec.size = ParseInt(v);
  if (CourierItem(items, "user", &v)) Assign(rec.sasl_user, v);
  if (head == "error") {
    string_view m;
    string_view reply = text;
    if (CourierItem(items, "msg", &m)) reply = m;
    Assign(rec.reply, reply);
    if (reply.starts_with("535") || reply.find("uthentication failed") != npos) {
      rec.event = "auth-failure";
    } else {
      rec.event = "reject";
      rec.status = "reject";
    }
    Assign(rec.dsn, LeadingDsn(reply));
    return true;
  }
  if (head == "newmsg") {
    rec.event = "queued";
    return true;
  }
  if (head == "started") {
    rec.event = rec.queue_id.empty() ? "connect" : "delivery-start";
    return true;
  }
  if (head == "completed") {
    rec.event = "removed";
    return true;
  }
  if (!rec.queue_id.empty() && !rec.to.empty()) {
    // "id=...,from=<a>,addr=<b>,size=N,success: 250 Ok" / ",status: deferred" / ": 550 ..."
    rec.event = "delivery";
    string_view last = items.substr(items.rfind(',') + 1);
    string_view reply = text;
    if (last == "success") {
      rec.status = "sent";
    } else if (last == "status") {
      rec.status = text.starts_with("success")    ? "sent"
                   : text.starts_with("deferred") ? "deferred"
                                                  : "bounced";
    } else if (last == "delay") {
      rec.status = "deferred";
    } else {
      rec.status = !text.empty() && text[0] == '4' ? "deferred" : "bounced";
    }
    Assign(rec.reply, reply);
    Assign(rec.dsn, LeadingDsn(reply));
    LinkQueuedAs(reply, rec);
    return true;
  }
  rec.event = "info";
  return true;
}

// ===================== IMAP/POP3 daemons: Courier, Cyrus, UW =====================

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

// ===================== solid-pop3d =====================

// "authentication failed: no such user: adrian - 123.33.44.45",
// "root login not allowed - 1.2.3.4", "APOP authentication failed for user x - IP".
bool NormalizeSolidPop3d(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  size_t dash = s.rfind(" - ");
  if (dash != npos && IsIp(s.substr(dash + 3))) {
    string_view head = s.substr(0, dash);
    rec.family = "solid-pop3d";
    Assign(rec.client_ip, CleanIp(s.substr(dash + 3)));
    bool fail = head.find("fail") != npos || head.find("not allowed") != npos ||
                head.find("can't") != npos || head.find("no such") != npos;
    rec.event = fail ? "auth-failure" : "info";
    if (head.starts_with("root login")) {
      rec.sasl_user = "root";
    } else {
      size_t sp = head.rfind(' ');
      if (sp != npos && (head.find("user") != npos)) Assign(rec.sasl_user, head.substr(sp + 1));
    }
    if (fail) Assign(rec.reply, head);
    return true;
  }
  string_view v = s;
  if (ConsumePrefix(v, "connection from ")) {
    rec.family = "solid-pop3d";
    rec.event = "connect";
    string_view ip = v.substr(0, v.find(' '));
    if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
    return true;
  }
  return false;
}

// ===================== perdition =====================

// "1.2.3.4:2274->5.6.7.8:993" -> client IP "1.2.3.4".
void SetPerditionClient(string_view s, LogRecord& rec) {
  size_t arrow = s.find("->");
  if (arrow == npos) return;
  string_view from = s.substr(0, arrow);
  size_t sp = from.rfind(' ');
  if (sp != npos) from = from.substr(sp + 1);
  size_t colon = from.rfind(':');
  if (colon != npos) from = from.substr(0, colon);
  if (IsIp(from)) Assign(rec.client_ip, CleanIp(from));
}

// The value of key="..." (or key=token).
bool QuotedField(string_view s, string_view key, string_view* value) {
  string_view v;
  if (!SpaceField(s, key, &v)) return false;
  if (!v.empty() && v.front() == '"') {
    size_t start = static_cast<size_t>(v.data() - s.data()) + 1;
    size_t end = s.find('"', start);
    if (end == npos) return false;
    *value = s.substr(start, end - start);
    return true;
  }
  *value = v;
  return true;
}

bool NormalizePerdition(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  string_view v = s;
  if (ConsumePrefix(v, "Auth: ")) {
    rec.family = "perdition";
    SetPerditionClient(v, rec);
    string_view f;
    if (QuotedField(v, "authentication_id", &f) || QuotedField(v, "user", &f)) {
      Assign(rec.sasl_user, f);
    }
    string_view status;
    QuotedField(v, "status", &status);
    rec.event = status.starts_with("ok") ? "login" : "auth-failure";
    if (!status.empty()) Assign(rec.reply, status);
    if (QuotedField(v, "protocol", &f)) SetExtra(rec, "protocol", f);
    return true;
  }
  if (ConsumePrefix(v, "Connect: ")) {
    rec.family = "perdition";
    rec.event = "connect";
    SetPerditionClient(v, rec);
    return true;
  }
  if (ConsumePrefix(v, "Close: ")) {
    rec.family = "perdition";
    rec.event = "disconnect";
    SetPerditionClient(v, rec);
    string_view f;
    if (QuotedField(v, "user", &f)) Assign(rec.sasl_user, f);
    return true;
  }
  if (s.starts_with("Fatal Error") || s.starts_with("Fatal error")) {
    rec.family = "perdition";
    rec.event = s.find("authentication") != npos ? "auth-failure" : "error";
    SetPerditionClient(s, rec);
    Assign(rec.reply, s);
    return true;
  }
  return false;
}

// ===================== MailScanner =====================

// "Message QID from IP (sender) to domain is spam, SpamAssassin (not cached,
// score=7.181, required 4, ...)" / "... is spam (blacklisted)" / "... is not spam, ..."
bool MailScannerMessage(string_view s, LogRecord& rec) {
  string_view v = s;
  if (!ConsumePrefix(v, "Message ")) return false;
  size_t sp = v.find(' ');
  if (sp == npos) return false;
  string_view qid = v.substr(0, sp);
  string_view rest = v.substr(sp + 1);
  size_t is = rest.find(" is ");
  if (!rest.starts_with("from ") || is == npos) return false;
  string_view verdict = rest.substr(is + 4);
  bool spam = verdict.starts_with("spam");
  bool ham = verdict.starts_with("not spam") || verdict.starts_with("whitelisted");
  if (!spam && !ham) return false;
  rec.family = "mailscanner";
  rec.event = "spam-result";
  rec.status = spam ? "spam" : "ham";
  Assign(rec.queue_id, qid);
  string_view who = rest.substr(5, is - 5);  // "IP (sender) to domain"
  string_view ip = who.substr(0, who.find(' '));
  if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
  size_t lp = who.find(" (");
  size_t rp = who.find(')');
  if (lp != npos && rp != npos && rp > lp) Assign(rec.from, who.substr(lp + 2, rp - lp - 2));
  size_t to = who.find(" to ");
  if (to != npos) SetExtra(rec, "to_domain", who.substr(to + 4));
  size_t score = verdict.find("score=");
  if (score != npos) {
    string_view sc = verdict.substr(score + 6);
    SetExtra(rec, "score", sc.substr(0, sc.find(',')));
  }
  size_t req = verdict.find("required ");
  if (req != npos) {
    string_view r = verdict.substr(req + 9);
    SetExtra(rec, "required", r.substr(0, r.find(',')));
  }
  if (verdict.find("(blacklisted)") != npos) SetExtra(rec, "reason", "blacklisted");
  if (verdict.starts_with("whitelisted")) SetExtra(rec, "reason", "whitelisted");
  return true;
}

bool NormalizeMailScanner(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (MailScannerMessage(s, rec)) return true;
  string_view v = s;
  if (ConsumePrefix(v, "Requeue: ")) {
    // "Requeue: 5A4D3C.A1B2C to 6B5E4D"
    size_t to = v.find(" to ");
    if (to == npos) return false;
    rec.family = "mailscanner";
    rec.event = "requeue";
    Assign(rec.queue_id, v.substr(0, to));
    string_view id = IdToken(v.substr(to + 4));
    if (!id.empty()) rec.links.push_back(Link{"queued_as", std::string(id), ""});
    return true;
  }
  if (ConsumePrefix(v, "Infected message ")) {
    rec.family = "mailscanner";
    rec.event = "virus-found";
    Assign(rec.queue_id, v.substr(0, v.find(' ')));
    size_t from = v.find(" came from ");
    if (from != npos) {
      string_view ip = Trim(v.substr(from + 11));
      if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
    }
    return true;
  }
  static constexpr string_view kInfo[] = {
      "New Batch: ",
      "Virus Scanning: ",
      "Spam Checks: ",
      "Uninfected: ",
      "Deleted ",
      "MailScanner ",
      "Spam Actions: ",
      "Content Checks: ",
      "Delivery of nonspam",
      "Saved infected",
      "Using ",
      "Config: ",
      "Virus and Content Scanning: ",
      "Filename Checks: ",
      "Other Checks: ",
      "Read ",
      "Connected to ",
      "SpamAssassin ",
      "Message ",
      "Found ",
  };
  for (string_view p : kInfo) {
    if (s.starts_with(p)) {
      rec.family = "mailscanner";
      rec.event = "info";
      return true;
    }
  }
  return false;
}

}  // namespace

void RegisterOtherMta(NormalizerTable& table) {
  for (string_view p : {"sendmail", "sm-mta", "sm-msp-queue", "sm-acceptingconnections"}) {
    table.Register(p, NormalizeSendmail);
  }
  table.Register("qmail", NormalizeQmail);
  table.Register("rblsmtpd", NormalizeRblsmtpd);
  table.Register("dma", NormalizeDma);
  for (string_view p : {"courieresmtpd", "courieresmtp", "courierd", "courierlocal", "courier",
                        "courierdeliver", "courierfilter"}) {
    table.Register(p, NormalizeCourierMta);
  }
  for (string_view p :
       {"imapd", "pop3d", "ipop3d", "imap", "imaps", "pop3", "pop3s", "cyrus", "lmtpunix",
        "timsieved", "sieve", "courierpop3login", "courierpop3d", "courierimaplogin"}) {
    table.Register(p, NormalizeImapd);
  }
  table.Register("solid-pop3d", NormalizeSolidPop3d);
  for (string_view p : {"perdition", "perdition.imap4", "perdition.imap4s", "perdition.imaps",
                        "perdition.pop3", "perdition.pop3s", "perdition.managesieve"}) {
    table.Register(p, NormalizePerdition);
  }
  table.Register("MailScanner", NormalizeMailScanner);
}

}  // namespace mlq
