// The pflogsumm-style report of the Stats RPC, built in one pass over the
// records of a time range (oldest first), without gRPC or the store, so it
// can be tested on records alone.
//
// What is counted (Totals, per host and per hour of timestamp_us):
//   received     messages that entered a queue: Postfix qmgr "queued" lines
//                (from=, size=, nrcpt=), Exim "<=" arrivals, Kerio "Recv",
//                ... (event "queued"). A Postfix (host, queue ID) counts once
//                however often qmgr re-activates it, and a queue entry that a
//                content filter re-injected (the "queued as X" of a hand-off
//                to amavis & co., or amavis's own "queued_as: X") is not
//                counted: the message was counted when it first arrived.
//                A queue ID that Postfix reuses after "removed" counts again.
//   delivered    delivery lines (event "delivery") with status "sent" that
//                are final: hand-offs to a local content filter are not
//                deliveries (see IsContentFilterHandoff).
//   deferred     delivery lines with status "deferred".
//   bounced      delivery lines with status "bounced" or "undeliverable".
//   rejected     reject lines: event "reject", "milter-reject",
//                "proxy-reject" of mail families (sshd's tcp_wrappers
//                rejects are not mail). One per recipient the line names,
//                at least one (Postfix and Exim log a line per recipient).
//   quarantined  amavis "Blocked" results, Postfix "hold" and "milter-hold".
//   expired      event "expired".
//   auth_failures event "auth-failure", any family.
//   lines        every record.
// Top lists: senders and sender domains of received messages ("<>" is the
// null sender; it has no domain); recipients and recipient domains of
// delivered recipients; reasons (reasons.h) of rejects, deferrals and
// bounces; auth failures by client IP and by SASL user. Addresses and
// domains are lower-cased. Lists are sorted by count (descending), then key,
// and cut to `top`.
// Per host also: the timestamp of its newest line (last_us), its lines no
// normalizer recognized (unparsed: no family), and its own hour buckets
// (only hours with a line; for the first kMaxHourlyHosts hosts seen).
// Per recipient domain (recipient_domain_stats): the outcomes above that
// count recipients (delivered, deferred, bounced, rejected, quarantined,
// expired), one per recipient the line names, for the `top` domains with
// the most; at most max_keys domains are told apart (then "(other)").
// Delays: nearest-rank percentiles (the value at rank ceil(p/100 * n) of the
// sorted values) of the delay= of delivered lines, in seconds ("5.4", Exim
// "1m2s").
//
// Memory is bounded: each counting map holds at most max_keys keys (later
// keys are folded into "(other)"); delays are kept exactly up to max_delays
// values, then as a uniform reservoir sample of that size (percentiles
// become estimates, max stays exact); open Postfix queue entries (queued and
// not yet removed) are held until their "removed", at most max_open of them
// (beyond that all open entries are counted at once, as if removed).
//
// Not thread-safe; one builder per request.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mlq/v1/query.pb.h"
#include "query/outcome.h"
#include "store/record.h"

namespace mlq {

// Hosts that get hour buckets of their own (HostStats.hours).
inline constexpr size_t kMaxHourlyHosts = 64;

struct StatsOptions {
  std::string host;  // only records of this host; "" = every host
  uint32_t top = 10;
  int64_t since_us = 0;  // the range reported (hour buckets are filled between them)
  int64_t until_us = 0;
  size_t max_keys = 1000000;
  size_t max_delays = 1000000;
  size_t max_open = 200000;
};

// IsContentFilterHandoff: query/outcome.h.

// Seconds in a logged delay: "5.4", "0", Exim "1m2s", "1d2h", "3s"; nullopt
// when it is not one.
std::optional<double> ParseDelaySeconds(std::string_view delay);

class StatsBuilder {
 public:
  explicit StatsBuilder(StatsOptions options);

  // Adds one record; records must come in time order (oldest first).
  void Add(const LogRecord& rec);

  // The report of everything added. Call once.
  v1::StatsResponse Finish();

 private:
  // Counts under string keys, at most max_keys of them.
  class Counter {
   public:
    explicit Counter(size_t max_keys) : max_keys_(max_keys) {}
    void Add(std::string_view key, uint64_t n = 1);
    // The `top` largest, by count descending then key.
    void Top(uint32_t top, google::protobuf::RepeatedPtrField<v1::Count>* out) const;

   private:
    size_t max_keys_;
    std::unordered_map<std::string, uint64_t> counts_;
  };

  // A Postfix queue entry between its "queued" line and its "removed".
  struct OpenEntry {
    bool queued = false;      // its first "queued" line was seen
    bool reinjected = false;  // a content filter put it there
    std::string host;
    int64_t timestamp_us = 0;  // of its first "queued" line
    std::string from;
  };

  // What a host has beyond its totals.
  struct HostExtra {
    int64_t last_us = 0;
    uint64_t unparsed = 0;
    bool hourly = false;  // one of the first kMaxHourlyHosts
    std::unordered_map<int64_t, v1::Totals> hours;
  };

  v1::Totals& HostTotals(const std::string& host);
  // Counts `rec`'s recipients under their domains with `apply`.
  template <typename Fn>
  void CountDomains(const LogRecord& rec, Fn apply);
  v1::Totals& HourTotals(int64_t timestamp_us);
  // Applies `fn` to the grand totals, the host's and the hour's of `timestamp_us`.
  template <typename Fn>
  void Count(const std::string& host, int64_t timestamp_us, Fn fn);
  void CountReceived(const std::string& host, int64_t timestamp_us, std::string_view from);
  void CloseEntry(const std::string& key);
  void CloseAll();
  void AddDelay(double seconds);

  StatsOptions options_;
  v1::Totals totals_;
  std::unordered_map<std::string, v1::Totals> hosts_;
  std::unordered_map<int64_t, v1::Totals> hours_;
  std::unordered_map<std::string, HostExtra> host_extra_;  // same keys as hosts_
  size_t hourly_hosts_ = 0;
  std::unordered_map<std::string, v1::Totals> domains_;  // recipient domain -> outcomes
  Counter senders_, recipients_, sender_domains_, recipient_domains_;
  Counter reject_reasons_, defer_reasons_, bounce_reasons_;
  Counter auth_ips_, auth_users_;
  std::unordered_map<std::string, OpenEntry> open_;  // "host\0queue_id"
  std::vector<double> delays_;
  uint64_t delay_count_ = 0;
  double delay_max_ = 0;
  std::mt19937_64 rng_{0x6d6c71};  // fixed seed: reports are reproducible
};

}  // namespace mlq
