// Compaction filters that drop what retention deleted (store.h, DeleteBefore):
// index entries and import identities whose record is older than the
// deletion point. Records go by range deletion; their index entries are
// spread over the whole index (keyed by term), so instead of a delete per
// entry they are dropped for free whenever compaction rewrites them.
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
  // Where the record's primary key is: at the end of the key (index
  // entries) or the whole value (import identities).
  enum class KeyIn { kKeySuffix, kValue };

  ExpiryFilter(KeyIn where, std::shared_ptr<std::atomic<int64_t>> deleted_before_us);

  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& existing_value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override;

 private:
  KeyIn where_;
  std::shared_ptr<std::atomic<int64_t>> deleted_before_us_;
};

}  // namespace mlq
