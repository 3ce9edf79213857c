// The Kerio Connect normalizer (see kerio.h for the events and fields).
//
// mail.log lines are "Recv:"/"Sent:" followed by "Key: value" pairs joined
// by ", "; a value (a Subject especially) may itself hold ", ", so a value
// ends only where ", " is followed by a key. security.log lines are
// sentences; a few fixed phrasings are recognized.
//
// Hand-written scanning over string_view only: this runs on every line.

#include "receiver/normalizers/kerio.h"

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
using scan::Contains;
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

// "[22/Nov/2026 10:11:12] " at the start of `s` (optionally ".fff" before
// the ']'). Returns the length including the space, 0 when absent.
size_t ParseKerioTime(string_view s, int64_t* us) {
  if (s.size() < 22 || s[0] != '[' || s[3] != '/' || s[7] != '/' || s[12] != ' ' || s[15] != ':' ||
      s[18] != ':') {
    return 0;
  }
  const int d = DigitsAt(s, 1, 2), mo = MonthNumber(s.substr(4, 3)), y = DigitsAt(s, 8, 4);
  const int h = DigitsAt(s, 13, 2), mi = DigitsAt(s, 16, 2), se = DigitsAt(s, 19, 2);
  if (d < 1 || d > 31 || mo == 0 || y < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
      se > 60) {
    return 0;
  }
  size_t i = 21;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    size_t j = i + 1, n = 0;
    while (j < s.size() && IsDigit(s[j]) && n < 6) frac = frac * 10 + (s[j++] - '0'), ++n;
    if (n == 0) return 0;
    for (; n < 6; ++n) frac *= 10;
    i = j;
  }
  if (i >= s.size() || s[i] != ']') return 0;
  ++i;
  if (i < s.size() && s[i] == ' ') ++i;
  *us = UnixSeconds(y, mo, d, h, mi, se) * 1000000 + frac;
  return i;
}

// ---- "Key: value, Key: value" ----

constexpr string_view kKeys[] = {
    "Queue-ID",    "Service",     "From",    "To",     "Size",         "User",
    "Sender-Host", "SSL",         "Subject", "Msg-Id", "Recipient",    "Result",
    "Status",      "Remote-Host", "Report",  "Answer", "Delivered-To", "Original-Recipient"};

bool IsKnownKeyAt(string_view s) {
  for (string_view k : kKeys) {
    if (s.starts_with(k) && s.substr(k.size()).starts_with(": ")) return true;
  }
  return false;
}

// The length of a key at the start of `s`: up to three words of letters and
// '-', the first capitalized ("Queue-ID", "Destination Folder", "Items
// count"), followed by ':'. 0 when `s` does not start with one.
size_t KeyLength(string_view s) {
  if (s.empty() || !scan::IsUpper(s[0])) return 0;
  size_t i = 0;
  for (int words = 0; words < 3; ++words) {
    size_t start = i;
    while (i < s.size() && (scan::IsAlpha(s[i]) || s[i] == '-')) ++i;
    if (i == start) return 0;
    if (i < s.size() && s[i] == ':') return i;
    if (i >= s.size() || s[i] != ' ') return 0;
    ++i;
  }
  return 0;
}

// A key of an unknown name followed by ": ".
bool IsKeyShapeAt(string_view s) {
  size_t n = KeyLength(s);
  return n > 0 && (n + 1 == s.size() || s[n + 1] == ' ');
}

// One "Key: value" at the start of `s`; advances past it and the ", ".
bool NextField(string_view& s, string_view* key, string_view* value) {
  SkipSpaces(s);
  size_t colon = KeyLength(s);
  if (colon == 0) return false;
  *key = s.substr(0, colon);
  string_view t = s.substr(colon + 1);
  if (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  const bool free_text = *key == "Subject";
  size_t from = 0;
  while (true) {
    size_t comma = t.find(", ", from);
    if (comma == npos) {
      *value = TrimRight(t);
      s = {};
      return true;
    }
    string_view next = t.substr(comma + 2);
    if (IsKnownKeyAt(next) || (!free_text && IsKeyShapeAt(next))) {
      *value = t.substr(0, comma);
      s = next;
      return true;
    }
    from = comma + 1;
  }
}

// "<a@b>, <c@d>" -> each address.
void AddRecipients(string_view v, LogRecord& rec) {
  while (!v.empty()) {
    size_t comma = v.find(',');
    string_view a = Trim(v.substr(0, comma));
    v.remove_prefix(comma == npos ? v.size() : comma + 1);
    a = StripAngles(a);
    if (!a.empty()) rec.to.emplace_back(a);
  }
}

string_view ResultStatus(string_view result) {
  if (result == "delivered" || result == "relayed" || result == "sent") return "sent";
  if (result == "delayed" || result == "deferred" || result == "postponed") return "deferred";
  if (result == "failed" || result == "bounced" || result == "undeliverable") return "bounced";
  return result;
}

// Recv:/Sent: and the Kerio 6 "<Service>: From: ..." lines.
void ParseMailLog(string_view s, bool sent, string_view service, LogRecord& rec) {
  rec.event = sent ? "delivery" : "queued";
  SetExtraIfAny(rec, "service", service);
  string_view key, value;
  while (NextField(s, &key, &value)) {
    if (key == "Queue-ID") {
      Assign(rec.queue_id, value);
    } else if (key == "Service") {
      SetExtraIfAny(rec, "service", value);
    } else if (key == "From") {
      Assign(rec.from, StripAngles(Trim(value)));
    } else if (key == "To" || key == "Recipient") {
      AddRecipients(value, rec);
    } else if (key == "Original-Recipient") {
      Assign(rec.orig_to, StripAngles(Trim(value)));
    } else if (key == "Size") {
      rec.size = scan::ParseInt(Trim(value));
    } else if (key == "User") {
      Assign(rec.sasl_user, value);
    } else if (key == "Sender-Host") {
      Assign(rec.client_ip, value);
    } else if (key == "Remote-Host") {
      Assign(rec.relay, value);
    } else if (key == "SSL") {
      SetExtraIfAny(rec, "ssl", value);
    } else if (key == "Subject") {
      SetExtraIfAny(rec, "subject", value);
    } else if (key == "Msg-Id") {
      Assign(rec.message_id, StripAngles(Trim(value)));
    } else if (key == "Result") {
      SetExtraIfAny(rec, "result", value);
      Assign(rec.status, ResultStatus(value));
    } else if (key == "Status") {
      if (scan::IsDsn(Trim(value))) Assign(rec.dsn, Trim(value));
    } else if (key == "Answer") {
      Assign(rec.reply, value);
      if (rec.dsn.empty()) Assign(rec.dsn, scan::LeadingDsn(value));
    } else if (key == "Report") {
      SetExtraIfAny(rec, "report", value);
    }
  }
}

// The address after `marker` ("IP address "), without trailing punctuation.
string_view WordAfter(string_view s, string_view marker) {
  size_t pos = s.find(marker);
  if (pos == npos) return {};
  string_view v = s.substr(pos + marker.size());
  v = v.substr(0, v.find_first_of(" ,'"));
  while (!v.empty() && (v.back() == '.' || v.back() == ',' || v.back() == ':')) v.remove_suffix(1);
  return v;
}

// The first "<...>" after `marker`, without brackets; "" when absent.
bool AngleAfter(string_view s, string_view marker, string_view* out) {
  size_t pos = s.find(marker);
  if (pos == npos) return false;
  string_view v = s.substr(pos + marker.size());
  if (v.empty() || v.front() != '<') return false;
  size_t gt = v.find('>');
  if (gt == npos) return false;
  *out = v.substr(1, gt - 1);
  return true;
}

void Reject(string_view reply, LogRecord& rec) {
  rec.event = "reject";
  rec.status = "reject";
  Assign(rec.reply, reply);
}

// security.log and warning lines.
void ParseSecurity(string_view s, LogRecord& rec) {
  string_view a;
  if (ConsumePrefix(s, "Attempt to deliver to unknown recipient ")) {
    Reject("unknown recipient", rec);
    if (AngleAfter(s, "", &a)) rec.to.emplace_back(a);
    if (AngleAfter(s, "from ", &a)) Assign(rec.from, a);
    Assign(rec.client_ip, WordAfter(s, "IP address "));
    return;
  }
  if (s.starts_with("IP address ") && Contains(s, " found in DNS blacklist ")) {
    Reject("found in DNS blacklist", rec);
    Assign(rec.client_ip, WordAfter(s, "IP address "));
    SetExtraIfAny(rec, "dnsbl", WordAfter(s, "DNS blacklist "));
    if (AngleAfter(s, "mail from ", &a)) Assign(rec.from, a);
    if (AngleAfter(s, "> to ", &a)) rec.to.emplace_back(a);
    return;
  }
  if (s.starts_with("Relay attempt from IP address ")) {
    Reject("relay attempt", rec);
    Assign(rec.client_ip, WordAfter(s, "IP address "));
    if (AngleAfter(s, "mail from ", &a)) Assign(rec.from, a);
    if (AngleAfter(s, "> to ", &a)) rec.to.emplace_back(a);
    return;
  }
  if (s.starts_with("Client with IP address ")) {
    Assign(rec.client_ip, WordAfter(s, "IP address "));
    size_t has = s.find(" has ");
    Reject(has == npos ? s : s.substr(has + 5), rec);
    return;
  }
  if (s.starts_with("Message from ")) {
    size_t rej = s.find(" rejected");
    if (rej != npos) {
      string_view reason = s.substr(rej + 1);
      ConsumePrefix(reason, "rejected: ");
      Reject(reason, rec);
      if (AngleAfter(s, "Message from ", &a) || AngleAfter(s, "sender ", &a)) Assign(rec.from, a);
      if (AngleAfter(s, "> to ", &a)) rec.to.emplace_back(a);
      Assign(rec.client_ip, WordAfter(s, "IP address "));
      string_view score = WordAfter(s, "score ");
      SetExtraIfAny(rec, "score", score);
      return;
    }
  }
  if (s.starts_with("SMTP Spam attack detected from ")) {
    rec.event = "spam-attack";
    Assign(rec.client_ip, WordAfter(s, "detected from "));
    size_t comma = s.find(", ");
    if (comma != npos) Assign(rec.reply, s.substr(comma + 2));
    return;
  }
  if (ConsumePrefix(s, "SPF check failed: ")) {
    rec.event = "spf-fail";
    Assign(rec.client_ip, WordAfter(s, "IP address '"));
    Assign(rec.from, WordAfter(s, "for sender '"));
    Assign(rec.reply, s);
    return;
  }
  if (ConsumePrefix(s, "Found virus in mail ")) {
    rec.event = "virus";
    if (AngleAfter(s, "from ", &a)) Assign(rec.from, a);
    if (AngleAfter(s, "> to ", &a)) rec.to.emplace_back(a);
    size_t colon = s.rfind(": ");
    if (colon != npos) SetExtraIfAny(rec, "virus", s.substr(colon + 2));
    return;
  }
  // "Failed SMTP login from 1.2.3.4 with SASL method CRAM-MD5."
  if (s.starts_with("Failed ") && Contains(s, " login from ")) {
    rec.event = "auth-failure";
    string_view svc = s.substr(7, s.find(' ', 7) - 7);
    SetExtraIfAny(rec, "service", svc);
    Assign(rec.client_ip, WordAfter(s, " login from "));
    string_view method = WordAfter(s, "SASL method ");
    SetExtraIfAny(rec, "sasl_method", method);
    size_t comma = s.find(", ");
    if (comma != npos) Assign(rec.reply, s.substr(comma + 2));
    Assign(rec.sasl_user, WordAfter(s, ", user "));
    return;
  }
  // "SMTP: User printer@x doesn't exist. Attempt from IP address 1.2.3.4.",
  // "HTTP/WebMail: Invalid password for user u@x. Attempt from IP address ..."
  size_t attempt = s.find(". Attempt from IP address ");
  size_t colon = s.find(": ");
  if (attempt != npos && colon != npos && colon < attempt) {
    rec.event = "auth-failure";
    SetExtraIfAny(rec, "service", s.substr(0, colon));
    string_view user = WordAfter(s, "for user ");
    Assign(rec.sasl_user, user.empty() ? WordAfter(s, ": User ") : user);
    Assign(rec.client_ip, WordAfter(s, "IP address "));
    Assign(rec.reply, s.substr(colon + 2, attempt - colon - 2));
    return;
  }
  // "Administration login into Web Administration from 1.2.3.4 failed: ..."
  if (Contains(s, " login ") && Contains(s, " failed")) {
    rec.event = "auth-failure";
    string_view ip = WordAfter(s, " from ");
    Assign(rec.client_ip, ip);
    size_t f = s.find(" failed: ");
    if (f != npos) Assign(rec.reply, s.substr(f + 9));
    return;
  }
  // "Kerio Antivirus database has been successfully updated. Kerio Antivirus
  // engine version/Signature count: (AVCORE v2.2 ... (March 15, 2021)/11294591)
  // is now active." The engine text holds parentheses and '/', so the count
  // is what follows the last '/' before the closing ") is now active".
  if (s.starts_with("Kerio Antivirus database has been successfully updated")) {
    rec.event = "av-update";
    rec.status = "updated";
    string_view marker = "Signature count: (";
    size_t open = s.find(marker);
    size_t close = s.rfind(") is now active");
    if (open != npos && close != npos && close > open + marker.size()) {
      string_view inner = s.substr(open + marker.size(), close - open - marker.size());
      size_t slash = inner.rfind('/');
      if (slash != npos && scan::IsDigits(inner.substr(slash + 1))) {
        SetExtraIfAny(rec, "engine", inner.substr(0, slash));
        SetExtraIfAny(rec, "sigs", inner.substr(slash + 1));
      }
    }
    return;
  }
  // config.log: "admin@example.com - Update ConnectClientOptions {...}"
  size_t dash = s.find(" - ");
  if (dash != npos && dash > 0 && s.substr(0, dash).find(' ') == npos &&
      s.substr(0, dash).find('@') != npos) {
    rec.event = "config-change";
    Assign(rec.sasl_user, s.substr(0, dash));
    return;
  }
  rec.event = "info";
}

// operations.log: "{MOVE} Protocol: HTTP/WebMail, User: u, IP: ip, Folder: f,
// Destination Folder: g, From: "N" <a>, Subject: "s", Msg-Id: <<m>>, ..."
void ParseOperation(string_view s, LogRecord& rec) {
  rec.event = "mailbox-operation";
  size_t rb = s.find('}');
  SetExtraIfAny(rec, "operation", s.substr(1, rb == npos ? 0 : rb - 1));
  s.remove_prefix(rb == npos ? s.size() : rb + 1);
  string_view key, value;
  while (NextField(s, &key, &value)) {
    if (key == "Protocol") {
      SetExtraIfAny(rec, "protocol", value);
    } else if (key == "User") {
      Assign(rec.sasl_user, value);
    } else if (key == "IP") {
      Assign(rec.client_ip, value);
    } else if (key == "Folder" || key == "Old location") {
      SetExtraIfAny(rec, "folder", value);
    } else if (key == "Destination Folder" || key == "New location") {
      SetExtraIfAny(rec, "destination", value);
    } else if (key == "From") {
      size_t lt = value.rfind('<');
      Assign(rec.from, lt == npos ? value : StripAngles(value.substr(lt)));
    } else if (key == "Msg-Id") {
      Assign(rec.message_id, StripAngles(StripAngles(Trim(value))));
    } else if (key == "Size") {
      rec.size = scan::ParseInt(Trim(value));
    }
  }
}

void Parse(string_view s, LogRecord& rec) {
  rec.family = "kerio";
  if (s.starts_with("{") && s.find('}') != npos && s.find('}') < 32) return ParseOperation(s, rec);
  if (ConsumePrefix(s, "Recv: ")) return ParseMailLog(s, false, {}, rec);
  if (ConsumePrefix(s, "Sent: ")) return ParseMailLog(s, true, {}, rec);
  // Kerio MailServer 6: "SMTP: From: <a>, To: <b>, ..." / "DSN: From: <>, ...".
  size_t colon = s.find(": From: ");
  if (colon != npos && colon < 16 && s.substr(0, colon).find(' ') == npos) {
    return ParseMailLog(s.substr(colon + 2), false, s.substr(0, colon), rec);
  }
  ParseSecurity(s, rec);
}

bool IsKnownShape(string_view s) {
  return s.starts_with("Recv: Queue-ID: ") || s.starts_with("Sent: Queue-ID: ") ||
         s.starts_with("Attempt to deliver to unknown recipient ") ||
         s.starts_with("SMTP Spam attack detected from ") ||
         s.starts_with("Relay attempt from IP address ") ||
         (s.starts_with("Failed ") && Contains(s, " login from "));
}

string_view FirstComponent(string_view program) {
  while (!program.empty() && program.front() == '/') program.remove_prefix(1);
  return program.substr(0, program.find('/'));
}

}  // namespace

bool NormalizeKerio(std::string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  int64_t us = 0;
  size_t n = ParseKerioTime(s, &us);
  if (n == 0 && FirstComponent(rec.program) == "mailserver" && !IsKnownShape(s)) return false;
  if (n > 0) {
    if (rec.format == SyslogFormat::kNone) {
      rec.timestamp_us = us;
      rec.flags &= ~static_cast<uint32_t>(kFlagNoTimestamp);
    }
    s.remove_prefix(n);
  }
  Parse(s, rec);
  return true;
}

bool SniffKerio(std::string_view msg, LogRecord& rec) {
  if (!rec.program.empty()) return false;
  int64_t us;
  if (ParseKerioTime(msg, &us) == 0) return false;
  return NormalizeKerio(msg, rec);
}

void RegisterKerio(NormalizerTable& table) {
  table.Register("kerio", NormalizeKerio);
  table.Register("kerioconnect", NormalizeKerio);
  table.Register("keriomailserver", NormalizeKerio);
  table.Register("mailserver", NormalizeKerio);
  table.RegisterSniffer(SniffKerio);
}

}  // namespace mlq
