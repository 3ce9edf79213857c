// ClamAV lines (see clamav.h). Message texts follow clamd/others.c and
// clamd/scanner.c ("%s: %s FOUND"), freshclam/freshclam.c and libfreshclam
// ("%s updated (version: %u, sigs: %u, f-level: %u, builder: %s)"), and
// clamav-milter/clamfi.c ("Message %s from <%s> to <%s> with subject '%s'
// message-id '%s' date '%s' infected by %s").

#include "receiver/normalizers/clamav.h"

#include <string>
#include <string_view>
#include <utility>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using scan::ConsumePrefix;
using scan::IsAlnum;
using scan::IsAlpha;
using scan::IsDigit;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

bool Digits(string_view s, size_t i, size_t n) {
  if (i + n > s.size()) return false;
  for (size_t k = i; k < i + n; ++k) {
    if (!IsDigit(s[k])) return false;
  }
  return true;
}

// docker --timestamps: "2024-07-22T01:56:03.692353872Z ".
bool ConsumeDockerTime(string_view& s) {
  if (!Digits(s, 0, 4) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' ||
      !Digits(s, 8, 2) || s[10] != 'T' || !Digits(s, 11, 2) || s[13] != ':' || !Digits(s, 14, 2) ||
      s[16] != ':' || !Digits(s, 17, 2)) {
    return false;
  }
  size_t i = 19;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  // Docker writes UTC with 'Z'; an offset would be an RFC 3339 syslog header.
  if (i >= s.size() || s[i] != 'Z') return false;
  ++i;
  if (i >= s.size() || s[i] != ' ') return false;
  s.remove_prefix(i + 1);
  return true;
}

// docker-compose: "clamd-mailcow_1      | ". *name is the service name.
bool ConsumeComposePrefix(string_view& s, string_view* name) {
  size_t i = 0;
  while (i < s.size() && i < 80 && (IsAlnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.')) {
    ++i;
  }
  if (i == 0) return false;
  size_t k = i;
  while (k < s.size() && s[k] == ' ') ++k;
  if (k == i || k >= s.size() || s[k] != '|') return false;
  ++k;
  if (k < s.size() && s[k] == ' ') ++k;
  *name = s.substr(0, i);
  s.remove_prefix(k);
  return true;
}

// clamd/freshclam LogTime: "Mon Jul 22 01:56:03 2024 -> " (day may be
// space-padded).
bool ConsumeLogTime(string_view& s) {
  if (s.size() < 28) return false;
  for (size_t i : {0, 1, 2, 4, 5, 6}) {
    if (!IsAlpha(s[i])) return false;
  }
  if (s[3] != ' ' || s[7] != ' ') return false;
  size_t i = 8;
  if (s[i] == ' ') ++i;
  size_t d = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == d || i - d > 2 || i >= s.size() || s[i] != ' ') return false;
  ++i;
  if (!Digits(s, i, 2) || i + 8 > s.size() || s[i + 2] != ':' || !Digits(s, i + 3, 2) ||
      s[i + 5] != ':' || !Digits(s, i + 6, 2)) {
    return false;
  }
  i += 8;
  if (i >= s.size() || s[i] != ' ' || !Digits(s, i + 1, 4)) return false;
  i += 5;
  string_view rest = s.substr(i);
  if (!rest.starts_with(" -> ")) return false;
  s.remove_prefix(i + 4);
  return true;
}

// ---- classification ----

enum class Evidence { kWeak, kStrong };

// "daily.cld updated (version: 27343, sigs: 2064568, f-level: 90, builder: raynman)"
void SetVersionExtras(string_view s, LogRecord& rec) {
  size_t v = s.find("version: ");
  if (v != npos) {
    // "remote version: N" wins over "local version: N" for availability.
    size_t r = s.find("remote version: ");
    if (r != npos) v = r + 7;
    size_t e = v + 9;
    while (e < s.size() && IsDigit(s[e])) ++e;
    SetExtra(rec, "version", s.substr(v + 9, e - v - 9));
  }
  size_t l = s.find("local version: ");
  if (l != npos) {
    size_t e = l + 15;
    while (e < s.size() && IsDigit(s[e])) ++e;
    SetExtra(rec, "local_version", s.substr(l + 15, e - l - 15));
  }
  size_t g = s.find("sigs: ");
  if (g != npos) {
    size_t e = g + 6;
    while (e < s.size() && IsDigit(s[e])) ++e;
    SetExtra(rec, "sigs", s.substr(g + 6, e - g - 6));
  }
  size_t f = s.find("f-level: ");
  if (f != npos) {
    size_t e = f + 9;
    while (e < s.size() && IsDigit(s[e])) ++e;
    SetExtra(rec, "f_level", s.substr(f + 9, e - f - 9));
  }
  size_t b = s.find("builder: ");
  if (b != npos) {
    string_view v = s.substr(b + 9);
    SetExtra(rec, "builder", v.substr(0, v.find_first_of(",)")));
  }
}

// The digits at the start of `s` ("" when none).
string_view LeadingDigits(string_view s) {
  size_t e = 0;
  while (e < s.size() && IsDigit(s[e])) ++e;
  return s.substr(0, e);
}

// `s` without one trailing '.'.
string_view WithoutDot(string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

// Sets event "config" with the setting's name and value (and unit when logged).
bool SetConfig(LogRecord& rec, string_view setting, string_view value, string_view unit = {}) {
  rec.event = "config";
  SetExtra(rec, "setting", setting);
  SetExtra(rec, "value", value);
  if (!unit.empty()) SetExtra(rec, "unit", unit);
  return true;
}

// clamd's start-up report of its settings (clamd/clamd.c, clamd/server-th.c):
//   "Limits: Global size limit set to 104857600 bytes." (setting "Global size
//   limit", value, unit), "Limits: Files limit set to 10000.", "Limits:
//   Core-dump limit is 0.", "Limits: Global time limit protection disabled."
//   "Log file size limited to 4294967295 bytes." / "Log file size limit disabled."
//   "Not loading PUA signatures.", "Bytecode: Security mode set to \"TrustSigned\"."
//   "Self checking every 600 seconds.", "Archive support enabled."
bool ClassifyConfig(string_view s, Evidence ev, LogRecord& rec) {
  string_view v = s;
  if (ConsumePrefix(v, "Limits: ")) {
    v = WithoutDot(v);
    size_t set = v.find(" limit set to ");
    if (set != npos) {
      string_view value = v.substr(set + 14);
      string_view number = LeadingDigits(value);
      if (number.empty()) return false;
      string_view unit = value.substr(number.size());
      scan::SkipSpaces(unit);
      return SetConfig(rec, v.substr(0, set + 6), number, unit);
    }
    size_t is = v.find(" limit is ");
    if (is != npos && scan::IsDigits(v.substr(is + 10))) {
      return SetConfig(rec, v.substr(0, is + 6), v.substr(is + 10));
    }
    if (v.ends_with(" limit protection disabled")) {
      return SetConfig(rec, v.substr(0, v.size() - 20), "disabled");
    }
    return false;
  }
  if (ConsumePrefix(v, "Log file size limited to ")) {
    string_view number = LeadingDigits(v);
    if (number.empty()) return false;
    return SetConfig(rec, "LogFileMaxSize", number, "bytes");
  }
  if (s.starts_with("Log file size limit disabled")) {
    return SetConfig(rec, "LogFileMaxSize", "disabled");
  }
  if (s.starts_with("Not loading PUA signatures")) return SetConfig(rec, "DetectPUA", "no");
  if (ConsumePrefix(v, "Bytecode: Security mode set to \"")) {
    size_t q = v.find('"');
    if (q == npos || q == 0) return false;
    return SetConfig(rec, "BytecodeSecurity", v.substr(0, q));
  }
  if (ConsumePrefix(v, "Self checking every ")) {
    string_view number = LeadingDigits(v);
    if (number.empty()) return false;
    return SetConfig(rec, "SelfCheck", number, "seconds");
  }
  // "<feature> support enabled." is too plain a sentence to trust without
  // evidence that the line is clamd's.
  if (ev == Evidence::kStrong) {
    string_view t = WithoutDot(s);
    for (string_view state : {" support enabled", " support disabled"}) {
      if (t.ends_with(state) && t.size() > state.size() && t.size() < state.size() + 40) {
        return SetConfig(rec, t.substr(0, t.size() - state.size() + 8),
                         state.substr(state.rfind(' ') + 1));
      }
    }
  }
  return false;
}

// clamd's start-up, database load and reload steps (clamd/clamd.c,
// clamd/server-th.c):
//   "+++ Started at DATE" / "--- Stopped at DATE"        daemon-start / daemon-stop
//   "clamd daemon 1.0.7 (OS: Linux, ARCH: x86_64, CPU: x86_64)"   daemon-version
//   "Received 0 file descriptor(s) from systemd."         socket-activation
//   "Reading databases from /var/lib/clamav"              db-load (status loading)
//   "Loaded 8698887 signatures."                          db-load (status loaded)
//   "Database correctly reloaded (6169326 signatures)"    db-reload (status ok)
//   "ERROR: Malformed database" (cl_strerror of a failed cl_load) db-load-error
//   "Received signal: wake up"                            signal
bool ClassifyDaemon(string_view s, LogRecord& rec) {
  string_view v = s;
  if (ConsumePrefix(v, "+++ Started at")) {
    rec.event = "daemon-start";
    rec.status = "started";
    return true;
  }
  if (ConsumePrefix(v, "--- Stopped at")) {
    rec.event = "daemon-stop";
    rec.status = "stopped";
    return true;
  }
  for (string_view daemon : {"clamd", "freshclam", "clamav-milter", "clamonacc"}) {
    v = s;
    if (ConsumePrefix(v, daemon) && ConsumePrefix(v, " daemon ") && !v.empty() &&
        IsDigit(v.front())) {
      rec.event = "daemon-version";
      SetExtra(rec, "daemon", daemon);
      string_view version = v.substr(0, v.find(' '));
      SetExtra(rec, "version", version);
      v.remove_prefix(version.size());
      string_view inner;
      scan::SkipSpaces(v);
      if (scan::ExtractBracketed(v, '(', ')', &inner)) {
        for (auto [label, key] : {std::pair<string_view, string_view>{"OS: ", "os"},
                                  {"ARCH: ", "arch"},
                                  {"CPU: ", "cpu"}}) {
          size_t at = inner.find(label);
          if (at == npos) continue;
          string_view val = inner.substr(at + label.size());
          SetExtra(rec, key, val.substr(0, val.find(',')));
        }
      }
      return true;
    }
  }
  v = s;
  if (ConsumePrefix(v, "Received ") && !v.empty() && IsDigit(v.front())) {
    string_view n = LeadingDigits(v);
    v.remove_prefix(n.size());
    if (v.starts_with(" file descriptor(s) from systemd")) {
      rec.event = "socket-activation";
      SetExtra(rec, "fds", n);
      return true;
    }
    return false;
  }
  v = s;
  if (ConsumePrefix(v, "Reading databases from ")) {
    rec.event = "db-load";
    rec.status = "loading";
    SetExtra(rec, "dir", Trim(v));
    return true;
  }
  if (ConsumePrefix(v, "Loaded ") && !v.empty() && IsDigit(v.front())) {
    string_view n = LeadingDigits(v);
    if (!v.substr(n.size()).starts_with(" signatures")) return false;
    rec.event = "db-load";
    rec.status = "loaded";
    SetExtra(rec, "sigs", n);
    return true;
  }
  if (ConsumePrefix(v, "Database correctly reloaded")) {
    rec.event = "db-reload";
    rec.status = "ok";
    ConsumePrefix(v, " (");
    string_view n = LeadingDigits(v);
    if (!n.empty()) SetExtra(rec, "sigs", n);
    return true;
  }
  if (ConsumePrefix(v, "Received signal: ")) {
    rec.event = "signal";
    SetExtra(rec, "signal", Trim(v));
    return true;
  }
  // cl_strerror() texts that only a failed database load returns
  // (CL_EMALFDB, CL_ECVD, CL_EVERIFY), as clamd logs them after "Reading
  // databases from".
  v = s;
  if (ConsumePrefix(v, "ERROR: ") || ConsumePrefix(v, "!")) {
    if (v == "Malformed database" || v == "Broken or not a CVD file" ||
        v == "Can't verify database integrity") {
      rec.event = "db-load-error";
      rec.status = "error";
      Assign(rec.reply, v);
      return true;
    }
  }
  return false;
}

// freshclam (freshclam/freshclam.c, libfreshclam/libfreshclam.c):
//   "ClamAV update process started at DATE"                      update-start
//   "daily database available for update (local version: N, remote version: M)"
//                                                         db-update-available
//   "Testing database: 'PATH' ..." / "Database test passed."     db-test
//   "daily.cld updated (version: N, sigs: N, f-level: N, builder: B)",
//   "Database updated (N signatures) from HOST (IP: ip)"         db-update
//   "main.cvd database is up-to-date (version: ...)"             db-up-to-date
//   "Incremental update failed, trying to download daily.cvd"    db-update-fallback
//   "Clamd successfully notified about the update." / "Clamd was NOT notified: ..."
//                                                                clamd-notify
bool ClassifyFreshclam(string_view s, LogRecord& rec) {
  size_t p;
  if ((p = s.find(" updated (version: ")) != npos && p > 0 && s.find(' ') == p) {
    rec.event = "db-update";
    rec.status = "updated";
    SetExtra(rec, "database", s.substr(0, p));
    SetVersionExtras(s.substr(p), rec);
    return true;
  }
  if (((p = s.find(" database is up-to-date")) != npos || (p = s.find(" is up to date")) != npos) &&
      p > 0 && s.find(' ') == p) {
    rec.event = "db-up-to-date";
    rec.status = "up-to-date";
    SetExtra(rec, "database", s.substr(0, p));
    SetVersionExtras(s.substr(p), rec);
    return true;
  }
  if ((p = s.find(" database available for ")) != npos && p > 0 && s.find(' ') == p) {
    rec.event = "db-update-available";
    rec.status = "available";
    SetExtra(rec, "database", s.substr(0, p));
    SetVersionExtras(s.substr(p), rec);
    return true;
  }
  string_view v = s;
  if (ConsumePrefix(v, "Database updated (")) {
    // "Database updated (6169326 signatures) from database.clamav.net (IP: 1.2.3.4)"
    rec.event = "db-update";
    rec.status = "updated";
    SetExtra(rec, "sigs", LeadingDigits(v));
    size_t from = v.find(") from ");
    if (from != npos) {
      string_view host = v.substr(from + 7);
      SetExtra(rec, "mirror", host.substr(0, host.find(' ')));
      size_t ip = host.find("(IP: ");
      if (ip != npos) {
        string_view addr = host.substr(ip + 5);
        SetExtra(rec, "mirror_ip", addr.substr(0, addr.find(')')));
      }
    }
    return true;
  }
  if (s.starts_with("ClamAV update process started")) {
    rec.event = "update-start";
    rec.status = "started";
    return true;
  }
  if (ConsumePrefix(v, "Testing database: ")) {
    rec.event = "db-test";
    rec.status = "testing";
    if (ConsumePrefix(v, "'")) SetExtra(rec, "file", v.substr(0, v.find('\'')));
    return true;
  }
  if (s.starts_with("Database test passed")) {
    rec.event = "db-test";
    rec.status = "passed";
    return true;
  }
  if (ConsumePrefix(v, "Incremental update failed, trying to download ")) {
    rec.event = "db-update-fallback";
    rec.status = "warning";
    SetExtra(rec, "database", Trim(v));
    Assign(rec.reply, s);
    return true;
  }
  if (s.starts_with("Clamd successfully notified about the update")) {
    rec.event = "clamd-notify";
    rec.status = "ok";
    return true;
  }
  if (ConsumePrefix(v, "Clamd was NOT notified")) {
    rec.event = "clamd-notify";
    rec.status = "failed";
    ConsumePrefix(v, ": ");
    Assign(rec.reply, Trim(v));
    return true;
  }
  return false;
}

// Informational messages specific to ClamAV: accepted even on weak evidence.
bool IsSpecificInfo(string_view s) {
  static constexpr string_view kPrefixes[] = {
      "Received signal: ",
      "Received 0 file descriptor",
      "Reading databases from",
      "Database correctly reloaded",
      "Database reload completed",
      "Database test passed",
      "Database modification detected",
      "Activating the newly loaded database",
      "Testing database: ",
      "Not loading PUA",
      "Bytecode: ",
      "Self checking every",
      "Clamd successfully notified",
      "Clamd was NOT notified",
      "clamd daemon ",
      "freshclam daemon ",
      "clamav-milter daemon ",
      "ClamAV update process",
      "Log file size limited",
  };
  for (string_view p : kPrefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

// "Message QID [from <a> to <b> with subject 'S' message-id '<id>' date 'D']"
// (the part before " infected by X", or after "Clean message ").
void ParseMilterMessage(string_view head, LogRecord& rec) {
  string_view qid = head.substr(0, head.find(' '));
  Assign(rec.queue_id, qid);
  string_view rest = qid.size() < head.size() ? head.substr(qid.size() + 1) : string_view();
  if (!ConsumePrefix(rest, "from ")) return;
  size_t to = rest.find(" to ");
  string_view from = rest.substr(0, to);
  Assign(rec.from, StripAngles(from));
  if (to == npos) return;
  rest.remove_prefix(to + 4);
  size_t subj = rest.find(" with subject '");
  string_view rcpts = rest.substr(0, subj);
  while (!rcpts.empty()) {
    size_t e = rcpts.find_first_of(", ");
    string_view r = rcpts.substr(0, e);
    r = StripAngles(r);
    if (!r.empty()) rec.to.emplace_back(r);
    if (e == npos) break;
    rcpts.remove_prefix(e + 1);
  }
  if (subj == npos) return;
  rest.remove_prefix(subj + 15);
  size_t mid = rest.rfind("' message-id '");
  if (mid == npos) {
    if (!rest.empty() && rest.back() == '\'') rest.remove_suffix(1);
    SetExtra(rec, "subject", rest);
    return;
  }
  SetExtra(rec, "subject", rest.substr(0, mid));
  string_view m = rest.substr(mid + 14);
  size_t q = m.find('\'');
  Assign(rec.message_id, StripAngles(m.substr(0, q)));
}

bool ClassifyMilter(string_view s, LogRecord& rec) {
  size_t inf = s.rfind(" infected by ");
  string_view v = s;
  if (inf != npos && ConsumePrefix(v, "Message ")) {
    rec.event = "virus-found";
    SetExtra(rec, "virus", Trim(s.substr(inf + 13)));
    ParseMilterMessage(s.substr(8, inf - 8), rec);
    return true;
  }
  if (ConsumePrefix(v, "Clean message ")) {
    rec.event = "clean";
    ParseMilterMessage(v, rec);
    return true;
  }
  // "QID: ... infected by X"
  size_t c = s.find(": ");
  if (inf != npos && c != npos && c < inf && c >= 5) {
    string_view id = s.substr(0, c);
    bool ok = true;
    for (char ch : id) ok = ok && (IsAlnum(ch) || ch == '-' || ch == '.');
    if (ok) {
      rec.event = "virus-found";
      Assign(rec.queue_id, id);
      SetExtra(rec, "virus", Trim(s.substr(inf + 13)));
      return true;
    }
  }
  return false;
}

// Classifies one ClamAV message. With weak evidence (a sniffed line without
// LogTime) only specific ClamAV messages are accepted.
bool Classify(string_view s, Evidence ev, LogRecord& rec) {
  s = TrimRight(s);
  if (s.empty()) return false;
  string_view v = s;
  if (ConsumePrefix(v, "SelfCheck: ")) {
    rec.event = "selfcheck";
    if (v.find("status OK") != npos) {
      rec.status = "ok";
    } else if (v.find("reload") != npos || v.find("modification detected") != npos) {
      rec.status = "reload";
    }
    return true;
  }
  if (ClassifyMilter(s, rec)) return true;
  if (s.ends_with(" FOUND")) {
    string_view body = s.substr(0, s.size() - 6);
    size_t c = body.rfind(": ");
    if (c != npos) {
      rec.event = "virus-found";
      SetExtra(rec, "virus", Trim(body.substr(c + 2)));
      SetExtra(rec, "file", body.substr(0, c));
      return true;
    }
  }
  if (ev == Evidence::kStrong && s.ends_with(": OK") && s.size() > 4) {
    rec.event = "clean";
    SetExtra(rec, "file", s.substr(0, s.size() - 4));
    return true;
  }
  if (ClassifyFreshclam(s, rec) || ClassifyDaemon(s, rec) || ClassifyConfig(s, ev, rec)) {
    return true;
  }
  bool libclam = s.starts_with("LibClamAV ");
  if (ev == Evidence::kStrong || libclam) {
    string_view t = libclam ? s.substr(10) : s;
    if (t.starts_with("ERROR") || t.starts_with("Error") || t.starts_with("!")) {
      rec.event = "error";
      rec.status = "error";
      Assign(rec.reply, s);
      return true;
    }
    if (t.starts_with("WARNING") || t.starts_with("Warning") || t.starts_with("^")) {
      rec.event = "error";
      rec.status = "warning";
      Assign(rec.reply, s);
      return true;
    }
  }
  if (s.starts_with("Incremental update failed") || s.starts_with("Can't ") ||
      s.starts_with("Update failed") || s.starts_with("No clamd server") ||
      s.starts_with("Failed to ") ||
      (ev == Evidence::kStrong && (s.ends_with(" ERROR") || s.find(" failed") != npos))) {
    rec.event = "error";
    rec.status = s.starts_with("Incremental") ? "warning" : "error";
    Assign(rec.reply, s);
    return true;
  }
  // With strong evidence every line is ClamAV's: the rest is informational
  // (clamd logs its whole configuration at start-up).
  if (IsSpecificInfo(s) || ev == Evidence::kStrong) {
    rec.event = "info";
    return true;
  }
  return false;
}

// Undoes partial writes of a failed classification.
void Reset(LogRecord& rec, size_t extras) {
  rec.event.clear();
  rec.status.clear();
  rec.reply.clear();
  rec.queue_id.clear();
  rec.from.clear();
  rec.to.clear();
  rec.message_id.clear();
  if (rec.extra.size() > extras) rec.extra.resize(extras);
}

bool Finish(bool ok, LogRecord& rec, size_t extras) {
  if (ok) {
    rec.family = "clamav";
  } else {
    Reset(rec, extras);
  }
  return ok;
}

// Lines of a ClamAV program through syslog. Some setups log the LogTime
// prefix into syslog too.
bool NormalizeClamav(string_view msg, LogRecord& rec) {
  size_t extras = rec.extra.size();
  string_view s = msg;
  ConsumeLogTime(s);
  return Finish(Classify(s, Evidence::kStrong, rec), rec, extras);
}

// Strips the container and LogTime prefixes; true when at least one was
// there. *strong says whether one of them identifies ClamAV: LogTime, or a
// docker-compose service named after it ("clamd-mailcow_1").
bool StripPrefixes(string_view& s, bool* strong) {
  bool any = false;
  *strong = false;
  for (int round = 0; round < 3; ++round) {
    string_view name;
    if (ConsumeDockerTime(s)) {
      any = true;
      continue;
    }
    if (ConsumeComposePrefix(s, &name)) {
      any = true;
      if (name.find("clam") != npos) *strong = true;
      continue;
    }
    break;
  }
  if (ConsumeLogTime(s)) {
    any = true;
    *strong = true;
  }
  return any;
}

// Sniffer for lines without a registered program: ClamAV log files, raw or
// wrapped by docker / docker-compose.
bool SniffClamav(string_view msg, LogRecord& rec) {
  size_t extras = rec.extra.size();
  string_view candidates[2] = {rec.raw, msg};
  for (string_view s : candidates) {
    bool strong = false;
    if (s.empty() || !StripPrefixes(s, &strong)) continue;
    if (Classify(s, strong ? Evidence::kStrong : Evidence::kWeak, rec)) {
      return Finish(true, rec, extras);
    }
    Reset(rec, extras);
  }
  return false;
}

}  // namespace

void RegisterClamav(NormalizerTable& table) {
  table.Register("clamd", NormalizeClamav);
  table.Register("freshclam", NormalizeClamav);
  table.Register("clamav-milter", NormalizeClamav);
  table.Register("clamonacc", NormalizeClamav);
  table.RegisterSniffer(SniffClamav);
}

}  // namespace mlq
