// One framed line in, one LogRecord out: syslog header parsing plus mail
// normalization, with the receive counters. Used by every listener and by
// the Ingest RPC, so a line is understood the same way however it arrived.
//
// Counters: "received.<transport>" (udp, tcp, tls, ingest, relp), "parsed"
// (header understood), "unparsed" (header not understood; stored raw),
// "normalized" (recognized by a mail normalizer), "truncated",
// "listener.<transport>.host_mismatch" (udp, tcp, tls, relp: a header
// hostname the sender may not claim, see LineSource::claim_hosts).
//
// Thread safety: Parse() is const and safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"
#include "store/record.h"

namespace mlq {

struct LineSource {
  Transport transport = Transport::kUnknown;
  std::string peer;          // "ip:port", "" for imports
  std::string peer_host;     // host used when the header names none
  std::string peer_subject;  // TLS client certificate subject, "" when none
  int32_t utc_offset_s = 0;  // zone of zone-less timestamps
  // The header hostnames the sender may claim (its --allow entry,
  // allow_list.h); empty = any. A line claiming another host is flagged
  // kFlagHostUnverified (a line without a hostname, which gets the peer's
  // address as host, claims nothing).
  std::vector<std::string> claim_hosts;
};

class LineParser {
 public:
  LineParser(const NormalizerTable* normalizers, Counters* counters);

  // Builds the record for `line`. `frame_flags` are RecordFlag bits the
  // framer set (truncated, framing error). Never fails.
  LogRecord Parse(std::string_view line, uint32_t frame_flags, const LineSource& source,
                  int64_t received_us) const;

  // The same, into an existing record (reuses its capacity; whatever it
  // held before is cleared first).
  void ParseInto(std::string_view line, uint32_t frame_flags, const LineSource& source,
                 int64_t received_us, LogRecord& rec) const;

 private:
  const NormalizerTable* normalizers_;
  std::array<Counters::Counter*, 6> received_;  // by Transport
  Counters::Counter& parsed_;
  Counters::Counter& unparsed_;
  Counters::Counter& normalized_;
  Counters::Counter& truncated_;
  std::array<Counters::Counter*, 6> host_mismatch_;  // by Transport; null for unknown, ingest
};

// Microseconds since the Unix epoch, now.
int64_t NowMicros();

// The local time zone's offset east of UTC at `unix_seconds`, in seconds.
int32_t LocalUtcOffset(int64_t unix_seconds);

}  // namespace mlq
