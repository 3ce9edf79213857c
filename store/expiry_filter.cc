#include "store/expiry_filter.h"

#include <string_view>
#include <utility>

#include "store/keys.h"

namespace mlq {

ExpiryFilter::ExpiryFilter(KeyIn where, std::shared_ptr<std::atomic<int64_t>> deleted_before_us)
    : where_(where), deleted_before_us_(std::move(deleted_before_us)) {}

bool ExpiryFilter::Filter(int /*level*/, const rocksdb::Slice& key,
                          const rocksdb::Slice& existing_value, std::string* /*new_value*/,
                          bool* /*value_changed*/) const {
  const int64_t cutoff = deleted_before_us_->load(std::memory_order_relaxed);
  if (cutoff == 0) return false;
  std::string_view pk;
  if (where_ == KeyIn::kKey) {
    pk = std::string_view(key.data(), key.size());
  } else if (where_ == KeyIn::kKeySuffix) {
    pk = keys::PrimaryKeyOfIndexKey(std::string_view(key.data(), key.size()));
  } else {
    pk = std::string_view(existing_value.data(), existing_value.size());
  }
  int64_t ts = 0;
  uint64_t seq = 0;
  if (!keys::ParsePrimaryKey(pk, &ts, &seq)) return false;  // not ours to judge: keep
  return ts < cutoff;
}

const char* ExpiryFilter::Name() const {
  switch (where_) {
    case KeyIn::kKey:
      return "mlq.RecordExpiry";
    case KeyIn::kKeySuffix:
      return "mlq.IndexExpiry";
    case KeyIn::kValue:
      break;
  }
  return "mlq.ImportedExpiry";
}

}  // namespace mlq
