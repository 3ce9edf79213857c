// Roundcube lines (see roundcube.h). Formats from Roundcube's rcmail.php
// ("Successful login for %s (ID: %d) from %s in session %s", "Failed login
// for %s from %s in session %s (error: %d)"), rcube_imap ("Login failed for
// %s against %s from %s. %s") and rcmail_sendmail ("User %s [%s]; Message %s
// for %s; %s").

#include "receiver/normalizers/roundcube.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "base/civil_time.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using civil::DigitsAt;
using civil::MonthNumber;
using civil::UnixSeconds;
using scan::ConsumePrefix;
using scan::ExtractBracketed;
using scan::IdToken;
using scan::IsAlnum;
using scan::IsAlpha;
using scan::IsDigit;
using scan::IsDsn;
using scan::IsHex;
using scan::IsUpper;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

// The IP address at the start of s ("1.2.3.4." -> "1.2.3.4",
// "192.0.2.2(X-Real-IP: ...)" -> "192.0.2.2"), "" when s does not start
// with an IPv4 or IPv6 address.
string_view LeadingIp(string_view s) {
  size_t i = 0;
  int colons = 0, dots = 0;
  while (i < s.size() && (IsHex(s[i]) || s[i] == '.' || s[i] == ':')) {
    if (s[i] == ':') ++colons;
    ++i;
  }
  while (i > 0 && s[i - 1] == '.') --i;
  string_view ip = s.substr(0, i);
  if (colons >= 2) return ip;
  if (colons > 0) return {};
  for (char c : ip) {
    if (c == '.') {
      ++dots;
    } else if (!IsDigit(c)) {
      return {};
    }
  }
  return dots == 3 ? ip : string_view();
}

// The last " from IP" in s: sets *ip and returns the position of " from ",
// npos when none.
size_t LastFromIp(string_view s, string_view* ip) {
  size_t end = s.size();
  while (end > 0) {
    size_t p = s.rfind(" from ", end - 1);
    if (p == npos) return npos;
    string_view v = LeadingIp(s.substr(p + 6));
    if (!v.empty()) {
      *ip = v;
      return p;
    }
    if (p == 0) return npos;
    end = p;
  }
  return npos;
}

// Where the IMAP server's error text starts: ". " followed by an uppercase
// command word ("AUTHENTICATE PLAIN: ...", "LOGIN: ..."); npos when absent.
size_t ImapErrorStart(string_view s) {
  size_t from = 0;
  while (true) {
    size_t p = s.find(". ", from);
    if (p == npos) return npos;
    size_t i = p + 2;
    size_t k = i;
    while (k < s.size() && IsUpper(s[k])) ++k;
    if (k - i >= 3 && (k == s.size() || s[k] == ' ' || s[k] == ':')) return p;
    from = p + 1;
  }
}

// "<user> [against <host>] from <ip>" before `bound`.
bool SetUserAndIp(string_view s, LogRecord& rec) {
  string_view ip;
  size_t f = LastFromIp(s, &ip);
  if (f == npos) return false;
  string_view user = s.substr(0, f);
  size_t against = user.rfind(" against ");
  if (against != npos) {
    SetExtra(rec, "imap_server", user.substr(against + 9));
    user = user.substr(0, against);
  }
  Assign(rec.sasl_user, user);
  Assign(rec.client_ip, ip);
  return true;
}

// "Failed login for USER from IP in session S (error: 0)"
bool ParseFailedLogin(string_view s, LogRecord& rec) {
  size_t sess = s.rfind(" in session ");
  string_view head = s.substr(0, sess);
  if (!SetUserAndIp(head, rec)) return false;
  rec.family = "roundcube";
  rec.event = "auth-failure";
  size_t err = s.rfind("(error: ");
  if (err != npos) {
    string_view code = s.substr(err + 8);
    SetExtra(rec, "error", code.substr(0, code.find(')')));
  }
  return true;
}

// "USER (ID: 1) from IP in session S"
bool ParseSuccessfulLogin(string_view s, LogRecord& rec) {
  size_t sess = s.rfind(" in session ");
  string_view head = s.substr(0, sess);
  string_view ip;
  size_t f = LastFromIp(head, &ip);
  if (f == npos) return false;
  string_view user = head.substr(0, f);
  size_t id = user.rfind(" (ID: ");
  if (id != npos) user = user.substr(0, id);
  rec.family = "roundcube";
  rec.event = "login";
  Assign(rec.sasl_user, user);
  Assign(rec.client_ip, ip);
  return true;
}

// After "IMAP Error: Login failed for ".
bool ParseImapLoginFailed(string_view s, LogRecord& rec) {
  size_t err = ImapErrorStart(s);
  string_view head = s.substr(0, err);
  if (err == npos) {
    size_t in = s.find(" in /");
    head = s.substr(0, in);
  }
  if (!SetUserAndIp(head, rec)) return false;
  rec.family = "roundcube";
  rec.event = "auth-failure";
  if (err != npos) {
    string_view text = s.substr(err + 2);
    size_t in = text.rfind(" in /");
    Assign(rec.reply, Trim(text.substr(0, in)));
  }
  return true;
}

// The text before Roundcube's " in /path/file.php on line N (...)" trailer.
string_view WithoutSourceTrailer(string_view s) {
  size_t in = s.rfind(" in /");
  if (in != npos && s.find(" on line ", in) != npos) s = s.substr(0, in);
  return Trim(s);
}

// Roundcube's and PHP's trailer " in /path/file.php on line N" (Roundcube
// adds " (METHOD URL)"): sets *file and *line; returns the text before it,
// all of `s` (trimmed) when there is no trailer.
string_view SplitSourceTrailer(string_view s, string_view* file, string_view* line) {
  size_t in = s.rfind(" in /");
  if (in == npos) return Trim(s);
  size_t on = s.find(" on line ", in);
  if (on == npos) return Trim(s);
  string_view n = s.substr(on + 9);
  size_t k = 0;
  while (k < n.size() && IsDigit(n[k])) ++k;
  if (k == 0) return Trim(s);
  *file = s.substr(in + 4, on - in - 4);
  *line = n.substr(0, k);
  return Trim(s.substr(0, in));
}

// Roundcube's request trailer "(POST /path/index.php?_task=mail&_action=x)"
// at the end of `s`: extras method, url, task, action; returns the text
// before it.
string_view SplitRequest(string_view s, LogRecord& rec) {
  s = TrimRight(s);
  if (s.empty() || s.back() != ')') return s;
  size_t lp = s.rfind(" (");
  if (lp == npos) return s;
  string_view req = s.substr(lp + 2, s.size() - lp - 3);
  size_t sp = req.find(' ');
  if (sp == npos || sp == 0) return s;
  string_view method = req.substr(0, sp);
  for (char c : method) {
    if (!IsUpper(c)) return s;
  }
  string_view url = req.substr(sp + 1);
  if (url.empty() || url.front() != '/' || url.find(' ') != npos) return s;
  SetExtra(rec, "method", method);
  SetExtra(rec, "url", url);
  for (string_view key : {string_view("_task="), string_view("_action=")}) {
    size_t k = url.find(key);
    if (k == npos || (url[k - 1] != '?' && url[k - 1] != '&')) continue;
    string_view v = url.substr(k + key.size());
    v = v.substr(0, v.find('&'));
    if (!v.empty()) SetExtra(rec, key.substr(1, key.size() - 2), v);
  }
  return TrimRight(s.substr(0, lp));
}

// PHP's own error_log lines: "PHP Warning:  fclose() expects parameter 1 to
// be resource, null given in /path/rcube_imap_generic.php on line 227".
// The level words PHP writes (main.c php_error_cb).
constexpr string_view kPhpLevels[] = {"Fatal error",
                                      "Catchable fatal error",
                                      "Recoverable fatal error",
                                      "Parse error",
                                      "Warning",
                                      "Notice",
                                      "Deprecated",
                                      "Strict Standards",
                                      "Core error",
                                      "Core warning",
                                      "Compile error",
                                      "Compile warning",
                                      "User error",
                                      "User warning",
                                      "User notice",
                                      "User deprecated"};

// After "PHP ".
bool ParsePhpError(string_view s, LogRecord& rec) {
  for (string_view level : kPhpLevels) {
    string_view v = s;
    if (!ConsumePrefix(v, level) || !ConsumePrefix(v, ":")) continue;
    string_view file, line;
    string_view text = SplitSourceTrailer(v, &file, &line);
    rec.family = "roundcube";
    rec.event = "php-error";
    SetExtra(rec, "php_level", level);
    if (!file.empty()) {
      SetExtra(rec, "file", file);
      SetExtra(rec, "line", line);
    }
    Assign(rec.reply, text);
    return true;
  }
  return false;
}

// "Request security check failed (POST /url)": Roundcube's CSRF token check
// (rcmail::request_security_check) refused a request.
void ParseRequestCheck(string_view s, LogRecord& rec) {
  rec.family = "roundcube";
  rec.event = "request-check-failed";
  Assign(rec.reply, SplitRequest(s, rec));
}

// After "DB Error: ": "[2002] Connection refused (SQL Query: SELECT * FROM
// session) in /path/rcube_db.php on line 543 (GET /)".
void ParseDbError(string_view s, LogRecord& rec) {
  rec.family = "roundcube";
  rec.event = "db-error";
  string_view file, line;
  string_view text = SplitSourceTrailer(SplitRequest(s, rec), &file, &line);
  if (text.size() > 2 && text.front() == '[') {
    size_t rb = text.find(']');
    if (rb != npos && rb > 1) {
      SetExtra(rec, "db_code", text.substr(1, rb - 1));
      text = Trim(text.substr(rb + 1));
    }
  }
  size_t q = text.find("(SQL Query: ");
  string_view query;
  if (q != npos && ExtractBracketed(text.substr(q), '(', ')', &query)) {
    SetExtra(rec, "query", Trim(query.substr(11)));
    text = Trim(text.substr(0, q));
  }
  Assign(rec.reply, text);
}

// "IMAP Error: Empty startup greeting (localhost:143) in ...", "Unexpected
// condition from IMAP server, ...": reply = the text; extra server when the
// text ends with "(host:port)".
void ParseImapError(string_view s, LogRecord& rec) {
  rec.family = "roundcube";
  rec.event = "imap-error";
  string_view file, line;
  string_view text = SplitSourceTrailer(SplitRequest(s, rec), &file, &line);
  if (!text.empty() && text.back() == ')') {
    size_t lp = text.rfind('(');
    string_view inner = lp == npos ? string_view() : text.substr(lp + 1, text.size() - lp - 2);
    size_t colon = inner.rfind(':');
    if (colon != npos && colon > 0 && scan::IsDigits(inner.substr(colon + 1)) &&
        inner.find(' ') == npos) {
      SetExtra(rec, "server", inner);
    }
  }
  Assign(rec.reply, text);
}

// After "SMTP Error: ".
void ParseSmtpError(string_view s, LogRecord& rec) {
  rec.family = "roundcube";
  rec.event = "smtp-error";
  s = WithoutSourceTrailer(s);
  string_view v = s;
  bool rcpt = ConsumePrefix(v, "Failed to add recipient '");
  bool sender = !rcpt && ConsumePrefix(v, "Failed to set sender '");
  if (rcpt || sender) {
    size_t q = v.find('\'');
    if (q != npos) {
      string_view addr = v.substr(0, q);
      if (rcpt && !addr.empty()) rec.to.emplace_back(addr);
      if (sender) Assign(rec.from, addr);
      v.remove_prefix(q + 1);
      ConsumePrefix(v, ".");
      v = Trim(v);
    }
  }
  // "5.7.1 <x>: Recipient address rejected: Blacklisted (Code: 554)"
  string_view code;
  size_t c = v.rfind(" (Code: ");
  if (c != npos) {
    string_view tail = v.substr(c + 8);
    code = tail.substr(0, tail.find(')'));
    v = v.substr(0, c);
  }
  string_view first = v.substr(0, v.find(' '));
  if (IsDsn(first)) Assign(rec.dsn, first);
  if (!code.empty() && IsDigit(code[0])) {
    rec.reply.assign(code.data(), code.size());
    rec.reply.push_back(' ');
    rec.reply.append(v.data(), v.size());
    if (code[0] == '4' || code[0] == '5') rec.status = "reject";
  } else {
    Assign(rec.reply, v);
  }
}

// After "User ": "USER [IP]; Message <id> for a@b, c@d; 250: 2.0.0 Ok: queued as QID"
bool ParseSubmission(string_view s, LogRecord& rec) {
  size_t lb = s.find(" [");
  size_t msg = s.find("]; Message");
  if (lb == npos || msg == npos || msg < lb) return false;
  string_view user = s.substr(0, lb);
  string_view ip = s.substr(lb + 2, msg - lb - 2);
  // "Message <id> for ..." ("Message for ..." when the message had no ID).
  string_view rest = s.substr(msg + 10);
  size_t f = rest.find("for ");
  if (f == npos || (f > 0 && rest[f - 1] != ' ')) return false;
  rec.family = "roundcube";
  rec.event = "submission";
  Assign(rec.sasl_user, user);
  Assign(rec.client_ip, ip);
  Assign(rec.message_id, StripAngles(Trim(rest.substr(0, f))));
  rest.remove_prefix(f + 4);
  size_t semi = rest.find("; ");
  string_view rcpts = rest.substr(0, semi);
  string_view response = semi == npos ? string_view() : Trim(rest.substr(semi + 2));
  while (!rcpts.empty()) {
    size_t comma = rcpts.find(',');
    string_view r = StripAngles(Trim(rcpts.substr(0, comma)));
    if (!r.empty()) rec.to.emplace_back(r);
    if (comma == npos) break;
    rcpts.remove_prefix(comma + 1);
  }
  if (response.empty()) return true;
  Assign(rec.reply, response);
  string_view r = response;
  if (r.size() >= 4 && IsDigit(r[0]) && IsDigit(r[1]) && IsDigit(r[2])) {
    r.remove_prefix(3);
    ConsumePrefix(r, ":");
    r = Trim(r);
  }
  string_view first = r.substr(0, r.find(' '));
  if (IsDsn(first)) Assign(rec.dsn, first);
  size_t q = response.find("ueued as ");
  size_t exim = response.find("OK id=");
  string_view id;
  if (q != npos) {
    id = IdToken(response.substr(q + 9));
  } else if (exim != npos) {
    // Exim: "250 OK id=1lVWpZ-000Oww-45"
    id = IdToken(response.substr(exim + 6));
  }
  if (!id.empty()) rec.links.push_back(Link{"queued_as", std::string(id), ""});
  return true;
}

bool IsErrorLine(string_view s) {
  if (s.starts_with("PHP ") || s.starts_with("DB Error") || s.starts_with("IMAP Error") ||
      s.starts_with("LDAP Error") || s.starts_with("Error") || s.starts_with("ERROR") ||
      s.starts_with("Fatal error") || s.starts_with("Warning: ") || s.starts_with("Notice: ") ||
      s.starts_with("Deprecated: ") || s.starts_with("Invalid ") || s.starts_with("Uncaught ") ||
      s.starts_with("Unexpected condition from IMAP server") ||
      s.starts_with("Request security check failed")) {
    return true;
  }
  // "Plugin Error: ...", "Managesieve Error: ..."
  size_t e = s.find(" Error: ");
  return e != npos && e < 40;
}

// Classifies a Roundcube message (after the log-file timestamp).
bool Classify(string_view s, LogRecord& rec) {
  s = TrimRight(s);
  // "<3z506z6r> " session tag.
  if (s.size() > 3 && s.front() == '<') {
    size_t gt = s.find('>');
    if (gt != npos && gt > 1 && gt + 1 < s.size() && s[gt + 1] == ' ') {
      bool tag = true;
      for (size_t i = 1; i < gt; ++i) tag = tag && IsAlnum(s[i]);
      if (tag) {
        SetExtra(rec, "session", s.substr(1, gt - 1));
        s.remove_prefix(gt + 2);
      }
    }
  }
  string_view v = s;
  if (ConsumePrefix(v, "Successful login for ")) return ParseSuccessfulLogin(v, rec);
  if (ConsumePrefix(v, "Failed login for ") || ConsumePrefix(v, "FAILED login for ")) {
    return ParseFailedLogin(v, rec);
  }
  if (ConsumePrefix(v, "IMAP Error: Login failed for ") && ParseImapLoginFailed(v, rec)) {
    return true;
  }
  v = s;
  if (ConsumePrefix(v, "SMTP Error: ")) {
    ParseSmtpError(v, rec);
    return true;
  }
  if (ConsumePrefix(v, "User ") && ParseSubmission(v, rec)) return true;
  v = s;
  if (ConsumePrefix(v, "PHP ")) {
    if (ParsePhpError(v, rec)) return true;
    ConsumePrefix(v, "Error: ");
    if (v.starts_with("Request security check failed")) {
      ParseRequestCheck(v, rec);
      return true;
    }
  }
  v = s;
  if (s.starts_with("Request security check failed")) {
    ParseRequestCheck(s, rec);
    return true;
  }
  if (ConsumePrefix(v, "DB Error: ")) {
    ParseDbError(v, rec);
    return true;
  }
  if (ConsumePrefix(v, "IMAP Error: ") || s.starts_with("Unexpected condition from IMAP server")) {
    ParseImapError(v, rec);
    return true;
  }
  // The database migrations of the CardDAV plugin (rcmcarddav): "In
  // migration: 0000-dbinit", then "Found 7 matches" (the SQL statements
  // its migration script holds).
  if (ConsumePrefix(v, "In migration: ")) {
    rec.family = "roundcube";
    rec.event = "db-migration";
    SetExtra(rec, "migration", Trim(v));
    return true;
  }
  if (ConsumePrefix(v, "Found ") && v.ends_with(" matches") &&
      scan::IsDigits(v.substr(0, v.size() - 8))) {
    rec.family = "roundcube";
    rec.event = "db-migration";
    SetExtra(rec, "statements", v.substr(0, v.size() - 8));
    return true;
  }
  if (IsErrorLine(s)) {
    rec.family = "roundcube";
    rec.event = "error";
    Assign(rec.reply, WithoutSourceTrailer(s));
    return true;
  }
  return false;
}

bool Finish(bool ok, LogRecord& rec, size_t extras) {
  if (!ok && rec.extra.size() > extras) rec.extra.resize(extras);
  return ok;
}

bool NormalizeRoundcube(string_view msg, LogRecord& rec) {
  size_t extras = rec.extra.size();
  return Finish(Classify(msg, rec), rec, extras);
}

// "[22-Jan-2013 22:28:21 +0200]: " (Roundcube's own logs) or PHP's
// error_log "[16-Oct-2021 06:43:23 America/Boise] " (no colon). The zone may
// be an offset or a name. *php says which.
bool ConsumeLogFileTime(string_view& s, bool* php) {
  if (s.size() < 24 || s[0] != '[') return false;
  size_t i = 1;
  size_t d = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == d || i - d > 2 || i + 10 > s.size() || s[i] != '-') return false;
  ++i;
  if (!IsAlpha(s[i]) || !IsAlpha(s[i + 1]) || !IsAlpha(s[i + 2]) || s[i + 3] != '-') return false;
  i += 4;
  for (size_t k = 0; k < 4; ++k) {
    if (!IsDigit(s[i + k])) return false;
  }
  i += 4;
  if (s[i] != ' ') return false;
  size_t rb = s.find(']', i);
  if (rb == npos || rb > i + 48 || rb + 2 > s.size()) return false;
  if (s.substr(rb, 3) == "]: ") {
    *php = false;
    s.remove_prefix(rb + 3);
    return true;
  }
  if (s[rb + 1] != ' ') return false;
  *php = true;
  s.remove_prefix(rb + 2);
  return true;
}

// The instant of a log-file date "[22-Jan-2013 22:28:21 +0200]" (the day
// may have one digit): only for a numeric offset or "UTC"/"GMT"; a zone name
// ("America/Boise") would need the zone database, so such lines keep the
// receive time. False when the date is not clean.
bool LogFileInstant(string_view s, int64_t* us) {
  size_t rb = s.find(']');
  if (rb == npos || s.empty() || s[0] != '[') return false;
  string_view t = s.substr(1, rb - 1);  // "22-Jan-2013 22:28:21 +0200"
  size_t dash = t.find('-');
  if (dash != 1 && dash != 2) return false;
  const int d = DigitsAt(t, 0, dash);
  const int mo = MonthNumber(t.substr(dash + 1, 3));
  t.remove_prefix(dash + 4);  // "-2013 22:28:21 +0200"
  if (t.size() < 15 || t[0] != '-' || t[5] != ' ' || t[8] != ':' || t[11] != ':' || t[14] != ' ') {
    return false;
  }
  const int y = DigitsAt(t, 1, 4), h = DigitsAt(t, 6, 2), mi = DigitsAt(t, 9, 2),
            se = DigitsAt(t, 12, 2);
  if (d < 1 || d > 31 || mo == 0 || y < 1970 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
      se > 60) {
    return false;
  }
  string_view zone = t.substr(15);
  int64_t offset = 0;
  if (zone == "UTC" || zone == "GMT") {
    offset = 0;
  } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
    const int zh = DigitsAt(zone, 1, 2), zm = DigitsAt(zone, 3, 2);
    if (zh < 0 || zh > 14 || zm < 0 || zm > 59) return false;
    offset = (zh * 3600 + zm * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return false;
  }
  *us = (UnixSeconds(y, mo, d, h, mi, se) - offset) * 1000000;
  return true;
}

// Roundcube's own log files (logs/errors.log, logs/userlogins.log,
// logs/sendmail.log): no syslog header, a bracketed PHP date. PHP's
// error_log shares the date format, so its lines must name Roundcube (its
// source path) or be a message only Roundcube logs.
bool SniffRoundcube(string_view msg, LogRecord& rec) {
  string_view s = msg;
  bool php = false;
  if (!ConsumeLogFileTime(s, &php)) return false;
  if (php && s.find("roundcube") == npos && s.find("rcube") == npos &&
      !s.starts_with("Unexpected condition from IMAP server")) {
    return false;
  }
  size_t extras = rec.extra.size();
  if (!Finish(Classify(s, rec), rec, extras)) return false;
  int64_t us = 0;
  if (rec.format == SyslogFormat::kNone && LogFileInstant(msg, &us)) {
    rec.timestamp_us = us;
    rec.flags &= ~static_cast<uint32_t>(kFlagNoTimestamp);
  }
  return true;
}

}  // namespace

void RegisterRoundcube(NormalizerTable& table) {
  table.Register("roundcube", NormalizeRoundcube);
  table.RegisterSniffer(SniffRoundcube);
}

}  // namespace mlq
