#include "receiver/intake/time_zone.h"

#include <string>

namespace mlq {

absl::StatusOr<TimeZone> TimeZone::Load(std::string_view name) {
  if (name == "local") return TimeZone(absl::LocalTimeZone());
  if (name == "utc" || name == "UTC") return TimeZone(absl::UTCTimeZone());
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(std::string(name), &tz)) {
    return absl::InvalidArgumentError("unknown time zone: " + std::string(name));
  }
  return TimeZone(tz);
}

int32_t TimeZone::OffsetAt(int64_t unix_seconds) const {
  return tz_.At(absl::FromUnixSeconds(unix_seconds)).offset;
}

}  // namespace mlq
