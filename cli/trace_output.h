// Output of `mlq trace`: the journey for people, one JSON object for machines.
#pragma once

#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// One JSON object (no newline): {"message_ids", "summary", "hops": [{"host",
// "queue_id", "program", "role", "time", "time_us", "delay", "from",
// "client", "next", "lines": [record...]}], "recipients": [{"address",
// "orig_address", "verdict", "dsn", "reply", "host", "queue_id", "relay",
// "where", "step", "time", "explanation", "line"}], "other_lines": [...]};
// records as `mlq find --json` prints them.
std::string TraceToJson(const mlq::v1::MessageTrace& trace, bool utc);

// The human form: recipients and their verdicts first (the answer), then
// the hops with their lines, then the related lines outside any queue.
// Every string from the trace is passed through SanitizeForTerminal
// (format.h): the text holds no control characters but its own newlines.
std::string TraceToText(const mlq::v1::MessageTrace& trace, bool utc);

}  // namespace mlq::cli
