// Generated mail flows parsed into records the way a TCP listener parses
// them, for the micro benchmarks that need realistic records rather than
// lines (store writes, metrics). The lines come from FlowGen (flowgen.h);
// each gets "<22>" (mail.info) and is parsed with the default normalizers
// as received at kBenchReceivedUs from a loopback TCP peer.
//
// Thread safety: one ParsedFlow per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/lib/flowgen.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"
#include "store/record.h"

namespace mlq::bench {

// "Now" for every benchmark record: 2026-01-02T00:00:00Z.
inline constexpr int64_t kBenchReceivedUs = 1767312000000000;

// The source every benchmark record is parsed from: TCP from 127.0.0.1.
inline LineSource LoopbackTcpSource() {
  LineSource source;
  source.transport = Transport::kTcp;
  source.peer = "127.0.0.1:40000";
  source.peer_host = "127.0.0.1";
  return source;
}

class ParsedFlow {
 public:
  // Flows of `hosts` hosts (mx1..mxN).
  explicit ParsedFlow(int hosts) : gen_(Options(hosts)) {}

  // Appends the next `n` records of the flow to *batch.
  void Fill(std::vector<LogRecord>* batch, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      gen_.Next(&line_, &pri_, &host_);
      parser_.ParseInto("<22>" + line_, 0, source_, kBenchReceivedUs, batch->emplace_back());
    }
  }

 private:
  static FlowGenOptions Options(int hosts) {
    FlowGenOptions o;
    o.hosts = hosts;
    return o;
  }

  Counters counters_;
  LineParser parser_{&DefaultNormalizers(), &counters_};
  const LineSource source_ = LoopbackTcpSource();
  FlowGen gen_;
  std::string line_;
  int pri_ = 0, host_ = 0;
};

}  // namespace mlq::bench
