// Fan-out of freshly stored records to Tail streams.
//
// The writer calls Publish() on its thread after every commit (wire it with
// Writer::SetStoredCallback). Publish only tests each record against each
// subscriber's filter and appends shared pointers to per-subscriber queues:
// it never waits for a client. Each Tail handler owns a Subscription and
// drains it with Next().
//
// Slow subscribers: a subscription queues at most max_queued_records; when
// a commit would exceed that, its oldest queued records are dropped, the
// subscription's dropped() grows and the counter "tail.dropped" counts
// them. Other subscribers and the writer are never slowed down.
//
// Close() (the daemon calls it before shutting the gRPC server down) wakes
// every waiting Next(), which then returns false; later Subscribe() calls
// return nullptr and Publish() does nothing.
//
// Thread safety: every method is safe from any thread. A Subscription is
// drained by one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "query/filter.h"
#include "store/counters.h"
#include "store/store.h"

namespace mlq {

struct TailHubOptions {
  size_t max_queued_records = 10000;  // per subscription; older ones are dropped beyond it
  size_t max_subscribers = 256;       // Subscribe() refuses more
};

class TailHub {
 public:
  class Subscription {
   public:
    explicit Subscription(RecordFilter filter) : filter_(std::move(filter)) {}

    // Waits until records are queued, the hub closes or `timeout` passes,
    // then moves up to `max` queued records (in commit order) to the end of
    // *out. Returns false once the hub is closed (nothing is moved then).
    bool Next(std::chrono::milliseconds timeout, size_t max,
              std::vector<std::shared_ptr<const StoredRecord>>* out);

    // Records dropped so far because this subscriber fell behind.
    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

    const RecordFilter& filter() const { return filter_; }

   private:
    friend class TailHub;
    const RecordFilter filter_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::shared_ptr<const StoredRecord>> queue_;
    bool closed_ = false;
    std::atomic<uint64_t> dropped_{0};
  };

  explicit TailHub(Counters* counters, TailHubOptions options = {});
  TailHub(const TailHub&) = delete;
  TailHub& operator=(const TailHub&) = delete;

  // A new subscription receiving the records published from now on that
  // match `filter`; nullptr when the hub is closed or full.
  std::shared_ptr<Subscription> Subscribe(RecordFilter filter);
  // Stops feeding `sub`. Idempotent.
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);

  // Offers freshly committed records (keys[i] is records[i]'s primary key).
  // Quick and never blocking on a subscriber.
  void Publish(const std::vector<LogRecord>& records, const std::vector<std::string>& keys);

  // Ends every subscription; see above. Idempotent.
  void Close();

  size_t subscribers() const;

 private:
  const TailHubOptions options_;
  Counters::Counter& dropped_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_;
  std::atomic<size_t> count_{0};  // subs_.size(), read without the lock
  bool closed_ = false;
};

}  // namespace mlq
