#include "base/civil_time.h"

#include <ctime>

namespace mlq::civil {
namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

CivilTime CivilFromEpoch(int64_t epoch_seconds, bool utc, int* utc_offset_seconds) {
  CivilTime c;
  if (!utc) {
    const time_t t = static_cast<time_t>(epoch_seconds);
    struct tm tm {};
    if (localtime_r(&t, &tm) != nullptr) {
      c.year = tm.tm_year + 1900;
      c.month = tm.tm_mon + 1;
      c.day = tm.tm_mday;
      c.hour = tm.tm_hour;
      c.minute = tm.tm_min;
      c.second = tm.tm_sec;
      if (utc_offset_seconds != nullptr) *utc_offset_seconds = static_cast<int>(tm.tm_gmtoff);
      return c;
    }
    // Out of libc's range: fall back to UTC.
  }
  if (utc_offset_seconds != nullptr) *utc_offset_seconds = 0;
  const int64_t days = FloorDiv(epoch_seconds, 86400);
  const int64_t secs = epoch_seconds - days * 86400;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(yoe + era * 400 + (c.month <= 2));
  return c;
}

int64_t EpochFromCivil(const CivilTime& c, bool utc) {
  if (utc) {
    return UnixSeconds(c.year, c.month, c.day, c.hour, c.minute, c.second);
  }
  struct tm tm {};
  tm.tm_year = c.year - 1900;
  tm.tm_mon = c.month - 1;
  tm.tm_mday = c.day;
  tm.tm_hour = c.hour;
  tm.tm_min = c.minute;
  tm.tm_sec = c.second;
  tm.tm_isdst = -1;  // let libc decide whether DST applies
  return static_cast<int64_t>(mktime(&tm));
}

}  // namespace mlq::civil
