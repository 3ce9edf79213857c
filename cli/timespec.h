// Parsing of the time arguments of --since / --until.
//
// Accepted forms (leading/trailing spaces ignored):
//   - a duration back from now: "30s", "15m", "2h", "7d", "1w", also
//     combined ("1h30m", "1d12h"); units s, m, h, d, w;
//   - "now";
//   - "@<unix seconds>", optionally with a fraction: "@1700000000.5";
//   - a date "2026-11-22" (midnight);
//   - a date and time "2026-11-22 10:00", "2026-11-22 10:00:00" or with 'T'
//     instead of the space, optional fraction of seconds ".123456";
//   - the same followed by a zone: "Z" or an offset "+01:00", "-0500",
//     "+01" (RFC 3339 / ISO 8601).
// Dates and times without a zone are read in the local time zone, or in UTC
// when `utc` is true. Fractions finer than a microsecond are truncated.
//
// Pure apart from reading TZ for local times; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlq::cli {

// The instant `text` denotes, in µs since the Unix epoch, with `now_us` as
// "now" for durations. On failure returns nullopt and sets *error to a
// one-line explanation that quotes the text and lists the accepted forms.
std::optional<int64_t> ParseTimeSpec(std::string_view text, int64_t now_us, bool utc,
                                     std::string* error);

// One time flag for a request: empty `text` (flag not given) leaves *us
// alone and returns true; otherwise sets *us to ParseTimeSpec's value, the
// epoch itself becoming 1 µs because 0 means "no bound" (or "default") on the
// wire. On a bad value returns false with *error = "<flag>: <explanation>".
bool ParseTimeFlag(const char* flag, const std::string& text, bool utc, int64_t now_us, int64_t* us,
                   std::string* error);

// The current time in µs since the Unix epoch (system clock).
int64_t NowMicros();

}  // namespace mlq::cli
