// The single writer: a bounded queue in front of the store, drained by one
// thread that group-commits whatever has accumulated (DESIGN.md, "Process
// and data flow").
//
// Producers (receiver threads, the Ingest RPC) call TryPush, which never
// blocks: when the queue holds max_queued_records it refuses the batch and
// the producer decides (TCP pauses reading; UDP counts a drop). Memory is
// bounded by max_queued_records plus max_queued_bytes of raw text.
//
// Counters: "stored" (records written), "store.batches", "store.errors",
// "dropped.store_error" (records lost to a failed write).
//
// Thread safety: TryPush, Flush and Stop are safe from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/counters.h"
#include "store/record_sink.h"
#include "store/store.h"

namespace mlq {

struct WriterOptions {
  size_t max_queued_records = 200000;
  size_t max_queued_bytes = 256 << 20;  // raw text bytes waiting
  size_t max_batch_records = 8192;      // records per WriteBatch
};

class Writer final : public RecordSink {
 public:
  // Called on the writer thread after each successful commit (e.g. Tail),
  // with the records and their primary keys. Must be quick: it delays the
  // next commit.
  using StoredCallback = std::function<void(const std::vector<LogRecord>& records,
                                            const std::vector<std::string>& keys)>;

  Writer(Store* store, Counters* counters, WriterOptions options = {});
  ~Writer() override;  // Stop()s

  bool TryPush(std::vector<LogRecord>& batch) override;

  // Blocks until everything pushed before the call has been committed.
  void Flush();

  // Commits everything queued, then stops the thread. Idempotent.
  void Stop();

  void SetStoredCallback(StoredCallback cb);

  size_t queued_records() const;

 private:
  void Run();

  Store* store_;
  Counters* counters_;
  WriterOptions options_;
  Counters::Counter& stored_;
  Counters::Counter& batches_;
  Counters::Counter& errors_;
  Counters::Counter& dropped_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<LogRecord> queue_;
  size_t queued_bytes_ = 0;
  uint64_t pushed_ = 0;     // records accepted so far
  uint64_t committed_ = 0;  // records handled (stored or dropped) so far
  bool stopping_ = false;
  StoredCallback on_stored_;
  std::thread thread_;
};

}  // namespace mlq
