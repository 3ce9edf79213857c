// The embedded RocksDB store: records plus their indexes (DESIGN.md, "Store
// layout"; key layout in keys.h).
//
// Column families: "default" holds metadata (next sequence, record count),
// "records" the encoded records by primary key, "index", "index.1",
// "index.2" and "index.3" the index entries (empty values), split by term
// (keys::IndexShardOfKey), "imported" the identities of imported lines
// (import deduplication, below; value: the record's primary key).
//
// The index is split so that each family's compactions cover a quarter of
// it: terms are not in time order, so every new level-0 file of one family
// overlaps all of that family's next level, and a compaction's outputs sit
// on disk beside its inputs until it ends (docs/PERFORMANCE.md, section 2f).
// Format 1 had the one family "index"; opening such a store for writing
// marks it format 2 and records the newest record time it held: until
// retention has deleted past that time, a lookup of a term whose family is
// not "index" reads "index" too (where format 1 put every entry). Format 3
// (issue 16) stores a line that arrived through LineParser without its mail
// fields, which DecodeRecord derives again (store/record_codec.h); a format
// 2 store is marked format 3 when opened for writing, nothing rewritten.
// Write() puts a
// batch of records and all their index entries in one WriteBatch, so
// indexes never disagree with records, even after a crash.
//
// Import deduplication: importing the same file twice (or overlapping
// rotated files) must not store its lines twice. The Ingest RPC gives each
// imported record an identity, ImportIdentity(ImportLineHash(host, time,
// raw), k) where k counts the identical (host, time, raw) lines before it
// in the same Ingest stream (time 0 for a line dated on receipt), and marks
// the record with SetImportIdentity. Write() then
// skips a marked record whose identity is already stored (or appears
// earlier in the batch) and stores the identity with the record, in the
// same WriteBatch. Unmarked records (live syslog) are never deduplicated.
// ImportedAlready() lets Ingest count duplicates before it queues records.
//
// Thread safety: Write() must be called from one thread at a time (the
// writer); Find(), RecordCount(), DiskBytes() may run concurrently with it
// and with each other.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/keys.h"
#include "store/record.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace mlq {

class ExpiryFilter;
class BackgroundErrorWatch;
class StallClock;

struct StoreOptions {
  std::string path;         // data folder; created when missing
  bool sync_writes = true;  // fsync the WAL on every batch (group commit)
  // Free space the disk must keep: below it CheckSpace() fails, so the
  // writer pauses intake before RocksDB meets ENOSPC. 0 = automatic: 2 % of
  // the filesystem, at least 16 MiB, at most 1 GiB.
  uint64_t reserve_bytes = 0;
};

struct StoredRecord {
  std::string key;  // primary key (keys::PrimaryKey)
  LogRecord record;
};

struct FindQuery {
  keys::IndexKind kind = keys::IndexKind::kMessageId;
  std::string term;      // raw term: message-id, queue ID, address, IP, user, or a
                         // keys::ProcessTerm for kProcess
  std::string host;      // queue-ID and link lookups: "" = every host
  int64_t since_us = 0;  // inclusive; 0 = unbounded
  int64_t until_us = 0;  // exclusive; 0 = unbounded
  size_t limit = 1000;   // at most this many records
};

struct FindResult {
  std::vector<StoredRecord> records;  // time order, oldest first
  bool truncated = false;             // more matched than the limit
};

class Store {
 public:
  // Opens (creating when missing) the store at options.path. When the store
  // exists but cannot be opened for writing because of an I/O error (a full
  // disk), it is opened read-only instead: queries work, writes fail with
  // FailedPrecondition until Recover() reopens it writable.
  // A store of a format newer than kFormatVersion (written by a newer mlq)
  // is refused with FailedPrecondition saying which format it has; a store
  // without a format (written before it was recorded) is format 1. A format
  // 1 or 2 store is upgraded to format 3 in place when opened for writing
  // (one small synced write, nothing rewritten, see below) and read as it
  // is when opened read-only.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  // The layout this code reads and writes. It changes whenever a store
  // written by one version would be misread by another.
  // 1: one index family. 2: the index in kIndexShards families. 3: record
  // values may leave their mail fields to be derived on read
  // (store/record_codec.h).
  static constexpr uint64_t kFormatVersion = 3;
  // Index families (format 2 on; format 1 had one).
  static constexpr size_t kIndexShards = 4;
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores every record of `batch` with its index entries, atomically.
  // When `keys` is given it receives the primary key of each record, in
  // batch order.
  //
  // Records marked with SetImportIdentity: the mark is removed (it is never
  // stored), and a record whose identity is already stored, or repeats one
  // earlier in the batch, is not written. This overload removes such
  // records from `batch`, so `batch` and `keys` stay aligned (the writer
  // relies on it). A batch without marks is left untouched.
  absl::Status Write(std::vector<LogRecord>& batch, std::vector<std::string>* keys = nullptr);
  // The same for a batch the caller keeps as is: when it holds marked
  // records, a copy is written, and `keys` holds the keys of the records
  // written (fewer than in `batch` when duplicates were skipped).
  absl::Status Write(const std::vector<LogRecord>& batch, std::vector<std::string>* keys = nullptr);
  // Several batches in one WriteBatch, each handled as by Write(batch&)
  // (duplicates among all of them are skipped); (*keys)[i] receives batch
  // i's primary keys. The writer's group commit: no record is moved.
  absl::Status WriteGroup(std::span<std::vector<LogRecord>* const> batches,
                          std::vector<std::vector<std::string>>* keys = nullptr);

  // The part of writing a batch that needs no store: each record's encoded
  // value and index keys (each ending in kPrimaryKeySize placeholder bytes
  // for the primary key the write assigns). Done ahead on a producer's
  // thread, it takes a sixth of the work off the writer's, the thread that
  // falls behind.
  struct Prepared {
    std::string values;                // encoded records, back to back
    std::vector<uint32_t> value_ends;  // record i's value ends here
    std::string index_keys;            // index keys, back to back
    struct Entry {
      uint32_t end;     // the key ends here in index_keys (starts at the previous end)
      uint32_t record;  // index of its record in the batch
    };
    std::vector<Entry> index;
    // Import identities taken from the records' marks (SetImportIdentity),
    // one per record ("" = none); empty when the batch had no marks.
    std::vector<std::string> identities;
    // Heap bytes held (for queue accounting).
    size_t bytes() const;
  };
  // Fills `*out` for `batch` (reusing its capacity). False, leaving it
  // empty, for a batch with import marks (it cannot take them out of a
  // const batch). Stateless; safe from any thread.
  static bool Prepare(const std::vector<LogRecord>& batch, Prepared* out);
  // The same for any batch: import marks are taken out of the records into
  // out->identities (the record is encoded without its mark). WriteGroup
  // deduplicates by them and uses the preparation when no record of the
  // batch was a duplicate (the usual case: Ingest checked before pushing);
  // otherwise it encodes the remaining records itself.
  static bool Prepare(std::vector<LogRecord>& batch, Prepared* out);
  // WriteGroup with preparations: preps[i] is nullptr or Prepare()'d for
  // *batches[i] as the batch is now (the write patches its index keys).
  absl::Status WriteGroup(std::span<std::vector<LogRecord>* const> batches,
                          std::span<Prepared* const> preps,
                          std::vector<std::vector<std::string>>* keys = nullptr);

  // ---- Import deduplication ----

  // 16 bytes identifying (host, timestamp_us, raw): SipHash-2-4-128 of the
  // three, length-prefixed. Stable across versions and processes.
  static std::string ImportLineHash(std::string_view host, int64_t timestamp_us,
                                    std::string_view raw);
  // The identity of the `occurrence`-th (0 = first) line with `line_hash`
  // in one import: 20 bytes.
  static std::string ImportIdentity(std::string_view line_hash, uint32_t occurrence);
  // Marks `rec` for Write() with `identity` (from ImportIdentity).
  static void SetImportIdentity(LogRecord& rec, std::string identity);
  // For each identity, whether a record with it is stored (bloom-filtered
  // point lookups). Safe concurrently with Write().
  absl::StatusOr<std::vector<bool>> ImportedAlready(
      const std::vector<std::string>& identities) const;

  // Records whose index entry matches the query, oldest first.
  absl::StatusOr<FindResult> Find(const FindQuery& query) const;

  // Visits the records with since_us <= timestamp < until_us (0 = open
  // bound) in time order (newest first when `newest_first`), starting
  // strictly after primary key `resume_after` when it is not empty (for
  // paging). `visit` returns false to stop. Records that fail to decode are
  // skipped and counted in `*corrupt` when given.
  absl::Status Scan(int64_t since_us, int64_t until_us, bool newest_first,
                    std::string_view resume_after,
                    const std::function<bool(std::string_view key, const LogRecord& rec)>& visit,
                    uint64_t* corrupt = nullptr) const;

  // Point read by primary key; NotFound when absent.
  absl::StatusOr<LogRecord> Get(std::string_view primary_key) const;

  // Records in the store.
  uint64_t RecordCount() const { return record_count_.load(std::memory_order_relaxed); }

  // Bytes the store occupies on disk (SST files, WAL, manifests).
  uint64_t DiskBytes() const;

  // Makes everything written durable (WAL sync) and flushes memtables.
  absl::Status Flush();

  // With StoreOptions::sync_writes, each write fsyncs the WAL before it
  // returns, unless the caller has taken that over with DeferSyncs() (call
  // before the first write): writes then return once they are in the WAL
  // (the OS's buffers) and the memtables, and SyncWal() makes everything
  // written before it durable. The writer does so on a thread of its own,
  // so a sync overlaps the building of the next write instead of stalling
  // it. A write waits for a running SyncWal (see wal_mu_), and SyncWal
  // fails (Unavailable, the store broken) after a failed write or a
  // RocksDB background error instead of syncing a failed WAL writer.
  bool syncs_writes() const { return sync_writes_; }
  void DeferSyncs() { defer_syncs_ = true; }
  absl::Status SyncWal();

  // ---- Resource errors (see writer.h) ----

  // OK while writes can go on: the store is writable, has no background
  // error, the disk keeps its reserve, and size retention has not paused
  // intake (PauseIntake). Else Unavailable with the reason ("disk nearly
  // full: ...", "store read-only: ...", RocksDB's error).
  // Cheap (one statvfs); safe from any thread.
  absl::Status CheckSpace() const;
  // Size retention's brake (retention.h): while `reason` is not empty,
  // CheckSpace reports it, so the writer pauses intake as on a full disk;
  // "" lifts it. Safe from any thread.
  void PauseIntake(std::string reason);
  // Tries to leave an error state: RocksDB's Resume() after a background
  // error, or, for a store opened read-only, a writable reopen once the disk
  // has its reserve again. OK when the store is writable. Call from the
  // writer's threads only (not concurrently with Write()).
  absl::Status Recover();
  bool read_only() const { return read_only_.load(std::memory_order_relaxed); }
  // Free bytes of the store's filesystem, and the reserve in force.
  uint64_t FreeBytes() const;
  uint64_t reserve_bytes() const { return reserve_bytes_; }

  // ---- Retention (store/retention.h decides when) ----

  // Deletes every record older than `cutoff_us`: whole minutes of records,
  // by moving the deletion point (persisted with the per-minute counts in
  // one write) that compaction filters apply (expiry_filter.h), dropping
  // the table files that lie wholly before it and compacting the range's
  // edge so its space returns. Index and import entries of deleted records
  // go as compaction reaches them; until then lookups skip them (Find). From the call on,
  // Find and Scan return nothing older than `cutoff_us`. `*deleted` gets
  // the number of records deleted. Safe concurrently with Write() and reads.
  // With `compact` false the edge is left to CompactDeleted() (retention's
  // thread runs it on a thread of its own, so a compaction waiting for
  // RocksDB's compaction slot does not hold up its size checks).
  absl::Status DeleteBefore(int64_t cutoff_us, uint64_t* deleted = nullptr, bool compact = true);
  // Compacts the records before the deletion point (the edge DeleteBefore
  // left), so their space returns.
  absl::Status CompactDeleted();
  // RocksDB's estimate of the bytes of table files that still hold records
  // before the deletion point: what CompactDeleted() would free. 0 when
  // nothing was deleted or the store is closed.
  uint64_t ExpiredBytes() const;
  // The records' table file size (RocksDB target_file_size_base): deleting
  // drops whole files, so about this much of a deleted range is left in
  // files it shares with records kept.
  static uint64_t RecordsFileBytes();
  // Nothing older than this is returned (0 = nothing deleted so far).
  int64_t expired_before_us() const { return query_cutoff_us_.load(std::memory_order_relaxed); }
  // The time of the oldest record kept (0 when empty).
  int64_t OldestUs() const;
  // The oldest time before which deleting would remove at least `records`
  // records (whole minutes), for size-based retention; 0 when the store
  // holds fewer.
  int64_t CutoffForOldest(uint64_t records) const;

  // What size-based retention decides on.
  struct Sizes {
    uint64_t disk_bytes = 0;           // DiskBytes()
    uint64_t wal_bytes = 0;            // of which write-ahead log files
    uint64_t index_bytes = 0;          // table files of the index
    uint64_t index_garbage_bytes = 0;  // estimated: entries of deleted records
    uint64_t records = 0;
  };
  // Cheap (a listing of the store's folder and a few RocksDB properties):
  // retention calls it every second while a size limit is set.
  Sizes MeasureSizes() const;
  // How the store configures RocksDB's buffering: what the disk use can
  // rise by above the table files it holds (size retention's headroom,
  // retention.h).
  struct Buffering {
    uint64_t write_buffer_bytes;    // one memtable (records, index)
    int max_write_buffers;          // memtables per family: one filling, the rest flushing
    int heavy_families;             // families every record fills: records and index
    uint64_t max_wal_bytes;         // max_total_wal_size
    int level0_trigger;             // L0 files before a compaction into L1
    uint64_t max_compaction_bytes;  // inputs of one compaction below L0
    int max_compactions;            // compactions at a time
  };
  static Buffering BufferingOptions();
  // One column family's table files, from RocksDB's properties: what is in
  // its current version (live), what every version still holds (total: live
  // plus files an iterator or a running compaction keeps), its level-0 files
  // and the bytes RocksDB estimates its compactions still have to rewrite.
  struct FamilyTables {
    uint64_t live_bytes = 0;           // rocksdb.live-sst-files-size
    uint64_t total_bytes = 0;          // rocksdb.total-sst-files-size
    uint64_t level0_files = 0;         // rocksdb.num-files-at-level0
    uint64_t pending_bytes = 0;        // rocksdb.estimate-pending-compaction-bytes
    uint64_t running_compactions = 0;  // rocksdb.num-running-compactions (whole DB)
    // Table file bytes per level (GetColumnFamilyMetaData), L0 first.
    static constexpr int kLevels = 7;
    std::array<uint64_t, kLevels> level_bytes{};
  };
  // For benchmarks and diagnosis: the records and the index families (the
  // index's summed over its families; running_compactions is the DB's).
  // Zeros when the store is closed.
  FamilyTables RecordsTables() const;
  FamilyTables IndexTables() const;
  // Compacts the whole index, dropping every entry of a deleted record.
  absl::Status CompactIndex();
  // Rewrites the index table files (below level 0) in which entries of
  // deleted records make up at least `min_share` of the entries, going by
  // the record times each file carries (record_ages.h): each file alone
  // into its own level, so the compaction filter drops those entries; the
  // most garbage first, one file at a time on the caller's thread, until
  // `max_bytes` of files are rewritten. Files being compacted, files
  // without record times (written by an older mlqd) and level 0 are left to
  // compaction. Costs what the files rewritten cost: a few MiB each
  // (kIndexTargetFileBytes), never the whole index. `*done` gets what was
  // found and done. OK without doing anything when nothing was deleted or
  // the store is read-only.
  struct IndexRewrite {
    uint64_t files = 0;          // files rewritten
    uint64_t bytes_in = 0;       // their bytes before
    uint64_t candidates = 0;     // files at or over min_share
    uint64_t expired_bytes = 0;  // estimated, over every index file with record times
  };
  absl::Status RewriteExpiredIndexFiles(double min_share, uint64_t max_bytes, IndexRewrite* done);

  // RocksDB's write health, for the metrics: the seconds writes were
  // delayed or stopped since the store opened (StallClock), whether writes
  // are stopped now (rocksdb.is-write-stopped), the bytes compactions still
  // have to rewrite over every column family, the compactions running, and
  // RocksDB's memory. Zeros when the store is closed. Cheap; safe from any
  // thread.
  struct RocksHealth {
    double stall_seconds = 0;
    bool write_stopped = false;
    uint64_t pending_compaction_bytes = 0;
    uint64_t running_compactions = 0;
    uint64_t memtable_bytes = 0;      // every family's memtables
    uint64_t table_reader_bytes = 0;  // index and filter blocks held outside the block caches
    uint64_t block_cache_bytes = 0;   // the block caches (the index shards share one)
  };
  RocksHealth Health() const;

  // A consistent copy of the store in `dir` (must not exist), made while the
  // store is in use (RocksDB checkpoint: hard links where possible).
  // `*records` (optional) receives the number of records in the copy.
  absl::Status Checkpoint(const std::string& dir, uint64_t* records = nullptr) const;

  // The index terms a record produces (for tests and tooling).
  static std::vector<std::pair<keys::IndexKind, std::string>> IndexTerms(const LogRecord& rec);

 private:
  Store() = default;

  // One record to write, with its import identity (nullptr: none) and its
  // encoded value when prepared (else nullptr: encoded here).
  struct Item {
    const LogRecord* rec;
    const std::string* identity;
    const std::string_view* value = nullptr;
  };
  // A prepared batch's index keys, for the records items[first...].
  struct PreparedRun {
    Prepared* prep;
    size_t first;
  };
  // Writes the items in one WriteBatch; keys_out gets their primary keys,
  // in item order. Items covered by `runs` get their index keys from there.
  absl::Status WriteRecords(const std::vector<Item>& items, std::span<const PreparedRun> runs,
                            std::vector<std::string>* keys_out);
  // ImportedAlready over views (WriteGroup's identities live where they are).
  absl::StatusOr<std::vector<bool>> ImportedAlreadyViews(
      std::span<const std::string_view> identities) const;

  absl::Status OpenDb(bool read_only);
  // OK for a store of kFormatVersion (marking an unmarked one as such unless
  // read_only); FailedPrecondition for any other (see Open).
  absl::Status CheckFormat(bool read_only);
  // Format 1 to 2 (see the top of this file): records where format 1's
  // index ends, marks the store format 2. Under OpenDb.
  absl::Status UpgradeFromFormat1();
  // Every index family the store has: the four of format 2, or "index"
  // alone in a format 1 store opened read-only (the others are null then).
  std::vector<rocksdb::ColumnFamilyHandle*> IndexFamilies() const;
  // The index families a lookup under `prefix` reads (one, or two while
  // format 1's entries may be live).
  std::vector<rocksdb::ColumnFamilyHandle*> IndexFamiliesFor(std::string_view prefix,
                                                             int64_t since_us) const;
  // OK when the disk has room for a writable open (see Open).
  absl::Status RoomToOpen() const;
  absl::StatusOr<LogRecord> GetLocked(std::string_view primary_key) const;
  void CloseDb();
  // Adds the records' per-minute counts to `wb` and returns them (applied
  // to bucket_counts_ once the write succeeded). Under write_mu_.
  std::vector<std::pair<int64_t, uint64_t>> CountBuckets(const std::vector<Item>& items,
                                                         rocksdb::WriteBatch& wb);

  std::string path_;
  StoreOptions options_;
  uint64_t reserve_bytes_ = 0;
  std::atomic<bool> read_only_{false};
  std::string read_only_reason_;
  // After a failed write, sync or flush the DB is never written again (a
  // RocksDB WAL writer that saw an error must not be used: Debian's build
  // asserts); Recover() reopens it.
  std::atomic<bool> broken_{false};
  std::string broken_reason_;  // under state_mu_
  std::atomic<bool> intake_paused_{false};
  std::string pause_reason_;  // under state_mu_
  mutable std::mutex state_mu_;
  void MarkBroken(const absl::Status& why);
  absl::Status BrokenStatus() const;
  // Serializes writes (the writer and retention) and guards bucket_counts_.
  mutable std::mutex write_mu_;
  // Held around every DB write and every WAL sync, which therefore never
  // overlap. A WAL writer that failed an append must never be synced
  // (Debian's RocksDB 7.8 asserts in SyncWithoutFlush), and a sync that
  // starts while a write is failing cannot know that it is; under this
  // mutex a failed write marks the store broken before any sync can start.
  std::mutex wal_mu_;
  // Writes `wb` (fsyncing the WAL when `sync`) under wal_mu_; a failure
  // marks the store broken.
  absl::Status WriteToDb(bool sync, rocksdb::WriteBatch* wb, std::string_view what);
  // Under wal_mu_: OK when the WAL may be synced (no failed write, no
  // background error of this DB); else marks the store broken.
  absl::Status CanSyncLocked();
  // Background errors of the open DB (a new watch per open).
  std::shared_ptr<BackgroundErrorWatch> bg_errors_;
  // Records per minute (minute start, microseconds -> count), persisted in
  // the default CF in the same batch as the records.
  std::map<int64_t, uint64_t> bucket_counts_;
  // Physically deleted before (whole minutes); the filters drop older entries.
  std::shared_ptr<std::atomic<int64_t>> deleted_before_us_ =
      std::make_shared<std::atomic<int64_t>>(0);
  std::atomic<int64_t> query_cutoff_us_{0};
  // Index entries and records written by this process (entries per record,
  // for the garbage estimate of MeasureSizes).
  std::atomic<uint64_t> index_entries_written_{0};
  std::atomic<uint64_t> records_written_{0};
  // Readers hold it shared; Recover() reopening the DB holds it exclusively.
  mutable std::shared_mutex db_mu_;
  // Drop the index and import entries of deleted records (expiry_filter.h).
  std::unique_ptr<ExpiryFilter> records_filter_;
  std::unique_ptr<ExpiryFilter> index_filter_;
  std::unique_ptr<ExpiryFilter> imported_filter_;
  std::shared_ptr<StallClock> stall_clock_;  // listens to every DB this store opens
  bool sync_writes_ = true;
  bool defer_syncs_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  // default, records, index, imported, then index.1 ... (absent in a format
  // 1 store opened read-only)
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<rocksdb::ColumnFamilyHandle*> cache_cfs_;  // one per block cache (see OpenDb)
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* records_cf_ = nullptr;
  // kIndexShards families, "index" first; null ones (a format 1 store
  // opened read-only) are read as "index".
  std::array<rocksdb::ColumnFamilyHandle*, kIndexShards> index_cfs_{};
  // Format 1's index entries (every term in "index") are for records before
  // this time; 0 when there are none. Read-only format 1: INT64_MAX.
  int64_t legacy_index_until_us_ = 0;
  rocksdb::ColumnFamilyHandle* imported_cf_ = nullptr;
  uint64_t next_sequence_ = 1;  // only touched by Write()
  // Reused by every Write(): Clear() keeps its multi-megabyte buffer, which
  // a fresh batch would regrow (and page-fault in) on every commit.
  std::unique_ptr<rocksdb::WriteBatch> write_batch_;
  std::atomic<uint64_t> record_count_{0};
};

}  // namespace mlq
