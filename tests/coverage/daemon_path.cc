#include "coverage/daemon_path.h"

#include <cstdio>
#include <ctime>

#include "receiver/normalizers/normalizer.h"

namespace mlq::testing {

DaemonPath::DaemonPath() : parser_(&DefaultNormalizers(), &counters_) {
  source_.transport = Transport::kIngest;
  source_.peer_host = "192.0.2.250";
  source_.utc_offset_s = 0;
}

LogRecord DaemonPath::Line(std::string_view line) const {
  return parser_.Parse(line, 0, source_, kCorpusReceivedUs);
}

LogRecord DaemonPath::Body(std::string_view program, std::string_view msg) const {
  LogRecord rec;
  rec.received_us = kCorpusReceivedUs;
  rec.timestamp_us = kCorpusReceivedUs;
  rec.transport = source_.transport;
  rec.host = source_.peer_host;
  rec.program = std::string(program);
  rec.raw = std::string(msg);
  rec.msg_offset = 0;
  rec.flags = kFlagNoTimestamp;
  DefaultNormalizers().Normalize(rec);
  return rec;
}

std::string IsoTime(int64_t us) {
  int64_t secs = us / 1000000, frac = us % 1000000;
  if (frac < 0) frac += 1000000, --secs;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

}  // namespace mlq::testing
