// The single writer: a bounded queue in front of the store, drained by one
// thread that group-commits whatever has accumulated (DESIGN.md, "Process
// and data flow").
//
// Producers (receiver threads, the Ingest RPC) call TryPush, which never
// blocks: when the queue holds max_queued_records, or max_queued_bytes of
// records (sizeof(LogRecord), the raw line and the elements of its lists of
// recipients, links and extras, per record), it refuses the batch and the
// producer decides (TCP pauses reading; UDP counts a drop). Queued memory is
// bounded by about 3x max_queued_bytes (the parsed fields are heap strings
// too, at most about twice the raw line).
//
// The queue holds whole batches: TryPush moves the producer's vector in
// (O(1), no record is copied or moved) and hands it back a spare, already
// allocated vector. Before queueing, TryPush does on the producer's thread
// what needs no store (Store::Prepare: encoding, index keys; for imported
// records too, whose marks it takes out: the writer then only checks their
// identities, and encodes a batch again only when that check dropped one of
// its records). The writer
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
// of the ingest rate). Records count as "stored", Flush() returns for them
// and TryPushAcked's callback runs, only once that sync has returned; a tail
// callback sees them as soon as they are written.
//
// Resource errors (DESIGN.md, "Failure"): the writer never drops a record
// because a write or sync failed, and never aborts. It keeps the failed
// round, says why in Unavailable() (so producers refuse: TCP/TLS pause,
// UDP counts "dropped.store_unavailable", RELP and Ingest answer a
// retryable error), and retries every retry_interval after asking the
// store to recover (Store::Recover: RocksDB's Resume, or reopening a store
// that started read-only). A failed sync is retried the same way and, once
// the store recovered, made good by flushing the memtables (Store::Flush),
// so records written before a failed sync are counted only once they are
// really on disk. The same pause happens before a write when the disk's
// free space is below the store's reserve (Store::CheckSpace), so ENOSPC is
// rarely reached at all. Only Stop() on a store that still fails gives up:
// those records are counted in "dropped.store_error", never in "stored",
// and their acknowledgements get false.
//
// Counters: "stored" (records written and, with sync_writes, synced),
// "store.batches", "store.errors" (failed writes and syncs),
// "store.recoveries" (returns from unavailable to writing),
// "store.unavailable" (1 while unavailable, else 0),
// "dropped.store_error" (records lost because Stop() came while the store
// still failed).
//
// Thread safety: TryPush, Flush and Stop are safe from any thread.
#pragma once

#include <chrono>
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
  size_t max_queued_records = 50000;    // mlqd's --queue-records default
  size_t max_queued_bytes = 256 << 20;  // sizeof(LogRecord) + raw + list elements, per record
  size_t max_batch_records = 8192;      // records per WriteBatch
  // How often a failing store is asked to recover and the write retried.
  std::chrono::milliseconds retry_interval{500};
};

class Writer final : public RecordSink {
 public:
  // Called on the writer thread after each successful commit (e.g. Tail),
  // with the records and their primary keys. Must be quick: it delays the
  // next commit.
  using StoredCallback = std::function<void(const std::vector<LogRecord>& records,
                                            const std::vector<std::string>& keys)>;
  using AckCallback = RecordSink::StoredCallback;

  Writer(Store* store, Counters* counters, WriterOptions options = {});
  ~Writer() override;  // Stop()s

  bool TryPush(std::vector<LogRecord>& batch) override;
  bool TryPushAcked(std::vector<LogRecord>& batch, AckCallback on_stored) override;
  // Reports the records the writer's own identity check skipped (stored by
  // a concurrent import of the same lines after the caller's check).
  bool TryPushImported(std::vector<LogRecord>& batch, ImportCallback on_stored) override;

  // Blocks until everything pushed before the call has been committed (and
  // synced, with sync_writes).
  void Flush();

  // Commits everything queued, then stops the thread. Idempotent.
  void Stop();

  void SetStoredCallback(StoredCallback cb);

  size_t queued_records() const;

  // Why the writer refuses batches ("" while it takes them), e.g. "disk
  // full: ...", and since when (microseconds since the epoch; 0 = never
  // unavailable).
  std::string Unavailable() const override;
  int64_t unavailable_since_us() const;

 private:
  void Run();
  void RunSync();
  // Hands a round's records on: to the sync thread, or straight to
  // committed_ / "stored" without one.
  void Handled(uint64_t handled, uint64_t stored);
  // Pushes with an optional callback (TryPush and TryPushAcked).
  bool Push(std::vector<LogRecord>& batch, ImportCallback* on_stored);
  // Runs the callbacks of the batches now handled (committed_). Not under mu_.
  void RunCallbacks();
  // Marks the writer unavailable for `why` (logs the first report of each
  // state) or, with an OK status, available again.
  void SetHealth(const absl::Status& why);
  // Waits retry_interval (less when stopping) and asks the store to
  // recover. False when Stop() was requested.
  bool WaitAndRecover();
  // Commits one group, retrying as described above; false when the records
  // could not be written and Stop() gave up on them.
  bool CommitGroup(std::vector<std::vector<LogRecord>*>& group,
                   std::vector<Store::Prepared*>& preps, const StoredCallback& cb,
                   std::vector<std::vector<std::string>>* keys);

  Store* store_;
  Counters* counters_;
  WriterOptions options_;
  Counters::Counter& stored_;
  Counters::Counter& batches_;
  Counters::Counter& errors_;
  Counters::Counter& dropped_;
  Counters::Counter& recoveries_;
  Counters::Counter& unavailable_gauge_;

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
  std::string unavailable_;  // "" while healthy
  int64_t unavailable_since_us_ = 0;
  StoredCallback on_stored_;
  // Acknowledgements waiting for their batch, in push order.
  struct Ack {
    uint64_t begin, end;  // the batch's records: pushed_ before and after it
    ImportCallback cb;
  };
  std::deque<Ack> acks_;
  // Batches of which the identity check skipped records: (the batch's first
  // record in push order, how many), in push order; taken by RunCallbacks.
  std::deque<std::pair<uint64_t, size_t>> skipped_;
  // Ranges of records (in push order, like pushed_) that Stop() gave up on.
  std::vector<std::pair<uint64_t, uint64_t>> lost_;
  // Written, not yet synced (the sync thread's work).
  const bool sync_thread_wanted_;
  std::condition_variable sync_cv_;
  uint64_t unsynced_handled_ = 0;
  uint64_t unsynced_stored_ = 0;
  bool sync_stopping_ = false;
  bool stopped_ = false;  // Stop() has joined both threads
  std::thread sync_thread_;
  std::thread thread_;
};

}  // namespace mlq
