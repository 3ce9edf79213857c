#include "store/record_ages.h"

#include <charconv>
#include <utility>

#include "base/civil_time.h"
#include "store/keys.h"

namespace mlq {
namespace {

// Reads a decimal integer of type T at the front of `text`, then `sep`.
template <typename T>
bool Take(std::string_view& text, T* v, char sep) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *v);
  if (ec != std::errc() || p == end || *p != sep) return false;
  text.remove_prefix(static_cast<size_t>(p - text.data()) + 1);
  return true;
}

class RecordAgesCollector final : public rocksdb::TablePropertiesCollector {
 public:
  rocksdb::Status AddUserKey(const rocksdb::Slice& key, const rocksdb::Slice& /*value*/,
                             rocksdb::EntryType type, rocksdb::SequenceNumber /*seq*/,
                             uint64_t /*file_size*/) override {
    if (type != rocksdb::kEntryPut) return rocksdb::Status::OK();
    int64_t ts = 0;
    uint64_t seq = 0;
    const std::string_view pk =
        keys::PrimaryKeyOfIndexKey(std::string_view(key.data(), key.size()));
    if (keys::ParsePrimaryKey(pk, &ts, &seq)) {
      ages_.Add(ts);
    } else {
      ++ages_.untimed;
    }
    return rocksdb::Status::OK();
  }

  rocksdb::Status Finish(rocksdb::UserCollectedProperties* properties) override {
    properties->emplace(kRecordAgesProperty, ages_.Encode());
    return rocksdb::Status::OK();
  }

  rocksdb::UserCollectedProperties GetReadableProperties() const override {
    return {{kRecordAgesProperty, ages_.Encode()}};
  }

  const char* Name() const override { return "mlq.RecordAgesCollector"; }

 private:
  RecordAges ages_;
};

class RecordAgesCollectorFactory final : public rocksdb::TablePropertiesCollectorFactory {
 public:
  rocksdb::TablePropertiesCollector* CreateTablePropertiesCollector(
      rocksdb::TablePropertiesCollectorFactory::Context /*context*/) override {
    return new RecordAgesCollector();
  }
  const char* Name() const override { return "mlq.RecordAgesCollectorFactory"; }
};

}  // namespace

void RecordAges::Add(int64_t time_us) {
  ++buckets[civil::FloorDiv(time_us, width_us)];
  while (buckets.size() > kMaxBuckets) {
    std::map<int64_t, uint64_t> wider;
    for (const auto& [b, n] : buckets) wider[civil::FloorDiv(b, 2)] += n;
    buckets = std::move(wider);
    width_us *= 2;
  }
}

uint64_t RecordAges::Entries() const {
  uint64_t n = untimed;
  for (const auto& [b, count] : buckets) n += count;
  return n;
}

double RecordAges::EntriesBefore(int64_t cutoff_us) const {
  double n = 0;
  for (const auto& [b, count] : buckets) {
    const int64_t start = b * width_us;
    if (start >= cutoff_us) break;
    if (start + width_us <= cutoff_us) {
      n += static_cast<double>(count);
    } else {
      n += static_cast<double>(count) * static_cast<double>(cutoff_us - start) /
           static_cast<double>(width_us);
    }
  }
  return n;
}

std::string RecordAges::Encode() const {
  std::string out = "w=" + std::to_string(width_us) + " u=" + std::to_string(untimed);
  for (const auto& [b, n] : buckets) {
    out += ' ';
    out += std::to_string(b);
    out += ':';
    out += std::to_string(n);
  }
  return out;
}

bool RecordAges::Parse(std::string_view text, RecordAges* out) {
  RecordAges r;
  r.buckets.clear();
  if (!text.starts_with("w=")) return false;
  text.remove_prefix(2);
  std::string s(text);
  s += ' ';  // every field ends with a separator
  std::string_view rest(s);
  if (!Take(rest, &r.width_us, ' ') || r.width_us <= 0) return false;
  if (!rest.starts_with("u=")) return false;
  rest.remove_prefix(2);
  if (!Take(rest, &r.untimed, ' ')) return false;
  while (!rest.empty()) {
    int64_t b = 0;
    uint64_t n = 0;
    if (!Take(rest, &b, ':') || !Take(rest, &n, ' ')) return false;
    // Buckets whose start does not fit the time type: not ours.
    if (b >= INT64_MAX / r.width_us || b <= INT64_MIN / r.width_us) return false;
    r.buckets[b] += n;
  }
  *out = std::move(r);
  return true;
}

std::shared_ptr<rocksdb::TablePropertiesCollectorFactory> NewRecordAgesCollectorFactory() {
  return std::make_shared<RecordAgesCollectorFactory>();
}

}  // namespace mlq
