// The Zimbra normalizer (see zimbra.h for the events and fields).
//
// mailbox.log/audit.log lines are parsed as log4j lines: time, level,
// [thread], [context], category " - " text; the category and the text's
// first words pick the event. zimbra.log programs are keyed on the program.
//
// Hand-written scanning over string_view only: this runs on every line.

#include "receiver/normalizers/zimbra.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/civil_time.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using civil::DigitsAt;
using civil::UnixSeconds;
using scan::ConsumePrefix;
using scan::Contains;
using scan::IsAlnum;
using scan::IsDigit;
using scan::SkipSpaces;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtraIfAny;

// ---- time ----

// "YYYY-MM-DD HH:MM:SS" followed by ',' or '.' and 1..6 digits (log4j's
// ",mmm", jetty's ".mmm"). Returns the length, 0 when absent. No zone: UTC.
size_t ParseZimbraTime(string_view s, int64_t* us) {
  if (s.size() < 21 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
      (s[19] != ',' && s[19] != '.')) {
    return 0;
  }
  const int y = DigitsAt(s, 0, 4), mo = DigitsAt(s, 5, 2), d = DigitsAt(s, 8, 2);
  const int h = DigitsAt(s, 11, 2), mi = DigitsAt(s, 14, 2), se = DigitsAt(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      se < 0 || se > 60) {
    return 0;
  }
  size_t j = 20, n = 0;
  int64_t frac = 0;
  while (j < s.size() && IsDigit(s[j]) && n < 6) {
    frac = frac * 10 + (s[j] - '0');
    ++j;
    ++n;
  }
  if (n == 0) return 0;
  for (size_t k = n; k < 6; ++k) frac *= 10;
  *us = UnixSeconds(y, mo, d, h, mi, se) * 1000000 + frac;
  return j;
}

void SetTime(LogRecord& rec, int64_t us) {
  if (rec.format != SyslogFormat::kNone) return;
  rec.timestamp_us = us;
  rec.flags &= ~static_cast<uint32_t>(kFlagNoTimestamp);
}

// ---- log4j lines ----

bool IsLevel(string_view w) {
  return w == "INFO" || w == "WARN" || w == "ERROR" || w == "FATAL" || w == "DEBUG" ||
         w == "TRACE" || w == "WARNING";
}

struct Log4j {
  string_view level;
  string_view thread;
  string_view context;  // "name=u@x;mid=5;ip=1.2.3.4;" without the brackets
  string_view category;
  string_view text;
};

// "[thread] [context] category - text" (any part may be missing).
void ParseLog4jBody(string_view t, Log4j* out) {
  SkipSpaces(t);
  if (!t.empty() && t.front() == '[' && !t.starts_with("[name=") && !t.starts_with("[ip=") &&
      !t.starts_with("[oip=")) {
    int depth = 0;
    size_t close = npos;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '[') {
        ++depth;
      } else if (t[i] == ']' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close != npos) {
      out->thread = t.substr(1, close - 1);
      t.remove_prefix(close + 1);
    } else {
      // A thread name cut short (seen in the admin guide): the context's
      // '[' starts after a space.
      size_t ctx = t.find(" [");
      out->thread = t.substr(1, ctx == npos ? npos : ctx - 1);
      t.remove_prefix(ctx == npos ? t.size() : ctx + 1);
    }
    SkipSpaces(t);
  }
  if (!t.empty() && t.front() == '[') {
    size_t end = t.find(";]");
    if (t.starts_with("[]")) {
      t.remove_prefix(2);
    } else if (end != npos) {
      out->context = t.substr(1, end);
      t.remove_prefix(end + 2);
    } else {
      size_t rb = t.find(']');
      if (rb != npos) {
        out->context = t.substr(1, rb - 1);
        t.remove_prefix(rb + 1);
      }
    }
    SkipSpaces(t);
  }
  size_t dash = t.find(" - ");
  if (dash != npos && dash > 0 && t.substr(0, dash).find(' ') == npos) {
    out->category = t.substr(0, dash);
    out->text = t.substr(dash + 3);
  } else {
    out->text = t;
  }
}

// Skips "mailbox.log.2021-06-19:" or "audit.log:" (grep output prefixes).
void ConsumeFilePrefix(string_view& s) {
  if (!s.starts_with("mailbox.log") && !s.starts_with("audit.log") && !s.starts_with("sync.log")) {
    return;
  }
  size_t colon = s.find(':');
  if (colon != npos && colon < 40 && s.substr(0, colon).find(' ') == npos) {
    s.remove_prefix(colon + 1);
  }
}

// A whole log4j line with its time. Returns false when `s` is not one.
bool ParseLog4jLine(string_view s, Log4j* out, int64_t* us) {
  ConsumeFilePrefix(s);
  size_t n = ParseZimbraTime(s, us);
  if (n == 0 || n >= s.size() || s[n] != ' ') return false;
  string_view t = s.substr(n);
  SkipSpaces(t);
  string_view level = t.substr(0, t.find(' '));
  if (!IsLevel(level)) return false;
  out->level = level;
  t.remove_prefix(level.size());
  ParseLog4jBody(t, out);
  return true;
}

// Jetty's "2021-01-15 15:57:32.537:WARN:oejs.DoSFilter:DOS ALERT:ip=...".
bool ParseJettyLine(string_view s, Log4j* out, int64_t* us) {
  size_t n = ParseZimbraTime(s, us);
  if (n == 0 || n >= s.size() || s[19] != '.' || s[n] != ':') return false;
  string_view t = s.substr(n + 1);
  size_t colon = t.find(':');
  if (colon == npos || !IsLevel(t.substr(0, colon))) return false;
  out->level = t.substr(0, colon);
  t.remove_prefix(colon + 1);
  colon = t.find(':');
  out->category = colon == npos ? string_view() : t.substr(0, colon);
  out->text = colon == npos ? t : t.substr(colon + 1);
  return true;
}

// The value of `key` in a "k=v;k=v;" context, "" when absent.
string_view ContextValue(string_view ctx, string_view key) {
  size_t from = 0;
  while (from < ctx.size()) {
    size_t pos = ctx.find(key, from);
    if (pos == npos) return {};
    from = pos + 1;
    if (pos > 0 && ctx[pos - 1] != ';') continue;
    size_t eq = pos + key.size();
    if (eq >= ctx.size() || ctx[eq] != '=') continue;
    string_view v = ctx.substr(eq + 1);
    return v.substr(0, v.find(';'));
  }
  return {};
}

// "1.2.3.4, 5.6.7.8" (a forwarded-for list) -> "1.2.3.4".
string_view FirstAddress(string_view v) { return Trim(v.substr(0, v.find(','))); }

// `key=value` in Zimbra message text, value up to ',' ';' ' ' or ':' at the
// end; "<...>" values without brackets.
string_view TextValue(string_view text, string_view key) {
  size_t from = 0;
  while (true) {
    size_t pos = text.find(key, from);
    if (pos == npos) return {};
    from = pos + 1;
    size_t eq = pos + key.size();
    if (eq >= text.size() || text[eq] != '=') continue;
    if (pos > 0 && IsAlnum(text[pos - 1])) continue;
    string_view v = text.substr(eq + 1);
    if (!v.empty() && v.front() == '<') {
      size_t gt = v.find('>');
      if (gt != npos) return v.substr(1, gt - 1);
    }
    v = v.substr(0, v.find_first_of(",; "));
    while (!v.empty() && (v.back() == ':' || v.back() == '.')) v.remove_suffix(1);
    return v;
  }
}

string_view LevelEvent(string_view level) {
  if (level == "WARN" || level == "WARNING") return "warning";
  if (level == "ERROR" || level == "FATAL") return "error";
  if (level == "DEBUG" || level == "TRACE") return "debug";
  return "info";
}

// lmtp: "Delivering message: ...", "Delivery OK", "rejecting message ...".
bool ParseLmtp(string_view text, LogRecord& rec) {
  string_view status;
  if (ConsumePrefix(text, "Delivering message")) {
    rec.event = "local-delivery";
    if (text.starts_with(" started")) SetExtraIfAny(rec, "stage", "start");
    if (text.starts_with(" completed")) SetExtraIfAny(rec, "stage", "complete");
    rec.size = scan::ParseInt(TextValue(text, "size"));
    rec.nrcpt = scan::ParseInt(TextValue(text, "nrcpts"));
    Assign(rec.from, StripAngles(TextValue(text, "sender")));
    Assign(rec.message_id, TextValue(text, "msgid"));
    return true;
  }
  if (text.starts_with("Delivery OK")) {
    status = "delivered";
  } else if (text.starts_with("accepted and discarded message")) {
    status = "discarded";
  } else if (text.starts_with("rejecting message")) {
    status = "rejected";
  } else if (text.starts_with("try again for message")) {
    status = "deferred";
  } else if (ConsumePrefix(text, "Not delivering message with duplicate Message-ID ")) {
    rec.event = "local-delivery";
    rec.status = "duplicate";
    Assign(rec.message_id, StripAngles(Trim(text)));
    return true;
  } else {
    return false;
  }
  rec.event = "local-delivery";
  Assign(rec.status, status);
  string_view from = TextValue(text, "from");
  string_view to = TextValue(text, "to");
  Assign(rec.from, from);
  if (!to.empty()) {
    rec.to.emplace_back(to);
  } else if (status == "rejected") {
    // Older servers: "rejecting message bigen@example.com: exception occurred".
    string_view t = text.substr(17);
    SkipSpaces(t);
    string_view addr = t.substr(0, t.find(' '));
    while (!addr.empty() && addr.back() == ':') addr.remove_suffix(1);
    if (addr.find('@') != npos) rec.to.emplace_back(addr);
  }
  size_t colon = text.find(": ");
  if (colon != npos) Assign(rec.reply, Trim(text.substr(colon + 2)));
  return true;
}

// audit.log: "cmd=Auth; account=a@x; protocol=soap; error=authentication failed ...;"
void ParseSecurity(string_view text, LogRecord& rec) {
  string_view cmd, account, protocol, error;
  string_view t = text;
  while (!t.empty()) {
    SkipSpaces(t);
    size_t semi = t.find("; ");
    string_view pair = t.substr(0, semi);
    t.remove_prefix(semi == npos ? t.size() : semi + 2);
    if (pair.ends_with(';')) pair.remove_suffix(1);
    size_t eq = pair.find('=');
    if (eq == npos) continue;
    string_view k = pair.substr(0, eq), v = pair.substr(eq + 1);
    if (k == "cmd") {
      cmd = v;
    } else if (k == "account") {
      account = v;
    } else if (k == "protocol") {
      protocol = v;
    } else if (k == "error") {
      error = v;
    }
  }
  bool auth = cmd == "Auth" || cmd == "AdminAuth" || cmd == "PreAuth" || cmd == "AuthRequest";
  if (!error.empty()) {
    rec.event = "auth-failure";
    Assign(rec.reply, error);
  } else {
    rec.event = auth ? "login" : "audit";
  }
  SetExtraIfAny(rec, "cmd", cmd);
  SetExtraIfAny(rec, "protocol", protocol);
  if (!account.empty()) Assign(rec.sasl_user, account);
  size_t lb = error.find("failed for [");
  if (lb != npos && account.empty()) {
    string_view u = error.substr(lb + 12);
    Assign(rec.sasl_user, u.substr(0, u.find(']')));
  }
}

bool ClassifyText(const Log4j& l, string_view text, LogRecord& rec);

// Fills rec from a parsed log4j line.
void ApplyLog4j(const Log4j& l, bool headless, LogRecord& rec) {
  string_view ctx = l.context;
  string_view ip = ContextValue(ctx, "oip");
  string_view port = ContextValue(ctx, "oport");
  if (ip.empty()) {
    ip = ContextValue(ctx, "ip");
    port = ContextValue(ctx, "port");
  }
  Assign(rec.client_ip, FirstAddress(ip));
  SetExtraIfAny(rec, "client_port", port);
  string_view account = ContextValue(ctx, "name");
  string_view msgid = ContextValue(ctx, "msgid");
  if (!msgid.empty()) Assign(rec.message_id, StripAngles(msgid));
  if (!l.level.empty() && l.level != "INFO") SetExtraIfAny(rec, "level", l.level);
  SetExtraIfAny(rec, "category", l.category);
  string_view text = TrimRight(l.text);
  const bool lmtp = l.category == "lmtp" || l.thread.starts_with("LmtpServer");
  if (l.category == "lmtp" && ParseLmtp(text, rec)) {
    if (rec.to.empty() && !account.empty()) rec.to.emplace_back(account);
    return;
  }
  // name= is the account a request acts on; aname= the (admin) account that
  // authenticated when it differs.
  string_view admin = ContextValue(ctx, "aname");
  if (!lmtp && !admin.empty()) {
    Assign(rec.sasl_user, admin);
    SetExtraIfAny(rec, "account", account);
  } else if (!lmtp && !account.empty()) {
    Assign(rec.sasl_user, account);
  }
  if (l.category == "mailop") {
    if (text.starts_with("Adding Message: ")) {
      rec.event = "stored";
      Assign(rec.message_id, TextValue(text, "Message-ID"));
      SetExtraIfAny(rec, "folder", TextValue(text, "folderName"));
      if (!account.empty()) rec.to.emplace_back(account);
      rec.sasl_user.clear();
    } else {
      rec.event = "mailop";
    }
    return;
  }
  if (l.category == "security" && text.starts_with("cmd=")) {
    ParseSecurity(text, rec);
    return;
  }
  size_t failed = text.find("authentication failed for [");
  if (failed != npos) {
    rec.event = "auth-failure";
    string_view u = text.substr(failed + 27);
    size_t rb = u.find(']');
    Assign(rec.sasl_user, u.substr(0, rb));
    if (rb != npos) {
      string_view reason = u.substr(rb + 1);
      ConsumePrefix(reason, ",");
      Assign(rec.reply, Trim(reason));
    }
    return;
  }
  if (Contains(text, "DOS ALERT")) {
    rec.event = "dos-alert";
    size_t p = text.find("ip=");
    if (p != npos) {
      string_view v = text.substr(p + 3);
      Assign(rec.client_ip, v.substr(0, v.find_first_of(", ")));
    }
    return;
  }
  if (ClassifyText(l, text, rec)) return;
  if (headless && l.level.empty()) {
    rec.event = "continuation";
    return;
  }
  Assign(rec.event, LevelEvent(l.level));
}

// ---- stack traces and wrapped lines ----

bool IsJavaIdentChar(char c) { return IsAlnum(c) || c == '_' || c == '$'; }

// "com.zimbra.cs.mailbox.MailServiceException: text" or "java.lang.Foo".
bool IsJavaExceptionLine(string_view s) {
  size_t i = 0, dots = 0;
  if (s.empty() || !scan::IsLower(s[0])) return false;
  while (i < s.size() && (IsJavaIdentChar(s[i]) || s[i] == '.')) {
    if (s[i] == '.') ++dots;
    ++i;
  }
  if (dots < 2) return false;
  string_view name = s.substr(0, i);
  if (!Contains(name, "Exception") && !Contains(name, "Error") && !Contains(name, "Throwable")) {
    return false;
  }
  return i == s.size() || s[i] == ':';
}

bool IsTraceLine(string_view s) {
  s = Trim(s);
  while (!s.empty() && s.front() == '\t') s.remove_prefix(1);
  if (s.starts_with("at ") && Contains(s, "(")) return true;
  if (s.starts_with("Caused by") || (s.starts_with("... ") && s.ends_with(" more"))) return true;
  if (s.starts_with("ExceptionId:") || s.starts_with("chained exception is: ") ||
      s.starts_with("Code:service.")) {
    return true;
  }
  return IsJavaExceptionLine(s);
}

// The length of a Java class name at the start of `s` ("com.zimbra.cs.Foo",
// "a.b.C$Inner"): at least two dots, identifier characters, a lower-case
// first letter (any letter when `any_case`: package "EDU.oswego..." in a
// stack frame); 0 when there is none.
size_t JavaClassLength(string_view s, bool any_case = false) {
  if (s.empty() || !(any_case ? scan::IsAlpha(s[0]) : scan::IsLower(s[0]))) return 0;
  size_t i = 0, dots = 0;
  while (i < s.size() && (IsJavaIdentChar(s[i]) || s[i] == '.')) {
    if (s[i] == '.') ++dots;
    ++i;
  }
  return dots >= 2 && s[i - 1] != '.' ? i : 0;
}

// "com.x.FooException: message" or "com.x.FooException" alone: sets extra
// exception (the class) and reply (the message). False when `s` is not one.
bool SetException(string_view s, LogRecord& rec) {
  if (!IsJavaExceptionLine(s)) return false;
  size_t n = JavaClassLength(s);
  SetExtraIfAny(rec, "exception", s.substr(0, n));
  string_view message = s.substr(n);
  ConsumePrefix(message, ":");
  message = Trim(message);
  if (message.ends_with(" ;")) message.remove_suffix(2);
  Assign(rec.reply, message);
  return true;
}

// The lines of a Java stack trace in mailbox.log, each of a fixed shape that
// says what it is (Throwable.printStackTrace(), MessagingException's
// "chained exception is:", ServiceException's "ExceptionId:... Code:..."):
//   stack-trace  "at com.x.Y.method(Y.java:412)" (extra frame, source),
//                "... 10 more" (extra frames_omitted)
//   exception    "com.x.FooException: message" (extra exception, reply),
//                "Caused by: ..." / "Caused by:" (extra role "cause"),
//                "chained exception is: ..." (role "chained"),
//                "ExceptionId:ID Code:service.X Arg:..." (role "detail";
//                extra exception_id, code)
// Returns false (rec untouched) for any other line.
bool ClassifyTraceLine(string_view s, LogRecord& rec) {
  s = Trim(s);
  while (!s.empty() && s.front() == '\t') s.remove_prefix(1);
  string_view v = s;
  if (ConsumePrefix(v, "at ")) {
    size_t n = JavaClassLength(v, /*any_case=*/true);
    if (n == 0) return false;
    string_view rest = v.substr(n);
    SkipSpaces(rest);
    string_view source;
    if (!scan::ExtractBracketed(rest, '(', ')', &source)) return false;
    rec.event = "stack-trace";
    SetExtraIfAny(rec, "frame", v.substr(0, n));
    SetExtraIfAny(rec, "source", source);
    return true;
  }
  if (ConsumePrefix(v, "... ") && v.ends_with(" more")) {
    string_view count = v.substr(0, v.size() - 5);
    if (!scan::IsDigits(count)) return false;
    rec.event = "stack-trace";
    SetExtraIfAny(rec, "frames_omitted", count);
    return true;
  }
  if (ConsumePrefix(v, "Caused by:")) {
    v = Trim(v);
    if (!v.empty() && !SetException(v, rec)) return false;
    rec.event = "exception";
    SetExtraIfAny(rec, "role", "cause");
    return true;
  }
  if (ConsumePrefix(v, "chained exception is: ")) {
    if (!SetException(v, rec)) return false;
    rec.event = "exception";
    SetExtraIfAny(rec, "role", "chained");
    return true;
  }
  if (ConsumePrefix(v, "ExceptionId:")) {
    size_t code = v.find(" Code:");
    if (code == npos) return false;
    rec.event = "exception";
    SetExtraIfAny(rec, "role", "detail");
    SetExtraIfAny(rec, "exception_id", v.substr(0, code));
    string_view c = v.substr(code + 6);
    SetExtraIfAny(rec, "code", c.substr(0, c.find(' ')));
    return true;
  }
  if (SetException(s, rec)) {
    rec.event = "exception";
    return true;
  }
  return false;
}

// mailbox.log messages of a known shape, whatever their level:
//   servlet-start      soap "Servlet SoapServlet starting up" (extra servlet)
//   handler-exception  "handler exception[ com.x.FooError: message]" (SoapEngine,
//                      system): a SOAP/IMAP handler threw; extra exception, reply
//   service-exception  "Service exception com.x.ServiceException: message" (sync)
//   connection-error   "Fatal error occurred while handling connection" (reply;
//                      extra server, the ImapServer/Pop3Server/LmtpServer thread pool)
//   folder-empty       mailbox "Emptying 9 items from /Trash, removeSubfolders=true."
//                      (extra folder, count)
bool ClassifyText(const Log4j& l, string_view text, LogRecord& rec) {
  string_view v = text;
  if (l.category == "soap" && ConsumePrefix(v, "Servlet ") && v.ends_with(" starting up")) {
    rec.event = "servlet-start";
    SetExtraIfAny(rec, "servlet", v.substr(0, v.size() - 12));
    return true;
  }
  for (auto [prefix, event] :
       {std::pair<string_view, string_view>{"handler exception", "handler-exception"},
        {"Service exception", "service-exception"}}) {
    v = text;
    if (!ConsumePrefix(v, prefix)) continue;
    if (!v.empty() && v.front() != ' ' && v.front() != ':') continue;
    ConsumePrefix(v, ":");
    v = Trim(v);
    if (!v.empty() && !SetException(v, rec)) Assign(rec.reply, v);
    Assign(rec.event, event);
    return true;
  }
  if (text.starts_with("Fatal error occurred while handling connection")) {
    rec.event = "connection-error";
    Assign(rec.reply, text);
    size_t dash = l.thread.rfind('-');
    if (dash != npos && l.thread.substr(0, dash).ends_with("Server") &&
        scan::IsDigits(l.thread.substr(dash + 1))) {
      SetExtraIfAny(rec, "server", l.thread.substr(0, dash));
    }
    return true;
  }
  v = text;
  if (l.category == "mailbox" && ConsumePrefix(v, "Emptying ")) {
    string_view count = v.substr(0, v.find(' '));
    v.remove_prefix(count.size());
    if (!scan::IsDigits(count) || !ConsumePrefix(v, " items from ")) return false;
    rec.event = "folder-empty";
    SetExtraIfAny(rec, "count", count);
    SetExtraIfAny(rec, "folder", v.substr(0, v.find(',')));
    return true;
  }
  return false;
}

// A context/category line whose time and level were on the previous line.
bool FindHeadlessContext(string_view s, size_t* start) {
  static constexpr string_view kOpeners[] = {"[name=", "[ip=", "[oip=", "[mid=", "[aname="};
  for (string_view o : kOpeners) {
    size_t pos = s.find(o);
    if (pos == npos) continue;
    size_t end = s.find(";]", pos);
    if (end == npos) continue;
    if (s.find(" - ", end) == npos) continue;
    *start = pos;
    return true;
  }
  return false;
}

// ---- zimbra.log programs ----

string_view FirstComponent(string_view program) {
  while (!program.empty() && program.front() == '/') program.remove_prefix(1);
  return program.substr(0, program.find('/'));
}

// zimbramon: "27690:info: 2019-09-05 08:34:01, STATUS: mail.x: mta: Running"
void ParseZimbramon(string_view s, LogRecord& rec) {
  size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  string_view level = "info";
  if (i > 0 && i < s.size() && s[i] == ':') {
    string_view t = s.substr(i + 1);
    size_t colon = t.find(':');
    if (colon != npos && colon < 10) {
      level = t.substr(0, colon);
      s = t.substr(colon + 1);
      SkipSpaces(s);
    }
  }
  size_t st = s.find("STATUS: ");
  if (st != npos) {
    rec.event = "service-status";
    string_view t = s.substr(st + 8);
    size_t c1 = t.find(": ");  // host
    if (c1 != npos) {
      t.remove_prefix(c1 + 2);
      size_t c2 = t.find(": ");
      if (c2 != npos) {
        SetExtraIfAny(rec, "service", t.substr(0, c2));
        SetExtraIfAny(rec, "state", Trim(t.substr(c2 + 2)));
      }
    }
    return;
  }
  if (ConsumePrefix(s, "zmstat ")) {
    rec.event = "stats";
    SetExtraIfAny(rec, "stat", s.substr(0, s.find(':')));
    return;
  }
  if (s.starts_with("zmmtaconfig:") || s.starts_with("zmconfigd")) {
    rec.event = "config";
    return;
  }
  if (level == "err" || level == "error" || level == "crit") {
    rec.event = "error";
  } else if (level == "warn" || level == "warning") {
    rec.event = "warning";
  } else {
    rec.event = "info";
  }
}

// saslauthd's Zimbra mechanism: "auth_zimbra: u@x auth failed: authentication
// failed for [u@x]" / "auth_zimbra: u@x auth OK".
bool ParseSaslauthd(string_view s, LogRecord& rec) {
  if (!ConsumePrefix(s, "auth_zimbra: ")) return false;
  string_view user = s.substr(0, s.find(' '));
  Assign(rec.sasl_user, user);
  s.remove_prefix(user.size());
  SkipSpaces(s);
  if (s.starts_with("auth OK")) {
    rec.event = "login";
  } else if (ConsumePrefix(s, "auth failed")) {
    rec.event = "auth-failure";
    ConsumePrefix(s, ": ");
    Assign(rec.reply, Trim(s));
  } else {
    rec.event = "info";
  }
  SetExtraIfAny(rec, "mechanism", "zimbra");
  return true;
}

// A log4j or jetty line with or without its time, or a trace line.
bool ParseMailboxLog(string_view s, LogRecord& rec) {
  Log4j l;
  int64_t us = 0;
  if (ParseLog4jLine(s, &l, &us) || ParseJettyLine(s, &l, &us)) {
    rec.family = "zimbra";
    SetTime(rec, us);
    ApplyLog4j(l, false, rec);
    return true;
  }
  if (IsTraceLine(s)) {
    rec.family = "zimbra";
    if (!ClassifyTraceLine(s, rec)) rec.event = "continuation";
    return true;
  }
  size_t start = 0;
  if (FindHeadlessContext(s, &start)) {
    rec.family = "zimbra";
    ParseLog4jBody(s.substr(start), &l);
    ApplyLog4j(l, true, rec);
    return true;
  }
  // Through syslog the time may be gone: "INFO  [thread] [ctx] cat - text".
  string_view level = s.substr(0, s.find(' '));
  if (IsLevel(level)) {
    rec.family = "zimbra";
    l.level = level;
    ParseLog4jBody(s.substr(level.size()), &l);
    ApplyLog4j(l, false, rec);
    return true;
  }
  return false;
}

bool LooksLikeMailboxLog(string_view s) {
  Log4j l;
  int64_t us;
  if (ParseLog4jLine(s, &l, &us) || ParseJettyLine(s, &l, &us)) return true;
  if (IsTraceLine(s)) return true;
  size_t start;
  return FindHeadlessContext(s, &start);
}

}  // namespace

bool NormalizeZimbra(std::string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  string_view prog = FirstComponent(rec.program);
  if (prog == "saslauthd") {
    if (!ParseSaslauthd(s, rec)) return false;
    rec.family = "zimbra";
    return true;
  }
  if (prog == "zimbramon") {
    rec.family = "zimbra";
    ParseZimbramon(s, rec);
    return true;
  }
  if (prog == "zmconfigd" || prog == "zmmtaconfig") {
    rec.family = "zimbra";
    if (ConsumePrefix(s, "Watchdog: service ")) {
      rec.event = "service-status";
      string_view svc = s.substr(0, s.find(' '));
      SetExtraIfAny(rec, "service", svc);
      size_t st = s.find(" status is ");
      if (st != npos) {
        string_view state = s.substr(st + 11);
        while (!state.empty() && state.back() == '.') state.remove_suffix(1);
        SetExtraIfAny(rec, "state", state);
      }
    } else {
      rec.event = "config";
    }
    return true;
  }
  if (prog == "zmmailboxdmgr" || prog == "zmtomcatmgr" || prog == "zmcontrol") {
    rec.family = "zimbra";
    rec.event = "service-control";
    return true;
  }
  if (ParseMailboxLog(s, rec)) return true;
  rec.family = "zimbra";
  rec.event = "info";
  return true;
}

bool SniffZimbra(std::string_view msg, LogRecord& rec) {
  if (!rec.program.empty()) return false;
  string_view s = TrimRight(msg);
  if (!LooksLikeMailboxLog(s)) return false;
  return ParseMailboxLog(s, rec);
}

void RegisterZimbra(NormalizerTable& table) {
  static constexpr std::string_view kPrograms[] = {
      "zimbra",      "mailboxd",  "zimbramon", "zmmailboxdmgr", "zmtomcatmgr",  "zmconfigd",
      "zmmtaconfig", "zmcontrol", "zmlogger",  "zmlogswatch",   "zmauditswatch"};
  for (std::string_view p : kPrograms) table.Register(p, NormalizeZimbra);
  if (table.Find("saslauthd") == nullptr) table.Register("saslauthd", NormalizeZimbra);
  table.RegisterSniffer(SniffZimbra);
}

}  // namespace mlq
