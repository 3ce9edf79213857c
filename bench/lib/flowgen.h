// Deterministic generator of realistic mail-server syslog traffic: whole
// Postfix / amavis / Dovecot message flows (postscreen, smtpd, cleanup, qmgr,
// amavis re-queue, smtp/lmtp deliveries sent/deferred/bounced, bounce
// notices, removed), NOQUEUE rejects and noise (anvil, TLS, warnings,
// imap-login), interleaved over hosts mx1..mxN on a simulated clock.
//
// Every queue ID (long form like 4Ldr9y6wlvz3xgh on odd hosts, short hex
// like EA8FF222F6 on even ones) and every message-id is unique within a
// run; the same seed gives the same bytes.
//
// Lines come out in "file form", exactly as a file-writing syslog daemon
// (rsyslog RSYSLOG_TraditionalFileFormat, syslog-ng's default file template)
// stores them: "Mmm dd hh:mm:ss host tag[pid]: msg", no PRI. The wire form
// is "<PRI>" + file form (RFC 3164 as rsyslog forwards it).
//
// Thread safety: one FlowGen per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace mlq::bench {

struct FlowGenOptions {
  uint64_t seed = 1;
  int hosts = 4;                      // mx1..mxN
  int64_t start_unix_s = 1767225600;  // simulated clock start (2026-01-01 00:00:00 UTC)
  double sim_lines_per_s = 100;       // density of the simulated timeline
  int local_users = 50000;            // distinct local mailboxes
  int external_users = 200000;        // distinct remote correspondents
  size_t key_samples = 200;           // lookup keys kept (reservoir over finished messages)
};

// A message whose every line has been emitted: lookup keys for benchmarks.
struct KeySample {
  std::string message_id;  // without angle brackets
  std::string queue_id;    // the first queue ID of the message
  std::string host;        // where that queue ID lives
  std::string address;     // one recipient
};

class FlowGen {
 public:
  explicit FlowGen(const FlowGenOptions& options);
  ~FlowGen();

  // The next line in file form (replaces *line). `pri` gets the syslog
  // priority (facility mail = 2) and `host` the host index (0-based).
  void Next(std::string* line, int* pri, int* host);

  // Up to key_samples finished messages, chosen uniformly (reservoir).
  const std::vector<KeySample>& samples() const { return samples_; }

 private:
  struct Pending {
    int64_t time_us;
    uint64_t seq;
    uint32_t flow;
    int16_t host;
    int16_t pri;
    std::string body;  // "tag[pid]: msg"
  };
  struct Later {
    bool operator()(const Pending* a, const Pending* b) const {
      return a->time_us != b->time_us ? a->time_us > b->time_us : a->seq > b->seq;
    }
  };
  struct FlowState {
    int remaining = 0;
    bool sample = false;
    KeySample key;
  };
  class Builder;
  friend class Builder;

  void StartFlow(int64_t at_us);
  void Push(uint32_t flow, int64_t time_us, int host, int pri, std::string body);
  void FlowDone(FlowState& f);

  FlowGenOptions o_;
  std::mt19937_64 rng_;
  std::mt19937_64 sample_rng_;
  std::priority_queue<Pending*, std::vector<Pending*>, Later> heap_;
  std::unordered_map<uint32_t, FlowState> flows_;
  std::vector<std::string> hostnames_;
  std::vector<KeySample> samples_;
  uint64_t finished_messages_ = 0;
  uint64_t seq_ = 0;
  uint64_t qid_counter_ = 0;
  uint64_t mid_counter_ = 0;
  uint32_t next_flow_ = 1;
  int64_t next_arrival_us_ = 0;
  double mean_gap_us_ = 0;
  std::vector<int> pid_base_;  // per host: process ids drift per program
};

// Renders "Mmm dd hh:mm:ss" (RFC 3164, space-padded day, UTC) into out.
void AppendRfc3164Time(int64_t time_us, std::string* out);

}  // namespace mlq::bench
