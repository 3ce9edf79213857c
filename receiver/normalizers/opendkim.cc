// OpenDKIM / OpenDMARC lines (see opendkim.h for the event list). Formats
// follow the syslog() calls of opendkim.c and opendmarc.c:
//   "%s: DKIM-Signature field added (s=%s, d=%s)"
//   "%s: %s [%s] not internal", "%s: no signing table match for '%s'"
//   "%s: s=%s d=%s SSL %s", "OpenDKIM Filter v%s starting (args: %s)"
//   "%s: %s %s" (opendmarc: queue ID, From: domain, result)

#include "receiver/normalizers/opendkim.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using scan::ConsumePrefix;
using scan::IsAlnum;
using scan::IsDigit;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

// A milter "job ID" (the MTA's queue ID) as the milters print it: Postfix
// short/long IDs, Sendmail IDs ("s1GNXHYB005133"), Exim IDs. Requires a
// digit so words such as "Filter" or "error" never pass.
bool IsJobId(string_view t) {
  if (t.size() < 5 || t.size() > 40) return false;
  bool digit = false;
  for (char c : t) {
    if (IsDigit(c)) {
      digit = true;
    } else if (!IsAlnum(c) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return digit;
}

// Splits "JOBID: rest". The milters print "NOQUEUE" or "(unknown-jobid)"
// when the MTA gave no ID: those split too but leave *id empty.
bool SplitJobId(string_view msg, string_view* id, string_view* rest) {
  size_t c = msg.find(": ");
  if (c == npos) return false;
  string_view t = msg.substr(0, c);
  if (t == "NOQUEUE" || t == "(unknown-jobid)" || t == "unknown-jobid") {
    *id = {};
  } else if (IsJobId(t)) {
    *id = t;
  } else {
    return false;
  }
  *rest = msg.substr(c + 2);
  return true;
}

// The value of "key=" up to the next ',', ')' or space, "" when absent.
string_view TagValue(string_view s, string_view key) {
  size_t from = 0;
  while (from < s.size()) {
    size_t p = s.find(key, from);
    if (p == npos) return {};
    from = p + 1;
    if (p > 0 && s[p - 1] != ' ' && s[p - 1] != '(' && s[p - 1] != ',') continue;
    size_t v = p + key.size();
    if (v >= s.size() || s[v] != '=') continue;
    ++v;
    size_t e = v;
    while (e < s.size() && s[e] != ',' && s[e] != ')' && s[e] != ' ' && s[e] != ':') ++e;
    return s.substr(v, e - v);
  }
  return {};
}

// Lowercase-insensitive containment of a lowercase ASCII needle.
bool ContainsFold(string_view hay, string_view needle) {
  if (needle.empty()) return true;
  if (hay.size() < needle.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size()) {
      char c = hay[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != needle[k]) break;
      ++k;
    }
    if (k == needle.size()) return true;
  }
  return false;
}

// True for text that reports a failure ("error", "failed", "can't", ...).
bool LooksLikeError(string_view s) {
  return ContainsFold(s, "error") || ContainsFold(s, "fail") || ContainsFold(s, "can't") ||
         ContainsFold(s, "cannot") || ContainsFold(s, "unable") || ContainsFold(s, "invalid") ||
         ContainsFold(s, "not secure") || ContainsFold(s, "timed out") ||
         ContainsFold(s, "unknown key");
}

void SetSelectorDomain(string_view s, LogRecord& rec) {
  string_view sel = TagValue(s, "s");
  string_view dom = TagValue(s, "d");
  if (!sel.empty()) SetExtra(rec, "selector", sel);
  if (!dom.empty()) SetExtra(rec, "domain", dom);
}

// ---- opendkim ----

// The text after "QID: ". Always recognizes: a line about a queue ID that
// has no shape of its own is "info" (or "error").
void ClassifyDkimJob(string_view rest, LogRecord& rec) {
  string_view s = rest;
  if (s.starts_with("DKIM-Signature field added") || s.starts_with("DKIM-Signature header added")) {
    rec.event = "dkim-signed";
    SetSelectorDomain(s, rec);
    return;
  }
  if (s.starts_with("DKIM verification successful")) {
    rec.event = "dkim-pass";
    rec.status = "pass";
    return;
  }
  if (s.starts_with("bad signature data")) {
    rec.event = "dkim-fail";
    rec.status = "bad-signature";
    return;
  }
  if (s.starts_with("s=")) {
    // "s=default d=example.com SSL error:04091068:rsa routines:...:bad signature"
    size_t ssl = s.find(" SSL ");
    if (ssl != npos) {
      rec.event = "dkim-fail";
      rec.status = "ssl-error";
      SetSelectorDomain(s.substr(0, ssl), rec);
      Assign(rec.reply, TrimRight(s.substr(ssl + 5)));
      return;
    }
  }
  if (s.starts_with("no signature data")) {
    rec.event = "no-signature";
    return;
  }
  string_view v = s;
  if (ConsumePrefix(v, "no signing table match for ")) {
    rec.event = "no-signing-match";
    if (v.size() >= 2 && v.front() == '\'') {
      size_t q = v.find('\'', 1);
      if (q != npos) Assign(rec.from, v.substr(1, q - 1));
    }
    return;
  }
  if (s.ends_with(" not internal")) {
    // "mail-wr1-f42.google.com [209.85.221.42] not internal"
    rec.event = "not-internal";
    string_view host = s.substr(0, s.size() - 13);
    size_t lb = host.rfind(" [");
    if (lb != npos && host.back() == ']') {
      Assign(rec.client_name, host.substr(0, lb));
      Assign(rec.client_ip, host.substr(lb + 2, host.size() - lb - 3));
    } else {
      Assign(rec.client_name, host);
    }
    return;
  }
  if (s == "not authenticated") {
    rec.event = "not-authenticated";
    return;
  }
  if (s.starts_with("key retrieval failed") || s.starts_with("key data is not secure") ||
      s.starts_with("error loading key") || s.starts_with("key '") ||
      s.find("key retrieval failed") != npos) {
    rec.event = "key-error";
    SetSelectorDomain(s, rec);
    Assign(rec.reply, TrimRight(s));
    return;
  }
  if (LooksLikeError(s)) {
    rec.event = "error";
    Assign(rec.reply, TrimRight(s));
    return;
  }
  rec.event = "info";
}

// The milter's start and stop lines (opendkim.c / opendmarc.c):
//   "<Product> Filter v%s starting (args: %s)"
//   "<Product> Filter v%s terminating with status %d, errno = %d"
// `product` is "OpenDKIM" or "OpenDMARC". Sets event daemon-start /
// daemon-stop with status starting / stopping and extras version, args or
// exit_status, errno. False (rec untouched) for any other line.
bool ParseFilterBanner(string_view msg, string_view product, LogRecord& rec) {
  string_view s = msg;
  if (!ConsumePrefix(s, product) || !ConsumePrefix(s, " Filter v")) return false;
  size_t sp = s.find(' ');
  if (sp == npos || sp == 0 || !IsDigit(s[0])) return false;
  string_view version = s.substr(0, sp);
  s.remove_prefix(sp + 1);
  if (ConsumePrefix(s, "starting")) {
    rec.event = "daemon-start";
    rec.status = "starting";
    SetExtra(rec, "version", version);
    if (ConsumePrefix(s, " (args: ") && s.ends_with(')')) {
      SetExtra(rec, "args", s.substr(0, s.size() - 1));
    }
    return true;
  }
  if (ConsumePrefix(s, "terminating")) {
    rec.event = "daemon-stop";
    rec.status = "stopping";
    SetExtra(rec, "version", version);
    if (ConsumePrefix(s, " with status ")) {
      string_view code = s.substr(0, s.find(','));
      SetExtra(rec, "exit_status", code);
      size_t e = s.find("errno = ");
      if (e != npos) SetExtra(rec, "errno", s.substr(e + 8));
    }
    return true;
  }
  return false;
}

bool NormalizeOpendkim(string_view msg, LogRecord& rec) {
  msg = TrimRight(msg);
  if (msg.empty()) return false;
  string_view id, rest;
  if (SplitJobId(msg, &id, &rest)) {
    rec.family = "opendkim";
    Assign(rec.queue_id, id);
    ClassifyDkimJob(rest, rec);
    return true;
  }
  if (ParseFilterBanner(msg, "OpenDKIM", rec)) {
    rec.family = "opendkim";
    return true;
  }
  if (msg.starts_with("OpenDKIM Filter") || msg.starts_with("OpenDKIM filter")) {
    rec.family = "opendkim";
    rec.event = "info";
    if (msg.find(" starting") != npos) {
      rec.status = "starting";
    } else if (msg.find(" terminating") != npos || msg.find("mi_stop") != npos) {
      rec.status = "stopping";
    }
    return true;
  }
  if (LooksLikeError(msg)) {
    rec.family = "opendkim";
    rec.event = msg.find("key") != npos ? "key-error" : "error";
    Assign(rec.reply, msg);
    return true;
  }
  if (msg.starts_with("opendkim: ") || msg.starts_with("additional trusted") ||
      msg.starts_with("Opening listen socket") || msg.starts_with("OpenDKIM ")) {
    rec.family = "opendkim";
    rec.event = "info";
    return true;
  }
  return false;
}

// ---- opendmarc ----

bool IsDmarcResult(string_view w) {
  return w == "pass" || w == "fail" || w == "none" || w == "reject" || w == "quarantine" ||
         w == "bestguesspass" || w == "permerror" || w == "temperror";
}

bool NormalizeOpendmarc(string_view msg, LogRecord& rec) {
  msg = TrimRight(msg);
  if (msg.empty()) return false;
  string_view id, rest;
  if (SplitJobId(msg, &id, &rest)) {
    rec.family = "opendmarc";
    Assign(rec.queue_id, id);
    // "example.com pass": one domain word, one result word.
    size_t sp = rest.find(' ');
    if (sp != npos && sp > 0 && rest.find(' ', sp + 1) == npos &&
        rest.substr(0, sp).find('.') != npos && IsDmarcResult(rest.substr(sp + 1))) {
      rec.event = "dmarc-result";
      Assign(rec.status, rest.substr(sp + 1));
      SetExtra(rec, "domain", rest.substr(0, sp));
      return true;
    }
    if (LooksLikeError(rest) && !rest.starts_with("SPF(") && !rest.starts_with("ignoring ")) {
      rec.event = "error";
      Assign(rec.reply, rest);
      return true;
    }
    rec.event = "info";
    return true;
  }
  if (ParseFilterBanner(msg, "OpenDMARC", rec)) {
    rec.family = "opendmarc";
    return true;
  }
  // opendmarc.c at start-up: "additional trusted authentication services: %s"
  // (the TrustedAuthservIDs setting).
  string_view t = msg;
  if (ConsumePrefix(t, "additional trusted authentication services: ")) {
    rec.family = "opendmarc";
    rec.event = "config";
    SetExtra(rec, "setting", "TrustedAuthservIDs");
    SetExtra(rec, "value", t);
    return true;
  }
  if (msg.starts_with("OpenDMARC Filter") || msg.starts_with("additional trusted") ||
      msg.starts_with("OpenDMARC ") || msg.starts_with("ignoring connection")) {
    rec.family = "opendmarc";
    rec.event = "info";
    if (msg.find(" starting") != npos) {
      rec.status = "starting";
    } else if (msg.find(" terminating") != npos) {
      rec.status = "stopping";
    }
    return true;
  }
  if (LooksLikeError(msg)) {
    rec.family = "opendmarc";
    rec.event = "error";
    Assign(rec.reply, msg);
    return true;
  }
  return false;
}

}  // namespace

void RegisterOpendkim(NormalizerTable& table) {
  table.Register("opendkim", NormalizeOpendkim);
  table.Register("opendmarc", NormalizeOpendmarc);
}

}  // namespace mlq
