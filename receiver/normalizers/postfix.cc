// The Postfix normalizer: every daemon of the Postfix family ("postfix/smtpd",
// "postfix/submission/smtpd", "postfix-out/smtp", ...) and the fields its
// lines carry. The daemon is the program's last path component; most line
// shapes are unique across daemons, so the parser keys on the text first and
// uses the daemon only where two daemons share a shape (postscreen and
// tlsproxy both log "CONNECT from", qmgr and postsuper both log "removed").
//
// Every line of a Postfix program gets family "postfix"; a line whose shape
// is not known keeps event "" (and still gets its queue ID when it starts
// with one), so the return value is always true.
//
// Hand-written scanning over string_view only: this runs on every line.

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/normalizer.h"
#include "receiver/normalizers/postfix_problems.h"
#include "receiver/normalizers/postfix_verbose.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using scan::ConsumeChar;
using scan::ConsumeEndpoint;
using scan::ConsumePrefix;
using scan::ConsumeWord;
using scan::Endpoint;
using scan::FindField;
using scan::IdToken;
using scan::IsPostfixQueueId;
using scan::LeadingDsn;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

enum class Daemon : uint8_t {
  kOther,
  kAnvil,
  kDnsblog,
  kMaster,  // master, postfix-script, the postfix command
  kPostscreen,
  kPostsuper,
  kScache,
  kTlsproxy,
};

Daemon DaemonOf(string_view program) {
  string_view d = program.substr(program.rfind('/') + 1);  // npos + 1 == 0
  if (d == "postscreen") return Daemon::kPostscreen;
  if (d == "anvil") return Daemon::kAnvil;
  if (d == "scache") return Daemon::kScache;
  if (d == "master" || d == "postfix-script" || d == "postfix") return Daemon::kMaster;
  if (d == "postsuper") return Daemon::kPostsuper;
  if (d == "tlsproxy") return Daemon::kTlsproxy;
  if (d == "dnsblog") return Daemon::kDnsblog;
  return Daemon::kOther;
}

using fields::Assign;
using fields::SetClient;
using fields::SetExtra;

// Parses an endpoint at the start of `s` and stores it as the client.
bool ConsumeClient(string_view& s, LogRecord& rec) {
  Endpoint ep;
  if (!ConsumeEndpoint(s, &ep)) return false;
  SetClient(rec, ep);
  return true;
}

// The first endpoint in `s` whose name starts after a space (or at the start).
// One attempt per word: every '[' of a word gives the same attempt (from the
// word's start), and repeating it for each of them was quadratic on a word
// such as "x[[[[...".
bool FindEndpoint(string_view s, Endpoint* ep) {
  size_t lb = s.find('[');
  while (lb != npos) {
    size_t start = s.rfind(' ', lb);
    start = start == npos ? 0 : start + 1;
    string_view t = s.substr(start);
    if (ConsumeEndpoint(t, ep)) return true;
    size_t next_word = s.find(' ', lb);
    lb = next_word == npos ? npos : s.find('[', next_word);
  }
  return false;
}

// Text of an endpoint at the start of `s` as logged ("host[ip]:25"), and
// advances past it; "" when `s` does not start with one.
string_view ConsumeEndpointText(string_view& s) {
  string_view before = s;
  Endpoint ep;
  if (!ConsumeEndpoint(s, &ep)) return {};
  return before.substr(0, before.size() - s.size());
}

void PushRecipient(LogRecord& rec, string_view to) {
  if (!to.empty()) rec.to.emplace_back(to);
}

// from=, to=, proto=, helo= of a policy/header-check trailer.
void ParseEnvelopeTrailer(string_view tail, LogRecord& rec) {
  string_view v;
  if (FindField(tail, "from", &v)) Assign(rec.from, v);
  if (FindField(tail, "to", &v)) PushRecipient(rec, v);
  if (FindField(tail, "proto", &v)) Assign(rec.proto, v);
  if (FindField(tail, "helo", &v)) Assign(rec.helo, v);
}

// ---- delivery: "to=<a>, orig_to=<b>, relay=..., ..., status=sent (reply)" ----

// Links and extras found in a delivery reply.
void ParseDeliveryReply(string_view reply, LogRecord& rec) {
  // "250 2.0.0 Ok: queued as 95FA2DB2C9"; also "Queued as" from other MTAs.
  size_t q = reply.find("ueued as ");
  if (q != npos && q > 0 && (reply[q - 1] == 'q' || reply[q - 1] == 'Q')) {
    string_view id = IdToken(reply.substr(q + 9));
    if (!id.empty()) rec.links.push_back(Link{"queued_as", std::string(id), ""});
  }
  // local(8) forwarding through an alias/.forward: "forwarded as 4JhJXC5ZqLzgB7".
  size_t f = reply.find("forwarded as ");
  if (f != npos) {
    string_view id = IdToken(reply.substr(f + 13));
    if (!id.empty()) rec.links.push_back(Link{"forwarded_as", std::string(id), ""});
  }
  // Dovecot LMTP: "250 2.0.0 <user@x> 0HmsNzmv+WWwGQAA3yiS9g Saved"; the token
  // is Dovecot's session ID, which its own log lines carry.
  string_view r = TrimRight(reply);
  if (r.ends_with(" Saved")) {
    r.remove_suffix(6);
    string_view session = r.substr(r.rfind(' ') + 1);
    if (session.size() >= 8 && session.front() != '<') SetExtra(rec, "lmtp_session", session);
  }
}

void ParseDelivery(string_view s, LogRecord& rec) {
  rec.event = "delivery";
  // Fields are separated by ", "; splitting on that (rather than on '=')
  // keeps values with odd spaces whole and tolerates "key =value".
  while (!s.empty()) {
    size_t eq = s.find('=');
    if (eq == npos) break;
    string_view key = Trim(s.substr(0, eq));
    s.remove_prefix(eq + 1);
    if (key == "status") {
      size_t sp = s.find(' ');
      Assign(rec.status, TrimRight(s.substr(0, sp)));
      if (sp == npos) break;
      string_view tail = s.substr(sp + 1);
      if (!ConsumeChar(tail, '(')) break;
      // The reply may hold nested and even unbalanced parentheses; Postfix
      // always closes it at the end of the line, so the last ')' ends it.
      size_t close = tail.rfind(')');
      string_view reply = close == npos ? TrimRight(tail) : tail.substr(0, close);
      Assign(rec.reply, reply);
      ParseDeliveryReply(reply, rec);
      break;
    }
    string_view value;
    size_t end;
    if (!s.empty() && s.front() == '<') {
      size_t gt = s.find('>');
      end = gt == npos ? npos : s.find(", ", gt);
      value = s.substr(0, gt == npos ? end : gt + 1);
    } else {
      end = s.find(", ");
      value = s.substr(0, end);
    }
    s.remove_prefix(end == npos ? s.size() : end + 2);
    value = TrimRight(value);
    if (key == "to") {
      PushRecipient(rec, StripAngles(value));
    } else if (key == "orig_to") {
      Assign(rec.orig_to, StripAngles(value));
    } else if (key == "relay") {
      Assign(rec.relay, value);
    } else if (key == "delay") {
      Assign(rec.delay, value);
    } else if (key == "delays") {
      Assign(rec.delays, value);
    } else if (key == "dsn") {
      Assign(rec.dsn, value);
    } else if (key == "conn_use" || key == "tls") {
      SetExtra(rec, key, value);
    }
  }
}

// ---- smtpd/cleanup/postscreen policy actions ----

// The event for a policy or content-check action word, "" when not one.
string_view ActionEvent(string_view action) {
  if (action == "reject") return "reject";
  if (action == "warning" || action == "warn") return "warn";
  if (action == "hold") return "hold";
  if (action == "discard") return "discard";
  if (action == "filter") return "filter";
  if (action == "redirect") return "redirect";
  if (action == "reject_warning") return "reject-warning";
  if (action == "info") return "info";
  if (action == "prepend") return "prepend";
  if (action == "replace") return "replace";
  if (action == "strip") return "strip";
  if (action == "bcc") return "bcc";
  if (action == "proxy-accept" || action == "proxy-reject") return action;
  if (action.starts_with("milter-")) return action;  // milter-reject, milter-hold, ...
  return {};
}

// cleanup header/body checks: "header Subject: x from host[ip]; from=<a>
// to=<b> proto=ESMTP helo=<h>: optional text". `s` starts at the check kind.
void ParseContentCheck(string_view s, LogRecord& rec) {
  string_view kind = s.substr(0, s.find(' '));
  SetExtra(rec, "check", kind);
  size_t semi = s.rfind("; from=");
  if (semi == npos) return;
  string_view before = s.substr(0, semi);
  string_view tail = s.substr(semi + 2);
  size_t fr = before.rfind(" from ");
  if (fr != npos && fr > kind.size()) {
    Endpoint ep;
    string_view client = before.substr(fr + 6);
    if (scan::ParseEndpoint(client, &ep)) SetClient(rec, ep);
    SetExtra(rec, "header", before.substr(kind.size() + 1, fr - kind.size() - 1));
  }
  ParseEnvelopeTrailer(tail, rec);
  size_t text = tail.find(">: ");
  if (text != npos) {
    string_view reply = tail.substr(text + 3);
    Assign(rec.reply, reply);
    Assign(rec.dsn, LeadingDsn(reply));
  }
}

// "RCPT from host[ip]: 554 5.7.1 <x>: reason; from=<a> to=<b> proto=P helo=<h>"
// after an action word; `event` is that action's event.
void ParsePolicy(string_view event, string_view s, LogRecord& rec) {
  Assign(rec.event, event);
  Assign(rec.status, event);
  if (s.starts_with("header ") || s.starts_with("body ") || s.starts_with("mime-header ") ||
      s.starts_with("nested-header ")) {
    ParseContentCheck(s, rec);
    return;
  }
  string_view stage = s.substr(0, s.find(' '));
  if (stage.ends_with(':')) {
    // smtpd_proxy_filter: "proxy-reject: END-OF-MESSAGE: 554 5.7.0 ...; from=..."
    stage.remove_suffix(1);
    SetExtra(rec, "stage", stage);
    s.remove_prefix(stage.size() + 1);
    ConsumeChar(s, ' ');
  } else {
    SetExtra(rec, "stage", stage);
    s.remove_prefix(stage.size());
    if (!ConsumePrefix(s, " from ") || !ConsumeClient(s, rec) || !ConsumePrefix(s, ": ")) return;
  }
  // The reply itself may hold "; " (RBL texts do), the trailer starts at the
  // last "; key=".
  size_t split = s.rfind("; from=");
  if (split == npos) split = s.rfind("; to=");  // VRFY: no sender
  if (split == npos) split = s.rfind("; proto=");
  if (split == npos) split = s.rfind("; helo=");
  string_view reply = split == npos ? s : s.substr(0, split);
  Assign(rec.reply, TrimRight(reply));
  Assign(rec.dsn, LeadingDsn(reply));
  if (split != npos) ParseEnvelopeTrailer(s.substr(split + 2), rec);
  // A before-queue filter's reply names the queue file it went into.
  if (event == "proxy-accept") ParseDeliveryReply(reply, rec);
}

// "lost connection after RCPT from host[ip]" and its siblings; `s` starts
// after "after ".
void ParseAfterStage(string_view event, string_view s, LogRecord& rec) {
  Assign(rec.event, event);
  size_t fr = s.find(" from ");
  if (fr == npos) return;
  SetExtra(rec, "stage", s.substr(0, fr));
  s.remove_prefix(fr + 6);
  ConsumeClient(s, rec);
}

// "Anonymous TLS connection established from host[ip]: TLSv1.3 with cipher
// X (256/256 bits) ..."; `level` is the first word, `s` follows
// "TLS connection established ".
void ParseTlsEstablished(string_view level, string_view s, LogRecord& rec) {
  rec.event = "tls";
  SetExtra(rec, "tls_level", level);
  if (ConsumePrefix(s, "from ")) {
    ConsumeClient(s, rec);
  } else if (ConsumePrefix(s, "to ")) {
    Assign(rec.relay, ConsumeEndpointText(s));
  } else {
    return;
  }
  if (!ConsumePrefix(s, ": ")) return;
  string_view proto = ConsumeWord(s);
  if (!proto.empty()) SetExtra(rec, "tls_protocol", proto);
  if (ConsumePrefix(s, "with cipher ")) SetExtra(rec, "tls_cipher", ConsumeWord(s));
}

// ---- lines after "QID: " (or "NOQUEUE: ") ----

// Is `rest` one of the queue-file line shapes? Used to accept queue IDs of
// unusual form (test data, other MTAs' tags) only where the shape is certain.
bool StartsWithQueueKey(string_view rest) {
  return rest.starts_with("to=") || rest.starts_with("from=") || rest.starts_with("message-id=") ||
         rest.starts_with("client=") || rest.starts_with("uid=") || rest == "removed";
}

// A looser queue ID for those shapes; a digit is required so that words
// ("warning: uid=0: File too large") never pass.
bool IsQueueIdLike(string_view s) {
  if (s.size() < 4 || s.size() > 24) return false;
  bool digit = false;
  for (char c : s) {
    if (!scan::IsAlnum(c)) return false;
    digit |= scan::IsDigit(c);
  }
  return digit;
}

bool ParseVerbose(string_view s, LogRecord& rec);
void ParseSeverity(string_view level, string_view s, LogRecord& rec);

void ParseNotification(string_view event, string_view link_kind, string_view s, LogRecord& rec) {
  Assign(rec.event, event);
  string_view id = IdToken(Trim(s));
  if (!id.empty()) rec.links.push_back(Link{std::string(link_kind), std::string(id), ""});
}

// A Message-ID as cleanup(8) logs it: "<id>" without the brackets (also
// when the line was cut before '>'), or the raw header value when the sender
// put none ("message-id==?UTF-8?B?...?=", "message-id=").
string_view HeaderValue(string_view s) {
  if (s.starts_with('<')) {
    size_t gt = s.find('>');
    return gt == npos ? TrimRight(s.substr(1)) : s.substr(1, gt - 1);
  }
  return Trim(s);
}

void ParseQueued(string_view s, Daemon daemon, LogRecord& rec) {
  string_view v;
  if (s.starts_with("to=")) {
    ParseDelivery(s, rec);
    return;
  }
  if (s.starts_with("from=")) {
    if (FindField(s, "from", &v)) Assign(rec.from, v);
    if (FindField(s, "status", &v)) {
      // "from=<a>, status=expired, returned to sender"
      Assign(rec.status, v);
      // "expired" and postsuper -e's "force-expired"
      rec.event = v.ends_with("expired") ? "expired" : "queue-status";
      return;
    }
    rec.event = "queued";
    if (FindField(s, "size", &v)) rec.size = scan::ParseInt(v);
    if (FindField(s, "nrcpt", &v)) rec.nrcpt = scan::ParseInt(v);
    return;
  }
  if (ConsumePrefix(s, "message-id=")) {
    rec.event = "message-id";
    Assign(rec.message_id, HeaderValue(s));
    return;
  }
  if (ConsumePrefix(s, "resent-message-id=")) {
    rec.event = "resent-message-id";
    SetExtra(rec, "resent_message_id", HeaderValue(s));
    return;
  }
  if (ConsumePrefix(s, "client=")) {
    rec.event = "client";
    ConsumeClient(s, rec);
    if (FindField(s, "sasl_method", &v)) SetExtra(rec, "sasl_method", v);
    if (FindField(s, "sasl_username", &v)) Assign(rec.sasl_user, v);
    if (FindField(s, "sasl_sender", &v)) SetExtra(rec, "sasl_sender", v);
    if (FindField(s, "orig_queue_id", &v)) {
      SetExtra(rec, "orig_queue_id", v);
      rec.links.push_back(Link{"orig_queue_id", std::string(v), ""});
    }
    if (FindField(s, "orig_client", &v)) SetExtra(rec, "orig_client", v);
    return;
  }
  if (s.starts_with("uid=")) {
    rec.event = "pickup";
    if (FindField(s, "uid", &v)) SetExtra(rec, "uid", v);
    if (FindField(s, "from", &v)) Assign(rec.from, v);
    return;
  }
  // Trailing junk seen in copied logs ("removed</p>") does not matter.
  string_view t = TrimRight(s);
  if (t.size() > 7 && t.starts_with("removed") && !scan::IsAlnum(t[7])) t = t.substr(0, 7);
  if (t == "removed" || t == "requeued" || t == "placed on hold" || t == "released from hold" ||
      t == "expired") {
    if (daemon == Daemon::kPostsuper) {
      rec.event = "postsuper";
      SetExtra(rec, "action", t);
    } else if (t == "removed") {
      rec.event = "removed";
    } else {
      rec.event = "queue-status";
      SetExtra(rec, "action", t);
    }
    return;
  }
  if (s.starts_with("skipped, still being delivered")) {
    rec.event = "skipped";
    return;
  }
  // bounce(8): "sender non-delivery notification: NEWQID" and the other
  // notices; the text before is "sender" or "postmaster".
  size_t nd = s.find(" notification: ");
  if (nd != npos && nd < 40) {
    string_view what = s.substr(0, nd);
    string_view id = s.substr(nd + 15);
    string_view who = what.substr(0, what.find(' '));
    if (what.ends_with("non-delivery")) {
      ParseNotification("bounce-notice", "bounce", id, rec);
    } else if (what.ends_with("delivery status")) {
      ParseNotification("dsn-notice", "dsn", id, rec);
    } else if (what.ends_with("delay")) {
      ParseNotification("delay-notice", "delay", id, rec);
    } else {
      return;
    }
    if (who != "sender") SetExtra(rec, "notify", who);
    return;
  }
  // smtp(8)/lmtp(8) session problems that precede a delivery status.
  if (s.starts_with("host ")) {
    string_view t = s.substr(5);
    string_view relay = ConsumeEndpointText(t);
    if (!relay.empty() &&
        (ConsumePrefix(t, " said: ") || ConsumePrefix(t, " refused to talk to me: "))) {
      rec.event = "reply";
      Assign(rec.relay, relay);
      Assign(rec.reply, TrimRight(t));
      Assign(rec.dsn, LeadingDsn(t));
      return;
    }
  }
  if (ConsumePrefix(s, "lost connection with ") || ConsumePrefix(s, "conversation with ") ||
      (!s.starts_with("connect to subsystem ") && ConsumePrefix(s, "connect to "))) {
    rec.event = "connection-error";
    Assign(rec.relay, ConsumeEndpointText(s));
    ConsumePrefix(s, ": ");
    Assign(rec.reply, Trim(s));
    return;
  }
  // smtp(8) as a SASL client: "SASL authentication failed; server host[ip] said: 535 ..."
  if (ConsumePrefix(s, "SASL authentication failed; server ")) {
    rec.event = "auth-failure";
    Assign(rec.relay, ConsumeEndpointText(s));
    if (ConsumePrefix(s, " said: ")) {
      Assign(rec.reply, TrimRight(s));
      Assign(rec.dsn, LeadingDsn(s));
    }
    return;
  }
  if (s.starts_with("enabling PIX workarounds: ")) {
    rec.event = "pix-workarounds";
    size_t fr = s.rfind(" for ");
    if (fr != npos) {
      string_view r = s.substr(fr + 5);
      Assign(rec.relay, ConsumeEndpointText(r));
    }
    return;
  }
  if (s.starts_with("Cannot start TLS") || s.starts_with("TLS is required")) {
    rec.event = "tls-error";
    Assign(rec.reply, TrimRight(s));
    return;
  }
  // "NOQUEUE: lost connection after CONNECT from ..." (seen with milters).
  if (ConsumePrefix(s, "lost connection after ")) {
    ParseAfterStage("lost-connection", s, rec);
    return;
  }
  // Policy and content-check actions: "reject: RCPT from ...",
  // "warning: header Subject: ...", "milter-reject: END-OF-MESSAGE from ...".
  size_t colon = s.find(": ");
  if (colon != npos && colon < 32) {
    string_view action = s.substr(0, colon);
    string_view event = ActionEvent(action);
    if (!event.empty()) {
      string_view rest = s.substr(colon + 2);
      if (action == "warning" && !rest.starts_with("header ") && !rest.starts_with("body ") &&
          !rest.starts_with("mime-header ") && !rest.starts_with("nested-header ")) {
        ParseSeverity("warning", rest, rec);
        return;
      }
      ParsePolicy(event, rest, rec);
      return;
    }
    if (action == "fatal" || action == "error" || action == "panic") {
      ParseSeverity(action, s.substr(colon + 2), rec);
      return;
    }
  }
  ParseVerbose(s, rec);
}

// ---- lines without a queue ID ----

// "warning: ...", "fatal: ...": `level` is the word, `s` the text after ": ".
void ParseSeverity(string_view level, string_view s, LogRecord& rec) {
  Assign(rec.event, level);
  if (postfix_problems::Classify(s, rec)) return;
  if (level != "warning") return;
  if (s.starts_with("TLS library problem: ")) {
    rec.event = "tls-error";
    return;
  }
  // "warning: 9BECF3F19D: sender_canonical_maps map lookup problem for
  // sender@example.com -- message not accepted, try again later"
  size_t colon = s.find(": ");
  if (colon != npos && IsPostfixQueueId(s.substr(0, colon))) {
    Assign(rec.queue_id, s.substr(0, colon));
    string_view t = s.substr(colon + 2);
    size_t problem = t.find(" map lookup problem for ");
    if (problem != npos && t.substr(0, problem).find(' ') == npos) {
      rec.event = "lookup-error";
      SetExtra(rec, "map", t.substr(0, problem));
      string_view addr = t.substr(problem + 24);
      SetExtra(rec, "address", addr.substr(0, addr.find(' ')));
    }
    return;
  }
  string_view t = s;
  Endpoint ep;
  if (ConsumeEndpoint(t, &ep) && ConsumePrefix(t, ": ")) {
    // "warning: host[ip]: SASL LOGIN authentication failed: reason, sasl_username=u"
    SetClient(rec, ep);
    if (ConsumePrefix(t, "SASL ")) {
      string_view method = ConsumeWord(t);
      if (ConsumePrefix(t, "authentication failed:")) {
        rec.event = "auth-failure";
        SetExtra(rec, "sasl_method", method);
        ConsumeChar(t, ' ');
        string_view v;
        size_t user = t.find(", sasl_username=");
        if (user != npos && FindField(t.substr(user + 2), "sasl_username", &v)) {
          Assign(rec.sasl_user, v);
          t = t.substr(0, user);
        }
        Assign(rec.reply, TrimRight(t));
      }
    }
    return;
  }
  // "warning: hostname X does not resolve to address IP: reason"
  if (ConsumePrefix(t, "hostname ")) {
    string_view name = ConsumeWord(t);
    if (ConsumePrefix(t, "does not resolve to address ")) {
      SetExtra(rec, "hostname", name);
      string_view ip = t.substr(0, t.find(' '));
      if (ip.ends_with(':')) ip.remove_suffix(1);
      Assign(rec.client_ip, ip);
    }
    return;
  }
  // "warning: non-SMTP command from unknown[1.2.3.4]: GET / HTTP/1.1",
  // "warning: Connection rate limit exceeded: 31 from host[ip] for service smtp".
  size_t fr = s.find(" from ");
  if (fr != npos) {
    string_view c = s.substr(fr + 6);
    if (ConsumeEndpoint(c, &ep)) SetClient(rec, ep);
  }
}

// postscreen(8): "CONNECT from [ip]:port to [ip]:25", "PASS NEW [ip]:port", ...
bool ParsePostscreen(string_view s, LogRecord& rec) {
  string_view event;
  if (s.starts_with("CONNECT from ")) {
    event = "postscreen-connect";
  } else if (ConsumePrefix(s, "PASS ")) {
    event = "postscreen-pass";
    SetExtra(rec, "pass", s.substr(0, s.find(' ')));
  } else if (s.starts_with("ALLOWLISTED ") || s.starts_with("WHITELISTED ")) {
    event = "postscreen-allowlisted";
  } else if (s.starts_with("ALLOWLIST VETO ") || s.starts_with("WHITELIST VETO ")) {
    event = "postscreen-allowlist-veto";
  } else if (s.starts_with("DENYLISTED ") || s.starts_with("BLACKLISTED ")) {
    event = "postscreen-denylisted";
  } else if (ConsumePrefix(s, "DNSBL rank ")) {
    event = "postscreen-dnsbl";
    SetExtra(rec, "rank", s.substr(0, s.find(' ')));
  } else if (s.starts_with("HANGUP ")) {
    event = "postscreen-hangup";
  } else if (s.starts_with("PREGREET ")) {
    event = "postscreen-pregreet";
  } else if (s.starts_with("DISCONNECT ")) {
    event = "postscreen-disconnect";
  } else if (s.starts_with("COMMAND ") || s.starts_with("NON-SMTP COMMAND ") ||
             s.starts_with("BARE NEWLINE ")) {
    event = "postscreen-violation";
    size_t fr = s.find(" from ");
    if (fr != npos) SetExtra(rec, "test", s.substr(0, fr));
  } else {
    return false;
  }
  Assign(rec.event, event);
  Endpoint ep;
  if (FindEndpoint(s, &ep)) SetClient(rec, ep);
  return true;
}

// anvil(8) "statistics: max connection rate 1/60s for (smtpd:1.2.3.4) at ..."
void ParseStatistics(string_view s, LogRecord& rec) {
  rec.event = "statistics";
  size_t open = s.find(" for (");
  if (open == npos) return;
  string_view inner = s.substr(open + 6);
  inner = inner.substr(0, inner.find(')'));
  size_t colon = inner.find(':');
  if (colon == npos) return;
  string_view rest = inner.substr(colon + 1);
  // "(smtpd:1.2.3.4)", "(smtpd:2604:8d00::3)", "(127.0.0.1:2525:127.0.0.1)":
  // with an IPv4 peer the address follows the last ':'.
  string_view service = inner.substr(0, colon);
  if (rest.find('.') != npos) {
    size_t last = inner.rfind(':');
    service = inner.substr(0, last);
    rest = inner.substr(last + 1);
  }
  SetExtra(rec, "service", service);
  if (rest.find('.') != npos || rest.find(':') != npos) Assign(rec.client_ip, rest);
}

// Lines that only Postfix's verbose logging (-v, debug_peer_list) writes:
// function traces, attribute streams, SMTP session transcripts.
bool IsVerbose(string_view s) {
  if (s.empty()) return false;
  // SMTP transcripts "> host[ip]: 250 Ok", "< host[ip]: RCPT TO:<x>" and the
  // smtpd_check section markers ">>> START Recipient address RESTRICTIONS <<<".
  if (s[0] == '>' || s[0] == '<') return true;
  // "function_name: ..." and "parameter_name = value".
  size_t i = 0;
  bool underscore = false;
  while (i < s.size() && (scan::IsLower(s[i]) || scan::IsDigit(s[i]) || s[i] == '_')) {
    underscore |= s[i] == '_';
    ++i;
  }
  if (i > 0 && i < s.size()) {
    string_view after = s.substr(i);
    if (underscore && (after.starts_with(": ") || after.starts_with(":\\"))) return true;
    if (after.starts_with(" = ")) return true;
  }
  static constexpr string_view kPrefixes[] = {
      "send attr ",
      "input attribute ",
      "private/",
      "public/",
      "connect to subsystem ",
      "start sorted recipient list",
      "end sorted recipient list",
      "rewrite stream disconnect",
      "proxymap stream disconnect",
      "connection established",
      "connection closed",
      "process generation: ",
      "Compiled against Berkeley DB",
      "Run-time linked against Berkeley DB",
      "initial envelope ",
      "extracted envelope ",
      "open incoming/",
      "idle timeout -- exiting",
      "request: ",
      "request ignored",
      "done incoming queue scan",
      "done deferred queue scan",
      "idle",
      "master disconnect -- exiting",
      "wakeup ",
      "pref ",
      "lookup ",
      "begin ",
      "end ",
      "connecting to ",
      "host name lookup methods",
      "start move queue",
      "end move queue",
      "mynetworks: ",
      "recipient limit ",
      "cleanup flags = ",
      "fsspace: ",
      "before input_transp_cleanup",
      "after input_transp_cleanup",
  };
  for (string_view p : kPrefixes) {
    if (s.starts_with(p)) return true;
  }
  // Attribute streams of a named socket: "smtp socket: wanted attribute: size".
  size_t sock = s.find(" socket: wanted attribute: ");
  return sock != npos && sock < 40;
}

// Verbose logging: the shapes postfix_verbose.h knows get their own event;
// other verbose shapes stay "debug".
bool ParseVerbose(string_view s, LogRecord& rec) {
  if (postfix_verbose::Classify(s, rec)) return true;
  if (!IsVerbose(s)) return false;
  rec.event = "debug";
  return true;
}

void ParseUnqueued(string_view s, Daemon daemon, LogRecord& rec) {
  size_t colon = s.find(": ");
  if (colon != npos && colon <= 7) {
    string_view level = s.substr(0, colon);
    if (level == "warning" || level == "fatal" || level == "error" || level == "panic") {
      ParseSeverity(level, s.substr(colon + 2), rec);
      return;
    }
  }
  switch (daemon) {
    case Daemon::kPostscreen:
      if (ParsePostscreen(s, rec)) return;
      break;
    case Daemon::kTlsproxy:
      if (s.starts_with("CONNECT ") || s.starts_with("DISCONNECT ")) {
        rec.event = "tls";
        Endpoint ep;
        if (FindEndpoint(s, &ep)) SetClient(rec, ep);
        return;
      }
      break;
    case Daemon::kMaster:
      rec.event = "master";
      return;
    case Daemon::kPostsuper: {
      // "Deleted: 115 messages", "Placed on hold: 67 messages"
      if (colon != npos) {
        rec.event = "postsuper";
        SetExtra(rec, "action", s.substr(0, colon));
        string_view n = s.substr(colon + 2);
        SetExtra(rec, "count", n.substr(0, n.find(' ')));
        return;
      }
      break;
    }
    case Daemon::kDnsblog:
      // "addr 1.2.3.4 listed by domain zen.spamhaus.org as 127.0.0.2"
      if (ConsumePrefix(s, "addr ")) {
        rec.event = "dnsbl";
        Assign(rec.client_ip, ConsumeWord(s));
        if (ConsumePrefix(s, "listed by domain ")) {
          SetExtra(rec, "dnsbl", ConsumeWord(s));
          if (ConsumePrefix(s, "as ")) SetExtra(rec, "dnsbl_result", TrimRight(s));
        }
        return;
      }
      break;
    case Daemon::kAnvil:
    case Daemon::kScache:
    case Daemon::kOther:
      break;
  }
  string_view t = s;
  if (ConsumePrefix(t, "connect from ")) {
    rec.event = "connect";
    ConsumeClient(t, rec);
    return;
  }
  if (ConsumePrefix(t, "disconnect from ")) {
    rec.event = "disconnect";
    ConsumeClient(t, rec);
    // "ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5" (Postfix >= 3.0).
    string_view counts = Trim(t);
    if (!counts.empty()) {
      SetExtra(rec, "counts", counts);
      string_view v;
      if (FindField(counts, "commands", &v)) SetExtra(rec, "commands", v);
    }
    return;
  }
  if (ConsumePrefix(t, "lost connection after ")) {
    ParseAfterStage("lost-connection", t, rec);
    return;
  }
  if (ConsumePrefix(t, "timeout after ")) {
    ParseAfterStage("timeout", t, rec);
    return;
  }
  if (ConsumePrefix(t, "too many errors after ")) {
    ParseAfterStage("too-many-errors", t, rec);
    return;
  }
  if (ConsumePrefix(t, "improper command pipelining after ")) {
    ParseAfterStage("pipelining", t, rec);
    return;
  }
  // smtpd_forbid_bare_newline (Postfix >= 3.9): "bare <LF> received after DATA from ..."
  if (ConsumePrefix(t, "bare <LF> received after ")) {
    ParseAfterStage("bare-newline", t, rec);
    return;
  }
  if (t.starts_with("discarding EHLO keywords: ")) {
    rec.event = "ehlo-discard";
    return;
  }
  // Before-queue filter replies logged without a queue ID.
  if (t.starts_with("proxy-accept: ") || t.starts_with("proxy-reject: ")) {
    ParsePolicy(t.substr(0, 12), t.substr(14), rec);
    return;
  }
  size_t tls = t.find(" TLS connection established ");
  if (tls != npos && tls < 12) {
    ParseTlsEstablished(t.substr(0, tls), t.substr(tls + 28), rec);
    return;
  }
  if (ConsumePrefix(t, "setting up TLS connection ") || ConsumePrefix(t, "Host offered STARTTLS")) {
    rec.event = "tls";
    if (ConsumePrefix(t, "from ")) ConsumeClient(t, rec);
    if (ConsumePrefix(t, "to ")) Assign(rec.relay, ConsumeEndpointText(t));
    return;
  }
  if (ConsumePrefix(t, "certificate verification failed for ") ||
      ConsumePrefix(t, "server certificate verification failed for ")) {
    rec.event = "tls-error";
    Assign(rec.relay, ConsumeEndpointText(t));
    if (ConsumePrefix(t, ": ")) Assign(rec.reply, TrimRight(t));
    return;
  }
  bool inbound = ConsumePrefix(t, "SSL_accept error from ");
  if (inbound || ConsumePrefix(t, "SSL_connect error to ")) {
    rec.event = "tls-error";
    if (inbound) {
      ConsumeClient(t, rec);
    } else {
      Assign(rec.relay, ConsumeEndpointText(t));
    }
    if (ConsumePrefix(t, ": ")) Assign(rec.reply, TrimRight(t));
    return;
  }
  if (t.starts_with("statistics: ")) {
    ParseStatistics(t, rec);
    return;
  }
  if (!t.starts_with("connect to subsystem ") &&
      (ConsumePrefix(t, "connect to ") || ConsumePrefix(t, "lost connection with "))) {
    // smtp(8) before a queue file is assigned: "connect to host[ip]:25: Connection timed out"
    rec.event = "connection-error";
    Assign(rec.relay, ConsumeEndpointText(t));
    ConsumePrefix(t, ": ");
    Assign(rec.reply, Trim(t));
    return;
  }
  // postscreen and verify(8) caches: "cache btree:/x full cleanup: retained=1 dropped=0 entries"
  if (t.starts_with("cache ") && t.find(" cleanup: ") != npos) {
    rec.event = "cache-cleanup";
    return;
  }
  if (t.starts_with("table ") && t.find(" has changed -- restarting") != npos) {
    rec.event = "table-changed";
    return;
  }
  // Queue-file shapes whose queue ID was cut off ("to=<a>, relay=...",
  // "message-id=<x>"); ParseQueued also tries the verbose shapes last.
  ParseQueued(s, daemon, rec);
}

bool NormalizePostfix(string_view msg, LogRecord& rec) {
  rec.family = "postfix";
  Daemon daemon = DaemonOf(rec.program);
  string_view s = TrimRight(msg);
  // "QID: ..." or "NOQUEUE: ...": a queue ID is at most 24 characters.
  size_t colon = s.find(": ");
  if (colon != npos && colon <= 24) {
    string_view head = s.substr(0, colon);
    string_view rest = s.substr(colon + 2);
    if (head == "NOQUEUE") {
      ParseQueued(rest, daemon, rec);
      return true;
    }
    if (IsPostfixQueueId(head) || (IsQueueIdLike(head) && StartsWithQueueKey(rest))) {
      Assign(rec.queue_id, head);
      ParseQueued(rest, daemon, rec);
      return true;
    }
  }
  ParseUnqueued(s, daemon, rec);
  return true;
}

}  // namespace

void RegisterPostfix(NormalizerTable& table) { table.Register("postfix", NormalizePostfix); }

}  // namespace mlq
