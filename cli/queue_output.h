// Output of `mlq queue`. Pure functions (and TZ for local times); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// One JSON object (no trailing newline) per queued message:
//   {"host":"mx1","queue_id":"..","message_id":"..","from":"..","recipients":[..],
//    "queued":"<RFC 3339>","queued_us":n,"age_us":n,"age_s":n,"last_status":"deferred",
//    "last_reply":"..","last_relay":"..","deferrals":n,"size":n}
// Every member is always present except size (left out when unknown);
// strings may be empty ("from" is "" for the null sender).
std::string QueuedMessageToJson(const mlq::v1::QueuedMessage& m, bool utc);

// The table: AGE HOST QUEUE ID FROM RECIPIENTS DEFERRALS LAST REASON, one row
// per message in the given order. FROM is "<>" for the null sender;
// RECIPIENTS shows the first three and "+N more"; LAST REASON is the latest
// deferral's reply, else "on hold" / "frozen", else "-". Every cell is
// sanitized (SanitizeForTerminal, format.h).
std::string QueueTable(const mlq::v1::QueueResponse& r);

// The --older-than value as a duration in µs: a duration ("30m", "2d",
// "1h30m") or an instant (anything --since takes: then "queued before it").
// nullopt with *error set when it is neither or lies in the future.
std::optional<int64_t> ParseOlderThan(std::string_view text, int64_t now_us, bool utc,
                                      std::string* error);

}  // namespace mlq::cli
