// spamd / spamc lines (see spamassassin.h). Formats from spamd/spamd.raw:
//   "result: %s %2d - %s %s" with flag 'Y' or '.', the rounded score, the
//   tests and "scantime=..,size=..,user=..,...,mid=<id>,autolearn=.."
//   "identified spam (%.1f/%.1f) for %s:%d in %.1f seconds, %d bytes."
//   "clean message (%.1f/%.1f) for %s:%d in %.1f seconds, %d bytes."

#include "receiver/normalizers/spamassassin.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using scan::ConsumePrefix;
using scan::IsDigit;
using scan::IsLower;
using scan::ParseInt;
using scan::SkipSpaces;
using scan::StripAngles;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

// The value of "key=" in "k=v,k=v" (a value "<...>" runs to its '>').
bool KvField(string_view list, string_view key, string_view* value) {
  size_t from = 0;
  while (from < list.size()) {
    size_t p = list.find(key, from);
    if (p == npos) return false;
    from = p + 1;
    if (p > 0 && list[p - 1] != ',' && list[p - 1] != ' ') continue;
    size_t v = p + key.size();
    if (v >= list.size() || list[v] != '=') continue;
    ++v;
    size_t e;
    if (v < list.size() && list[v] == '<') {
      e = list.find('>', v);
      e = e == npos ? list.size() : e + 1;
    } else {
      e = list.find_first_of(", ", v);
      if (e == npos) e = list.size();
    }
    *value = list.substr(v, e - v);
    return true;
  }
  return false;
}

// "result: Y 15 - TESTS k=v,k=v,..."
bool ParseResult(string_view s, LogRecord& rec) {
  if (s.empty() || (s[0] != 'Y' && s[0] != '.')) return false;
  bool spam = s[0] == 'Y';
  s.remove_prefix(1);
  SkipSpaces(s);
  size_t sp = s.find(' ');
  if (sp == npos) return false;
  string_view score = s.substr(0, sp);
  s.remove_prefix(sp);
  if (!ConsumePrefix(s, " - ")) return false;
  sp = s.find(' ');
  string_view tests = s.substr(0, sp);
  string_view kv = sp == npos ? string_view() : s.substr(sp + 1);

  rec.family = "spamassassin";
  rec.event = "spam-result";
  rec.status = spam ? "spam" : "ham";
  SetExtra(rec, "score", score);
  string_view v;
  if (KvField(kv, "required_score", &v)) SetExtra(rec, "required", v);
  if (!tests.empty() && tests != "none") SetExtra(rec, "tests", tests);
  if (KvField(kv, "mid", &v) && v != "(unknown)") Assign(rec.message_id, StripAngles(v));
  if (KvField(kv, "size", &v)) rec.size = ParseInt(v);
  if (KvField(kv, "user", &v)) SetExtra(rec, "user", v);
  if (KvField(kv, "scantime", &v)) SetExtra(rec, "scantime", v);
  if (KvField(kv, "autolearn", &v)) SetExtra(rec, "autolearn", v);
  return true;
}

// "(9.3/5.0) for nagios:1210 in 0.9 seconds, 5 bytes."
bool ParseVerdict(string_view s, bool spam, LogRecord& rec) {
  if (!ConsumePrefix(s, "(")) return false;
  size_t slash = s.find('/');
  size_t close = s.find(')');
  if (slash == npos || close == npos || slash > close) return false;
  string_view score = s.substr(0, slash);
  string_view required = s.substr(slash + 1, close - slash - 1);
  s.remove_prefix(close + 1);
  rec.family = "spamassassin";
  rec.event = "spam-result";
  rec.status = spam ? "spam" : "ham";
  SetExtra(rec, "score", score);
  SetExtra(rec, "required", required);
  if (!ConsumePrefix(s, " for ")) return true;
  size_t in = s.find(" in ");
  string_view who = s.substr(0, in);
  size_t colon = who.rfind(':');
  SetExtra(rec, "user", who.substr(0, colon));
  if (colon != npos) SetExtra(rec, "uid", who.substr(colon + 1));
  if (in == npos) return true;
  s.remove_prefix(in + 4);
  size_t secs = s.find(" seconds, ");
  if (secs == npos) return true;
  SetExtra(rec, "scantime", s.substr(0, secs));
  s.remove_prefix(secs + 10);
  size_t e = 0;
  while (e < s.size() && IsDigit(s[e])) ++e;
  rec.size = ParseInt(s.substr(0, e));
  return true;
}

// "<id> for user:uid." after "checking message " / "processing message ".
void ParseChecking(string_view s, LogRecord& rec) {
  rec.family = "spamassassin";
  rec.event = "checking";
  size_t f = s.find(" for ");
  string_view id = s.substr(0, f);
  if (id != "(unknown)") Assign(rec.message_id, StripAngles(id));
  if (f == npos) return;
  string_view who = s.substr(f + 5);
  if (who.ends_with(".")) who.remove_suffix(1);
  size_t colon = who.rfind(':');
  SetExtra(rec, "user", who.substr(0, colon));
}

// "localhost [127.0.0.1] at port 49144" / "localhost [127.0.0.1]:49144 to
// port 783, fd 5" / "[::1]:1234 ..."
void ParseConnection(string_view s, LogRecord& rec) {
  rec.family = "spamassassin";
  rec.event = "connect";
  size_t lb = s.find('[');
  size_t rb = s.find(']');
  if (lb == npos || rb == npos || rb < lb) return;
  string_view name = scan::Trim(s.substr(0, lb));
  if (name.find(' ') == npos) Assign(rec.client_name, name);
  Assign(rec.client_ip, s.substr(lb + 1, rb - lb - 1));
}

// Module prefixes of informational spamd lines ("prefork: ...").
bool IsInfoModule(string_view s) {
  size_t c = s.find(": ");
  if (c == npos || c == 0 || c > 20) return false;
  string_view m = s.substr(0, c);
  for (char ch : m) {
    if (!IsLower(ch) && ch != '-' && ch != '_') return false;
  }
  return m == "prefork" || m == "config" || m == "plugin" || m == "dns" || m == "rules" ||
         m == "bayes" || m == "auto-whitelist" || m == "logger" || m == "util" || m == "check" ||
         m == "async" || m == "sql" || m == "spamd" || m == "child" || m == "info" ||
         m == "netset" || m == "uri" || m == "learn" || m == "dcc" || m == "razor2" ||
         m == "pyzor" || m == "txrep" || m == "awl";
}

bool IsInfo(string_view s) {
  static constexpr string_view kPrefixes[] = {
      "server started on",
      "server pid:",
      "server successfully spawned",
      "server killed by",
      "server hit by",
      "handled cleanup of child",
      "setuid to",
      "creating default_prefs",
      "child states:",
      "adjust: ",
      "still running as root",
      "clean message",
      "alarm",
      "server shutdown",
      "restarting",
      "Not ",
      "successfully ",
      "timing:",
      "spamd starting",
      "handle_user",
      "cleaned up",
      "processing",
      "got connection",
  };
  for (string_view p : kPrefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

bool NormalizeSpamd(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  ConsumePrefix(s, "spamd: ");
  if (s.empty()) return false;
  string_view v = s;
  if (ConsumePrefix(v, "result: ")) return ParseResult(v, rec);
  if (ConsumePrefix(v, "identified spam ")) return ParseVerdict(v, true, rec);
  if (ConsumePrefix(v, "clean message ")) return ParseVerdict(v, false, rec);
  if (ConsumePrefix(v, "checking message ") || ConsumePrefix(v, "processing message ")) {
    ParseChecking(v, rec);
    return true;
  }
  if (ConsumePrefix(v, "connection from ")) {
    ParseConnection(v, rec);
    return true;
  }
  if (ConsumePrefix(v, "got connection over ")) {
    rec.family = "spamassassin";
    rec.event = "connect";
    SetExtra(rec, "socket", v);
    return true;
  }
  bool warn = s.starts_with("warn: ") || s.starts_with("Warning: ");
  if (warn || s.starts_with("error: ") || s.starts_with("ERROR: ") || s.starts_with("Error ")) {
    rec.family = "spamassassin";
    rec.event = "error";
    rec.status = warn ? "warning" : "error";
    Assign(rec.reply, s);
    return true;
  }
  if (IsInfo(s) || IsInfoModule(s)) {
    rec.family = "spamassassin";
    rec.event = "info";
    return true;
  }
  return false;
}

// spamc: "connect to spamd on 127.0.0.1 failed, retrying (#1 of 3): ...",
// "skipped message, greater than max message size (512000 bytes)".
bool NormalizeSpamc(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  rec.family = "spamassassin";
  if (s.find("failed") != npos || s.find("error") != npos || s.find("unable") != npos ||
      s.find("could not") != npos || s.find("timed out") != npos) {
    rec.event = "error";
    rec.status = "error";
    Assign(rec.reply, s);
  } else {
    rec.event = "info";
  }
  return true;
}

}  // namespace

void RegisterSpamassassin(NormalizerTable& table) {
  table.Register("spamd", NormalizeSpamd);
  table.Register("spamc", NormalizeSpamc);
}

}  // namespace mlq
