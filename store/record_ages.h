// The times of the records an index table file points at, so retention can
// tell which index files hold many entries of deleted records and rewrite
// those alone (Store::RewriteExpiredIndexFiles) instead of waiting for
// compaction to reach them or compacting the whole index.
//
// Index entries are keyed by term, so every index file holds entries of
// every age and each one turns into garbage a little every day: left to
// leveled compaction, whose last level is rewritten only where an upper
// level overlaps it, the index of a 7-day store carried 30-45 % entries of
// deleted records and swung the disk use by 15 % (docs/PERFORMANCE.md,
// section 2d).
//
// RecordAgesCollector is a RocksDB table properties collector: while a
// flush or compaction writes an index file it counts the file's entries by
// the time in their primary key, in buckets of an hour (doubled while more
// than kMaxBuckets would be needed, so a file's histogram stays small
// whatever it spans), and stores the histogram in the file's properties
// under kRecordAgesProperty. Files written before it existed have no
// histogram and are left to compaction.
//
// Thread safety: RocksDB creates one collector per file written; the
// factory and the parsing functions are stateless.
#pragma once

#include <rocksdb/table_properties.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace mlq {

inline constexpr char kRecordAgesProperty[] = "mlq.record_ages";

// Entries of one file by record time.
struct RecordAges {
  static constexpr size_t kMaxBuckets = 256;
  static constexpr int64_t kFirstWidthUs = int64_t{3600} * 1000000;  // an hour
  int64_t width_us = kFirstWidthUs;
  std::map<int64_t, uint64_t> buckets;  // floor(time / width) -> entries
  uint64_t untimed = 0;                 // keys without a primary key: never expire

  void Add(int64_t time_us);
  uint64_t Entries() const;
  // Entries older than `cutoff_us`: whole buckets before it, and the part
  // of the bucket it falls in before it (records spread evenly inside a
  // bucket).
  double EntriesBefore(int64_t cutoff_us) const;

  // "w=<width> u=<untimed> <bucket>:<count> ...". Parse is false (and
  // leaves *out unspecified) for text Encode did not write.
  std::string Encode() const;
  static bool Parse(std::string_view text, RecordAges* out);
};

std::shared_ptr<rocksdb::TablePropertiesCollectorFactory> NewRecordAgesCollectorFactory();

}  // namespace mlq
