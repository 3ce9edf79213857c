#include "receiver/intake/syslog_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/civil_time.h"
#include "base/utf8.h"

namespace mlq {

namespace {

// Flags this parser owns; the others (truncated, framing-error) come from the
// framer and are kept.
constexpr uint32_t kOwnedFlags =
    kFlagHeaderInvalid | kFlagNoTimestamp | kFlagYearGuessed | kFlagInvalidUtf8 | kFlagNulBytes;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// RFC 3164 year resolution window: a line may be this far ahead of the receive time.
constexpr int64_t kFutureSlackUs = 7 * kMicrosPerDay;
// Longest token taken as a hostname / tag in an RFC 3164 header. Real ones are
// far shorter; the limits keep a long first word of garbage out of those fields.
constexpr size_t kMaxHostname = 255;
constexpr size_t kMaxTag = 256;

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// ---------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian), so no mktime/timegm/localtime:
// those are slow and may take a lock on the time zone state.

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

using civil::DaysFromCivil;

// Civil year of a day count (the year part of H. Hinnant's civil_from_days).
int64_t YearFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2);
}

// A timestamp as written: fields, and whether it had a year and a zone.
struct Stamp {
  int64_t year = 0;  // 0 = not given (RFC 3164)
  int month = 0;     // 1..12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t frac_us = 0;
  bool has_zone = false;
  int32_t zone_s = 0;  // seconds east of UTC
};

// Naive (zone-less) microseconds since the epoch of the written fields in `year`.
int64_t NaiveMicros(const Stamp& t, int64_t year) {
  const int64_t days = DaysFromCivil(year, t.month, t.day);
  return (days * 86400 + t.hour * 3600 + t.minute * 60 + t.second) * kMicrosPerSecond + t.frac_us;
}

// Resolves a parsed stamp to UTC microseconds. Returns false when the date
// does not exist (Feb 30, or Feb 29 of the resolved year).
bool Resolve(const Stamp& t, const ParseContext& ctx, int64_t& out_us, uint32_t& flags) {
  const int64_t zone_us =
      static_cast<int64_t>(t.has_zone ? t.zone_s : ctx.utc_offset_s) * kMicrosPerSecond;
  int64_t year = t.year;
  if (year == 0) {
    // RFC 3164 has no year. Take the receive year (in the sender's zone),
    // the year before when that puts the line more than kFutureSlackUs after
    // the receive time (a December line read in January), and the year after
    // when even next year's date is within the slack (a "Jan  1" line from a
    // sender whose clock runs a little ahead, received on Dec 31).
    const int64_t local_recv = ctx.received_us + zone_us;
    year = YearFromDays(civil::FloorDiv(local_recv, kMicrosPerDay));
    const int64_t limit = ctx.received_us + kFutureSlackUs;
    if (NaiveMicros(t, year) - zone_us > limit) {
      --year;
    } else if (NaiveMicros(t, year + 1) - zone_us <= limit) {
      ++year;
    }
    flags |= kFlagYearGuessed;
  }
  if (t.day > DaysInMonth(year, t.month)) return false;
  out_us = NaiveMicros(t, year) - zone_us;
  return true;
}

// ---------------------------------------------------------------------------
// Field scanners. Each takes the line and a position and returns the position
// after what it recognized, or npos. None reads past s.size().

constexpr size_t npos = std::string_view::npos;

// Reads exactly `count` digits at i into `value`.
inline bool Digits(std::string_view s, size_t i, size_t count, int& value) {
  if (i + count > s.size()) return false;
  int v = 0;
  for (size_t k = 0; k < count; ++k) {
    const char c = s[i + k];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  value = v;
  return true;
}

// "hh:mm:ss" at i.
size_t ParseTime(std::string_view s, size_t i, Stamp& t) {
  if (!Digits(s, i, 2, t.hour) || i + 8 > s.size() || s[i + 2] != ':' ||
      !Digits(s, i + 3, 2, t.minute) || s[i + 5] != ':' || !Digits(s, i + 6, 2, t.second)) {
    return npos;
  }
  // 60 is a leap second: accepted and counted as :59 would be wrong by a
  // second, as :60 rolls over into the next minute; either is fine for logs.
  if (t.hour > 23 || t.minute > 59 || t.second > 60) return npos;
  return i + 8;
}

// Optional ".fraction" at i; at least one digit, at most 9 (microseconds kept).
size_t ParseFraction(std::string_view s, size_t i, Stamp& t) {
  if (i >= s.size() || s[i] != '.') return i;
  size_t k = i + 1;
  int64_t us = 0;
  int digits = 0;
  while (k < s.size() && IsDigit(s[k]) && digits < 9) {
    if (digits < 6) us = us * 10 + (s[k] - '0');
    ++digits;
    ++k;
  }
  if (digits == 0) return npos;
  for (int d = digits; d < 6; ++d) us *= 10;
  t.frac_us = us;
  return k;
}

// RFC 3339 "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm)" at i; the zone may
// be missing (then local time) or written "+hhmm".
size_t ParseRfc3339(std::string_view s, size_t i, Stamp& t) {
  int year = 0;
  if (!Digits(s, i, 4, year) || i + 10 >= s.size() || s[i + 4] != '-' ||
      !Digits(s, i + 5, 2, t.month) || s[i + 7] != '-' || !Digits(s, i + 8, 2, t.day) ||
      (s[i + 10] != 'T' && s[i + 10] != 't')) {
    return npos;
  }
  if (year == 0 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > DaysInMonth(year, t.month)) {
    return npos;
  }
  t.year = year;
  size_t k = ParseTime(s, i + 11, t);
  if (k == npos) return npos;
  k = ParseFraction(s, k, t);
  if (k == npos || k >= s.size()) return k;
  const char z = s[k];
  if (z == 'Z' || z == 'z') {
    t.has_zone = true;
    t.zone_s = 0;
    return k + 1;
  }
  if (z == '+' || z == '-') {
    int hh = 0;
    int mm = 0;
    size_t after;
    if (Digits(s, k + 1, 2, hh) && k + 3 < s.size() && s[k + 3] == ':' && Digits(s, k + 4, 2, mm)) {
      after = k + 6;
    } else if (Digits(s, k + 1, 2, hh) && Digits(s, k + 3, 2, mm)) {
      after = k + 5;
    } else {
      return npos;
    }
    if (hh > 23 || mm > 59) return npos;
    t.has_zone = true;
    t.zone_s = (hh * 3600 + mm * 60) * (z == '-' ? -1 : 1);
    return after;
  }
  return k;
}

// Month abbreviation at i, any case ("Jul", "JUL", "jul"); 0 when none.
int ParseMonth(std::string_view s, size_t i) {
  if (i + 3 > s.size()) return 0;
  const uint32_t key = (static_cast<uint32_t>(static_cast<unsigned char>(s[i]) | 0x20) << 16) |
                       (static_cast<uint32_t>(static_cast<unsigned char>(s[i + 1]) | 0x20) << 8) |
                       static_cast<uint32_t>(static_cast<unsigned char>(s[i + 2]) | 0x20);
  constexpr auto K = [](const char* m) {
    return (static_cast<uint32_t>(m[0]) << 16) | (static_cast<uint32_t>(m[1]) << 8) |
           static_cast<uint32_t>(m[2]);
  };
  switch (key) {
    case K("jan"):
      return 1;
    case K("feb"):
      return 2;
    case K("mar"):
      return 3;
    case K("apr"):
      return 4;
    case K("may"):
      return 5;
    case K("jun"):
      return 6;
    case K("jul"):
      return 7;
    case K("aug"):
      return 8;
    case K("sep"):
      return 9;
    case K("oct"):
      return 10;
    case K("nov"):
      return 11;
    case K("dec"):
      return 12;
    default:
      return 0;
  }
}

// BSD timestamp "Mmm dd hh:mm:ss" at i, with the variants senders emit: day
// padded with a space or a zero or not at all, a year before the time
// ("Oct 16 2009 23:47:31", Cisco and rsyslog accept it), a fraction, and a
// colon after the time ("Mar  7 19:06:53: host ...").
size_t ParseBsd(std::string_view s, size_t i, Stamp& t) {
  t.month = ParseMonth(s, i);
  if (t.month == 0) return npos;
  size_t k = i + 3;
  if (k >= s.size() || s[k] != ' ') return npos;
  while (k < s.size() && s[k] == ' ') ++k;
  // Day: one or two digits.
  if (k >= s.size() || !IsDigit(s[k])) return npos;
  int day = s[k++] - '0';
  if (k < s.size() && IsDigit(s[k])) day = day * 10 + (s[k++] - '0');
  if (day < 1 || day > 31 || k >= s.size() || s[k] != ' ') return npos;
  t.day = day;
  ++k;
  // Optional year "YYYY ".
  int year = 0;
  if (k + 5 <= s.size() && s[k + 4] == ' ' && Digits(s, k, 4, year)) {
    if (year == 0) return npos;
    t.year = year;
    k += 5;
  }
  k = ParseTime(s, k, t);
  if (k == npos) return npos;
  k = ParseFraction(s, k, t);
  if (k == npos) return npos;
  if (k < s.size() && s[k] == ':' && (k + 1 == s.size() || s[k + 1] == ' ')) ++k;
  return k;
}

// "<PRI>" at 0: 1-3 digits, no leading zero except "<0>", value <= 191.
size_t ParsePri(std::string_view s, int& pri) {
  if (s.size() < 3 || s[0] != '<') return npos;
  size_t k = 1;
  int v = 0;
  while (k < s.size() && k <= 4 && IsDigit(s[k])) v = v * 10 + (s[k++] - '0');
  const size_t digits = k - 1;
  if (digits == 0 || digits > 3 || k >= s.size() || s[k] != '>') return npos;
  if (digits > 1 && s[1] == '0') return npos;
  if (v > 191) return npos;
  pri = v;
  return k + 1;
}

// An RFC 5424 header field: 1+ printable bytes up to a space (UTF-8 and
// other high bytes are tolerated; control bytes are not). Returns the end.
size_t Field(std::string_view s, size_t i) {
  size_t k = i;
  while (k < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[k]);
    if (c <= ' ' || c == 0x7f) break;
    ++k;
  }
  if (k == i || k >= s.size() || s[k] != ' ') return npos;
  return k;
}

inline std::string_view Nil(std::string_view v) { return v == "-" ? std::string_view() : v; }

// RFC 5424 STRUCTURED-DATA at i (one or more "[...]" elements). Tolerant: an
// element ends at the first ']' outside a quoted value, where quoted values
// may contain backslash escapes. That accepts every valid SD and the common
// near-misses (a space after '=', an SD-ID with odd characters) without
// losing the message. Returns the end, or npos when unterminated.
size_t ScanSd(std::string_view s, size_t i) {
  size_t k = i;
  while (k < s.size() && s[k] == '[') {
    ++k;
    bool quoted = false;
    for (;;) {
      if (k >= s.size()) return npos;
      const char c = s[k];
      if (quoted) {
        if (c == '\\') {
          k += 2;
          continue;
        }
        if (c == '"') quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ']') {
        break;
      }
      ++k;
    }
    ++k;  // past ']'
  }
  return k;
}

// A hostname in an RFC 3164 header: letters, digits and . - _ : @ (IPv6
// literals, rsyslog's "permitted" @), not ending in ':' (that is a tag).
bool IsHostname(std::string_view h) {
  if (h.empty() || h.size() > kMaxHostname || h.back() == ':') return false;
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' ||
                    c == '-' || c == '_' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return true;
}

// What the header parse found; views into the raw line.
struct Header {
  SyslogFormat format = SyslogFormat::kNone;
  int pri = -1;
  int64_t timestamp_us = 0;
  bool has_timestamp = false;
  uint32_t flags = 0;
  std::string_view host;  // empty: use the fallback
  std::string_view program;
  std::string_view pid;
  std::string_view msgid;
  std::string_view sd;
  size_t msg_offset = 0;
};

bool ParseRfc5424(std::string_view s, size_t i, const ParseContext& ctx, Header& h) {
  // i is after "<PRI>VERSION ".
  size_t k;
  if (i < s.size() && s[i] == '-') {
    k = i + 1;
  } else {
    Stamp t;
    k = ParseRfc3339(s, i, t);
    if (k == npos || !Resolve(t, ctx, h.timestamp_us, h.flags)) return false;
    h.has_timestamp = true;
  }
  if (k >= s.size() || s[k] != ' ') return false;
  std::string_view* fields[4] = {&h.host, &h.program, &h.pid, &h.msgid};
  size_t start = k + 1;
  for (std::string_view* f : fields) {
    const size_t e = Field(s, start);
    if (e == npos) return false;
    *f = Nil(s.substr(start, e - start));
    start = e + 1;
  }
  // STRUCTURED-DATA: "-" or elements, then end of line or SP MSG.
  size_t e;
  if (start < s.size() && s[start] == '-') {
    e = start + 1;
  } else if (start < s.size() && s[start] == '[') {
    e = ScanSd(s, start);
    if (e == npos) return false;
    h.sd = s.substr(start, e - start);
  } else {
    return false;
  }
  if (e < s.size()) {
    if (s[e] != ' ') return false;
    ++e;
    // A UTF-8 BOM announces a UTF-8 MSG (RFC 5424 6.4); it is not text.
    if (s.size() - e >= 3 && s.compare(e, 3, "\xEF\xBB\xBF") == 0) e += 3;
  }
  h.msg_offset = e;
  h.format = SyslogFormat::kRfc5424;
  return true;
}

// TAG[PID]: at i, the rest of an RFC 3164 header. As rsyslog does, the tag
// ends at the first ':' or space; "TAG[PID]" splits into program and pid.
// Solaris syslogd puts a message ID before the text: "[ID 801593 mail.info] ".
// It is no part of what the daemon logged, so MSG starts after it.
size_t SkipSolarisId(std::string_view s, size_t k) {
  if (s.compare(k, 4, "[ID ") != 0) return k;
  size_t j = k + 4;
  const size_t digits = j;
  while (j < s.size() && IsDigit(s[j])) ++j;
  if (j == digits || j >= s.size() || s[j] != ' ') return k;
  const size_t rb = s.find(']', j);
  if (rb == std::string_view::npos || rb - j > 32 ||
      s.substr(j + 1, rb - j - 1).find('.') == std::string_view::npos) {
    return k;
  }
  j = rb + 1;
  if (j < s.size() && s[j] == ' ') ++j;
  return j;
}

void ParseTag(std::string_view s, size_t i, Header& h) {
  // syslogd's own "last message repeated N times" (and BSD's "--- last
  // message repeated N times ---") have no tag: all of it is MSG.
  if (s.compare(i, 22, "last message repeated ") == 0 ||
      s.compare(i, 26, "--- last message repeated ") == 0) {
    h.msg_offset = i;
    return;
  }
  size_t k = i;
  const size_t limit = s.size() - i > kMaxTag ? i + kMaxTag : s.size();
  while (k < limit && s[k] != ' ' && s[k] != ':') ++k;
  if ((k == limit && limit < s.size()) || (i < s.size() && s[i] == '[')) {
    // No tag: a first word longer than any tag, or text starting with '['.
    h.msg_offset = i;
    return;
  }
  std::string_view tag = s.substr(i, k - i);
  if (k < s.size() && s[k] == ':') ++k;
  if (k < s.size() && s[k] == ' ') ++k;  // the one space after the tag is not MSG
  h.msg_offset = SkipSolarisId(s, k);

  const size_t lb = tag.find('[');
  if (lb == std::string_view::npos) {
    h.program = tag;
    return;
  }
  h.program = tag.substr(0, lb);
  // "dma[1e92be2.3ccbf7647000][24326]": the pid is the last all-digit
  // bracket group, else the first group.
  std::string_view first;
  std::string_view digits;
  bool have_first = false;
  size_t q = lb;
  while (q < tag.size()) {
    const size_t rb = tag.find(']', q + 1);
    const size_t stop = rb == std::string_view::npos ? tag.size() : rb;
    const std::string_view group = tag.substr(q + 1, stop - q - 1);
    if (!have_first) {
      first = group;
      have_first = true;
    }
    bool all_digits = !group.empty();
    for (char c : group) all_digits = all_digits && IsDigit(c);
    if (all_digits) digits = group;
    if (rb == std::string_view::npos) break;
    q = tag.find('[', rb + 1);
    if (q == std::string_view::npos) break;
  }
  h.pid = digits.empty() ? first : digits;
}

bool ParseHeader(std::string_view s, const ParseContext& ctx, Header& h) {
  size_t i = 0;
  if (!s.empty() && s[0] == '<') {
    int pri = 0;
    i = ParsePri(s, pri);
    if (i == npos) return false;
    h.pri = pri;
    // RFC 5424: "<PRI>VERSION SP", VERSION = 1-3 digits, not starting with 0.
    if (i < s.size() && s[i] >= '1' && s[i] <= '9') {
      size_t k = i + 1;
      while (k < s.size() && k < i + 3 && IsDigit(s[k])) ++k;
      if (k < s.size() && s[k] == ' ') return ParseRfc5424(s, k + 1, ctx, h);
    }
  }
  h.format = SyslogFormat::kRfc3164;
  // rsyslog accepts spaces between PRI and timestamp ("<38> Mar  7 ...").
  if (h.pri >= 0) {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  Stamp t;
  size_t k = npos;
  if (i < s.size()) {
    if (IsDigit(s[i])) {
      k = ParseRfc3339(s, i, t);  // RSYSLOG_ForwardFormat and ISO file formats
    } else {
      k = ParseBsd(s, i, t);
    }
  }
  if (k != npos && k < s.size() && s[k] != ' ') k = npos;  // "Jul  5 17:57:08x" is not a date
  if (k == npos) {
    // No timestamp. Without PRI there is nothing to anchor a header on: the
    // line is not syslog. With PRI, as rsyslog does, the rest is TAG: MSG
    // ("<27>xapi: [error] ...") and no hostname is looked for.
    if (h.pri < 0) return false;
    h.flags |= kFlagNoTimestamp;
    ParseTag(s, i, h);
    return true;
  }
  if (Resolve(t, ctx, h.timestamp_us, h.flags)) {
    h.has_timestamp = true;
  } else {
    h.flags |= kFlagNoTimestamp;  // well-formed but not a date (Feb 30)
  }
  // HOSTNAME, unless the next word is visibly the tag ("postfix/smtpd[1]:",
  // "su:", "#001") or absent ("<14>Aug 30 23:00:05").
  while (k < s.size() && s[k] == ' ') ++k;
  if (k >= s.size()) {
    h.msg_offset = s.size();
    return true;
  }
  size_t e = k;
  while (e < s.size() && s[e] != ' ') ++e;
  const std::string_view word = s.substr(k, e - k);
  if (IsHostname(word)) {
    h.host = word;
    // Exactly one space separates HOSTNAME and TAG: with two, the tag is
    // empty and MSG starts after the second (rsyslog does the same).
    if (e >= s.size()) {
      h.msg_offset = s.size();
      return true;
    }
    k = e + 1;
    if (k >= s.size()) {
      h.msg_offset = s.size();
      return true;
    }
  }
  ParseTag(s, k, h);
  return true;
}

}  // namespace

void ParseSyslogLine(LogRecord& rec, const ParseContext& ctx) {
  const std::string_view s = rec.raw;
  uint32_t flags = rec.flags & ~kOwnedFlags;
  if (!s.empty() && std::memchr(s.data(), '\0', s.size()) != nullptr) flags |= kFlagNulBytes;
  if (!IsValidUtf8(s)) flags |= kFlagInvalidUtf8;

  Header h;
  if (ParseHeader(s, ctx, h)) {
    rec.format = h.format;
    rec.timestamp_us = h.has_timestamp ? h.timestamp_us : ctx.received_us;
    if (!h.has_timestamp) h.flags |= kFlagNoTimestamp;
    if (h.host.empty()) {
      rec.host.assign(ctx.fallback_host.data(), ctx.fallback_host.size());
    } else {
      rec.host.assign(h.host.data(), h.host.size());
    }
    rec.program.assign(h.program.data(), h.program.size());
    rec.pid.assign(h.pid.data(), h.pid.size());
    rec.msgid.assign(h.msgid.data(), h.msgid.size());
    rec.structured_data.assign(h.sd.data(), h.sd.size());
    rec.msg_offset = static_cast<uint32_t>(h.msg_offset);
    flags |= h.flags;
  } else {
    // Not a syslog header we can read: keep the line whole, dated on receipt.
    rec.format = SyslogFormat::kNone;
    rec.timestamp_us = ctx.received_us;
    rec.host.assign(ctx.fallback_host.data(), ctx.fallback_host.size());
    rec.program.clear();
    rec.pid.clear();
    rec.msgid.clear();
    rec.structured_data.clear();
    rec.msg_offset = 0;
    flags |= kFlagHeaderInvalid | kFlagNoTimestamp;
  }
  // A PRI that parsed is kept even when the rest of the header did not.
  if (h.pri >= 0) {
    rec.facility = static_cast<int8_t>(h.pri / 8);
    rec.severity = static_cast<int8_t>(h.pri % 8);
  } else {
    rec.facility = -1;
    rec.severity = -1;
  }
  rec.flags = flags;
}

}  // namespace mlq
