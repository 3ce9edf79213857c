#include "cli/timefmt.h"

#include <cstdio>
#include <cstdlib>

#include "base/civil_time.h"

namespace mlq::cli {

using civil::CivilFromEpoch;
using civil::CivilTime;
namespace {

// Splits µs into whole seconds (floor) and the µs within the second.
void Split(int64_t micros, int64_t* secs, int64_t* frac) {
  *secs = micros / 1000000;
  *frac = micros % 1000000;
  if (*frac < 0) {
    *frac += 1000000;
    *secs -= 1;
  }
}

}  // namespace

std::string FormatTableTime(int64_t micros, bool utc) {
  int64_t secs;
  int64_t frac;
  Split(micros, &secs, &frac);
  const CivilTime c = CivilFromEpoch(secs, utc);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d%s", c.year, c.month, c.day, c.hour,
                c.minute, c.second, utc ? "Z" : "");
  return buf;
}

std::string FormatRfc3339(int64_t micros, bool utc) {
  int64_t secs;
  int64_t frac;
  Split(micros, &secs, &frac);
  int offset = 0;
  const CivilTime c = CivilFromEpoch(secs, utc, &offset);
  char zone[16] = "Z";
  if (!utc) {
    const int a = std::abs(offset) / 60;
    std::snprintf(zone, sizeof(zone), "%c%02d:%02d", offset < 0 ? '-' : '+', a / 60, a % 60);
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lld%s", c.year, c.month, c.day,
                c.hour, c.minute, c.second, static_cast<long long>(frac), zone);
  return buf;
}

std::string FormatDuration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const int64_t d = seconds / 86400;
  const int64_t h = seconds / 3600 % 24;
  const int64_t m = seconds / 60 % 60;
  const int64_t s = seconds % 60;
  const auto two = [](int64_t a, char ua, int64_t b, char ub) {
    std::string out = std::to_string(a) + ua;
    if (b != 0) out += " " + std::to_string(b) + ub;
    return out;
  };
  if (d > 0) return two(d, 'd', h, 'h');
  if (h > 0) return two(h, 'h', m, 'm');
  if (m > 0) return two(m, 'm', s, 's');
  return std::to_string(s) + "s";
}

}  // namespace mlq::cli
