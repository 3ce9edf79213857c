// The Exim normalizer (see exim.h for the events and fields).
//
// A line is: optional prefixes (a file timestamp, an embedded syslog tag, a
// "[pid]"), optional message ID, then the body. Lines with a message ID are
// per-message ("<=", "=>", "Completed", ...); lines without one are about an
// SMTP session or the daemon. Both shapes share Exim's "KEY=value" fields,
// whose values are a word, a "quoted string" or, for H= and I=, a host
// ("name (helo) [ip]:port").
//
// Hand-written scanning over string_view only: this runs on every line.

#include "receiver/normalizers/exim.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/civil_time.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using civil::DigitsAt;
using civil::UnixSeconds;
using scan::ConsumeChar;
using scan::ConsumePrefix;
using scan::ConsumeWord;
using scan::Contains;
using scan::IdToken;
using scan::IsAlnum;
using scan::IsDigit;
using scan::LeadingDsn;
using scan::SkipSpaces;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtraIfAny;

// ---- time ----

// Exim's log timestamp at the start of `s`: "YYYY-MM-DD HH:MM:SS", then
// optionally ".f" (1..9 digits, log_selector +millisec) and " +zzzz"
// (log_timezone). Returns its length (0 when `s` does not start with one);
// what follows must be a space or the end. Times without a zone are UTC.
size_t ParseEximTime(string_view s, int64_t* us) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':') {
    return 0;
  }
  const int y = DigitsAt(s, 0, 4), mo = DigitsAt(s, 5, 2), d = DigitsAt(s, 8, 2);
  const int h = DigitsAt(s, 11, 2), mi = DigitsAt(s, 14, 2), se = DigitsAt(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      se < 0 || se > 60) {
    return 0;
  }
  size_t i = 19;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    size_t j = i + 1, n = 0;
    while (j < s.size() && IsDigit(s[j]) && n < 9) {
      if (n < 6) frac = frac * 10 + (s[j] - '0');
      ++j;
      ++n;
    }
    if (n == 0) return 0;
    for (; n < 6; ++n) frac *= 10;
    i = j;
  }
  if (i < s.size() && s[i] != ' ') return 0;
  int64_t offset = 0;
  if (i + 6 <= s.size() && (s[i + 1] == '+' || s[i + 1] == '-') && DigitsAt(s, i + 2, 4) >= 0 &&
      (i + 6 == s.size() || s[i + 6] == ' ')) {
    offset =
        (DigitsAt(s, i + 2, 2) * 3600 + DigitsAt(s, i + 4, 2) * 60) * (s[i + 1] == '-' ? -1 : 1);
    i += 6;
  }
  const int64_t secs = UnixSeconds(y, mo, d, h, mi, se) - offset;
  *us = secs * 1000000 + frac;
  return i;
}

// ---- message IDs ----

bool AlnumRun(string_view s, size_t pos, size_t n) {
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsAlnum(s[i])) return false;
  }
  return true;
}

// "1pABCd-000Abc-Xy" (before 4.97) or "1rXyZa-00000000AbC-0aBc" (4.97+).
bool IsEximId(string_view s) {
  if (s.size() == 16) {
    return AlnumRun(s, 0, 6) && s[6] == '-' && AlnumRun(s, 7, 6) && s[13] == '-' &&
           AlnumRun(s, 14, 2);
  }
  if (s.size() == 23) {
    return AlnumRun(s, 0, 6) && s[6] == '-' && AlnumRun(s, 7, 11) && s[18] == '-' &&
           AlnumRun(s, 19, 4);
  }
  return false;
}

// ---- hosts and KEY=value fields ----

struct Host {
  string_view name;  // "" when only the HELO or the address was logged
  string_view helo;  // the "(...)" part
  string_view ip;    // without brackets
  string_view port;
};

// Where the '(' of an Exim host's "(helo)" has no closing ')' in the rest of
// the line. scan::ExtractBracketed finds that out by reading to the end of
// the line; a line of thousands of "H=x (" fields read it once per field,
// quadratic in the line. A failing scan leaves the parentheses it could not
// close on its stack: those, and only those, fail when asked again, so the
// answer for every later field comes from that one scan. Scratch for the
// line being normalized, reset by Parse() for each line (no state between
// lines); thread_local, so normalizing stays safe from any thread.
struct UnclosedParens {
  const char* end = nullptr;       // the end of the text the scan read to
  const char* from = nullptr;      // where it started
  std::vector<const char*> open;   // its unclosed '(' positions, ascending
  std::vector<const char*> stack;  // the scan's stack (capacity reused)
  size_t next = 0;                 // open[next] is the first not before the last question
};
thread_local UnclosedParens unclosed_parens;

void ResetUnclosedParens() {
  unclosed_parens.end = nullptr;
  unclosed_parens.from = nullptr;
  unclosed_parens.open.clear();
  unclosed_parens.next = 0;
}

// scan::ExtractBracketed(s, '(', ')', inner), linear over all calls of a line.
bool ExtractHelo(string_view s, string_view* inner) {
  if (s.empty() || s.front() != '(') return false;
  UnclosedParens& m = unclosed_parens;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (m.end == end && m.from != nullptr && begin >= m.from) {
    // Inside the text a failed scan read: unclosed there means unclosed here
    // (whatever closes it would have closed it then), and the others close.
    // Fields are read left to right: a cursor, not a search, finds it.
    if (m.next > 0 && m.open[m.next - 1] >= begin) {
      m.next = static_cast<size_t>(std::lower_bound(m.open.begin(), m.open.end(), begin) -
                                   m.open.begin());
    }
    while (m.next < m.open.size() && m.open[m.next] < begin) ++m.next;
    if (m.next < m.open.size() && m.open[m.next] == begin) return false;
    return scan::ExtractBracketed(s, '(', ')', inner);
  }
  m.stack.clear();
  for (const char* p = begin; p < end; ++p) {
    if (*p == '(') {
      m.stack.push_back(p);
    } else if (*p == ')' && !m.stack.empty()) {
      m.stack.pop_back();
      if (m.stack.empty()) {
        *inner = string_view(begin + 1, static_cast<size_t>(p - begin - 1));
        return true;
      }
    }
  }
  m.end = end;
  m.from = begin;
  m.open.swap(m.stack);
  m.next = 0;
  return false;
}

// Exim's host text at the start of `s`: "name (helo) [ip]:port", any part
// may be missing but not all. Advances `s` past it.
bool ConsumeHost(string_view& s, Host* out) {
  Host h;
  string_view t = s;
  if (t.empty() || t.front() == ' ') return false;
  bool have = false;
  if (t.front() != '(' && t.front() != '[') {
    size_t end = t.find(' ');
    h.name = t.substr(0, end);
    t.remove_prefix(h.name.size());
    if (h.name.ends_with(':')) {  // "host: reply": leave the ':' for the caller
      h.name.remove_suffix(1);
      t = s.substr(h.name.size());
      if (h.name.empty()) return false;
      *out = h;
      s = t;
      return true;
    }
    have = !h.name.empty();
  }
  string_view u = t;
  if (!have || ConsumeChar(u, ' ')) {
    string_view inner;
    if (!u.empty() && u.front() == '(' && ExtractHelo(u, &inner)) {
      h.helo = inner;
      u.remove_prefix(inner.size() + 2);
      t = u;
      have = true;
    }
  }
  u = t;
  if (!have || ConsumeChar(u, ' ')) {
    if (!u.empty() && u.front() == '[') {
      // The first ']' with no space before it; stopping at a space keeps a
      // line of "H=x [" fields from searching to its end for each of them.
      size_t rb = 1;
      while (rb < u.size() && u[rb] != ']' && u[rb] != ' ') ++rb;
      if (rb < u.size() && u[rb] == ']' && rb > 1) {
        h.ip = u.substr(1, rb - 1);
        u.remove_prefix(rb + 1);
        if (!u.empty() && u.front() == ':') {
          size_t p = 1;
          while (p < u.size() && IsDigit(u[p])) ++p;
          if (p > 1) {
            h.port = u.substr(1, p - 1);
            u.remove_prefix(p);
          }
        }
        t = u;
        have = true;
      }
    }
  }
  if (!have) return false;
  *out = h;
  s = t;
  return true;
}

void SetClient(LogRecord& rec, const Host& h) {
  Assign(rec.client_name, h.name);
  Assign(rec.helo, h.helo);
  Assign(rec.client_ip, h.ip);
  SetExtraIfAny(rec, "client_port", h.port);
}

// "name[ip]:port" like Postfix's relay=, "[ip]" without a name.
void SetRelay(LogRecord& rec, const Host& h) {
  rec.relay.clear();
  rec.relay.append(h.name.data(), h.name.size());
  if (!h.ip.empty()) {
    rec.relay.push_back('[');
    rec.relay.append(h.ip.data(), h.ip.size());
    rec.relay.push_back(']');
  }
  if (!h.port.empty()) {
    rec.relay.push_back(':');
    rec.relay.append(h.port.data(), h.port.size());
  }
}

struct Kv {
  string_view key;
  string_view value;  // without quotes; "" for a host
  Host host;
  bool is_host = false;
  bool colon = false;  // a ':' ended the field: the rest of the line is a reply
};

bool IsKeyChar(char c) { return IsAlnum(c) || c == '_'; }

// One "KEY=value" at the start of `s`; advances past it and the spaces after.
bool ConsumeKv(string_view& s, Kv* kv) {
  size_t i = 0;
  while (i < s.size() && i < 16 && IsKeyChar(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '=') return false;
  Kv out;
  out.key = s.substr(0, i);
  string_view t = s.substr(i + 1);
  if ((out.key == "H" || out.key == "I") && ConsumeHost(t, &out.host)) {
    out.is_host = true;
  } else if (!t.empty() && t.front() == '"') {
    size_t j = 1;
    while (j < t.size() && t[j] != '"') j += (t[j] == '\\' && j + 1 < t.size()) ? 2 : 1;
    if (j > t.size()) j = t.size();
    out.value = t.substr(1, j - 1);
    t.remove_prefix(j < t.size() ? j + 1 : t.size());
  } else {
    out.value = t.substr(0, t.find(' '));
    t.remove_prefix(out.value.size());
    if (out.value.ends_with(':')) {
      out.value.remove_suffix(1);
      out.colon = true;
    }
  }
  // "T=piperet : reply" and "H=host [ip]: reply" both occur.
  if (!out.colon) {
    string_view u = t;
    ConsumeChar(u, ' ');
    if (!u.empty() && u.front() == ':' && (u.size() == 1 || u[1] == ' ')) {
      out.colon = true;
      t = u.substr(1);
    }
  }
  SkipSpaces(t);
  s = t;
  *kv = out;
  return true;
}

// Fields of the receiving side's session lines (reject log and friends).
void ApplySessionKv(const Kv& kv, LogRecord& rec) {
  if (kv.key == "H" && kv.is_host) {
    SetClient(rec, kv.host);
  } else if (kv.key == "F") {
    Assign(rec.from, StripAngles(kv.value));
  } else if (kv.key == "U") {
    SetExtraIfAny(rec, "user", kv.value);
  } else if (kv.key == "P") {
    Assign(rec.proto, kv.value);
  } else if (kv.key == "A") {
    size_t colon = kv.value.find(':');
    SetExtraIfAny(rec, "auth_method", kv.value.substr(0, colon));
    if (colon != npos) Assign(rec.sasl_user, kv.value.substr(colon + 1));
  } else if (kv.key == "X") {
    SetExtraIfAny(rec, "tls", kv.value);
  } else if (kv.key == "S") {
    rec.size = scan::ParseInt(kv.value);
  } else if (kv.key == "D") {
    SetExtraIfAny(rec, "duration", kv.value);
  } else if (kv.key == "C") {
    SetExtraIfAny(rec, "commands", kv.value);
  }
}

// Consumes "KEY=value" fields applying them as session fields. Returns true
// when one ended with ':' (the rest of `s` is then a reply).
bool ConsumeSessionKvs(string_view& s, LogRecord& rec, int* count) {
  Kv kv;
  while (ConsumeKv(s, &kv)) {
    if (count != nullptr) ++*count;
    ApplySessionKv(kv, rec);
    if (kv.colon) return true;
  }
  return false;
}

// The first token of an address-ish thing: "<a@b>" or a word; without a
// trailing ':' or ','.
string_view AddressToken(string_view s) {
  string_view tok;
  if (!s.empty() && s.front() == '<') {
    size_t gt = s.find('>');
    tok = gt == npos ? s.substr(0, s.find(' ')) : s.substr(0, gt + 1);
  } else {
    tok = s.substr(0, s.find(' '));
  }
  while (!tok.empty() && (tok.back() == ':' || tok.back() == ',')) tok.remove_suffix(1);
  return StripAngles(tok);
}

// The SMTP reply inside an error text: "SMTP error from remote mail server
// after RCPT TO:<x>: 550 5.1.1 ..." -> "550 5.1.1 ...".
string_view SmtpReplyIn(string_view text) {
  for (size_t i = 0; i + 4 <= text.size(); ++i) {
    if ((i == 0 || (i >= 2 && text[i - 2] == ':' && text[i - 1] == ' ')) && IsDigit(text[i]) &&
        IsDigit(text[i + 1]) && IsDigit(text[i + 2]) &&
        (text[i + 3] == ' ' || text[i + 3] == '-')) {
      return text.substr(i);
    }
  }
  return {};
}

void SetReply(LogRecord& rec, string_view reply) {
  reply = Trim(reply);
  if (reply.size() >= 2 && reply.front() == '"' && reply.back() == '"') {
    reply = reply.substr(1, reply.size() - 2);
  }
  Assign(rec.reply, reply);
  string_view smtp = SmtpReplyIn(reply);
  if (!smtp.empty()) Assign(rec.dsn, LeadingDsn(smtp));
}

// "250 2.0.0 Ok: queued as 4ABC" (Postfix next hop), "250 OK id=1abc-..."
// (Exim next hop) -> Link{"queued_as", id}.
void LinkFromReply(string_view reply, LogRecord& rec) {
  string_view id;
  size_t q = reply.find("ueued as ");
  if (q != npos && q > 0 && (reply[q - 1] == 'q' || reply[q - 1] == 'Q')) {
    id = IdToken(reply.substr(q + 9));
  } else {
    size_t p = reply.find(" id=");
    if (p != npos) id = IdToken(reply.substr(p + 4));
  }
  if (!id.empty()) rec.links.push_back(Link{"queued_as", std::string(id), ""});
}

// ---- per-message lines ----

// "<= sender H=... P=... S=... id=... for rcpt ..."
void ParseArrival(string_view p, LogRecord& rec) {
  rec.event = "queued";
  string_view sender = p.substr(0, p.find(' '));
  p.remove_prefix(sender.size());
  Assign(rec.from, StripAngles(sender));
  while (true) {
    SkipSpaces(p);
    if (p.empty()) break;
    Kv kv;
    if (ConsumeKv(p, &kv)) {
      if (kv.key == "id") {
        Assign(rec.message_id, StripAngles(kv.value));
      } else if (kv.key == "I" && kv.is_host) {
        SetExtraIfAny(rec, "interface", kv.host.ip);
      } else if (kv.key == "T") {
        SetExtraIfAny(rec, "subject", kv.value);
      } else if (kv.key == "R") {
        if (IsEximId(kv.value)) {
          rec.links.push_back(Link{"bounce", std::string(kv.value), ""});
        }
      } else {
        ApplySessionKv(kv, rec);
      }
      continue;
    }
    string_view word = ConsumeWord(p);
    if (word == "for") {
      while (!p.empty()) {
        string_view rcpt = ConsumeWord(p);
        if (!rcpt.empty()) rec.to.emplace_back(StripAngles(rcpt));
      }
      break;
    }
    if (word == "from") ConsumeWord(p);  // the header sender when it differs
  }
}

// "=> addr <orig> R=router T=transport H=host [ip] C="250 ..."" and the
// "->", ">>", "*>", "**", "==" variants.
void ParseDelivery(string_view op, string_view p, LogRecord& rec) {
  rec.event = "delivery";
  if (op == "**") {
    rec.status = "bounced";
  } else if (op == "==") {
    rec.status = "deferred";
  } else if (op == "*>") {
    rec.status = "suppressed";
  } else {
    rec.status = "sent";
  }
  if (op == "->") SetExtraIfAny(rec, "additional", "yes");
  string_view addr = p.substr(0, p.find(' '));
  p.remove_prefix(addr.size());
  string_view orig, reply;
  bool have_reply = false;
  if (addr.ends_with(':') && !addr.starts_with(':')) {  // not ":blackhole:"
    addr.remove_suffix(1);
    reply = p;
    have_reply = true;
  }
  while (!have_reply) {
    SkipSpaces(p);
    if (p.empty()) break;
    if (p.front() == '(') {  // the parent address of a redirection chain
      string_view inner;
      if (!scan::ExtractBracketed(p, '(', ')', &inner)) break;
      p.remove_prefix(inner.size() + 2);
      if (ConsumeChar(p, ':')) {
        reply = p;
        have_reply = true;
      }
      continue;
    }
    if (p.front() == '<') {
      size_t gt = p.find('>');
      if (gt == npos) break;
      orig = p.substr(1, gt - 1);
      p.remove_prefix(gt + 1);
      if (ConsumeChar(p, ':')) {
        reply = p;
        have_reply = true;
      }
      continue;
    }
    Kv kv;
    if (ConsumeKv(p, &kv)) {
      if (kv.key == "R") {
        SetExtraIfAny(rec, "router", kv.value);
      } else if (kv.key == "T") {
        SetExtraIfAny(rec, "transport", kv.value);
      } else if (kv.key == "H" && kv.is_host) {
        SetRelay(rec, kv.host);
      } else if (kv.key == "C") {
        Assign(rec.reply, kv.value);
        string_view smtp = SmtpReplyIn(kv.value);
        if (!smtp.empty()) Assign(rec.dsn, LeadingDsn(smtp));
        LinkFromReply(kv.value, rec);
      } else if (kv.key == "QT") {
        Assign(rec.delay, kv.value);
      } else if (kv.key == "DT") {
        SetExtraIfAny(rec, "delivery_time", kv.value);
      } else if (kv.key == "X") {
        SetExtraIfAny(rec, "tls", kv.value);
      } else if (kv.key == "F") {
        Assign(rec.from, StripAngles(kv.value));
      } else if (kv.key == "S") {
        rec.size = scan::ParseInt(kv.value);
      }
      if (kv.colon) {
        reply = p;
        have_reply = true;
      }
      continue;
    }
    string_view word = ConsumeWord(p);
    if (word == "defer") {
      string_view inner;
      if (!p.empty() && p.front() == '(' && scan::ExtractBracketed(p, '(', ')', &inner)) {
        SetExtraIfAny(rec, "errno", inner);
        p.remove_prefix(inner.size() + 2);
      }
      if (ConsumeChar(p, ':')) {
        reply = p;
        have_reply = true;
      }
    } else if (word.ends_with(':')) {
      reply = p;
      have_reply = true;
    }
  }
  if (have_reply) SetReply(rec, reply);
  // A local part, pipe or file is logged first; the address is in <...>.
  if (addr.find('@') == npos && !orig.empty()) {
    SetExtraIfAny(rec, "delivered_to", addr);
    rec.to.emplace_back(orig);
  } else {
    if (!addr.empty()) rec.to.emplace_back(addr);
    Assign(rec.orig_to, orig);
  }
}

// sa-exim: "SA: Action: flagged as Spam but accepted: score=8.2 required=5.0
// (scanned in 6/6 secs | Message-Id: x). From <a> (host=h [ip]) for b"
void ParseSpamAssassin(string_view p, LogRecord& rec) {
  if (!ConsumePrefix(p, "Action: ")) {
    rec.event = "debug";
    return;
  }
  rec.event = "spam-check";
  size_t colon = p.find(": ");
  size_t paren = p.find(" (");
  SetExtraIfAny(rec, "action", p.substr(0, colon < paren ? colon : paren));
  SetExtraIfAny(rec, "score", scan::FieldValue(p, "score"));
  size_t m = p.find("Message-Id: ");
  if (m != npos) {
    string_view id = p.substr(m + 12);
    Assign(rec.message_id, StripAngles(id.substr(0, id.find(')'))));
  }
  size_t f = p.find(". From <");
  if (f != npos) {
    string_view t = p.substr(f + 7);
    size_t gt = t.find('>');
    if (gt != npos) {
      Assign(rec.from, t.substr(1, gt - 1));
      t.remove_prefix(gt + 1);
    }
    SkipSpaces(t);
    Host h;
    if (ConsumePrefix(t, "(host=") && ConsumeHost(t, &h)) {
      if (h.name == "NULL") h.name = {};
      SetClient(rec, h);
    }
    size_t fr = t.find(" for ");
    if (fr != npos) {
      string_view r = t.substr(fr + 5);
      while (!r.empty()) {
        string_view rcpt = ConsumeWord(r);
        if (!rcpt.empty()) rec.to.emplace_back(StripAngles(rcpt));
      }
    }
  }
}

// "DKIM: d=example.com s=sel c=relaxed/relaxed a=rsa-sha256 [verification succeeded]"
void ParseDkim(string_view p, LogRecord& rec) {
  rec.event = "dkim";
  SetExtraIfAny(rec, "dkim_domain", scan::FieldValue(p, "d"));
  size_t lb = p.rfind('[');
  if (lb != npos && p.back() == ']') {
    SetExtraIfAny(rec, "dkim_result", p.substr(lb + 1, p.size() - lb - 2));
  }
}

bool ParseSessionLine(string_view s, LogRecord& rec);

// An outbound problem: "H=mx [ip] Connection refused", "mx [ip]: SMTP error
// from remote mail server after RCPT TO:<x>: 550 ...".
bool ParseOutboundError(string_view s, LogRecord& rec) {
  string_view event;
  if (Contains(s, "SMTP error from remote mail") || Contains(s, "SMTP error from remote server") ||
      Contains(s, "Malformed SMTP reply")) {
    event = "reply";
  } else if (Contains(s, "Connection refused") || Contains(s, "Network is unreachable") ||
             Contains(s, "Connection timed out") || Contains(s, "No route to host") ||
             Contains(s, "Connection reset") || Contains(s, "Remote host closed connection") ||
             Contains(s, "Remote host ") || Contains(s, "connection to ")) {
    event = "connection-error";
  } else {
    return false;
  }
  Assign(rec.event, event);
  string_view t = s;
  ConsumePrefix(t, "H=");
  Host h;
  if (ConsumeHost(t, &h) && !h.ip.empty()) {
    SetRelay(rec, h);
    ConsumeChar(t, ':');
    SetReply(rec, t);
  } else {
    SetReply(rec, s);
  }
  return true;
}

void ParseMessageLine(string_view s, LogRecord& rec) {
  if (s.size() >= 2 && (s.size() == 2 || s[2] == ' ')) {
    string_view op = s.substr(0, 2);
    string_view rest = s.size() > 3 ? s.substr(3) : string_view();
    if (op == "<=") return ParseArrival(rest, rec);
    if (op == "=>" || op == "->" || op == ">>" || op == "*>" || op == "**" || op == "==") {
      return ParseDelivery(op, rest, rec);
    }
  }
  if (ConsumePrefix(s, "Completed")) {
    rec.event = "removed";
    SkipSpaces(s);
    Kv kv;
    while (ConsumeKv(s, &kv)) {
      if (kv.key == "QT") Assign(rec.delay, kv.value);
    }
    return;
  }
  if (s.starts_with("Frozen") || s.starts_with("Message is frozen") || s.starts_with("frozen by")) {
    rec.event = "frozen";
    return;
  }
  if (s.starts_with("Unfrozen") || s.starts_with("unfrozen by")) {
    rec.event = "unfrozen";
    return;
  }
  if (ConsumePrefix(s, "no immediate delivery: ")) {
    rec.event = "queue-only";  // queue_only, queue_only_load or an ACL's "queue" control
    SetExtraIfAny(rec, "reason", s);
    return;
  }
  if (size_t out = s.find(" transport output: "); out != npos && s.starts_with("<")) {
    // "<addr|pipe|file>: name transport output: text" (a pipe's log_output)
    rec.event = "transport-output";
    size_t colon = s.find(">: ");
    if (colon != npos && colon < out) {
      string_view addr = s.substr(1, colon - 1);
      if (addr.find('@') != npos) {
        rec.to.emplace_back(addr);
      } else {
        SetExtraIfAny(rec, "delivered_to", addr);
      }
      SetExtraIfAny(rec, "transport", s.substr(colon + 3, out - colon - 3));
    }
    SetReply(rec, s.substr(out + 19));
    return;
  }
  if (ConsumePrefix(s, "SA: ")) return ParseSpamAssassin(s, rec);
  if (ConsumePrefix(s, "DKIM: ")) return ParseDkim(s, rec);
  if (s.starts_with("removed by ") || s.starts_with("cancelled by ")) {
    rec.event = "removed";
    SetExtraIfAny(rec, "reason", s);
    return;
  }
  if (s.ends_with(": error ignored")) {
    rec.event = "error-ignored";
    string_view addr = s.substr(0, s.size() - 15);
    if (!addr.empty() && addr.find(' ') == npos) rec.to.emplace_back(addr);
    return;
  }
  if (ParseSessionLine(s, rec)) return;
  if (ParseOutboundError(s, rec)) return;
  rec.event = "other";
}

// ---- session and daemon lines ----

// "rejected RCPT <x>: reason" and its siblings; `p` starts after "rejected ".
void ParseRejected(string_view p, bool temporary, LogRecord& rec) {
  rec.event = "reject";
  rec.status = "reject";
  if (temporary) SetExtraIfAny(rec, "temporary", "yes");
  string_view stage;
  if (ConsumePrefix(p, "RCPT ")) {
    stage = "RCPT";
    string_view to = AddressToken(p);
    if (!to.empty() || p.starts_with("<>")) rec.to.emplace_back(to);
  } else if (ConsumePrefix(p, "MAIL ")) {
    stage = "MAIL";
    if (rec.from.empty()) Assign(rec.from, AddressToken(p));
  } else if (ConsumePrefix(p, "EHLO or HELO ") || ConsumePrefix(p, "EHLO ") ||
             ConsumePrefix(p, "HELO ")) {
    stage = "HELO";
    string_view helo = AddressToken(p);
    if (helo != "from" && rec.helo.empty()) Assign(rec.helo, helo);
  } else if (p.starts_with("after DATA")) {
    stage = "DATA";
  } else if (p.starts_with("by local_scan()")) {
    stage = "local_scan";
  } else if (p.starts_with("by non-SMTP ACL")) {
    stage = "non-SMTP";
  } else if (p.starts_with("connection")) {
    stage = "connect";
  } else {
    stage = p.substr(0, p.find_first_of(" :"));
  }
  SetExtraIfAny(rec, "stage", stage);
  // The reply follows the first ": " after the stage and its argument.
  size_t start = 0;
  if (stage == "RCPT" || stage == "MAIL") {
    if (!p.empty() && p.front() == '<') {
      size_t gt = p.find('>');
      start = gt == npos ? 0 : gt;
    }
  }
  size_t colon = p.find(": ", start);
  if (colon != npos) SetReply(rec, p.substr(colon + 2));
}

// "sender verify fail for <x>: reason" / "recipient verify defer for <x>: ..."
bool ParseVerify(string_view p, LogRecord& rec) {
  bool sender = ConsumePrefix(p, "sender verify ");
  if (!sender && !ConsumePrefix(p, "recipient verify ")) return false;
  rec.event = "verify-fail";
  if (p.starts_with("defer")) SetExtraIfAny(rec, "temporary", "yes");
  size_t fr = p.find(" for ");
  if (fr != npos) {
    string_view addr = AddressToken(p.substr(fr + 5));
    if (sender) {
      Assign(rec.from, addr);
    } else {
      rec.to.emplace_back(addr);
    }
  }
  size_t colon = p.find(": ", fr == npos ? 0 : fr);
  if (colon != npos) SetReply(rec, p.substr(colon + 2));
  return true;
}

// What follows a run of KEY=value fields on a session line.
bool ParseSessionPhrase(string_view p, LogRecord& rec) {
  bool temporary = ConsumePrefix(p, "temporarily ");
  if (ConsumePrefix(p, "rejected ")) {
    ParseRejected(p, temporary, rec);
    return true;
  }
  if (ParseVerify(p, rec)) return true;
  // "RCPT <x>: discarded by RCPT ACL"
  size_t discarded = p.find("discarded by ");
  if (discarded != npos) {
    rec.event = "discard";
    rec.status = "discard";
    if (ConsumePrefix(p, "RCPT ")) rec.to.emplace_back(AddressToken(p));
    SetExtraIfAny(rec, "reason", p.substr(p.find("discarded by ")));
    return true;
  }
  if (p.starts_with("Warning: ") || p.starts_with("warning: ") || p.starts_with("WARNING: ")) {
    rec.event = "warning";
    SetReply(rec, p.substr(9));
    return true;
  }
  if (p.starts_with("dropped by ") || p.starts_with("refused ") || Contains(p, " rejected")) {
    rec.event = "reject";
    rec.status = "reject";
    size_t colon = p.find(": ");
    SetReply(rec, colon == npos ? p : p.substr(colon + 2));
    if (p.starts_with("dropped by ")) SetExtraIfAny(rec, "stage", "connect");
    return true;
  }
  return false;
}

// "<name> authenticator failed for host (helo) [ip]:port I=...: 535 ... (set_id=u)"
void ParseAuthFailure(string_view s, size_t pos, LogRecord& rec) {
  rec.event = "auth-failure";
  SetExtraIfAny(rec, "authenticator", Trim(s.substr(0, pos)));
  string_view t = s.substr(pos + 25);
  Host h;
  if (ConsumeHost(t, &h)) SetClient(rec, h);
  while (true) {
    SkipSpaces(t);
    if (ConsumeChar(t, ':')) break;
    Kv kv;
    if (!ConsumeKv(t, &kv)) break;
    if (kv.key == "I" && kv.is_host) SetExtraIfAny(rec, "interface", kv.host.ip);
    if (kv.key == "U") SetExtraIfAny(rec, "user", kv.value);
    if (kv.colon) break;
  }
  SetReply(rec, t);
  size_t id = t.find("(set_id=");
  if (id != npos) {
    string_view user = t.substr(id + 8);
    Assign(rec.sasl_user, user.substr(0, user.find(')')));
  }
}

// Client host after `marker` ("from "), then fields; returns the text after.
string_view ClientAfter(string_view s, string_view marker, LogRecord& rec) {
  size_t pos = s.find(marker);
  if (pos == npos) return {};
  string_view t = s.substr(pos + marker.size());
  ConsumePrefix(t, "H=");
  Host h;
  if (ConsumeHost(t, &h)) SetClient(rec, h);
  SkipSpaces(t);
  ConsumeSessionKvs(t, rec, nullptr);
  return t;
}

// Applies the "H=... I=..." fields found after the phrase in `s`; returns
// the text after them. `last`: use the last " H=" (the client may have put
// one inside the quoted command that precedes the real one).
string_view FieldsAfterPhrase(string_view s, bool last, LogRecord& rec) {
  size_t pos = last ? s.rfind(" H=") : s.find(" H=");
  if (pos == npos) return {};
  string_view t = s.substr(pos + 1);
  ConsumeSessionKvs(t, rec, nullptr);
  return t;
}

// The panic-log kind of `s`: the problems an administrator acts on
// differently get their own kind, other panic-log material is "panic";
// "" when `s` is none of it.
string_view PanicEvent(string_view s) {
  if (s.starts_with("Exim configuration error")) return "config-error";
  if (Contains(s, "failed to expand") || Contains(s, "Failed to expand") ||
      s.starts_with("expansion of ") || Contains(s, "after expansion")) {
    return "expansion-error";
  }
  if (s.starts_with("Error in system filter") || s.starts_with("error in ") ||
      s.starts_with("Error in ")) {
    return "filter-error";
  }
  if (Contains(s, " transport process returned ") ||
      s.starts_with("failed to read delivery status") || s.starts_with("unable to set ") ||
      s.starts_with("User 0 set for ") || Contains(s, "is on the never_users list")) {
    return "delivery-process-error";
  }
  if (s.starts_with("unable to ") || s.starts_with("Unable to ") || s.starts_with("exec of ") ||
      s.starts_with("Cannot open") || s.starts_with("cannot open") ||
      s.starts_with("failed to open") || s.starts_with("Failed to open") ||
      s.starts_with("panic") || s.starts_with("internal error") ||
      s.starts_with("Failed to get ") || s.starts_with("failed to create ") ||
      s.starts_with("Failed to create ") || Contains(s, "is not an absolute path") ||
      s.starts_with("Error while ") || s.starts_with("malformed ") || s.starts_with("bad ") ||
      s.starts_with("Bad ") || s.starts_with("invalid ") ||
      s.starts_with("configured error code") || s.starts_with("ACL \"") ||
      s.starts_with("ACL for ") || s.starts_with("\"") || s.starts_with("(SSL_CTX_") ||
      s.starts_with("Tainted ") || s.starts_with("tainted ") || s.starts_with("re-exec of ") ||
      s.starts_with("Daemon ") || Contains(s, "must not contain") || Contains(s, "LOG_PANIC") ||
      s.starts_with("no recipients found")) {
    return "panic";
  }
  return {};
}

bool ParseSessionLine(string_view s, LogRecord& rec) {
  size_t auth = s.find("authenticator failed for ");
  if (auth != npos && (auth == 0 || s[auth - 1] == ' ')) {
    ParseAuthFailure(s, auth, rec);
    return true;
  }
  if (s.starts_with("SMTP connection from ")) {
    string_view t = ClientAfter(s, "from ", rec);
    if (t.starts_with("lost")) {
      rec.event = "connection-lost";
    } else if (t.starts_with("closed")) {
      rec.event = "disconnect";
      if (!t.starts_with("closed by QUIT")) SetExtraIfAny(rec, "reason", t);
    } else {
      rec.event = "connect";
    }
    return true;
  }
  if (s.starts_with("SMTP connection outbound")) {
    rec.event = "outbound";
    return true;
  }
  if (s.starts_with("no MAIL in SMTP connection from ")) {
    rec.event = "no-mail";
    ClientAfter(s, "from ", rec);
    return true;
  }
  if (s.starts_with("SMTP call from ")) {
    rec.event = "dropped";
    string_view t = ClientAfter(s, "from ", rec);
    ConsumePrefix(t, "dropped: ");
    SetReply(rec, t);
    return true;
  }
  if (s.starts_with("SMTP protocol error") || s.starts_with("SMTP syntax error") ||
      s.starts_with("SMTP protocol synchronization error") ||
      s.starts_with("SMTP command too long") || s.starts_with("SMTP line too long")) {
    rec.event = "protocol-error";
    size_t q = s.find(" in \"");
    if (q != npos) {
      string_view c = s.substr(q + 5);
      SetExtraIfAny(rec, "command", c.substr(0, c.find('"')));
    }
    // "SMTP protocol error in "<command>" H=...": the command is the
    // client's text; "synchronization error ... H=... input="<text>"": the
    // client's text follows.
    const bool sync = s.starts_with("SMTP protocol synchronization error");
    string_view tail = FieldsAfterPhrase(s, !sync, rec);
    string_view head = s.substr(0, sync ? s.find(" H=") : s.rfind(" H="));
    bool use_head = Trim(tail).empty() || sync;
    SetReply(rec, use_head ? head : tail);
    return true;
  }
  if (s.starts_with("SMTP command timeout") || s.starts_with("SMTP data timeout") ||
      s.starts_with("SMTP timeout")) {
    rec.event = "timeout";
    ClientAfter(s, "connection from ", rec);
    return true;
  }
  if (s.starts_with("unexpected disconnection while reading SMTP command from ")) {
    rec.event = "connection-lost";
    ClientAfter(s, "command from ", rec);
    return true;
  }
  if (ConsumePrefix(s, "no host name found for IP address ")) {
    rec.event = "dns-error";
    Assign(rec.client_ip, s.substr(0, s.find(' ')));
    return true;
  }
  if (ConsumePrefix(s, "no IP address found for host ")) {
    rec.event = "dns-error";
    string_view name = s.substr(0, s.find(' '));
    ClientAfter(s, "connection from ", rec);
    Assign(rec.client_name, name);
    return true;
  }
  if (s.starts_with("TLS error on connection from ")) {
    rec.event = "tls-error";
    SetReply(rec, ClientAfter(s, "from ", rec));
    return true;
  }
  if (s.starts_with("TLS error on connection to ") || s.starts_with("TLS session: ")) {
    rec.event = "tls-error";
    string_view t = s.substr(s.find(" to ") == npos ? s.size() : s.find(" to ") + 4);
    Host h;
    if (ConsumeHost(t, &h)) SetRelay(rec, h);
    SetReply(rec, s);
    return true;
  }
  if (s.starts_with("Start ") && Contains(s.substr(0, 32), "queue run")) {
    rec.event = "queue-run-start";
    return true;
  }
  if (s.starts_with("End ") && Contains(s.substr(0, 32), "queue run")) {
    rec.event = "queue-run-end";
    return true;
  }
  if (s.starts_with("exim ") && Contains(s, " daemon started")) {
    rec.event = "daemon-start";
    SetExtraIfAny(rec, "version", s.substr(5, s.find(' ', 5) - 5));
    return true;
  }
  if (Contains(s, "SIGTERM") || Contains(s, "daemon terminated") ||
      Contains(s, "SIGHUP received")) {
    rec.event = Contains(s, "SIGHUP") ? "daemon-reload" : "daemon-stop";
    return true;
  }
  if (s.starts_with("malware acl condition: ")) {
    rec.event = "malware-error";
    SetReply(rec, s.substr(23));
    return true;
  }
  if (ConsumePrefix(s, "ETRN ")) {
    rec.event = "etrn";
    SetExtraIfAny(rec, "argument", s.substr(0, s.find(' ')));
    ClientAfter(s, " received from ", rec);
    return true;
  }
  if (string_view kind = PanicEvent(s); !kind.empty()) {
    rec.event = kind;
    SetReply(rec, s);
    return true;
  }
  // "H=host [ip] F=<a> rejected RCPT <b>: ...", "U=user ... rejected ..."
  string_view p = s;
  int fields = 0;
  bool colon = ConsumeSessionKvs(p, rec, &fields);
  if (fields > 0 && !colon && ParseSessionPhrase(p, rec)) {
    // A "warn" ACL statement's log_message, logged with the client's fields.
    if (rec.event == "warning") rec.event = "acl-warning";
    return true;
  }
  if (fields == 0 && ParseSessionPhrase(p, rec)) return true;
  if (fields > 0) {
    // With a message ID, "H=" names the host delivered to; without one, the client.
    if (rec.queue_id.empty() || !ParseOutboundError(s, rec)) rec.event = "other";
    return true;
  }
  return false;
}

// ---- prefixes ----

// Skips "host exim[pid]: " (a syslog tag left inside the message); *pid is
// the tag's pid ("" when none).
bool ConsumeEmbeddedTag(string_view& s, string_view* pid) {
  size_t sp = s.find(' ');
  if (sp == npos || sp == 0) return false;
  string_view t = s.substr(sp + 1);
  if (!t.starts_with("exim")) return false;
  size_t colon = t.find(": ");
  size_t sp2 = t.find(' ');
  if (colon == npos || sp2 != colon + 1) return false;
  string_view tag = t.substr(0, colon);
  size_t lb = tag.find('[');
  *pid = lb != npos && tag.back() == ']' ? tag.substr(lb + 1, tag.size() - lb - 2) : string_view();
  s = t.substr(colon + 2);
  return true;
}

// "[1234] " (log_selector +pid).
bool ConsumePid(string_view& s, LogRecord* rec) {
  if (s.size() < 4 || s.front() != '[') return false;
  size_t rb = s.find(']');
  if (rb == npos || rb < 2 || rb + 1 >= s.size() || s[rb + 1] != ' ') return false;
  string_view pid = s.substr(1, rb - 1);
  if (!scan::IsDigits(pid)) return false;
  if (rec != nullptr && rec->pid.empty()) Assign(rec->pid, pid);
  s.remove_prefix(rb + 2);
  return true;
}

// Exim's syslog split marker "[2/3] " or "[2\3] ": the part number, or 0.
int ConsumePartMarker(string_view& s) {
  if (s.size() < 6 || s.front() != '[') return 0;
  size_t i = 1;
  int n = 0;
  while (i < s.size() && IsDigit(s[i]) && i < 6) n = n * 10 + (s[i++] - '0');
  if (i == 1 || i >= s.size() || (s[i] != '/' && s[i] != '\\')) return 0;
  size_t j = i + 1;
  while (j < s.size() && IsDigit(s[j]) && j < i + 6) ++j;
  if (j == i + 1 || j + 1 >= s.size() || s[j] != ']' || s[j + 1] != ' ') return 0;
  s.remove_prefix(j + 2);
  return n;
}

bool IsJavaTraceLine(string_view s) {
  s = Trim(s);
  while (!s.empty() && s.front() == '\t') s.remove_prefix(1);
  if (s.starts_with("at ") && Contains(s, "(")) return true;
  if (s.starts_with("Caused by") || (s.starts_with("... ") && s.ends_with(" more"))) return true;
  return false;
}

// A header line of a reject-log dump: "P Received: ...", "I Message-Id: <x>".
bool IsHeaderDumpLine(string_view s) {
  if (s.size() < 4 || s[1] != ' ') return false;
  switch (s[0]) {
    case ' ':
    case '*':
    case 'B':
    case 'C':
    case 'F':
    case 'I':
    case 'P':
    case 'R':
    case 'S':
    case 'T':
      break;
    default:
      return false;
  }
  size_t i = 2;
  while (i < s.size() && (IsAlnum(s[i]) || s[i] == '-' || s[i] == '_')) ++i;
  if (i == 2) return false;
  while (i < s.size() && s[i] == ' ') ++i;  // "F From      : x" (padded names)
  return i < s.size() && s[i] == ':';
}

bool IsContinuation(string_view s) {
  if (s.empty()) return false;
  if (s.front() == '\t' || s.front() == ' ') return !IsJavaTraceLine(s);
  return s.starts_with("Envelope-from: ") || s.starts_with("Envelope-to: ") ||
         s == "*** truncated ***" || IsHeaderDumpLine(s);
}

// The lines the reject log writes after a rejection: the envelope and the
// message's headers, one per line with its spool flag ("I Message-Id: <x>",
// "  Date: ..." for an unflagged one). Folded header lines continue.
void ParseRejectLogDump(string_view s, LogRecord& rec) {
  if (ConsumePrefix(s, "Envelope-from: ")) {
    rec.event = "rejectlog-envelope";
    Assign(rec.from, StripAngles(Trim(s)));
    return;
  }
  if (ConsumePrefix(s, "Envelope-to: ")) {
    rec.event = "rejectlog-envelope";
    rec.to.emplace_back(StripAngles(Trim(s)));
    return;
  }
  // "X Name: value" with X a spool flag or a blank.
  if (s.size() > 4 && s[1] == ' ' && (s[0] != ' ' || s[2] != ' ') && IsHeaderDumpLine(s)) {
    string_view h = s.substr(2);
    size_t colon = h.find(':');
    string_view name = Trim(h.substr(0, colon));
    rec.event = "rejectlog-header";
    SetExtraIfAny(rec, "header", name);
    if (s[0] == 'I' || name == "Message-Id" || name == "Message-ID") {
      string_view v = Trim(h.substr(colon + 1));
      if (v.starts_with('<')) Assign(rec.message_id, StripAngles(v.substr(0, v.find('>') + 1)));
    }
    return;
  }
  rec.event = "continuation";
}

// A log level as other programs write it: "INFO", "[Note]", "CRIT:", "Info:".
bool IsLevelWord(string_view w) {
  if (!w.empty() && w.front() == '[' && w.back() == ']') w = w.substr(1, w.size() - 2);
  if (w.ends_with(':')) w.remove_suffix(1);
  static constexpr string_view kLevels[] = {
      "INFO", "WARN",    "WARNING", "ERROR", "ERR",   "DEBUG",    "FATAL", "NOTICE",
      "CRIT", "TRACE",   "SEVERE",  "ALERT", "EMERG", "CRITICAL", "PANIC", "Note",
      "Info", "Warning", "Error",   "Fatal", "Panic", "Debug",    "Notice"};
  for (string_view l : kLevels) {
    if (w == l) return true;
  }
  return false;
}

void Parse(string_view msg, LogRecord& rec) {
  ResetUnclosedParens();
  rec.family = "exim";
  string_view s = TrimRight(msg);
  bool timestamped = false;
  ConsumePrefix(s, "[exim] ");
  int64_t us = 0;
  size_t n = ParseEximTime(s, &us);
  string_view tag_pid;
  if (n == 0 && ConsumeEmbeddedTag(s, &tag_pid)) n = ParseEximTime(s, &us);
  if (n > 0) {
    timestamped = true;
    if (rec.format == SyslogFormat::kNone) {
      rec.timestamp_us = us;
      rec.flags &= ~static_cast<uint32_t>(kFlagNoTimestamp);
    }
    s.remove_prefix(n);
    SkipSpaces(s);
    ConsumeEmbeddedTag(s, &tag_pid);
  }
  if (!tag_pid.empty() && rec.pid.empty()) Assign(rec.pid, tag_pid);
  ConsumePid(s, &rec);
  if (!timestamped && IsContinuation(msg)) {
    ParseRejectLogDump(msg, rec);
    return;
  }
  int part = ConsumePartMarker(s);
  if (part > 1) {
    rec.event = "continuation";
    SetExtraIfAny(rec, "part", std::to_string(part));
    return;
  }
  if (s.empty()) {
    rec.event = "other";
    return;
  }
  string_view first = s.substr(0, s.find(' '));
  if (IsEximId(first)) {
    Assign(rec.queue_id, first);
    s.remove_prefix(first.size());
    SkipSpaces(s);
    ParseMessageLine(s, rec);
    return;
  }
  if (ParseSessionLine(s, rec)) return;
  rec.event = "other";
}

// Whether a line without a program is Exim's (see SniffExim in exim.h).
bool LooksLikeExim(string_view msg) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  if (s.starts_with("[exim] ")) return s.size() > 7;
  int64_t us;
  size_t n = ParseEximTime(s, &us);
  string_view pid;
  if (n == 0 && ConsumeEmbeddedTag(s, &pid)) return !s.empty();
  if (n > 0) {
    // Other programs' files use the same time format ("2016-11-07 22:21:20
    // smtp: ...", "... imap-login: Info: ...", "... CRIT: ..."): Exim puts
    // exactly one space after the time, and never a log level first (but
    // for its own "Warning:") or second ("program: Level: text").
    string_view rest = s.substr(n);
    if (rest.empty()) return true;
    if (!ConsumeChar(rest, ' ') || rest.empty() || rest.front() == ' ') return false;
    ConsumePid(rest, nullptr);
    string_view first = ConsumeWord(rest);
    if (IsEximId(first) || first == "Warning:" || first == "WARNING:") return true;
    if (IsLevelWord(first)) return false;
    string_view second = rest.substr(0, rest.find(' '));
    return !(first.ends_with(':') && second.ends_with(':') && IsLevelWord(second));
  }
  if (IsContinuation(s)) return true;
  if (IsEximId(s.substr(0, s.find(' ')))) return true;
  size_t auth = s.find("authenticator failed for ");
  if (auth != npos && (auth == 0 || s[auth - 1] == ' ')) return true;
  return s.starts_with("SMTP protocol error in ") || s.starts_with("SMTP call from ") ||
         s.starts_with("SMTP connection from ") || s.starts_with("SMTP syntax error in ") ||
         s.starts_with("SMTP protocol synchronization error") ||
         s.starts_with("no MAIL in SMTP connection from ");
}

}  // namespace

bool NormalizeExim(std::string_view msg, LogRecord& rec) {
  Parse(msg, rec);
  return true;
}

bool SniffExim(std::string_view msg, LogRecord& rec) {
  if (!rec.program.empty()) return false;
  if (!LooksLikeExim(msg)) return false;
  Parse(msg, rec);
  return true;
}

void RegisterExim(NormalizerTable& table) {
  table.Register("exim", NormalizeExim);
  table.Register("exim4", NormalizeExim);
  table.RegisterSniffer(SniffExim);
}

}  // namespace mlq
