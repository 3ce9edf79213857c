// Fan-out of freshly stored records to Tail streams.
//
// The writer calls Publish() on its thread after every commit (wire it with
// Writer::SetStoredCallback). Publish only copies the records (while anybody
// tails) and hands them to the hub's own fan-out thread, which tests each
// against each subscriber's filter (a text filter is a substring search over
// the whole line: never on the writer's thread) and appends shared pointers
// to per-subscriber queues. Nothing waits for a client. Each Tail handler
// owns a Subscription and drains it with Next().
//
// The fan-out thread falling behind: at most max_pending_records wait for
// it; beyond that the oldest waiting commits are dropped for every
// subscriber (each subscription's dropped() and "tail.dropped" count them).
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
#include <thread>
#include <vector>

#include "query/filter.h"
#include "store/counters.h"
#include "store/store.h"

namespace mlq {

struct TailHubOptions {
  size_t max_queued_records = 10000;   // per subscription; older ones are dropped beyond it
  size_t max_subscribers = 256;        // Subscribe() refuses more
  size_t max_pending_records = 50000;  // waiting for the fan-out thread
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

  // Starts the fan-out thread; Close() (or the destructor) stops it.
  explicit TailHub(Counters* counters, TailHubOptions options = {});
  ~TailHub();
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

  // Waits until everything published so far has reached the subscriptions
  // (for tests).
  void Drain();

 private:
  using Batch = std::vector<std::shared_ptr<const StoredRecord>>;
  void FanOutLoop();
  void FanOut(const Batch& batch);

  const TailHubOptions options_;
  Counters::Counter& dropped_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_;
  std::atomic<size_t> count_{0};  // subs_.size(), read without the lock
  bool closed_ = false;
  // Commits waiting for the fan-out thread.
  std::mutex fan_mu_;
  std::condition_variable fan_cv_;
  std::deque<Batch> pending_;
  size_t pending_records_ = 0;
  bool busy_ = false;  // the thread is fanning a batch out
  bool stop_ = false;
  std::thread fan_out_;
};

}  // namespace mlq
