// Time zones for zone-less syslog timestamps (RFC 3164 has none).
//
// Thread safety: a loaded TimeZone is immutable; OffsetAt is safe from any
// thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mlq {

class TimeZone {
 public:
  // "local" (the machine's zone), "utc", or an IANA name such as
  // "Europe/Berlin". InvalidArgument when the name is unknown.
  static absl::StatusOr<TimeZone> Load(std::string_view name);

  // Seconds east of UTC in force at `unix_seconds` (DST included).
  int32_t OffsetAt(int64_t unix_seconds) const;

 private:
  explicit TimeZone(absl::TimeZone tz) : tz_(tz) {}
  absl::TimeZone tz_;
};

}  // namespace mlq
