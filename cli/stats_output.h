// Output of `mlq stats`. Pure functions (and TZ for local times); thread-safe.
#pragma once

#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// One JSON object (no trailing newline) mirroring the response:
//   {"since":"<RFC 3339>","since_us":n,"until":"<RFC 3339>","until_us":n,
//    "totals":{"received":n,"delivered":n,"deferred":n,"bounced":n,"rejected":n,
//              "quarantined":n,"expired":n,"auth_failures":n,"lines":n},
//    "hosts":[{"host":"mx1","totals":{...}},...],
//    "hours":[{"hour":"<RFC 3339>","hour_us":n,"totals":{...}},...],
//    "sender_domains":[{"key":"example.org","count":n},...], "recipient_domains":[...],
//    "top_senders":[...], "top_recipients":[...], "reject_reasons":[...],
//    "defer_reasons":[...], "bounce_reasons":[...], "auth_failures_by_ip":[...],
//    "auth_failures_by_user":[...],
//    "delays":{"count":n,"p50":s,"p90":s,"p99":s,"max":s}}
// Every member is always present; every number is a JSON number (delays in
// seconds, shortest round-trip form).
std::string StatsToJson(const mlq::v1::StatsResponse& s, bool utc);

// The report for people: the range, grand totals (rejected also as a percent
// of received + rejected), a per-host table, a per-hour table with a bar of
// received messages, the top lists, delay percentiles and auth failures.
// `host` is the --host filter ("" = every host). Text from logs is sanitized.
std::string StatsToText(const mlq::v1::StatsResponse& s, const std::string& host, bool utc);

// Seconds for people: "0.25s", "5.4s", "12s", then "2m 5s", "3h 12m".
std::string FormatSeconds(double seconds);

// The shortest JSON number text of `v` that reads back as `v` ("5.4", "0", "1e+21").
std::string JsonDouble(double v);

}  // namespace mlq::cli
