// Retention: keeps the store within its age limit (--retention) and its disk
// limit (--max-disk), continuously, while ingest goes on.
//
// On a thread of its own:
//  1. age, every `interval` (10 s): Store::DeleteBefore(now - max_age);
//  2. size, every `size_interval` (1 s) and after each age pass, while
//     max_disk is set: max_disk minus a headroom (PlanSize, below) is what
//     the table files may take. When the live table files (the disk use
//     minus the write-ahead log and minus the index entries of deleted
//     records that compaction has not dropped yet, estimated from the
//     index's key count against the entries the live records have) pass
//     that, the oldest whole minutes are deleted until they are back at
//     90 % of it; then, if the table files with those entries still pass
//     it, the index is compacted. An index with more than a quarter of such
//     entries is compacted anyway.
// Deleting is a range deletion plus dropping whole table files: its cost
// does not grow with the records deleted, and writes go on meanwhile.
//
// The headroom is what the disk use can rise by above the table files
// kept, whatever retention deletes (Store::BufferingOptions):
//  - the write-ahead log, at most max_total_wal_size (256 MiB): with
//    atomic flush it holds what the memtables hold, and deleting records
//    does not shrink it;
//  - one flush's new table files, written before its log goes: at most a
//    memtable of each family every record fills (records, index: 2 x 32
//    MiB). The size check runs every second, so the ingest between two
//    checks is at most about one flush;
//  - the outputs of the compactions that run at a time (two: one flush and
//    two compactions) beside their inputs: each four memtables' worth of L0
//    files (L0 into the base level), or the index if larger, but at most
//    max_compaction_bytes (128 MiB: RocksDB cuts every compaction below L0
//    there, manual ones too; the index's files are small, the records'
//    mostly moved down whole).
// When deleting cannot keep up (compaction behind: table files in L0 are
// not dropped by deleting, and RocksDB lets L0 grow to 36 files before it
// stops writes), the disk use passes `pause` and intake is paused
// (Store::PauseIntake: TCP, TLS and RELP senders wait, as on a full disk)
// until deleting and compaction bring it 64 MiB below; counter
// "retention.intake_pauses".
// For 1 GiB that is 256 + 64 + 2 x 128 MiB: the table files are kept
// under 448 MiB; for 200 GiB the headroom is the same 576 MiB. A limit too small for
// its headroom (tests; mlqd refuses less than 1 GiB) keeps a quarter of it
// for the table files, and is not held by design.
//
// Counters: "retention.passes", "retention.deleted" (records),
// "retention.deleted_for_size" (of those, deleted for max_disk),
// "retention.errors", "retention.index_compactions", "retention.intake_pauses",
// "retention.edge_compactions" (CompactDeleted runs),
// "retention.index_file_rewrites" and "retention.index_rewritten_bytes"
// (RewriteExpiredIndexFiles: files and their bytes).
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

// How a size limit is applied (see the top of this file).
struct SizePlan {
  // The parts of the headroom.
  uint64_t wal = 0, flush = 0, compaction = 0;
  // Their sum, at most 3/4 of max_disk.
  uint64_t headroom = 0;
  // Live table files above this: delete the oldest records...
  uint64_t trigger = 0;
  // ... down to this (90 % of trigger).
  uint64_t target = 0;
  // Disk use (WAL included) above this pauses intake: max_disk less the
  // flush and compaction parts, i.e. the trigger plus the WAL's part.
  uint64_t pause = 0;
};
SizePlan PlanSize(uint64_t max_disk, uint64_t index_bytes, const Store::Buffering& b);

struct RetentionOptions {
  int64_t max_age_us = 0;                         // 0 = keep forever
  uint64_t max_disk_bytes = 0;                    // 0 = no size limit
  std::chrono::milliseconds interval{10000};      // age passes
  std::chrono::milliseconds size_interval{1000};  // size checks (max_disk_bytes set)
  // An age pass compacts the deleted records' edge (Store::CompactDeleted)
  // only when table files still hold more than this of them
  // (Store::ExpiredBytes): below it the files go whole with a later pass.
  // Twice the records' table file size: about one file at the bottom level
  // and one above it. (Compacting the edge every pass kept RocksDB's one
  // compaction slot busy rewriting the same file, and new level-0 files
  // waited behind it.)
  uint64_t edge_compaction_bytes = 2 * Store::RecordsFileBytes();
  // After every age pass once something was deleted, the index table files
  // in which entries of deleted records make up at least this share are
  // rewritten one at a time (Store::RewriteExpiredIndexFiles), up to
  // index_rewrite_bytes of files per pass. Each index file holds entries of
  // every age, so each turns into garbage a little every day; rewritten at
  // 15 %, the index carries about half that on average instead of the
  // 30-45 % left to compaction alone (docs/PERFORMANCE.md, section 2d), for
  // about 1/0.15 = 7 rewrites of the index per retention period at most
  // (compaction itself rewrites some files first). 0 turns it off.
  double index_rewrite_share = 0.15;
  uint64_t index_rewrite_bytes = uint64_t{64} << 20;
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

  // One pass now, on the caller's thread: age, then size.
  absl::Status RunOnce();
  // The size check alone, on the caller's thread.
  absl::Status CheckSize();

 private:
  void Run();
  // A pass: age (when `age`), then size. `async`: compactions go to the
  // compactor thread (Start()ed), else they run here.
  absl::Status Pass(bool age, bool async);
  absl::Status CheckSizeLocked(uint64_t max_disk, bool async);  // under pass_mu_
  // What a compaction request asks for (bits).
  enum Work : unsigned {
    kEdge = 1,        // Store::CompactDeleted
    kIndexFiles = 2,  // Store::RewriteExpiredIndexFiles
    kIndex = 4,       // Store::CompactIndex
  };
  // The compactor thread: runs what was requested.
  void Compact();
  absl::Status RunCompactions(unsigned work);
  absl::Status RequestCompaction(unsigned work, bool async);
  bool Compacting() const;  // one requested and not done yet
  // Pauses or resumes intake for `sizes` against `plan`; under pass_mu_.
  void Brake(const Store::Sizes& sizes, const SizePlan& plan);
  void ReleaseBrake();  // under pass_mu_

  Store* store_;
  Counters::Counter& passes_;
  Counters::Counter& deleted_;
  Counters::Counter& deleted_for_size_;
  Counters::Counter& errors_;
  Counters::Counter& index_compactions_;
  Counters::Counter& intake_pauses_;
  Counters::Counter& edge_compactions_;
  Counters::Counter& index_file_rewrites_;
  Counters::Counter& index_rewritten_bytes_;
  bool paused_ = false;  // under pass_mu_
  mutable std::mutex mu_;
  std::condition_variable cv_;
  RetentionOptions options_;
  bool stopping_ = false;
  bool wake_ = false;
  std::mutex pass_mu_;  // one pass at a time
  std::thread thread_;
  std::thread compactor_;
  unsigned wanted_ = 0;   // under mu_: Work bits requested
  bool running_ = false;  // under mu_: the compactor is at work
};

// Parses "30d", "12h", "90m", "3600s", "2w" (a bare number is days) into
// microseconds; "0" or "" = forever.
absl::Status ParseDuration(std::string_view text, int64_t* us);
// Parses "200G", "512M", "1T", "1048576" (bytes; K/M/G/T are powers of 1024,
// an optional trailing "B"/"iB" is accepted); "0" or "" = no limit.
absl::Status ParseByteSize(std::string_view text, uint64_t* bytes);

}  // namespace mlq
