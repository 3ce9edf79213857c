// ParseSyslogLine (receiver/intake/syslog_parser.h): RFC 5424, RFC 3164 and
// their variants, on one framed line.
//
// Each input is one line, parsed with receive times and zones that reach
// the RFC 3164 year guess from both sides of a new year, and the extremes
// of the clock. Invariants: the raw line is left as it is; msg_offset lies
// inside it; facility and severity are -1 or in range; a header that did
// not parse says so (offset 0, fallback host, receive time); the enums
// hold known values.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "receiver/intake/syslog_parser.h"
#include "store/record.h"

namespace {

constexpr int64_t kSecond = 1000000;

struct Clock {
  int64_t received_us;
  int32_t utc_offset_s;
};

constexpr Clock kClocks[] = {
    {int64_t{1796587200} * kSecond, 0},           // 2026-12-06 20:00 UTC
    {int64_t{1798761630} * kSecond, 14 * 3600},   // 2027-01-01 00:00:30 UTC, UTC+14
    {int64_t{1798761570} * kSecond, -12 * 3600},  // 2026-12-31 23:59:30 UTC, UTC-12
    {0, 0},                                       // the epoch
    {int64_t{253402300799} * kSecond, 0},         // 9999-12-31 23:59:59 UTC
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  for (const Clock& clock : kClocks) {
    mlq::LogRecord rec;
    rec.raw.assign(line);
    mlq::ParseContext ctx;
    ctx.received_us = clock.received_us;
    ctx.utc_offset_s = clock.utc_offset_s;
    ctx.fallback_host = "192.0.2.7";
    mlq::ParseSyslogLine(rec, ctx);

    FUZZ_CHECK(rec.raw == line);
    FUZZ_CHECK(rec.msg_offset <= rec.raw.size());
    FUZZ_CHECK(rec.message().size() == rec.raw.size() - rec.msg_offset);
    FUZZ_CHECK(rec.facility >= -1 && rec.facility <= 23);
    FUZZ_CHECK(rec.severity >= -1 && rec.severity <= 7);
    FUZZ_CHECK((rec.facility == -1) == (rec.severity == -1));
    FUZZ_CHECK(static_cast<uint8_t>(rec.format) <=
               static_cast<uint8_t>(mlq::SyslogFormat::kRfc5424));
    if (rec.flags & mlq::kFlagHeaderInvalid) {
      FUZZ_CHECK(rec.msg_offset == 0);
      FUZZ_CHECK(rec.host == ctx.fallback_host);
      FUZZ_CHECK(rec.format == mlq::SyslogFormat::kNone);
    }
    if (rec.flags & mlq::kFlagNoTimestamp) FUZZ_CHECK(rec.timestamp_us == ctx.received_us);
    FUZZ_CHECK(!rec.host.empty());
    // The names the CLI and the store show exist for whatever was set.
    FUZZ_CHECK(!mlq::SyslogFormatName(rec.format).empty());
    for (std::string_view name : mlq::FlagNames(rec.flags)) FUZZ_CHECK(!name.empty());
  }
  return 0;
}
