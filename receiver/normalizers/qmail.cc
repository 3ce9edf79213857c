// qmail lines, with rblsmtpd, tcpserver and qmail-smtpd patches (see qmail.h).
// Hand-written string_view scanning.

#include "receiver/normalizers/qmail.h"

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
using kv::FirstToken;
using kv::IsHex;
using kv::IsIp;
using kv::LinkQueuedAs;
using kv::PushTo;
using scan::ConsumePrefix;
using scan::IsAlnum;
using scan::IsDigit;
using scan::IsDsn;
using scan::ParseInt;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

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

}  // namespace

void RegisterQmail(NormalizerTable& table) {
  table.Register("qmail", NormalizeQmail);
  table.Register("rblsmtpd", NormalizeRblsmtpd);
}

}  // namespace mlq
