// Compaction filters that drop what retention deleted (store.h, DeleteBefore):
// records, index entries and import identities older than the deletion
// point. Records lie in time order, so their table files below the point are
// dropped whole (DeleteFilesInRange) and the files at the edge are compacted
// at once; the index entries are spread over the whole index (keyed by
// term), so instead of a delete per entry they are dropped for free whenever
// compaction rewrites them. (Not a DeleteRange tombstone: RocksDB 7.8 puts
// range deletions through the memtable insert hints the records family uses,
// with a splice of the other skiplist, and asserts.)
//
// Thread safety: Filter() runs on RocksDB's compaction threads; the cut-off
// is an atomic shared with the store.
#pragma once

#include <rocksdb/compaction_filter.h>

#include <atomic>
#include <cstdint>
#include <memory>

namespace mlq {

class ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  // Where the record's primary key is: the key (records), at the end of the
  // key (index entries) or the value (import identities).
  enum class KeyIn { kKey, kKeySuffix, kValue };

  ExpiryFilter(KeyIn where, std::shared_ptr<std::atomic<int64_t>> deleted_before_us);

  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& existing_value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override;

 private:
  KeyIn where_;
  std::shared_ptr<std::atomic<int64_t>> deleted_before_us_;
};

}  // namespace mlq
