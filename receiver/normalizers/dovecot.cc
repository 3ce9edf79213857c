// The Dovecot normalizer (see dovecot.h for the events and fields).
//
// A Dovecot line is "[level: ]process[(args)][<pid>][<session>]: [level: ]text":
// the level ("Info", "Warning", ...) comes before the process name in 1.x
// and after it in 2.x; args are the user ("imap(user)"), the auth request
// ("auth(user,ip,sasl:plain)") or a pid ("lmtp(25929)"). The process name
// decides which parser reads the text.
//
// Hand-written scanning over string_view only: this runs on every line.

#include "receiver/normalizers/dovecot.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using scan::ConsumePrefix;
using scan::Contains;
using scan::ExtractBracketed;
using scan::FindField;
using scan::IsDigit;
using scan::IsDigits;
using scan::IsLower;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

// What precedes the text of a line.
struct Prefix {
  string_view service;    // "imap-login", "auth-worker", "lda", ... ("" when none)
  string_view args;       // inside "(...)" after the service name
  string_view groups[2];  // "<pid>", "<session>" after it (2.3+), without brackets
  size_t ngroups = 0;
  string_view level;  // "Info", "Warning", ... ("" when none)
};

bool IsNameChar(char c) { return IsLower(c) || IsDigit(c) || c == '-' || c == '_'; }

// "Info: ", "Warning: ", ... at the start of `s`.
bool ConsumeLevel(string_view& s, string_view* level) {
  static constexpr string_view kLevels[] = {"Info", "Warning", "Error", "Fatal", "Panic", "Debug"};
  for (string_view l : kLevels) {
    if (s.size() > l.size() + 1 && s.starts_with(l) && s[l.size()] == ':' &&
        s[l.size() + 1] == ' ') {
      *level = l;
      s.remove_prefix(l.size() + 2);
      return true;
    }
  }
  return false;
}

// "name[(args)][<g1>][<g2>]: " at the start of `s` (a bare "name(args):" at
// the end of a cut-off line counts too). The name is lower case.
bool ConsumeServicePrefix(string_view& s, Prefix* p) {
  size_t i = 0;
  while (i < s.size() && i <= 40 && IsNameChar(s[i])) ++i;
  if (i == 0 || i > 40 || !IsLower(s[0])) return false;
  string_view rest = s.substr(i);
  string_view args;
  if (!rest.empty() && rest[0] == '(') {
    if (!ExtractBracketed(rest, '(', ')', &args)) return false;
    rest.remove_prefix(args.size() + 2);
  }
  string_view groups[2];
  size_t n = 0;
  while (!rest.empty() && rest[0] == '<') {
    size_t gt = rest.find('>');
    if (gt == npos || gt > 160 || n == 2) return false;
    groups[n++] = rest.substr(1, gt - 1);
    rest.remove_prefix(gt + 1);
  }
  if (!ConsumePrefix(rest, ": ") && rest != ":") return false;
  if (rest == ":") rest = {};
  p->service = s.substr(0, i);
  p->args = args;
  p->ngroups = n;
  for (size_t g = 0; g < n; ++g) p->groups[g] = groups[g];
  s = rest;
  return true;
}

// Reads level and process prefix from a message that carries them
// ("imap-login: Info: ...", "Fatal: auth(default): ...", "dovecot: auth: ...").
string_view ParseMessagePrefix(string_view s, Prefix* p) {
  ConsumeLevel(s, &p->level);
  for (int i = 0; i < 3; ++i) {
    // pam_unix's own line, which Dovecot's auth process passes on unprefixed.
    if (s.starts_with("pam_unix(")) {
      p->service = "auth";
      break;
    }
    Prefix q;
    string_view t = s;
    if (!ConsumeServicePrefix(t, &q)) break;
    s = t;
    if (p->level.empty()) ConsumeLevel(s, &p->level);
    if (q.args.empty() && q.ngroups == 0) {
      // "dovecot: dovecot: auth(default): ..." (syslog lines written to a
      // file and read again).
      if (q.service == "dovecot") continue;
      // Dovecot 1.x's auth process: what follows is a passdb line
      // ("passwd-file(u,ip): unknown user"), not another prefix.
      if (q.service == "dovecot-auth") {
        p->service = "auth";
        break;
      }
    }
    q.level = p->level;
    *p = q;
    break;
  }
  if (p->level.empty()) ConsumeLevel(s, &p->level);
  return s;
}

string_view LevelEvent(string_view level) {
  if (level == "Warning") return "warning";
  if (level == "Error") return "error";
  if (level == "Fatal" || level == "Panic") return "fatal";
  if (level == "Debug") return "debug";
  return "info";
}

void SetEvent(LogRecord& rec, string_view event) { Assign(rec.event, event); }

// Where `key=` starts in `s` as a field (at the start or after ' ' or ','),
// npos when absent.
size_t FieldPos(string_view s, string_view key) {
  for (size_t pos = s.find(key); pos != npos; pos = s.find(key, pos + 1)) {
    size_t eq = pos + key.size();
    if (eq < s.size() && s[eq] == '=' && (pos == 0 || s[pos - 1] == ' ' || s[pos - 1] == ',')) {
      return pos;
    }
  }
  return npos;
}

// The pid and session groups of a 2.3+ prefix: "<716791><I7TYIEJ8xmL37woAR5v2ug>".
void SetGroups(const Prefix& p, LogRecord& rec, bool lmtp) {
  for (size_t g = 0; g < p.ngroups; ++g) {
    string_view v = p.groups[g];
    if (IsDigits(v)) {
      SetExtra(rec, "mail_pid", v);
    } else if (!v.empty()) {
      SetExtra(rec, "session", v);
      if (lmtp) SetExtra(rec, "lmtp_session", v);
    }
  }
}

// The user of "imap(user)", "lmtp(4242, user)" (2.0-2.2 LMTP) or "lmtp(25929)"
// (a pid: no user).
string_view ArgsUser(string_view args, LogRecord& rec) {
  string_view user;
  while (!args.empty()) {
    size_t comma = args.find(',');
    string_view part = Trim(args.substr(0, comma));
    if (IsDigits(part)) {
      SetExtra(rec, "mail_pid", part);
    } else if (user.empty()) {
      user = part;
    }
    if (comma == npos) break;
    args.remove_prefix(comma + 1);
  }
  return user;
}

// ---- login processes: imap-login, pop3-login, submission-login, ... ----

void ParseLogin(string_view body, const Prefix& p, LogRecord& rec) {
  string_view v;
  if (FindField(body, "user", &v) && !v.empty()) Assign(rec.sasl_user, v);
  if (FindField(body, "method", &v)) SetExtra(rec, "sasl_method", v);
  if (FindField(body, "rip", &v)) Assign(rec.client_ip, v);
  if (FindField(body, "lip", &v)) SetExtra(rec, "local_ip", v);
  if (FindField(body, "mpid", &v)) SetExtra(rec, "mail_pid", v);
  if (FindField(body, "session", &v)) SetExtra(rec, "session", v);
  // The text is what precedes the first field: "Disconnected (auth failed,
  // 1 attempts in 2 secs)".
  size_t kv = npos;
  for (string_view key : {"user", "method", "rip", "lip"}) {
    size_t pos = FieldPos(body, key);
    if (pos < kv) kv = pos;
  }
  string_view text = TrimRight(body.substr(0, kv));
  if (text.ends_with(':')) text.remove_suffix(1);
  if (text == "Login") {
    SetEvent(rec, "login");
    return;
  }
  Assign(rec.reply, text);
  if (Contains(text, "auth failed")) {
    SetEvent(rec, "auth-failure");
  } else if (text.starts_with("Aborted login") || text.starts_with("Login aborted")) {
    SetEvent(rec, "aborted-login");
  } else if (Contains(text, "isconnected") || Contains(text, "closed connection") ||
             Contains(text, "Connection closed") || Contains(text, "quit the connection")) {
    SetEvent(rec, "disconnect");
  } else if (text.starts_with("Maximum number of connections")) {
    SetEvent(rec, "login-refused");
  } else {
    SetEvent(rec, LevelEvent(p.level));
  }
}

// ---- the auth process: auth, auth-worker ----

// Dovecot's passdb/userdb drivers, which name the lookup in an auth line.
bool IsAuthDriver(string_view d) {
  static constexpr string_view kDrivers[] = {
      "pam",     "passwd-file", "passwd",     "shadow", "sql",   "ldap",        "checkpassword",
      "bsdauth", "static",      "lua",        "oauth2", "imap",  "vpopmail",    "auth",
      "dict",    "cram-md5",    "digest-md5", "plain",  "login", "scram-sha-1", "scram-sha-256",
  };
  for (string_view k : kDrivers) {
    if (d == k) return true;
  }
  return false;
}

// "user,ip[,<session>|,master|,sasl:plain]..." of an auth request.
void SetAuthArgs(string_view args, LogRecord& rec) {
  for (int i = 0; !args.empty(); ++i) {
    size_t comma = args.find(',');
    string_view part = Trim(args.substr(0, comma));
    if (i == 0) {
      if (!part.empty()) Assign(rec.sasl_user, part);
    } else if (i == 1) {
      if (scan::IsAddressLike(part) && part != "unknown") Assign(rec.client_ip, part);
    } else if (part.size() > 2 && part.front() == '<' && part.back() == '>') {
      SetExtra(rec, "session", StripAngles(part));
    } else if (ConsumePrefix(part, "sasl:")) {
      SetExtra(rec, "sasl_method", part);
    }
    if (comma == npos) break;
    args.remove_prefix(comma + 1);
  }
}

// "driver(user,ip,...): " at the start of `s`.
bool ConsumeAuthRequest(string_view& s, string_view* driver, string_view* args) {
  size_t i = 0;
  while (i < s.size() && i <= 20 && IsNameChar(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '(') return false;
  string_view d = s.substr(0, i);
  if (!IsAuthDriver(d)) return false;
  string_view inner;
  if (!ExtractBracketed(s.substr(i), '(', ')', &inner) || inner.find(',') == npos) return false;
  *driver = d;
  *args = inner;
  s.remove_prefix(i + inner.size() + 2);
  ConsumePrefix(s, ": ");
  return true;
}

bool IsAuthFailure(string_view text) {
  static constexpr string_view kMarks[] = {
      "unknown user",          "assword mismatch",       "pam_authenticate() failed",
      "nvalid credentials",    "authentication failure", "User not known",
      "Authentication failed", "password expired",       "account expired",
  };
  for (string_view m : kMarks) {
    if (Contains(text, m)) return true;
  }
  return false;
}

// The reason text of an auth line, without what auth_verbose_passwords
// appends ("(given password: ...)", "(SHA1 of given password: ...)"): the raw
// line keeps it, the indexed reply should not repeat a password.
string_view WithoutPassword(string_view text) {
  size_t p = text.find(" (given password");
  if (p == npos) p = text.find(" (SHA1 of given password");
  if (p == npos) p = text.find(" (MD5 of given password");
  return TrimRight(text.substr(0, p));
}

// One field of the auth protocol's tab-separated lines, as syslog escapes the
// tab ("#011") or as a file log keeps it.
// The field ends at whichever separator comes first. Searching the rest of
// the line for each kind (a tab, "#011") on every call read to the end of
// the line for the kind that was absent: quadratic in the number of fields.
bool NextAuthProtocolField(string_view& s, string_view* field) {
  if (s.empty()) return false;
  size_t end = s.find_first_of("\t#");
  while (end != npos && s[end] == '#' && s.compare(end, 4, "#011") != 0) {
    end = s.find_first_of("\t#", end + 1);
  }
  *field = s.substr(0, end);
  s.remove_prefix(end == npos ? s.size() : end + (s[end] == '\t' ? 1 : 4));
  return true;
}

// auth_debug's "client in: AUTH\t1\tPLAIN\tservice=imap\tsecured\tsession=S\t
// lip=::1\trip=::1\tlport=143\trport=51954\tresp=..." (auth-client-connection.c):
// the request a login process sent. The response (credentials) is not kept.
void ParseAuthClientIn(string_view s, LogRecord& rec) {
  SetEvent(rec, "auth-request");
  rec.status = "received";
  string_view f;
  NextAuthProtocolField(s, &f);  // "AUTH"
  NextAuthProtocolField(s, &f);  // request ID
  if (NextAuthProtocolField(s, &f) && !f.empty()) SetExtra(rec, "sasl_method", f);
  while (NextAuthProtocolField(s, &f)) {
    size_t eq = f.find('=');
    if (eq == npos) continue;
    string_view k = f.substr(0, eq), v = f.substr(eq + 1);
    if (k == "service") {
      SetExtra(rec, "auth_service", v);
    } else if (k == "session") {
      SetExtra(rec, "session", v);
    } else if (k == "lip") {
      SetExtra(rec, "local_ip", v);
    } else if (k == "rip") {
      Assign(rec.client_ip, v);
    } else if (k == "lport") {
      SetExtra(rec, "local_port", v);
    } else if (k == "rport") {
      SetExtra(rec, "client_port", v);
    }
  }
}

// The auth process's debug and start-up lines that name a step:
//   "client in: AUTH\t..."                       auth-request (status received)
//   "auth(u,ip,<s>): Auth request finished"      auth-request (status finished)
//   "passwd-file(u,ip,...): Performing passdb lookup" / "Finished passdb lookup"
//                                                passdb-lookup / userdb-lookup
//   "passwd-file(...): lookup: user=u file=F"    passwd-file-lookup (extra file)
//   "passwd-file(...): Master user lookup for login: L"   master-user-lookup
//   "Master user logging in as L"                master-user-login
//   "auth(default): Support not compiled in for passdb driver 'ldap'" (1.x),
//   "Unknown passdb driver 'x'"                  auth-driver-missing
// Returns false for any other text.
bool ParseAuthStep(string_view text, LogRecord& rec) {
  string_view v = text;
  if (ConsumePrefix(v, "client in: AUTH") && (v.starts_with("#011") || v.starts_with("\t"))) {
    ParseAuthClientIn(text.substr(11), rec);
    return true;
  }
  if (text == "Auth request finished") {
    SetEvent(rec, "auth-request");
    rec.status = "finished";
    return true;
  }
  for (string_view step : {"Performing ", "Finished "}) {
    v = text;
    if (!ConsumePrefix(v, step)) continue;
    if (v == "passdb lookup" || v == "userdb lookup") {
      SetEvent(rec, v == "passdb lookup" ? "passdb-lookup" : "userdb-lookup");
      rec.status = step == "Finished " ? "finished" : "started";
      return true;
    }
  }
  v = text;
  if (ConsumePrefix(v, "lookup: user=")) {
    size_t file = v.find(" file=");
    if (file == npos) return false;
    SetEvent(rec, "passwd-file-lookup");
    SetExtra(rec, "lookup_user", v.substr(0, file));
    SetExtra(rec, "file", Trim(v.substr(file + 6)));
    return true;
  }
  if (ConsumePrefix(v, "Master user lookup for login: ")) {
    SetEvent(rec, "master-user-lookup");
    SetExtra(rec, "login_user", Trim(v));
    return true;
  }
  if (ConsumePrefix(v, "Master user logging in as ")) {
    SetEvent(rec, "master-user-login");
    SetExtra(rec, "login_user", Trim(v));
    return true;
  }
  v = text;
  if (ConsumePrefix(v, "Support not compiled in for ") || ConsumePrefix(v, "Unknown ")) {
    string_view db = v.substr(0, v.find(' '));
    v.remove_prefix(db.size());
    if ((db != "passdb" && db != "userdb") || !ConsumePrefix(v, " driver '")) return false;
    SetEvent(rec, "auth-driver-missing");
    SetExtra(rec, "db", db);
    SetExtra(rec, "driver", v.substr(0, v.find('\'')));
    Assign(rec.reply, text);
    return true;
  }
  return false;
}

void ParseAuth(string_view body, Prefix& p, LogRecord& rec) {
  // 2.3 relays worker lines: "conn unix:auth-worker (pid=1,uid=2): auth-worker<55>: ".
  if (ConsumePrefix(body, "conn ")) {
    size_t e = body.find("): ");
    if (e != npos) body.remove_prefix(e + 3);
    if (body.starts_with("auth-worker<")) {
      size_t gt = body.find(">: ");
      if (gt != npos) body.remove_prefix(gt + 3);
    }
    if (p.level.empty()) ConsumeLevel(body, &p.level);
  }
  string_view driver, args;
  if (p.args.find(',') != npos) {
    // 2.4: "auth(user,ip,sasl:login)<session>: sql: Password mismatch".
    SetAuthArgs(p.args, rec);
    size_t colon = body.find(": ");
    if (colon != npos && IsAuthDriver(body.substr(0, colon))) {
      driver = body.substr(0, colon);
      body.remove_prefix(colon + 2);
    }
  } else if (ConsumePrefix(body, "pam_unix(")) {
    // "pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0
    // tty=dovecot ruser=u rhost=1.2.3.4  user=u": Dovecot 2.x sets PAM_RUSER
    // to the login name (passdb-pam.c, set_pam_items()), so ruser stands in
    // when PAM logs no user=.
    driver = "pam";
    size_t e = body.find("): ");
    body.remove_prefix(e == npos ? body.size() : e + 3);
    string_view v;
    if (FindField(body, "rhost", &v) && !v.empty()) Assign(rec.client_ip, v);
    // A client-supplied ruser can hold anything ("ruser=rhost=1.2.3.4"):
    // only a plain name is taken.
    if ((FindField(body, "user", &v) && !v.empty()) ||
        (FindField(body, "ruser", &v) && !v.empty() && v.find('=') == npos)) {
      Assign(rec.sasl_user, v);
    }
    body = body.substr(0, body.find(';'));
  } else if (ConsumeAuthRequest(body, &driver, &args)) {
    SetAuthArgs(args, rec);
  }
  if (!driver.empty() && driver != "auth") SetExtra(rec, "auth_db", driver);
  for (size_t g = 0; g < p.ngroups; ++g) {
    if (!IsDigits(p.groups[g])) SetExtra(rec, "session", p.groups[g]);
  }
  string_view text = WithoutPassword(Trim(body));
  if (IsAuthFailure(text)) {
    Assign(rec.reply, text);
    SetEvent(rec, "auth-failure");
  } else if (!ParseAuthStep(text, rec)) {
    SetEvent(rec, LevelEvent(p.level));
  }
}

// ---- local delivery: lda, lmtp, deliver; Sieve actions ----

// A Dovecot session ID as 2.2 LMTP logs it before the text: 22 base64 characters.
bool IsSessionToken(string_view s) {
  if (s.size() < 16 || s.size() > 32) return false;
  for (char c : s) {
    if (!scan::IsAlnum(c) && c != '+' && c != '/') return false;
  }
  return true;
}

// 'INBOX' -> INBOX; Sieve quotes programs as `name'.
string_view Unquote(string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"' || s.front() == '`') &&
      (s.back() == '\'' || s.back() == '"')) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

enum class Action : uint8_t {
  kNone,
  kSaved,        // "saved mail to X" (no Sieve)
  kStored,       // Sieve "stored mail into mailbox 'X'"
  kSaveFailed,   // "save failed to X: reason"
  kStoreFailed,  // Sieve "failed to store into mailbox 'X': reason"
  kForwarded,    // Sieve redirect "forwarded to <x>"
  kDiscarded,    // Sieve "discarded", "marked message to be discarded ..."
  kRejected,     // "rejected: reason", Sieve "sent rejection message to <x>"
  kVacation,     // Sieve "sent vacation response to <x>"
  kPiped,        // Sieve "pipe action: piped message to program `x'"
  kLeft,         // IMAPSieve "left message in mailbox 'X'"
};

struct ActionPhrase {
  string_view text;
  Action action;
};

constexpr ActionPhrase kActions[] = {
    {"saved mail to ", Action::kSaved},
    {"stored mail into mailbox ", Action::kStored},
    {"save failed to ", Action::kSaveFailed},
    {"failed to store into mailbox ", Action::kStoreFailed},
    {"forwarded to ", Action::kForwarded},
    {"marked message to be discarded", Action::kDiscarded},
    {"discarded", Action::kDiscarded},
    {"sent rejection message to ", Action::kRejected},
    {"rejected", Action::kRejected},
    {"sent vacation response to ", Action::kVacation},
    {"pipe action: ", Action::kPiped},
    {"left message in mailbox ", Action::kLeft},
};

// Finds the action of a delivery line: the earliest known phrase that starts
// the text or follows ": " or ", " (deliver_log_format puts it last, after
// "msgid=%m: " or a custom list of "key=value, ").
Action FindAction(string_view s, size_t* at, string_view* rest) {
  Action found = Action::kNone;
  size_t best = npos;
  for (const ActionPhrase& a : kActions) {
    for (size_t pos = s.find(a.text); pos != npos && pos < best; pos = s.find(a.text, pos + 1)) {
      if (pos == 0 || (pos >= 2 && (s[pos - 2] == ':' || s[pos - 2] == ',') && s[pos - 1] == ' ')) {
        best = pos;
        found = a.action;
        *rest = s.substr(pos + a.text.size());
        break;
      }
    }
  }
  *at = best;
  return found;
}

// "Quota exceeded (mailbox for user is full)", "Over quota", ...
bool IsQuota(string_view reason) { return Contains(reason, "Quota") || Contains(reason, "quota"); }

// The value of key= in a deliver_log_format list, which may contain spaces
// ("subject=Logwatch for x (Linux), msgid=<...>"): up to the next ", word="
// or the end of `kv`.
bool ListValue(string_view kv, string_view key, string_view* value) {
  size_t pos = FieldPos(kv, key);
  if (pos == npos) return false;
  string_view v = kv.substr(pos + key.size() + 1);
  size_t end = 0;
  for (size_t c = v.find(", "); c != npos; c = v.find(", ", c + 1)) {
    size_t k = c + 2;
    while (k < v.size() && (IsLower(v[k]) || v[k] == '_')) ++k;
    if (k > c + 2 && k < v.size() && v[k] == '=') {
      end = c;
      break;
    }
  }
  *value = end == 0 ? TrimRight(v) : v.substr(0, end);
  return true;
}

// Fields of the deliver_log_format / mail_log part before the action.
void ParseLogFields(string_view kv, LogRecord& rec, bool header_from_only) {
  string_view v;
  if (FindField(kv, "msgid", &v)) Assign(rec.message_id, StripAngles(v));
  if (FindField(kv, "size", &v)) rec.size = scan::ParseInt(v);
  if (FindField(kv, "from", &v) && !v.empty()) {
    if (!header_from_only) Assign(rec.from, v);
    SetExtra(rec, "header_from", v);
  }
  if (FindField(kv, "envelope_sender", &v)) Assign(rec.from, v);
  if (ListValue(kv, "subject", &v)) {
    if (v.ends_with(':')) v.remove_suffix(1);
    SetExtra(rec, "subject", v);
  }
  if (FindField(kv, "delivery_time", &v)) SetExtra(rec, "delivery_time", v);
}

// Applies a Sieve / delivery action. Returns false for Action::kNone.
bool ApplyAction(Action action, string_view rest, bool sieve, LogRecord& rec) {
  rest = TrimRight(rest);
  string_view sieve_action;
  switch (action) {
    case Action::kNone:
      return false;
    case Action::kSaved:
    case Action::kStored:
      rec.status = "stored";
      SetExtra(rec, "mailbox", Unquote(rest));
      sieve_action = "store";
      break;
    case Action::kSaveFailed:
    case Action::kStoreFailed: {
      size_t colon = rest.find(": ");
      string_view reason = colon == npos ? string_view() : rest.substr(colon + 2);
      SetExtra(rec, "mailbox", Unquote(rest.substr(0, colon)));
      Assign(rec.reply, reason);
      rec.status = IsQuota(reason) ? "quota" : "failed";
      sieve_action = "store";
      break;
    }
    case Action::kForwarded:
      rec.status = "forwarded";
      SetExtra(rec, "forwarded_to", StripAngles(rest));
      sieve_action = "redirect";
      break;
    case Action::kDiscarded:
      rec.status = "discarded";
      sieve_action = "discard";
      break;
    case Action::kRejected: {
      string_view reason = rest;
      ConsumePrefix(reason, ": ");
      Assign(rec.reply, reason);
      rec.status = IsQuota(reason) ? "quota" : "rejected";
      sieve_action = "reject";
      break;
    }
    case Action::kVacation:
      sieve_action = "vacation";
      break;
    case Action::kPiped: {
      size_t prog = rest.find("program ");
      if (prog != npos) SetExtra(rec, "pipe_program", Unquote(rest.substr(prog + 8)));
      sieve_action = "pipe";
      break;
    }
    case Action::kLeft:
      SetExtra(rec, "mailbox", Unquote(rest));
      sieve_action = "keep";
      break;
  }
  if (sieve) SetExtra(rec, "sieve_action", sieve_action);
  return true;
}

void ParseDelivery(string_view body, Prefix& p, LogRecord& rec) {
  bool lmtp = p.service == "lmtp";
  string_view user = ArgsUser(p.args, rec);
  if (!user.empty()) rec.to.emplace_back(user);
  SetGroups(p, rec, lmtp);
  // 2.2 LMTP: "lmtp(user): aLZLE8k3bFyNCgAA9K/kkg: sieve: msgid=...".
  size_t colon = body.find(": ");
  if (colon != npos && IsSessionToken(body.substr(0, colon))) {
    SetExtra(rec, "session", body.substr(0, colon));
    if (lmtp) SetExtra(rec, "lmtp_session", body.substr(0, colon));
    body.remove_prefix(colon + 2);
  }
  if (p.level.empty()) ConsumeLevel(body, &p.level);
  bool sieve = ConsumePrefix(body, "sieve: ");
  if (body.starts_with("Connect from ")) {
    SetEvent(rec, "connect");
    return;
  }
  if (body.starts_with("Disconnect from ")) {
    SetEvent(rec, "disconnect");
    return;
  }
  size_t at = npos;
  string_view rest;
  Action action = FindAction(body, &at, &rest);
  string_view kv = body.substr(0, at);
  ParseLogFields(kv, rec, /*header_from_only=*/false);
  if (ApplyAction(action, rest, sieve, rec)) {
    SetEvent(rec, "local-delivery");
  } else if (!rec.message_id.empty() || FieldPos(body, "msgid") != npos) {
    // A delivery line whose action text is not known: keep it as the reason.
    SetEvent(rec, "local-delivery");
    size_t c = body.rfind(": ");
    if (c != npos) Assign(rec.reply, body.substr(c + 2));
  } else {
    SetEvent(rec, LevelEvent(p.level));
  }
}

// ---- mail sessions: imap, pop3, submission, managesieve, indexer-worker ----

// The mail_log plugin's events: "expunge: box=INBOX, uid=7, msgid=<x>, ...".
bool IsMailLogEvent(string_view w) {
  static constexpr string_view kEvents[] = {
      "expunge",     "delete",         "undelete",       "copy",           "save",  "append",
      "flag_change", "mailbox_create", "mailbox_delete", "mailbox_rename", "fetch", "update",
  };
  for (string_view e : kEvents) {
    if (w == e) return true;
  }
  return false;
}

void ParseMailSession(string_view body, Prefix& p, LogRecord& rec) {
  string_view user = ArgsUser(p.args, rec);
  if (!user.empty()) Assign(rec.sasl_user, user);
  SetGroups(p, rec, false);
  if (p.level.empty()) ConsumeLevel(body, &p.level);
  if (ConsumePrefix(body, "sieve: ")) {
    SetEvent(rec, "sieve");
    size_t at;
    string_view rest;
    Action action = FindAction(body, &at, &rest);
    ParseLogFields(body.substr(0, at), rec, /*header_from_only=*/true);
    ApplyAction(action, rest, /*sieve=*/true, rec);
    return;
  }
  size_t colon = body.find(": ");
  if (colon != npos && IsMailLogEvent(body.substr(0, colon))) {
    SetEvent(rec, "mail-log");
    SetExtra(rec, "mail_log_event", body.substr(0, colon));
    string_view kv = body.substr(colon + 2);
    string_view v;
    if (FindField(kv, "box", &v)) SetExtra(rec, "mailbox", v);
    if (FindField(kv, "uid", &v)) SetExtra(rec, "uid", v);
    ParseLogFields(kv, rec, /*header_from_only=*/true);
    return;
  }
  // indexer-worker: "Mailbox mlr/Sys: Indexed 1 messages (UIDs 419..419)".
  string_view ix = body;
  size_t indexed;
  if (ConsumePrefix(ix, "Mailbox ") && (indexed = ix.find(": Indexed ")) != npos) {
    string_view count = ix.substr(indexed + 10);
    count = count.substr(0, count.find(' '));
    if (IsDigits(count)) {
      SetEvent(rec, "mailbox-indexed");
      SetExtra(rec, "mailbox", ix.substr(0, indexed));
      SetExtra(rec, "count", count);
      size_t uids = ix.find("(UIDs ", indexed);
      if (uids != npos) {
        string_view range = ix.substr(uids + 6);
        SetExtra(rec, "uids", range.substr(0, range.find(')')));
      }
      return;
    }
  }
  string_view text = body;
  ConsumePrefix(text, "Disconnected: ");
  if (text.starts_with("Logged out") || text.starts_with("Connection closed") ||
      text.starts_with("Disconnected") || text.starts_with("Inactivity") ||
      text.starts_with("Server shutting down") || body.starts_with("Disconnected")) {
    SetEvent(rec, "session");
    string_view v;
    if (FindField(body, "in", &v)) SetExtra(rec, "bytes_in", v);
    if (FindField(body, "out", &v)) SetExtra(rec, "bytes_out", v);
    size_t counters = FieldPos(text, "in");
    Assign(rec.reply, TrimRight(text.substr(0, counters)));
    return;
  }
  SetEvent(rec, LevelEvent(p.level));
}

bool IsLoginService(string_view s) { return s.ends_with("-login"); }
bool IsAuthService(string_view s) { return s == "auth" || s == "auth-worker"; }
bool IsDeliveryService(string_view s) {
  return s == "lda" || s == "lmtp" || s == "deliver" || s == "dovecot-lda";
}
bool IsMailService(string_view s) {
  return s == "imap" || s == "pop3" || s == "submission" || s == "managesieve" ||
         s == "indexer-worker" || s == "imap-hibernate" || s == "doveadm" || s == "quota-warning";
}

// Any process's lib-signals line "Killed with signal 15 (by pid=6068 uid=0
// code=kill)", the master's "service(imap): child 1234 killed with signal 9
// (core dumps disabled)" and Dovecot 1.x's "Auth process died too early -
// shutting down". Returns false for any other text.
bool ParseProcessEnd(string_view body, LogRecord& rec) {
  string_view v = body;
  if (ConsumePrefix(v, "Killed with signal ")) {
    string_view sig = v.substr(0, v.find(' '));
    if (!IsDigits(sig)) return false;
    SetEvent(rec, "process-killed");
    SetExtra(rec, "signal", sig);
    string_view by;
    if (ExtractBracketed(v.substr(sig.size() + (sig.size() < v.size() ? 1 : 0)), '(', ')', &by) &&
        ConsumePrefix(by, "by ")) {
      string_view f;
      if (FindField(by, "pid", &f)) SetExtra(rec, "sender_pid", f);
      if (FindField(by, "uid", &f)) SetExtra(rec, "sender_uid", f);
      if (FindField(by, "code", &f)) SetExtra(rec, "signal_code", f);
    }
    return true;
  }
  if (ConsumePrefix(v, "service(")) {
    size_t rp = v.find("): child ");
    if (rp == npos) return false;
    string_view process = v.substr(0, rp);
    string_view rest = v.substr(rp + 9);
    string_view pid = rest.substr(0, rest.find(' '));
    rest.remove_prefix(pid.size());
    if (!IsDigits(pid) || !ConsumePrefix(rest, " killed with signal ")) return false;
    string_view sig = rest.substr(0, rest.find(' '));
    if (!IsDigits(sig)) return false;
    SetEvent(rec, "process-killed");
    SetExtra(rec, "process", process);
    SetExtra(rec, "pid", pid);
    SetExtra(rec, "signal", sig);
    Assign(rec.reply, body);
    return true;
  }
  size_t died = body.find(" process died too early - shutting down");
  if (died != npos && died > 0 && body.substr(0, died).find(' ') == npos) {
    SetEvent(rec, "process-died");
    rec.status = "shutting-down";
    SetExtra(rec, "process", body.substr(0, died));
    Assign(rec.reply, body);
    return true;
  }
  return false;
}

void Dispatch(string_view body, Prefix& p, LogRecord& rec) {
  rec.family = "dovecot";
  if (!p.service.empty()) SetExtra(rec, "service", p.service);
  body = Trim(body);
  if (IsLoginService(p.service)) {
    ParseLogin(body, p, rec);
  } else if (IsAuthService(p.service)) {
    ParseAuth(body, p, rec);
  } else if (IsDeliveryService(p.service)) {
    ParseDelivery(body, p, rec);
  } else if (IsMailService(p.service) ||
             (!p.args.empty() && !IsDigits(p.args) && p.service != "master")) {
    ParseMailSession(body, p, rec);
  } else if (ParseProcessEnd(body, rec)) {
    // set by ParseProcessEnd
  } else if ((p.service == "master" || (p.service.empty() && body.starts_with("Dovecot v"))) &&
             (p.level.empty() || p.level == "Info")) {
    // The master process's own news: start-up, reload, shutdown. Its
    // warnings and errors get the level's event like everyone else's.
    SetEvent(rec, "master");
  } else {
    SetEvent(rec, LevelEvent(p.level));
  }
}

// The service a program name stands for ("dovecot-auth" is Dovecot 1.x's
// auth process) and the "(args)" some file logs leave on it.
void SplitProgram(string_view program, string_view* name, string_view* args, bool* cut) {
  size_t lp = program.find('(');
  *name = program.substr(0, lp);
  *args = {};
  *cut = false;
  if (lp != npos) {
    string_view a = program.substr(lp + 1);
    if (a.ends_with(')')) {
      *args = a.substr(0, a.size() - 1);
    } else {
      *cut = true;  // the header parser split "auth(u,ip,sasl:login)" at the ':'
    }
  }
  if (*name == "dovecot-auth") *name = "auth";
  if (*name == "dovecot-lda") *name = "lda";
}

// Where the program's text starts in rec.raw when `msg` is rec.message(), so
// that a tag cut at a ':' can be read again whole; "" otherwise.
string_view LineFromProgram(string_view msg, const LogRecord& rec) {
  string_view raw = rec.raw;
  if (rec.program.empty() || msg.data() != rec.message().data()) return {};
  size_t pos = raw.rfind(rec.program, rec.msg_offset);
  if (pos == npos) return {};
  return raw.substr(pos);
}

// Normalizes a line whose process prefix, if any, is in the message text.
void NormalizeMessage(string_view s, LogRecord& rec) {
  Prefix p;
  string_view body = ParseMessagePrefix(TrimRight(s), &p);
  Dispatch(body, p, rec);
}

// Normalizes a line whose program is the process ("imap-login", "auth-worker(5)").
void NormalizeProgramLine(string_view msg, LogRecord& rec) {
  string_view name, args;
  bool cut;
  SplitProgram(rec.program, &name, &args, &cut);
  if (cut) {
    string_view line = LineFromProgram(msg, rec);
    if (!line.empty()) {
      NormalizeMessage(line, rec);
      return;
    }
  }
  Prefix p;
  p.service = name;
  p.args = args;
  string_view body = TrimRight(msg);
  ConsumeLevel(body, &p.level);
  Dispatch(body, p, rec);
}

// Skips the timestamp a Dovecot log file (or multilog) puts before the process
// name: "@400000004c91b044077a9e94 " (TAI64N) or "2013-08-11 03:56:40 ".
void SkipFileTimestamp(string_view& s) {
  if (s.size() > 26 && s[0] == '@' && s[25] == ' ') {
    bool hex = true;
    for (size_t i = 1; i < 25; ++i) hex &= IsDigit(s[i]) || (s[i] >= 'a' && s[i] <= 'f');
    if (hex) s.remove_prefix(26);
    return;
  }
  if (s.size() > 20 && IsDigit(s[0]) && s[4] == '-' && s[7] == '-' && s[10] == ' ' &&
      s[13] == ':' && s[16] == ':' && s[19] == ' ') {
    s.remove_prefix(20);
  }
}

// Process names no other daemon logs under.
bool IsDovecotOnlyName(string_view s) {
  return s == "dovecot" || s == "dovecot-auth" || s == "dovecot-lda" || s == "auth-worker" ||
         s == "imap-login" || s == "pop3-login" || s == "submission-login" ||
         s == "managesieve-login";
}

}  // namespace

bool NormalizeDovecot(string_view msg, LogRecord& rec) {
  string_view name, args;
  bool cut;
  SplitProgram(rec.program, &name, &args, &cut);
  // "dovecot" names the process in the message; "dovecot-auth"/"dovecot-lda"
  // (mapped above) and the *-login/auth-worker tags are the process.
  if (name == "dovecot" || (name.starts_with("dovecot-") && args.empty() && !cut)) {
    NormalizeMessage(msg, rec);
  } else {
    NormalizeProgramLine(msg, rec);
  }
  return true;
}

bool SniffDovecot(string_view msg, LogRecord& rec) {
  if (rec.program.empty()) {
    string_view s = msg;
    SkipFileTimestamp(s);
    if (!s.starts_with("pam_unix(dovecot:")) {
      Prefix p;
      string_view t = s;
      if (!ConsumeServicePrefix(t, &p) || !IsDovecotOnlyName(p.service)) return false;
    }
    NormalizeMessage(s, rec);
    return true;
  }
  string_view name, args;
  bool cut;
  SplitProgram(rec.program, &name, &args, &cut);
  bool paren = rec.program.find('(') != npos;
  if (IsDovecotOnlyName(name) || name == "auth" ||
      (paren && (IsDeliveryService(name) || IsMailService(name)))) {
    if (name == "auth" && !paren) {
      // A bare "auth" tag is also PAM's and others': only Dovecot's passdb lines.
      string_view body = TrimRight(msg);
      string_view level, driver, dargs;
      ConsumeLevel(body, &level);
      if (!body.starts_with("pam_unix(dovecot:") && !ConsumeAuthRequest(body, &driver, &dargs)) {
        return false;
      }
    }
    if (name == "auth" && paren && !cut && args.find(',') == npos && args != "default") {
      return false;
    }
    NormalizeProgramLine(msg, rec);
    return true;
  }
  return false;
}

void RegisterDovecot(NormalizerTable& table) {
  for (const char* program : {"dovecot", "imap-login", "pop3-login", "submission-login",
                              "managesieve-login", "auth-worker"}) {
    table.Register(program, NormalizeDovecot);
  }
  table.RegisterSniffer(SniffDovecot);
}

}  // namespace mlq
