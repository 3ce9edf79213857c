// The single writer: a bounded queue in front of the store, drained by one
// thread that group-commits whatever has accumulated (DESIGN.md, "Process
// and data flow").
//
// Producers (receiver threads, the Ingest RPC) call TryPush, which never
// blocks: when the queue holds max_queued_records, or max_queued_bytes of
// records (sizeof(LogRecord) plus the raw line, per record), it refuses the
// batch and the producer decides (TCP pauses reading; UDP counts a drop).
// Queued memory is bounded by about 3x max_queued_bytes (the parsed fields
// are heap strings too, at most about twice the raw line).
//
// The queue holds whole batches: TryPush moves the producer's vector in
// (O(1), no record is copied or moved) and hands it back a spare, already
// allocated vector. Before queueing, TryPush does on the producer's thread
// what needs no store (Store::Prepare: encoding, index keys). The writer
// commits groups of batches where they are (Store::WriteGroup) and returns
// them as spares with their records, which the producer destroys: the
// writer thread, the one that falls behind, neither moves nor frees a
// record. Two producers pushing at once may each overshoot the bounds by
// one batch (the check comes before the preparation, outside the lock).
//
// Durability: with StoreOptions::sync_writes the writer takes the WAL sync
// over from the store (Store::DeferSyncs): a second thread fsyncs the WAL
// after each round of commits while the writer thread commits the next
// round, instead of each write waiting for its own fsync (which cost a sixth
// of the ingest rate). Records count as "stored", and Flush() returns for
// them, only once that sync has returned; a tail callback sees them as soon
// as they are written.
//
// Counters: "stored" (records written and, with sync_writes, synced),
// "store.batches", "store.errors" (failed writes and syncs),
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
  size_t max_queued_bytes = 256 << 20;  // sizeof(LogRecord) + raw, per queued record
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

  // Blocks until everything pushed before the call has been committed (and
  // synced, with sync_writes).
  void Flush();

  // Commits everything queued, then stops the thread. Idempotent.
  void Stop();

  void SetStoredCallback(StoredCallback cb);

  size_t queued_records() const;

 private:
  void Run();
  void RunSync();
  // Hands a round's records on: to the sync thread, or straight to
  // committed_ / "stored" without one.
  void Handled(uint64_t handled, uint64_t stored);

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
  // A pushed batch and what TryPush prepared of it on the producer's thread.
  struct Pending {
    std::vector<LogRecord> records;
    Store::Prepared prep;
  };
  std::deque<Pending> queue_;   // as pushed
  std::vector<Pending> spare_;  // committed, capacity kept, for TryPush to reuse
  size_t queued_records_ = 0;
  size_t queued_bytes_ = 0;
  uint64_t pushed_ = 0;     // records accepted so far
  uint64_t committed_ = 0;  // records handled (stored or dropped) so far
  bool stopping_ = false;
  StoredCallback on_stored_;
  // Written, not yet synced (the sync thread's work).
  const bool sync_thread_wanted_;
  std::condition_variable sync_cv_;
  uint64_t unsynced_handled_ = 0;
  uint64_t unsynced_stored_ = 0;
  bool sync_stopping_ = false;
  std::thread sync_thread_;
  std::thread thread_;
};

}  // namespace mlq
