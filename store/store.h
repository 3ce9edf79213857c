// The embedded RocksDB store: records plus their indexes (DESIGN.md, "Store
// layout"; key layout in keys.h).
//
// Column families: "default" holds metadata (next sequence, record count),
// "records" the encoded records by primary key, "index" the index entries
// (empty values). Write() puts a batch of records and all their index
// entries in one WriteBatch, so indexes never disagree with records, even
// after a crash.
//
// Thread safety: Write() must be called from one thread at a time (the
// writer); Find(), RecordCount(), DiskBytes() may run concurrently with it
// and with each other.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/keys.h"
#include "store/record.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace mlq {

struct StoreOptions {
  std::string path;         // data folder; created when missing
  bool sync_writes = true;  // fsync the WAL on every batch (group commit)
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
  // Opens (creating when missing) the store at options.path.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores every record of `batch` with its index entries, atomically.
  // When `keys` is given it receives the primary key of each record, in
  // batch order.
  absl::Status Write(const std::vector<LogRecord>& batch, std::vector<std::string>* keys = nullptr);

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

  // The index terms a record produces (for tests and tooling).
  static std::vector<std::pair<keys::IndexKind, std::string>> IndexTerms(const LogRecord& rec);

 private:
  Store() = default;

  std::string path_;
  bool sync_writes_ = true;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // default, records, index
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* records_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_cf_ = nullptr;
  uint64_t next_sequence_ = 1;  // only touched by Write()
  std::atomic<uint64_t> record_count_{0};
};

}  // namespace mlq
