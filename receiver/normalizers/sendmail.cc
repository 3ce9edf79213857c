// Sendmail lines (see sendmail.h). Hand-written string_view scanning.

#include "receiver/normalizers/sendmail.h"

#include <string>
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
using kv::LinkQueuedAs;
using kv::ListField;
using kv::ParseHostIp;
using kv::PushTo;
using kv::SetClientHostIp;
using scan::ConsumePrefix;
using scan::IsAlnum;
using scan::IsDigit;
using scan::IsDigits;
using scan::IsDsn;
using scan::IsLower;
using scan::LeadingDsn;
using scan::ParseInt;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

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

}  // namespace

void RegisterSendmail(NormalizerTable& table) {
  for (string_view p : {"sendmail", "sm-mta", "sm-msp-queue", "sm-acceptingconnections"}) {
    table.Register(p, NormalizeSendmail);
  }
}

}  // namespace mlq
