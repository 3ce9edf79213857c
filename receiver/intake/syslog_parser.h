// Syslog header parsing: one framed line in, identity fields of a LogRecord out.
//
// Accepts RFC 5424, RFC 3164 and the variants real senders emit (no PRI, as in
// files written by rsyslog/syslogd; no hostname; no pid; RFC 3339 timestamps
// in a 3164 header as in RSYSLOG_ForwardFormat; space-padded days). Never
// fails: a line whose header cannot be parsed keeps msg_offset = 0, gets
// kFlagHeaderInvalid and the fallback host, and is still stored.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "store/record.h"

namespace mlq {

struct ParseContext {
  int64_t received_us = 0;         // receive time (µs, UTC): RFC 3164 year and fallback time
  std::string_view fallback_host;  // used when the header names no host (peer IP)
  int32_t utc_offset_s = 0;        // zone of zone-less timestamps, seconds east of UTC
};

// Parses rec.raw (which the caller has set to the whole framed line) and
// fills: format, facility, severity, timestamp_us, host, program, pid, msgid,
// structured_data, msg_offset, and flags (kFlagHeaderInvalid,
// kFlagNoTimestamp, kFlagYearGuessed, kFlagInvalidUtf8, kFlagNulBytes).
// RFC 3164 timestamps carry no year: the year is the receive year unless that
// puts the line more than 7 days after the receive time, then the year before
// (a December line received in January is last year's).
void ParseSyslogLine(LogRecord& rec, const ParseContext& ctx);

}  // namespace mlq
