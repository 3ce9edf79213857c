// Output of `mlq status`. Pure functions (and TZ for local times).
#pragma once

#include <cstdint>
#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// One JSON object (no trailing newline):
//   {"stored":N,"received":{"tcp":n,...},"parsed":n,"unparsed":n,
//    "normalized":n,"dropped":{...},"store_bytes":n,"counters":{...},
//    "listeners":[{"transport":"udp","address":"ip:port"},...],
//    "version":"..","started":"<RFC 3339>","started_us":n}
// Map members are sorted by name; every number is a JSON number.
std::string StatusToJson(const mlq::v1::StatusResponse& s, bool utc);

// A human-readable report, one "Label  value" line per figure, for the
// daemon reached at `server`; `now_us` gives the uptime. Every value is
// sanitized (SanitizeForTerminal, format.h).
std::string StatusToText(const mlq::v1::StatusResponse& s, const std::string& server, bool utc,
                         int64_t now_us);

}  // namespace mlq::cli
