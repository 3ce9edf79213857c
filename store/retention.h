// Retention: keeps the store within its age limit (--retention) and its disk
// limit (--max-disk), continuously, while ingest goes on.
//
// A pass (every `interval`, on a thread of its own):
//  1. age: Store::DeleteBefore(now - max_age);
//  2. size: when the disk use passes 90 % of max_disk, the oldest whole
//     minutes are deleted until the live size is back at 80 %, then, if the
//     disk is still above 90 %, the index is compacted. The live size is the
//     disk use minus the index entries of deleted records that compaction
//     has not dropped yet (estimated from the index's key count against the
//     entries the live records have), so those are not mistaken for data to
//     delete. An index with more than a quarter of such entries is
//     compacted anyway.
// Deleting is a range deletion plus dropping whole table files: its cost
// does not grow with the records deleted, and writes go on meanwhile.
//
// Counters: "retention.passes", "retention.deleted" (records),
// "retention.deleted_for_size" (of those, deleted for max_disk),
// "retention.errors", "retention.index_compactions".
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "store/counters.h"
#include "store/store.h"

namespace mlq {

struct RetentionOptions {
  int64_t max_age_us = 0;       // 0 = keep forever
  uint64_t max_disk_bytes = 0;  // 0 = no size limit
  std::chrono::milliseconds interval{10000};
  // The clock: microseconds since the epoch (a simulated one in benchmarks).
  std::function<int64_t()> now_us;
};

class Retention {
 public:
  Retention(Store* store, Counters* counters, RetentionOptions options);
  ~Retention();  // Stop()s

  // Starts the pass thread (no-op when no limit is set; Update may set one
  // later, the thread then starts).
  void Start();
  void Stop();

  // New limits (SIGHUP): taken by the next pass, which runs at once.
  void Update(int64_t max_age_us, uint64_t max_disk_bytes);
  int64_t max_age_us() const;
  uint64_t max_disk_bytes() const;

  // One pass now, on the caller's thread.
  absl::Status RunOnce();

 private:
  void Run();

  Store* store_;
  Counters::Counter& passes_;
  Counters::Counter& deleted_;
  Counters::Counter& deleted_for_size_;
  Counters::Counter& errors_;
  Counters::Counter& index_compactions_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  RetentionOptions options_;
  bool stopping_ = false;
  bool wake_ = false;
  std::mutex pass_mu_;  // one pass at a time
  std::thread thread_;
};

// Parses "30d", "12h", "90m", "3600s", "2w" (a bare number is days) into
// microseconds; "0" or "" = forever.
absl::Status ParseDuration(std::string_view text, int64_t* us);
// Parses "200G", "512M", "1T", "1048576" (bytes; K/M/G/T are powers of 1024,
// an optional trailing "B"/"iB" is accepted); "0" or "" = no limit.
absl::Status ParseByteSize(std::string_view text, uint64_t* bytes);

}  // namespace mlq
