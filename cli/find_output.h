// Output of `mlq find`: a Record as one JSON line, or records as a table.
// Pure functions of their arguments (and TZ for local times); thread-safe.
#pragma once

#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// One JSON object (no trailing newline) with every known field of `r`:
//   time (RFC 3339 with µs; UTC "Z" when `utc`, else the local offset),
//   timestamp_us, received_us, host, program, pid, queue_id, message_id,
//   from, to (array, always present), status, dsn, relay, event, family,
//   message, raw, then key, peer, transport, format, facility, severity,
//   msgid, structured_data, flags, orig_to, reply, delay, delays, size,
//   nrcpt, client_name, client_ip, sasl_user, helo, proto, links (array of
//   {kind, queue_id, host}), extra (object).
// Empty strings, -1 numbers and empty lists/maps are left out, except time,
// timestamp_us, received_us, host, raw and to, which are always there. Numbers are JSON numbers;
// pid and delay, text in the proto, are written as numbers when they are one
// ("1234", "0.25") and as strings otherwise.
std::string RecordToJson(const mlq::v1::Record& r, bool utc);

// The table of `mlq find`: header TIME HOST PROGRAM[PID] QUEUE ID EVENT
// MESSAGE, then one row per record in the given order. Empty fields show
// as "-". TIME is to the second (see FormatTableTime). HOST is HostText().
// Every cell is sanitized (SanitizeForTerminal, format.h).
std::string RecordsTable(const mlq::v1::FindResponse& response, bool utc);

// The host of the text views (find, tail, trace): the record's host; when the record is flagged
// host-unverified (its sender's address may not claim that host, mlqd --allow), followed by the
// address it came from: "mx1 [forged? from 203.0.113.9]". Not sanitized.
std::string HostText(const mlq::v1::Record& r);

}  // namespace mlq::cli
