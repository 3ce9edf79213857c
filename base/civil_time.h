// Calendar arithmetic, one copy for the whole project: the timestamps
// normalizers read out of log text (Exim's "2026-11-22 10:11:12", Kerio's
// "[22/Nov/2026 10:11:12]", Zimbra's log4j times, Roundcube's "[22-Nov-2026
// 10:11:12 +0100]", the syslog header), and the CLI's time arguments and
// output (--since 2026-11-22, local or UTC display).
//
// The inline functions are allocation-free and pure. UTC conversions are
// pure arithmetic (proleptic Gregorian calendar, any year). Local
// conversions go through libc (mktime/localtime_r): they honour TZ and DST;
// a local time that does not exist (inside a DST gap) is moved by the gap
// like mktime does, an ambiguous one resolves to either instant.
// Thread safety: everything is safe from any thread once TZ is set (call
// tzset() first if TZ changes at run time; tests do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/scan.h"

namespace mlq::civil {

// a / b rounded toward minus infinity (C++ rounds toward zero): the day,
// hour or bucket a time before the epoch falls in. b != 0.
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Days since 1970-01-01 of the proleptic Gregorian date y-m-d (Howard
// Hinnant's days_from_civil), negative before it. m is 1..12; d is not
// range-checked.
constexpr int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Seconds since the epoch of the civil time y-m-d h:mi:se (UTC: subtract the
// zone's offset from the result for a local time).
constexpr int64_t UnixSeconds(int64_t y, int64_t m, int64_t d, int64_t h, int64_t mi, int64_t se) {
  return DaysFromCivil(y, m, d) * 86400 + h * 3600 + mi * 60 + se;
}

// The value of the `n` (<= 9) ASCII digits at s[pos], or -1 when s is too
// short or one of them is not a digit.
inline int DigitsAt(std::string_view s, size_t pos, size_t n) {
  if (pos > s.size() || n > s.size() - pos) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!scan::IsDigit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// 1..12 for the English abbreviation "Jan".."Dec" (exact case), else 0.
inline int MonthNumber(std::string_view abbr) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (abbr == kMonths[i]) return i + 1;
  }
  return 0;
}

// Number of days in the month (1..12) of the year; leap years honoured.
int DaysInMonth(int year, int month);

// Calendar fields of an instant.
struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;   // 0..23
  int minute = 0;
  int second = 0;
};

// The calendar fields of `epoch_seconds`, in UTC (utc = true) or local time.
// *utc_offset_seconds (optional) receives the offset from UTC that applied
// (0 in UTC, e.g. 3600 for CET).
CivilTime CivilFromEpoch(int64_t epoch_seconds, bool utc, int* utc_offset_seconds = nullptr);

// The instant of the calendar fields read as UTC (utc = true) or local time.
// Fields must be in range (see DaysInMonth); not checked here.
int64_t EpochFromCivil(const CivilTime& civil, bool utc);

}  // namespace mlq::civil
