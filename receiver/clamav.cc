// ClamAV lines (see clamav.h). Message texts follow clamd/others.c and
// clamd/scanner.c ("%s: %s FOUND"), freshclam/freshclam.c and libfreshclam
// ("%s updated (version: %u, sigs: %u, f-level: %u, builder: %s)"), and
// clamav-milter/clamfi.c ("Message %s from <%s> to <%s> with subject '%s'
// message-id '%s' date '%s' infected by %s").

#include "receiver/clamav.h"

#include <string>
#include <string_view>

#include "receiver/scan.h"

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

void Assign(std::string& dst, string_view v) { dst.assign(v.data(), v.size()); }

void SetExtra(LogRecord& rec, string_view key, string_view value) {
  rec.SetExtra(std::string(key), std::string(value));
}

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
  size_t g = s.find("sigs: ");
  if (g != npos) {
    size_t e = g + 6;
    while (e < s.size() && IsDigit(s[e])) ++e;
    SetExtra(rec, "sigs", s.substr(g + 6, e - g - 6));
  }
}

bool ClassifyFreshclam(string_view s, LogRecord& rec) {
  size_t p;
  if ((p = s.find(" updated (version: ")) != npos && p > 0 && s.find(' ') == p) {
    rec.event = "info";
    rec.status = "updated";
    SetExtra(rec, "database", s.substr(0, p));
    SetVersionExtras(s.substr(p), rec);
    return true;
  }
  if (((p = s.find(" database is up-to-date")) != npos || (p = s.find(" is up to date")) != npos) &&
      p > 0 && s.find(' ') == p) {
    rec.event = "info";
    rec.status = "up-to-date";
    SetExtra(rec, "database", s.substr(0, p));
    SetVersionExtras(s.substr(p), rec);
    return true;
  }
  if ((p = s.find(" database available for ")) != npos && p > 0 && s.find(' ') == p) {
    rec.event = "info";
    rec.status = "available";
    SetExtra(rec, "database", s.substr(0, p));
    SetVersionExtras(s.substr(p), rec);
    return true;
  }
  string_view v = s;
  if (ConsumePrefix(v, "Database updated (")) {
    // "Database updated (6169326 signatures) from database.clamav.net (IP: 1.2.3.4)"
    rec.event = "info";
    rec.status = "updated";
    size_t e = 0;
    while (e < v.size() && IsDigit(v[e])) ++e;
    SetExtra(rec, "sigs", v.substr(0, e));
    return true;
  }
  if (s.starts_with("ClamAV update process started")) {
    rec.event = "info";
    rec.status = "started";
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

enum class Evidence { kWeak, kStrong };

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
  if (ClassifyFreshclam(s, rec)) return true;
  if (ConsumePrefix(v, "+++ Started at")) {
    rec.event = "info";
    rec.status = "started";
    return true;
  }
  if (ConsumePrefix(v, "--- Stopped at")) {
    rec.event = "info";
    rec.status = "stopped";
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
