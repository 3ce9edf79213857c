// Formatting of instants (µs since the Unix epoch) and durations for output.
//
// `utc` selects UTC; otherwise the process's local time zone (TZ) is used.
// Thread-safe (see civil_time.h).
#pragma once

#include <cstdint>
#include <string>

namespace mlq::cli {

// Table form, to the second: "2026-11-22 10:00:00" in local time, or
// "2026-11-22 10:00:00Z" in UTC. Sub-second digits are truncated.
std::string FormatTableTime(int64_t micros, bool utc);

// RFC 3339 with microseconds: "2026-11-22T10:00:00.123456Z" in UTC, or with
// the local offset that applied at that instant: "...00.123456+01:00".
std::string FormatRfc3339(int64_t micros, bool utc);

// A length of time for people, two units at most: "45s", "12m 5s",
// "3h 12m", "4d 2h". Negative values are shown as "0s".
std::string FormatDuration(int64_t seconds);

}  // namespace mlq::cli
