// The amavis normalizer (see amavis.h for the events).
//
// Shapes follow amavisd-new's default log templates ($log_templ at log level
// 0 and the per-recipient variant at level 1+) and its fixed messages; lines
// copied from documents sometimes carry stray spaces ("<ad min@x>", "from
// M TA(") and are parsed as far as they go, values kept as logged.
//
// Hand-written scanning over string_view only: this runs on every line.

#include "receiver/normalizers/amavis.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using scan::ConsumeChar;
using scan::ConsumePrefix;
using scan::ConsumeWord;
using scan::Endpoint;
using scan::ExtractBracketed;
using scan::IsAlnum;
using scan::IsDigit;
using scan::ParseEndpoint;
using scan::SkipSpaces;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

void PushRecipient(LogRecord& rec, string_view to) {
  if (!to.empty()) rec.to.emplace_back(to);
}

// "(04083-01) " -> "04083-01". A child process prefixes every line it logs
// while handling a message with "(<pid>-<task number>)", sometimes with a
// further "-<n>" for nested tasks.
bool ConsumeLogId(string_view& s, string_view* id) {
  if (s.size() < 4 || s[0] != '(' || !IsDigit(s[1])) return false;
  size_t i = 1;
  bool dash = false;
  while (i < s.size() && (IsDigit(s[i]) || (s[i] == '-' && IsDigit(s[i - 1])))) {
    dash |= s[i] == '-';
    ++i;
  }
  if (!dash || i >= s.size() || s[i] != ')' || s[i - 1] == '-') return false;
  *id = s.substr(1, i - 1);
  s.remove_prefix(i + 1);
  SkipSpaces(s);
  return true;
}

// "<a@b>" at the start of `s` -> "a@b" ("" for the null sender "<>"). The
// address runs to the first '>' so that a stray space inside it is kept.
bool ConsumeAddress(string_view& s, string_view* addr) {
  if (s.empty() || s[0] != '<') return false;
  size_t gt = s.find('>');
  if (gt == npos) return false;
  *addr = s.substr(1, gt - 1);
  s.remove_prefix(gt + 1);
  return true;
}

// "ESMTP", "SMTP", "LMTP" and their S/A variants ("ESMTPSA").
bool IsSmtpProto(string_view w) {
  if (!ConsumePrefix(w, "ESMTP") && !ConsumePrefix(w, "SMTP") && !ConsumePrefix(w, "LMTP")) {
    return false;
  }
  for (char c : w) {
    if (c != 'S' && c != 'A') return false;
  }
  return true;
}

// "ESMTP/ESMTP": the pair of protocol names amavisd 2.10+ logs after the
// client address.
bool IsProtoPair(string_view w) {
  size_t slash = w.find('/');
  return slash != npos && IsSmtpProto(w.substr(0, slash)) && IsSmtpProto(w.substr(slash + 1));
}

// The envelope part amavis logs as
//   [policy bank path] [LOCAL] [client ip]:port [originating ip] [proto] <from> -> <to>,<to>
// (every part before <from> optional). Fills from, to and the client fields
// and advances `s` past the recipients; leaves rec and `s` alone and returns
// false when there is no "<from>" within the first few words.
bool ParseEnvelope(string_view& s, LogRecord& rec) {
  string_view t = s;
  string_view policy, proto, ips[2], port;
  size_t nips = 0;
  bool local = false;
  for (int words = 0; !t.empty() && t[0] != '<'; ++words) {
    if (words == 8) return false;
    string_view w = ConsumeWord(t);
    if (w.empty() || w.find(',') != npos) return false;
    Endpoint ep;
    if (w[0] == '[' && ParseEndpoint(w, &ep)) {
      if (nips < 2) {
        if (nips == 0) port = ep.port;
        ips[nips++] = ep.ip;
      }
    } else if (w == "LOCAL") {
      local = true;
    } else if (IsProtoPair(w) || IsSmtpProto(w)) {
      proto = w;
    } else if (nips == 0 && policy.empty()) {
      policy = w;
    } else {
      return false;
    }
  }
  string_view from;
  if (!ConsumeAddress(t, &from)) return false;
  Assign(rec.from, from);
  if (!policy.empty()) SetExtra(rec, "policy_bank", policy);
  if (local) SetExtra(rec, "originating", "1");
  if (nips > 0) {
    Assign(rec.client_ip, ips[0]);
    if (!port.empty()) SetExtra(rec, "client_port", port);
  }
  if (nips > 1) SetExtra(rec, "origin_ip", ips[1]);
  // Of a pair, the first name, so that proto holds one protocol as for Postfix.
  if (!proto.empty()) Assign(rec.proto, proto.substr(0, proto.find('/')));
  if (ConsumePrefix(t, " -> ")) {
    string_view to;
    while (ConsumeAddress(t, &to)) {
      PushRecipient(rec, to);
      if (t.size() < 2 || t[0] != ',' || t[1] != '<') break;
      t.remove_prefix(1);
    }
  }
  s = t;
  return true;
}

// The next ", "-separated segment of `s` (leading separators skipped), with
// commas inside double quotes ("Subject: "a, b"") kept.
string_view NextSegment(string_view& s) {
  while (!s.empty() && (s[0] == ',' || s[0] == ' ')) s.remove_prefix(1);
  bool quoted = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && s[i] == ',' && i + 1 < s.size() && s[i + 1] == ' ') {
      break;
    }
  }
  string_view seg = s.substr(0, i);
  s.remove_prefix(i);
  return seg;
}

// "818 ms" -> "818".
bool ElapsedMs(string_view seg, string_view* ms) {
  if (!seg.ends_with(" ms")) return false;
  seg.remove_suffix(3);
  if (!scan::IsDigits(seg)) return false;
  *ms = seg;
  return true;
}

// A queue ID as amavis extracts it from the next MTA's reply: letters and
// digits only (the template's "queued as ([0-9A-Za-z]+)$").
bool IsIdToken(string_view s) {
  if (s.size() < 5 || s.size() > 32) return false;
  for (char c : s) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

// "queued_as: A/B" -> one link per ID; the template joins the replies of
// several next-hop transactions with '/'. A reply without a recognizable ID
// is logged whole and yields no link.
void AddQueuedAs(string_view v, LogRecord& rec) {
  while (!v.empty()) {
    size_t slash = v.find('/');
    string_view id = Trim(v.substr(0, slash));
    if (IsIdToken(id)) rec.links.push_back(Link{"amavis_queued_as", std::string(id), ""});
    if (slash == npos) break;
    v.remove_prefix(slash + 1);
  }
}

// A mail_id is 12 characters of base64url and never contains a space; one
// can only come from a line wrapped on its way here ("fbSD2R7xnBN Z"), and
// dropping it keeps the ID joinable with the Checking and FWD lines.
void SetMailId(LogRecord& rec, string_view id) {
  std::string v;
  v.reserve(id.size());
  for (char c : id) {
    if (c != ' ') v.push_back(c);
  }
  rec.SetExtra("mail_id", std::move(v));
}

// The "Key: value" segments after the envelope of a result line.
void ParseResultFields(string_view s, LogRecord& rec) {
  for (int guard = 0; !s.empty() && guard < 64; ++guard) {
    string_view seg = NextSegment(s);
    if (seg.empty()) continue;
    string_view v = seg;
    string_view ms;
    if (ConsumePrefix(v, "Queue-ID: ")) {
      Assign(rec.queue_id, Trim(v));
    } else if (ConsumePrefix(v, "Message-ID: ")) {
      Assign(rec.message_id, StripAngles(Trim(v)));
    } else if (ConsumePrefix(v, "Resent-Message-ID: ")) {
      SetExtra(rec, "resent_message_id", StripAngles(Trim(v)));
    } else if (ConsumePrefix(v, "mail_id: ")) {
      SetMailId(rec, Trim(v));
    } else if (ConsumePrefix(v, "Hits: ")) {
      SetExtra(rec, "hits", Trim(v));
    } else if (ConsumePrefix(v, "size: ")) {
      rec.size = scan::ParseInt(Trim(v));
    } else if (ConsumePrefix(v, "queued_as: ")) {
      AddQueuedAs(v, rec);
    } else if (ConsumePrefix(v, "quarantine: ")) {
      SetExtra(rec, "quarantine", Trim(v));
    } else if (ConsumePrefix(v, "Subject: ")) {
      v = Trim(v);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      SetExtra(rec, "subject", v);
    } else if (ConsumePrefix(v, "From: ")) {
      SetExtra(rec, "header_from", StripAngles(Trim(v)));
    } else if (ConsumePrefix(v, "helo=")) {
      Assign(rec.helo, Trim(v));
    } else if (ConsumePrefix(v, "Tests: ")) {
      SetExtra(rec, "tests", Trim(v));
    } else if (ConsumePrefix(v, "dkim_sd=")) {
      SetExtra(rec, "dkim_sd", Trim(v));
    } else if (ConsumePrefix(v, "dkim_new=")) {
      SetExtra(rec, "dkim_new", Trim(v));
    } else if (ElapsedMs(seg, &ms)) {
      SetExtra(rec, "elapsed_ms", ms);
    }
  }
}

// "Passed CLEAN {RelayedInbound}, <envelope>, Queue-ID: ..., 380 ms" and
// "Blocked INFECTED (Eicar-Signature) {DiscardedInbound,Quarantined}, ...".
bool ParseFilterResult(string_view s, LogRecord& rec) {
  string_view status;
  if (ConsumePrefix(s, "Passed")) {
    status = "passed";
  } else if (ConsumePrefix(s, "Blocked")) {
    status = "blocked";
  } else {
    return false;
  }
  if (!s.empty() && s[0] != ' ' && s[0] != ',') return false;
  rec.event = "filter-result";
  Assign(rec.status, status);
  SkipSpaces(s);
  if (!s.empty() && s[0] != ',' && s[0] != '{') {
    string_view category = s.substr(0, s.find_first_of(" ,"));
    SetExtra(rec, "category", category);
    s.remove_prefix(category.size());
    SkipSpaces(s);
    string_view detail;
    if (ExtractBracketed(s, '(', ')', &detail)) {
      s.remove_prefix(detail.size() + 2);
      SkipSpaces(s);
      SetExtra(rec,
               category == "INFECTED" ? "virus"
               : category == "BANNED" ? "banned"
                                      : "category_detail",
               detail);
    }
  }
  if (!s.empty() && s[0] == '{') {
    size_t rb = s.find('}');
    if (rb != npos) {
      SetExtra(rec, "action", s.substr(1, rb - 1));
      s.remove_prefix(rb + 1);
    }
  }
  ConsumeChar(s, ',');
  SkipSpaces(s);
  ParseEnvelope(s, rec);
  ParseResultFields(s, rec);
  return true;
}

// "Checking: <mail_id> [policy] [ip] <from> -> <to>".
void ParseChecking(string_view s, LogRecord& rec) {
  rec.event = "checking";
  string_view t = s;
  string_view first = ConsumeWord(t);
  // mail_id: 12 characters of base64url; policy bank names are upper case.
  bool mail_id = first.size() == 12;
  bool lower_or_digit = false;
  for (char c : first) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '+') mail_id = false;
    lower_or_digit |= scan::IsLower(c) || IsDigit(c);
  }
  if (mail_id && lower_or_digit) {
    SetExtra(rec, "mail_id", first);
    s = t;
  }
  ParseEnvelope(s, rec);
}

// The reply part of a FWD/SEND line: "250 2.0.0 from MTA(smtp:[127.0.0.1]:10025):
// 250 2.0.0 Ok: queued as 15411E6BE1" (amavis 2.7+) or "250 2.0.0 Ok, id=...,
// from MTA([127.0.0.1]:10025): 250 2.0.0 Ok: queued as 0A1B2C" (older).
void ParseForwardReply(string_view reply, LogRecord& rec) {
  reply = Trim(reply);
  Assign(rec.reply, reply);
  Assign(rec.dsn, scan::LeadingDsn(reply));
  if (!reply.empty()) {
    if (reply[0] == '2') {
      rec.status = "sent";
    } else if (reply[0] == '4') {
      rec.status = "deferred";
    } else if (reply[0] == '5') {
      rec.status = "rejected";
    }
  }
  // The next hop: the "(smtp:[ip]:port)" / "([ip]:port)" after "from MTA",
  // found by its contents so that a wrapped "M TA(" still works.
  for (size_t lp = reply.find('('); lp != npos; lp = reply.find('(', lp + 1)) {
    string_view inner = reply.substr(lp + 1);
    if (inner.starts_with("smtp:") || inner.starts_with("lmtp:") || inner.starts_with("[")) {
      size_t rp = inner.find(')');
      if (rp != npos) Assign(rec.relay, inner.substr(0, rp));
      break;
    }
  }
  size_t q = reply.rfind("queued as ");
  if (q != npos) {
    string_view rest = reply.substr(q + 10);
    size_t n = 0;
    while (n < rest.size() && IsAlnum(rest[n])) ++n;
    if (n > 0) rec.links.push_back(Link{"queued_as", std::string(rest.substr(0, n)), ""});
  }
}

// "[<mail_id>] FWD from <a> -> <b>, BODY=7BIT <reply>", "FWD via SMTP: <a> ->
// <b>,BODY=7BIT <reply>" and the same with SEND (a notification amavis sent).
bool ParseForward(string_view s, LogRecord& rec) {
  string_view t = s;
  string_view first = ConsumeWord(t);
  string_view mail_id;
  string_view verb = first;
  if (verb != "FWD" && verb != "SEND") {
    mail_id = first;
    verb = ConsumeWord(t);
    if (verb != "FWD" && verb != "SEND") return false;
  }
  if (!ConsumePrefix(t, "from ")) {
    if (!ConsumePrefix(t, "via ")) return false;
    size_t colon = t.find(": ");
    if (colon == npos || colon > 8) return false;
    t.remove_prefix(colon + 2);
  }
  if (!ParseEnvelope(t, rec)) return false;
  rec.event = verb == "FWD" ? "forwarded" : "notification";
  if (!mail_id.empty()) SetExtra(rec, "mail_id", mail_id);
  ConsumeChar(t, ',');
  SkipSpaces(t);
  // ESMTP parameters of the forwarded transaction (BODY=7BIT, SIZE=n, SMTPUTF8).
  while (!t.empty() && !IsDigit(t[0])) {
    string_view w = ConsumeWord(t);
    if (w.empty()) break;
    if (w.starts_with("SIZE=") && rec.size < 0) rec.size = scan::ParseInt(w.substr(5));
  }
  ParseForwardReply(t, rec);
  return true;
}

// "ESMTP :10026 /var/amavis/tmp/amavis-...: <a> -> <b> SIZE=1631 Received: ..."
// (the SMTP/LMTP transaction in which amavis received the message).
bool ParseSmtpSession(string_view s, LogRecord& rec) {
  string_view t = s;
  string_view proto = ConsumeWord(t);
  if (!IsSmtpProto(proto) || t.empty() || (t[0] != ':' && t[0] != '[')) return false;
  string_view listen = ConsumeWord(t);
  size_t colon = listen.rfind(':');
  string_view port = colon == npos ? string_view() : listen.substr(colon + 1);
  // The temporary directory, logged with a trailing ':'.
  if (!t.empty() && t[0] != '<') {
    size_t end = t.find(": ");
    if (end == npos) return false;
    t.remove_prefix(end + 2);
  }
  if (!ParseEnvelope(t, rec)) return false;
  rec.event = "smtp-session";
  Assign(rec.proto, proto);
  if (scan::IsDigits(port)) SetExtra(rec, "port", port);
  SkipSpaces(t);
  while (!t.empty() && !t.starts_with("Received:")) {
    string_view w = ConsumeWord(t);
    if (w.empty()) break;
    if (w.starts_with("SIZE=")) rec.size = scan::ParseInt(w.substr(5));
  }
  return true;
}

// "SPAM-TAG, <a> -> <b>, Yes, score=7.1 tagged_above=2 required=6.2 tests=[...]".
bool ParseSpamTag(string_view s, LogRecord& rec) {
  if (!ConsumePrefix(s, "SPAM-TAG, ") && !ConsumePrefix(s, "SPAM, ")) return false;
  rec.event = "spam-tag";
  ParseEnvelope(s, rec);
  string_view verdict = NextSegment(s);
  if (verdict == "Yes" || verdict == "No") SetExtra(rec, "spam", verdict);
  string_view v;
  if (scan::FindField(s, "score", &v) || scan::FindField(s, "hits", &v)) SetExtra(rec, "hits", v);
  return true;
}

// Process-level lines a starting amavisd logs (no log ID).
bool IsStartupLine(string_view s) {
  static constexpr string_view kPrefixes[] = {
      "starting.",
      "Module ",
      "Net::Server:",
      "Found ",
      "No decoder",
      "Internal decoder",
      "Using ",
      "Creating db",
      "SpamControl:",
      "logging initialized",
      "extra modules loaded",
      "perl=",
      "initializing",
      "Amavis::",
      "ANTI-VIRUS code",
      "ANTI-SPAM",
      "Lookup::",
      "Unpackers",
      "DKIM code",
      "Tools code",
      "SQL base code",
      "LDAP code",
      "Ignoring ",
      "daemonized",
  };
  for (string_view p : kPrefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

}  // namespace

bool NormalizeAmavis(string_view msg, LogRecord& rec) {
  // amavisd-milter, amavisd-snmp-subagent, ... reach this function through
  // the table's "<name>-<suffix>" fallback but log nothing of this shape.
  string_view program = rec.program;
  if (program.starts_with("amavisd-") && program != "amavisd-new") return false;

  rec.family = "amavis";
  string_view s = TrimRight(msg);
  SkipSpaces(s);
  string_view id;
  bool has_id = ConsumeLogId(s, &id);
  if (has_id) SetExtra(rec, "amavis_id", id);
  int alert = 0;
  if (ConsumePrefix(s, "(!!)")) {
    alert = 2;
  } else if (ConsumePrefix(s, "(!)")) {
    alert = 1;
  }

  // amavis splits a line longer than about 980 characters: the first part
  // ends with "...", each further part starts with "...".
  if (ConsumePrefix(s, "...")) {
    rec.event = "continuation";
    ParseResultFields(s, rec);
    return true;
  }
  if (msg.size() > 900 && s.ends_with("...")) SetExtra(rec, "continued", "1");

  if (ParseFilterResult(s, rec)) return true;
  string_view t = s;
  if (ConsumePrefix(t, "Checking: ")) {
    ParseChecking(t, rec);
    return true;
  }
  if (ParseForward(s, rec) || ParseSmtpSession(s, rec) || ParseSpamTag(s, rec)) return true;
  t = s;
  if (ConsumePrefix(t, "local delivery: ")) {
    rec.event = "quarantine";
    ParseEnvelope(t, rec);
    string_view mbx;
    if (scan::FindField(t, "mbx", &mbx)) SetExtra(rec, "quarantine", mbx);
    return true;
  }
  t = s;
  if (ConsumePrefix(t, "TIMING")) {
    rec.event = "timing";
    size_t total = t.find("[total ");
    if (total != npos) {
      string_view n = t.substr(total + 7);
      n = n.substr(0, n.find(' '));
      if (scan::IsDigits(n)) SetExtra(rec, "elapsed_ms", n);
    }
    return true;
  }
  if (alert == 2) {
    rec.event = "error";
  } else if (alert == 1) {
    rec.event = "warning";
  } else if (!has_id && IsStartupLine(s)) {
    rec.event = "startup";
  } else {
    rec.event = "info";
  }
  return true;
}

void RegisterAmavis(NormalizerTable& table) {
  table.Register("amavis", NormalizeAmavis);
  table.Register("amavisd", NormalizeAmavis);
  table.Register("amavisd-new", NormalizeAmavis);
}

}  // namespace mlq
