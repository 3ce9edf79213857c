// Corpus lines through the path mlqd uses: LineParser (syslog header, then
// DefaultNormalizers) with a fixed receive time and UTC for zone-less
// timestamps, so every run gives the same records.
//
// A message body (the MSG part alone, as in the corpus' *-msgbodies.log
// files) has no header to parse: Body() builds the record the header parser
// would have built for `program` and runs the same normalizer table on it.
//
// Also the time notation the expected files use.
//
// Thread safety: const methods, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "receiver/intake/line_parser.h"
#include "store/counters.h"
#include "store/record.h"

namespace mlq::testing {

// 2026-11-22T12:00:00Z: the receive time of every corpus line (it decides
// the year of RFC 3164 timestamps, which carry none).
inline constexpr int64_t kCorpusReceivedUs = 1795348800LL * 1000000;

class DaemonPath {
 public:
  DaemonPath();
  DaemonPath(const DaemonPath&) = delete;
  DaemonPath& operator=(const DaemonPath&) = delete;

  // A whole received line.
  LogRecord Line(std::string_view line) const;
  // The MSG part of a line whose header named `program`.
  LogRecord Body(std::string_view program, std::string_view msg) const;

 private:
  Counters counters_;
  LineParser parser_;
  LineSource source_;
};

// "2017-06-24T15:41:05" or "2023-05-30T06:10:13.345": UTC, fraction only
// when there is one.
std::string IsoTime(int64_t us);

}  // namespace mlq::testing
