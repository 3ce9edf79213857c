// The queue side of /metrics: per sending host the messages still in its
// MTA's queue and the age of the oldest, from the queue view `mlq queue`
// shows (query/queue_builder.h), rebuilt in the background:
//   mlq_queue_messages{host}                   gauge
//   mlq_queue_oldest_age_seconds{host}         gauge (0 with nothing queued; the
//       age grows between refreshes)
//   mlq_queue_refresh_timestamp_seconds        gauge: when the view was last built
//   mlq_queue_scan_complete                    gauge 0/1: the last pass read its
//       whole window within the budget (else the view is the previous one)
// Host labels are the mail metrics' (MailMetrics::HostLabel: a host without a
// series of its own is summed into "other"); a host once listed stays, at 0.
//
// Every `interval` a thread of its own scans the lines of the last
// `lookback` (oldest first) through a QueueBuilder, reading at most
// `scan_budget` lines. A pass over budget keeps the previous view, counts
// "metrics.queue_scan_over_budget" and halves the lookback of the next
// passes (down to an hour). Never on the scrape path, never on the writer's
// thread.
//
// Thread safety: Render and RefreshNow from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "metrics/exposition.h"
#include "metrics/mail_metrics.h"
#include "store/counters.h"
#include "store/store.h"

namespace mlq::metrics {

struct QueueMetricsOptions {
  std::chrono::seconds interval{60};
  int64_t lookback_us = int64_t{3} * 86400 * 1000000;
  uint64_t scan_budget = 5'000'000;
  size_t max_messages = 1'000'000;  // queue entries held by one pass
  std::function<int64_t()> now_us;  // default: the system clock
};

class QueueMetrics {
 public:
  // `store`, `hosts` and `counters` must outlive this object.
  QueueMetrics(const Store* store, const MailMetrics* hosts, Counters* counters,
               QueueMetricsOptions options = {});
  ~QueueMetrics();  // Stop()s

  // Starts the background thread (first pass at once).
  void Start();
  void Stop();

  // One pass now, on the calling thread; false when it went over budget.
  bool RefreshNow();

  void Render(Exposition* out) const;

 private:
  struct HostQueue {
    uint64_t messages = 0;
    int64_t oldest_us = 0;  // 0 = none
  };
  int64_t Now() const;
  void Run();

  const Store* store_;
  const MailMetrics* hosts_;
  Counters::Counter& over_budget_;
  Counters::Counter& passes_;
  QueueMetricsOptions options_;
  std::mutex pass_mu_;  // one pass at a time
  mutable std::mutex mu_;
  std::map<std::string, HostQueue, std::less<>> view_;
  int64_t refreshed_us_ = 0;
  bool complete_ = false;
  int64_t lookback_us_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mlq::metrics
