// Roundcube lines (see roundcube.h). Formats from Roundcube's rcmail.php
// ("Successful login for %s (ID: %d) from %s in session %s", "Failed login
// for %s from %s in session %s (error: %d)"), rcube_imap ("Login failed for
// %s against %s from %s. %s") and rcmail_sendmail ("User %s [%s]; Message %s
// for %s; %s").

#include "receiver/roundcube.h"

#include <string>
#include <string_view>

#include "receiver/scan.h"

namespace mlq {
namespace {

using scan::ConsumePrefix;
using scan::IsAlnum;
using scan::IsAlpha;
using scan::IsDigit;
using scan::IsDsn;
using scan::IsUpper;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

void Assign(std::string& dst, string_view v) { dst.assign(v.data(), v.size()); }

void SetExtra(LogRecord& rec, string_view key, string_view value) {
  rec.SetExtra(std::string(key), std::string(value));
}

bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

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
  if (against != npos) user = user.substr(0, against);
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

// An ID token of another MTA's queue ("5F3C2183", "1qAbcD-0001Xy-Zz").
string_view IdToken(string_view s) {
  size_t i = 0;
  while (i < s.size() && (IsAlnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.')) ++i;
  while (i > 0 && (s[i - 1] == '.' || s[i - 1] == '-')) --i;
  return s.substr(0, i);
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
  if (s.starts_with("Found ") || s.starts_with("In migration: ")) {
    // Debug output of the contact search and the database installer.
    rec.family = "roundcube";
    rec.event = "info";
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
  return Finish(Classify(s, rec), rec, extras);
}

}  // namespace

void RegisterRoundcube(NormalizerTable& table) {
  table.Register("roundcube", NormalizeRoundcube);
  table.RegisterSniffer(SniffRoundcube);
}

}  // namespace mlq
