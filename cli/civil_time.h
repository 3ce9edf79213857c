// Conversions between instants (seconds since the Unix epoch) and calendar
// fields, in UTC or in the process's local time zone (TZ, as libc sees it).
//
// UTC conversions are pure arithmetic (proleptic Gregorian calendar, any
// year). Local conversions go through libc (mktime/localtime_r): they honour
// TZ and DST; a local time that does not exist (inside a DST gap) is moved by
// the gap like mktime does, an ambiguous one resolves to either instant.
// Thread safety: safe from any thread once TZ is set (call tzset() first
// if TZ changes at run time; tests do).
#pragma once

#include <cstdint>

namespace mlq::cli {

struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;   // 0..23
  int minute = 0;
  int second = 0;
};

// Days from 1970-01-01 to the given date (negative before it).
int64_t DaysFromCivil(int year, int month, int day);

// Number of days in the month (1..12) of the year; leap years honoured.
int DaysInMonth(int year, int month);

// The calendar fields of `epoch_seconds`, in UTC (utc = true) or local time.
// *utc_offset_seconds (optional) receives the offset from UTC that applied
// (0 in UTC, e.g. 3600 for CET).
CivilTime CivilFromEpoch(int64_t epoch_seconds, bool utc, int* utc_offset_seconds = nullptr);

// The instant of the calendar fields read as UTC (utc = true) or local time.
// Fields must be in range (see DaysInMonth); not checked here.
int64_t EpochFromCivil(const CivilTime& civil, bool utc);

}  // namespace mlq::cli
