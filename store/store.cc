#include "store/store.h"

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "base/scan.h"
#include "store/background_errors.h"
#include "store/expiry_filter.h"
#include "store/record_ages.h"
#include "store/record_codec.h"
#include "store/rocks_logger.h"
#include "store/stall_clock.h"

namespace mlq {
namespace {

constexpr char kRecordsCf[] = "records";
// The index families: format 1's one, then those format 2 added.
constexpr const char* kIndexCfs[] = {"index", "index.1", "index.2", "index.3"};
static_assert(std::size(kIndexCfs) == Store::kIndexShards);
constexpr char kImportedCf[] = "imported";
// The LogRecord::extra key that carries an import identity from Ingest to
// Write() (never stored: Write() removes it). No normalizer key starts with
// a control character.
constexpr std::string_view kImportIdentityKey = "\x01import-identity";
constexpr char kNextSequenceKey[] = "next_sequence";
constexpr char kRecordCountKey[] = "record_count";
// The layout of the records and the index (Store::kFormatVersion). A store
// without it predates the key and is format 1.
constexpr char kFormatKey[] = "format";
// Format 1's index entries (all in "index") are for records before this
// time (little-endian microseconds; see store.h).
constexpr char kLegacyIndexUntilKey[] = "legacy_index_until";

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

std::string EncodeU64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

uint64_t DecodeU64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8 && i < static_cast<int>(s.size()); ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(s[i])) << (8 * i);
  }
  return v;
}

// Memtable inserts dominate the writer's CPU. Write() puts each column
// family's keys in ascending order, so one insert hint per memtable (an
// empty prefix) lets each skiplist insert start from where the previous one
// ended instead of from the top. (A hint per index term was measured too,
// bench/micro/store_write_bench.cc: 10-25 % slower, its hash map costs more
// than it saves, and a new term loses the sorted batch's locality.)
void UseInsertHint(rocksdb::ColumnFamilyOptions& o) {
  o.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));
}

// RocksDB's buffering, set explicitly because size retention leaves room
// for it (Store::BufferingOptions, retention.h). Memtables of 32 MiB (half
// RocksDB's default): the WAL and the newest level-0 files grow and fall
// by half as much between flushes (the age run's swing 10.6 -> 8.4 %,
// docs/PERFORMANCE.md section 2d, at the same ingest rate).
constexpr uint64_t kWriteBufferBytes = 32 << 20;
constexpr int kMaxWriteBuffers = 2;
constexpr uint64_t kMaxWalBytes = 256 << 20;
constexpr int kLevel0Trigger = 4;
constexpr uint64_t kTargetFileBytes = 64 << 20;
// The records' table files are smaller: deleting drops whole files, so what
// is left of the deleted range (the edge, retention.h) is at most about one
// file; 16 MiB is under 2 % of a 1 GiB store.
constexpr uint64_t kRecordsTargetFileBytes = 16 << 20;
// The index's levels: sized from the last one up (RocksDB's dynamic level
// bytes) with small files and a small base level, so a compaction rewrites
// a slice of the index, not all of it. One L0-to-base compaction that
// merged the whole index (every L0 file overlaps it: terms are not in time
// order) held the only compaction slot for minutes and the disk use swung
// by a third around its median (docs/PERFORMANCE.md, section 2d).
constexpr uint64_t kIndexTargetFileBytes = 8 << 20;
constexpr uint64_t kIndexBaseLevelBytes = 16 << 20;
// Compactions at a time: one for each heavy family, so the records' cheap
// moves never wait behind an index compaction (max_background_jobs 3 gives
// one flush and two compactions).
constexpr int kMaxCompactions = 2;
// The inputs of one compaction below L0 (RocksDB's default is 25 target
// files: 1.6 GiB for 64 MiB files): size retention keeps room for
// kMaxCompactions of them (retention.h).
constexpr uint64_t kMaxCompactionBytes = 128 << 20;

void SetBuffering(rocksdb::ColumnFamilyOptions& o) {
  o.write_buffer_size = kWriteBufferBytes;
  o.max_write_buffer_number = kMaxWriteBuffers;
  o.level0_file_num_compaction_trigger = kLevel0Trigger;
  o.target_file_size_base = kTargetFileBytes;
  o.max_compaction_bytes = kMaxCompactionBytes;
}

rocksdb::ColumnFamilyOptions RecordsOptions() {
  rocksdb::ColumnFamilyOptions o;
  SetBuffering(o);
  o.target_file_size_base = kRecordsTargetFileBytes;
  UseInsertHint(o);
  // ZSTD at every level: records mostly reach the last level by trivial
  // moves (they come in time order), so with LZ4 above and ZSTD only at the
  // bottom most of them stayed LZ4 (section 2d: the store ~20 % smaller).
  o.compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 * 1024;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

rocksdb::ColumnFamilyOptions IndexOptions() {
  rocksdb::ColumnFamilyOptions o;
  SetBuffering(o);
  // The index's memtables together hold what the one did before it was
  // split: flushes come as often and size retention's room for one
  // (Buffering) is unchanged.
  o.write_buffer_size = kWriteBufferBytes / Store::kIndexShards;
  UseInsertHint(o);
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kZSTD;
  o.level_compaction_dynamic_level_bytes = true;
  o.max_bytes_for_level_base = kIndexBaseLevelBytes;
  o.target_file_size_base = kIndexTargetFileBytes;
  // The record times of each file, so retention rewrites the files that
  // are mostly garbage (Store::RewriteExpiredIndexFiles).
  o.table_properties_collector_factories.push_back(NewRecordAgesCollectorFactory());
  // 16 KiB blocks, as the records have (RocksDB's default is 4 KiB): an
  // open table file keeps one index entry per block in memory outside any
  // cache, and with 4 KiB blocks the index families' came to ~1 byte per
  // stored line, most of what mlqd's RSS grew by over 100M lines
  // (docs/PERFORMANCE.md, "Store format 3"). One factory for the four
  // families: they share its block cache.
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 * 1024;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// Import identities: point lookups only, so whole-key bloom filters make a
// miss (the usual answer: a new line) cost no disk read, and a memtable
// bloom filter makes it cost no skiplist search either (two lookups per
// imported line: Ingest's and the writer's). Written in key order with an
// insert hint, like the other families.
rocksdb::ColumnFamilyOptions ImportedOptions() {
  rocksdb::ColumnFamilyOptions o;
  UseInsertHint(o);
  o.memtable_prefix_bloom_size_ratio = 0.05;
  o.memtable_whole_key_filtering = true;
  o.compression = rocksdb::kLZ4Compression;
  rocksdb::BlockBasedTableOptions t;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.whole_key_filtering = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// SipHash-2-4 with a 128-bit output (Aumasson and Bernstein's reference
// algorithm), over `data` with a fixed key: a stable, well-mixed hash, so
// that distinct lines practically never share an identity.
uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

void SipRound(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = Rotl(v1, 13);
  v1 ^= v0;
  v0 = Rotl(v0, 32);
  v2 += v3;
  v3 = Rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = Rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = Rotl(v1, 17);
  v1 ^= v2;
  v2 = Rotl(v2, 32);
}

uint64_t LoadLe64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void AppendLe64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string SipHash128(std::string_view data, uint64_t k0, uint64_t k1) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
  uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
  uint64_t v3 = 0x7465646279746573ULL ^ k1;
  v1 ^= 0xee;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const size_t n = data.size();
  const size_t full = n - n % 8;
  for (size_t i = 0; i < full; i += 8) {
    const uint64_t m = LoadLe64(p + i);
    v3 ^= m;
    SipRound(v0, v1, v2, v3);
    SipRound(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t b = static_cast<uint64_t>(n) << 56;
  for (size_t i = 0; i < n % 8; ++i) b |= static_cast<uint64_t>(p[full + i]) << (8 * i);
  v3 ^= b;
  SipRound(v0, v1, v2, v3);
  SipRound(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xee;
  for (int i = 0; i < 4; ++i) SipRound(v0, v1, v2, v3);
  std::string out;
  out.reserve(16);
  AppendLe64(out, v0 ^ v1 ^ v2 ^ v3);
  v1 ^= 0xdd;
  for (int i = 0; i < 4; ++i) SipRound(v0, v1, v2, v3);
  AppendLe64(out, v0 ^ v1 ^ v2 ^ v3);
  return out;
}

}  // namespace

namespace {

constexpr char kBucketPrefix[] = "bucket/";  // + BE64(minute start ^ sign): count
constexpr char kDeletedBeforeKey[] = "deleted_before";
constexpr int64_t kMinuteUs = 60'000'000;

int64_t MinuteOf(int64_t ts_us) {
  int64_t m = ts_us / kMinuteUs;
  if (ts_us % kMinuteUs < 0) --m;
  return m * kMinuteUs;
}

std::string BucketKey(int64_t minute_us) {
  std::string k = kBucketPrefix;
  const uint64_t v = static_cast<uint64_t>(minute_us) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return k;
}

bool ParseBucketKey(std::string_view k, int64_t* minute_us) {
  const std::string_view prefix = kBucketPrefix;
  if (k.size() != prefix.size() + 8 || !k.starts_with(prefix)) return false;
  uint64_t v = 0;
  for (size_t i = prefix.size(); i < k.size(); ++i) v = (v << 8) | static_cast<uint8_t>(k[i]);
  *minute_us = static_cast<int64_t>(v ^ (uint64_t{1} << 63));
  return true;
}

uint64_t AutoReserve(const std::string& path) {
  struct statvfs vfs {};
  if (statvfs(path.c_str(), &vfs) != 0) return 16ull << 20;
  const uint64_t size = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  return std::clamp<uint64_t>(size / 50, 16ull << 20, 1ull << 30);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return absl::UnavailableError("cannot create " + options.path + ": " + ec.message());

  std::unique_ptr<Store> store(new Store());
  store->path_ = options.path;
  store->options_ = options;
  store->sync_writes_ = options.sync_writes;
  store->reserve_bytes_ =
      options.reserve_bytes != 0 ? options.reserve_bytes : AutoReserve(options.path);
  const bool exists = std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", ec);
  // Opening for writing on a full disk fails inside RocksDB in ways it does
  // not survive (Debian's build asserts): without the room it needs, the
  // store opens read-only at once, and Recover() reopens it later.
  absl::Status st = exists ? store->RoomToOpen() : absl::OkStatus();
  if (st.ok()) st = store->OpenDb(/*read_only=*/false);
  if (!st.ok() && absl::IsUnavailable(st) && exists) {
    // An existing store on a full (or failing) disk: serve what it holds.
    absl::Status ro = store->OpenDb(/*read_only=*/true);
    if (!ro.ok()) return st;
    store->read_only_reason_ = std::string(st.message());
    store->read_only_ = true;
    return store;
  }
  if (!st.ok()) return st;
  return store;
}

absl::Status Store::CheckFormat(bool read_only) {
  legacy_index_until_us_ = 0;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_cf_, kFormatKey, &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read the store format");
  uint64_t format = 0;
  if (s.ok()) {
    format = value.size() == 8 ? DecodeU64(value) : 0;
  } else {
    // No mark: new (mark it), or written before the mark existed (format 1).
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_cf_));
    it->SeekToFirst();
    if (!it->status().ok()) return FromRocks(it->status(), "read the records");
    format = it->Valid() ? 1 : kFormatVersion;
    if (format == kFormatVersion && !read_only) {
      rocksdb::WriteBatch wb;
      wb.Put(meta_cf_, kFormatKey, EncodeU64(kFormatVersion));
      return WriteToDb(/*sync=*/true, &wb, "write the store format");
    }
  }
  if (format == 2 || format == kFormatVersion) {
    s = db_->Get(rocksdb::ReadOptions(), meta_cf_, kLegacyIndexUntilKey, &value);
    if (s.ok()) legacy_index_until_us_ = static_cast<int64_t>(DecodeU64(value));
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read the store format");
    if (format == 2 && !read_only) {
      // Format 3 only adds record values whose mail fields are derived on
      // read (store/record_codec.h): every format 2 value reads as it did.
      // The mark keeps a format 2 mlqd, which would read such a value
      // without its mail fields, from opening the store.
      rocksdb::WriteBatch wb;
      wb.Put(meta_cf_, kFormatKey, EncodeU64(kFormatVersion));
      return WriteToDb(/*sync=*/true, &wb, "upgrade the store to format 3");
    }
    return absl::OkStatus();
  }
  if (format == 1) {
    if (!read_only) return UpgradeFromFormat1();
    legacy_index_until_us_ = INT64_MAX;  // every entry is in "index"
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      "the store at " + path_ + " has format " +
      (format == 0 ? std::string("(unreadable)") : std::to_string(format)) +
      "; this mlqd reads format " + std::to_string(kFormatVersion) +
      " (and upgrades formats 1 and 2) only (a newer mlq wrote it: run that version, or restore a "
      "backup made with this one)");
}

absl::Status Store::UpgradeFromFormat1() {
  // Format 1 wrote every index entry into "index", format 2 into the family
  // of its term. Nothing is moved: lookups read "index" as well until
  // retention has deleted every record older than the newest one now here.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_cf_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "read the records");
  int64_t until = 0;
  uint64_t seq = 0;
  if (it->Valid()) {
    int64_t newest = 0;
    if (keys::ParsePrimaryKey(std::string_view(it->key().data(), it->key().size()), &newest,
                              &seq)) {
      until = newest == INT64_MAX ? newest : newest + 1;
    }
  }
  rocksdb::WriteBatch wb;
  wb.Put(meta_cf_, kLegacyIndexUntilKey, EncodeU64(static_cast<uint64_t>(until)));
  wb.Put(meta_cf_, kFormatKey, EncodeU64(kFormatVersion));
  absl::Status st = WriteToDb(/*sync=*/true, &wb, "upgrade the store from format 1");
  if (st.ok()) legacy_index_until_us_ = until;
  return st;
}

std::vector<rocksdb::ColumnFamilyHandle*> Store::IndexFamilies() const {
  std::vector<rocksdb::ColumnFamilyHandle*> out;
  for (rocksdb::ColumnFamilyHandle* cf : index_cfs_) {
    if (cf != nullptr) out.push_back(cf);  // null: a format 1 store opened read-only
  }
  return out;
}

std::vector<rocksdb::ColumnFamilyHandle*> Store::IndexFamiliesFor(std::string_view prefix,
                                                                  int64_t since_us) const {
  rocksdb::ColumnFamilyHandle* cf = index_cfs_[keys::IndexShardOfPrefix(prefix, kIndexShards)];
  if (cf == nullptr) cf = index_cfs_[0];  // a format 1 store opened read-only
  std::vector<rocksdb::ColumnFamilyHandle*> out = {cf};
  const int64_t from = std::max(since_us, query_cutoff_us_.load(std::memory_order_relaxed));
  if (cf != index_cfs_[0] && legacy_index_until_us_ != 0 && from < legacy_index_until_us_) {
    out.push_back(index_cfs_[0]);
  }
  return out;
}

absl::Status Store::OpenDb(bool read_only) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 1 + kMaxCompactions;  // one flush at a time
  db_options.keep_log_file_num = 5;
  db_options.max_total_wal_size = kMaxWalBytes;
  // Flush every column family together: the metadata family is written in
  // every batch but its memtable never fills, so on its own it kept each WAL
  // file alive until max_total_wal_size forced a flush (measured: the WAL
  // swung between 26 and 262 MiB, half of a small store's disk use).
  db_options.atomic_flush = true;
  // RocksDB's log to stderr, not to a LOG file on the disk that may fill.
  db_options.info_log = NewStderrRocksLogger();
  if (!stall_clock_) stall_clock_ = std::make_shared<StallClock>();
  db_options.listeners.push_back(stall_clock_);
  bg_errors_ = std::make_shared<BackgroundErrorWatch>();
  db_options.listeners.push_back(bg_errors_);
  if (!index_filter_) {
    records_filter_ = std::make_unique<ExpiryFilter>(ExpiryFilter::KeyIn::kKey, deleted_before_us_);
    index_filter_ =
        std::make_unique<ExpiryFilter>(ExpiryFilter::KeyIn::kKeySuffix, deleted_before_us_);
    imported_filter_ =
        std::make_unique<ExpiryFilter>(ExpiryFilter::KeyIn::kValue, deleted_before_us_);
  }
  rocksdb::ColumnFamilyOptions records_options = RecordsOptions();
  records_options.compaction_filter = records_filter_.get();
  rocksdb::ColumnFamilyOptions index_options = IndexOptions();
  index_options.compaction_filter = index_filter_.get();
  rocksdb::ColumnFamilyOptions imported_options = ImportedOptions();
  imported_options.compaction_filter = imported_filter_.get();

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kRecordsCf, records_options},
      {kIndexCfs[0], index_options},
      {kImportedCf, imported_options},
  };
  for (size_t i = 1; i < kIndexShards; ++i) cfs.emplace_back(kIndexCfs[i], index_options);
  // What the store has: a read-only open cannot create the families format
  // 1 lacks, and families of a newer format must be opened too, so that the
  // format check (not RocksDB) says what is wrong.
  std::vector<std::string> existing;
  const bool listed = rocksdb::DB::ListColumnFamilies(db_options, path_, &existing).ok();
  if (!listed) existing.clear();
  if (read_only && listed) {
    std::erase_if(cfs, [&](const rocksdb::ColumnFamilyDescriptor& d) {
      return std::find(existing.begin(), existing.end(), d.name) == existing.end();
    });
  }
  for (const std::string& name : existing) {
    auto known = [&](const rocksdb::ColumnFamilyDescriptor& d) { return d.name == name; };
    if (std::find_if(cfs.begin(), cfs.end(), known) == cfs.end()) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
  }
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = read_only
                          ? rocksdb::DB::OpenForReadOnly(db_options, path_, cfs, &handles, &db)
                          : rocksdb::DB::Open(db_options, path_, cfs, &handles, &db);
  if (!s.ok()) return FromRocks(s, std::string(read_only ? "open read-only " : "open ") + path_);
  db_.reset(db);
  handles_ = std::move(handles);
  // One family per block cache, for Health(): families whose options are
  // copies of one another (the index shards) share a table factory and
  // with it one cache. `handles_` is in the order of `cfs`.
  cache_cfs_.clear();
  std::vector<const rocksdb::TableFactory*> factories;
  for (size_t i = 0; i < cfs.size() && i < handles_.size(); ++i) {
    const rocksdb::TableFactory* f = cfs[i].options.table_factory.get();
    if (std::find(factories.begin(), factories.end(), f) != factories.end()) continue;
    factories.push_back(f);
    cache_cfs_.push_back(handles_[i]);
  }
  meta_cf_ = records_cf_ = imported_cf_ = nullptr;
  index_cfs_.fill(nullptr);
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    const std::string& name = h->GetName();
    if (name == rocksdb::kDefaultColumnFamilyName) meta_cf_ = h;
    if (name == kRecordsCf) records_cf_ = h;
    if (name == kImportedCf) imported_cf_ = h;
    for (size_t i = 0; i < kIndexShards; ++i) {
      if (name == kIndexCfs[i]) index_cfs_[i] = h;
    }
  }
  if (meta_cf_ == nullptr || records_cf_ == nullptr || imported_cf_ == nullptr ||
      index_cfs_[0] == nullptr) {
    return absl::DataLossError(path_ + " is not an mlq store: column families missing");
  }

  std::string value;
  if (absl::Status st = CheckFormat(read_only); !st.ok()) return st;
  s = db->Get(rocksdb::ReadOptions(), meta_cf_, kNextSequenceKey, &value);
  if (s.ok()) {
    next_sequence_ = DecodeU64(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read metadata");
  }
  s = db->Get(rocksdb::ReadOptions(), meta_cf_, kRecordCountKey, &value);
  if (s.ok()) {
    record_count_ = DecodeU64(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read metadata");
  }
  s = db->Get(rocksdb::ReadOptions(), meta_cf_, kDeletedBeforeKey, &value);
  if (s.ok()) {
    const auto cutoff = static_cast<int64_t>(DecodeU64(value));
    deleted_before_us_->store(cutoff);
    query_cutoff_us_.store(std::max(query_cutoff_us_.load(), cutoff));
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read metadata");
  }
  bucket_counts_.clear();
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), meta_cf_));
  for (it->Seek(kBucketPrefix); it->Valid(); it->Next()) {
    int64_t minute = 0;
    if (!ParseBucketKey(std::string_view(it->key().data(), it->key().size()), &minute)) break;
    bucket_counts_[minute] = DecodeU64(std::string_view(it->value().data(), it->value().size()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read metadata");
  // A store written before buckets existed: its records count as one bucket
  // at the oldest record's minute, so size-based retention still sees them.
  if (bucket_counts_.empty() && record_count_ != 0) {
    std::unique_ptr<rocksdb::Iterator> rit(db->NewIterator(rocksdb::ReadOptions(), records_cf_));
    rit->SeekToFirst();
    int64_t ts = 0;
    uint64_t seq = 0;
    if (rit->Valid() &&
        keys::ParsePrimaryKey(std::string_view(rit->key().data(), rit->key().size()), &ts, &seq)) {
      bucket_counts_[MinuteOf(ts)] = record_count_;
    }
  }
  return absl::OkStatus();
}

void Store::CloseDb() {
  if (!db_) return;
  if (!read_only_) {
    std::lock_guard wal_lock(wal_mu_);
    if (CanSyncLocked().ok()) db_->FlushWAL(/*sync=*/true);
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  cache_cfs_.clear();
  db_->Close();
  db_.reset();
}

Store::~Store() { CloseDb(); }

std::vector<std::pair<keys::IndexKind, std::string>> Store::IndexTerms(const LogRecord& rec) {
  std::vector<std::pair<keys::IndexKind, std::string>> terms;
  if (!rec.queue_id.empty()) {
    terms.emplace_back(keys::IndexKind::kQueueId, keys::QueueTerm(rec.queue_id, rec.host));
  }
  if (!rec.message_id.empty()) {
    terms.emplace_back(keys::IndexKind::kMessageId, std::string(scan::StripAngles(rec.message_id)));
  }
  // Each address once per record, in first-seen order. An Exim "for a b c
  // ..." or Kerio "To:" line can carry thousands of recipients, so the terms
  // seen are kept in a hash set: comparing each against all earlier ones
  // was quadratic (20 lines of 64 KiB took 0.5 s of the receive thread).
  std::vector<std::string> addresses;
  addresses.reserve(rec.to.size() + 2);
  auto add_address = [&addresses](std::string_view a) {
    if (!a.empty()) addresses.push_back(keys::AddressTerm(a));
  };
  add_address(rec.from);
  for (const auto& to : rec.to) add_address(to);
  add_address(rec.orig_to);
  std::vector<bool> keep(addresses.size(), true);
  if (addresses.size() <= 8) {
    for (size_t i = 1; i < addresses.size(); ++i) {
      for (size_t j = 0; j < i && keep[i]; ++j) keep[i] = addresses[j] != addresses[i];
    }
  } else {
    std::unordered_set<std::string_view> seen;
    seen.reserve(addresses.size());
    for (size_t i = 0; i < addresses.size(); ++i) keep[i] = seen.insert(addresses[i]).second;
  }
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (keep[i]) terms.emplace_back(keys::IndexKind::kAddress, std::move(addresses[i]));
  }
  for (const Link& link : rec.links) {
    if (link.queue_id.empty()) continue;
    terms.emplace_back(keys::IndexKind::kLink,
                       keys::QueueTerm(link.queue_id, link.host.empty() ? rec.host : link.host));
  }
  // SMTP server sessions: a trace attaches the lines of the same session
  // (connect, TLS, rejects) that precede the queue ID.
  if (rec.family == "postfix" && !rec.pid.empty() &&
      (rec.program.ends_with("/smtpd") || rec.program.ends_with("/postscreen"))) {
    terms.emplace_back(keys::IndexKind::kProcess,
                       keys::ProcessTerm(rec.host, rec.program, rec.pid));
  }
  if (!rec.client_ip.empty()) terms.emplace_back(keys::IndexKind::kClientIp, rec.client_ip);
  if (!rec.sasl_user.empty()) {
    terms.emplace_back(keys::IndexKind::kSaslUser, keys::AddressTerm(rec.sasl_user));
  }
  return terms;
}

namespace {

bool HasImportIdentity(const LogRecord& rec) {
  for (const auto& [key, value] : rec.extra) {
    if (key == kImportIdentityKey) return true;
  }
  return false;
}

// Removes the import identity mark from `rec`; returns it ("" when none).
std::string TakeImportIdentity(LogRecord& rec) {
  for (auto it = rec.extra.begin(); it != rec.extra.end(); ++it) {
    if (it->first == kImportIdentityKey) {
      std::string id = std::move(it->second);
      rec.extra.erase(it);
      return id;
    }
  }
  return "";
}

}  // namespace

std::string Store::ImportLineHash(std::string_view host, int64_t timestamp_us,
                                  std::string_view raw) {
  std::string data;
  data.reserve(24 + host.size() + raw.size());
  AppendLe64(data, host.size());
  data.append(host);
  AppendLe64(data, static_cast<uint64_t>(timestamp_us));
  AppendLe64(data, raw.size());
  data.append(raw);
  // The key is fixed: identities must be the same in every process.
  return SipHash128(data, 0x6d6c712d696d706fULL, 0x72742d6964656e74ULL);
}

std::string Store::ImportIdentity(std::string_view line_hash, uint32_t occurrence) {
  std::string id(line_hash);
  for (int shift = 24; shift >= 0; shift -= 8) {
    id.push_back(static_cast<char>((occurrence >> shift) & 0xff));
  }
  return id;
}

void Store::SetImportIdentity(LogRecord& rec, std::string identity) {
  for (auto& [key, value] : rec.extra) {
    if (key == kImportIdentityKey) {
      value = std::move(identity);
      return;
    }
  }
  rec.extra.emplace_back(std::string(kImportIdentityKey), std::move(identity));
}

absl::StatusOr<std::vector<bool>> Store::ImportedAlready(
    const std::vector<std::string>& identities) const {
  std::vector<std::string_view> views(identities.begin(), identities.end());
  return ImportedAlreadyViews(views);
}

absl::StatusOr<std::vector<bool>> Store::ImportedAlreadyViews(
    std::span<const std::string_view> identities) const {
  std::vector<bool> found(identities.size(), false);
  if (identities.empty()) return found;
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(identities.size());
  for (std::string_view id : identities) slices.emplace_back(id.data(), id.size());
  std::vector<rocksdb::PinnableSlice> values(identities.size());
  std::vector<rocksdb::Status> statuses(identities.size());
  db_->MultiGet(rocksdb::ReadOptions(), imported_cf_, slices.size(), slices.data(), values.data(),
                statuses.data());
  for (size_t i = 0; i < identities.size(); ++i) {
    if (statuses[i].ok()) {
      found[i] = true;
    } else if (!statuses[i].IsNotFound()) {
      return FromRocks(statuses[i], "read import identities");
    }
  }
  return found;
}

absl::Status Store::Write(const std::vector<LogRecord>& batch, std::vector<std::string>* keys_out) {
  if (!std::any_of(batch.begin(), batch.end(), HasImportIdentity)) {
    std::vector<Item> items;
    items.reserve(batch.size());
    for (const LogRecord& rec : batch) items.push_back({&rec, nullptr});
    return WriteRecords(items, {}, keys_out);
  }
  std::vector<LogRecord> copy = batch;
  return Write(copy, keys_out);
}

absl::Status Store::Write(std::vector<LogRecord>& batch, std::vector<std::string>* keys_out) {
  std::vector<LogRecord>* one[] = {&batch};
  std::vector<std::vector<std::string>> keys;
  absl::Status st = WriteGroup(one, keys_out != nullptr ? &keys : nullptr);
  if (keys_out != nullptr)
    *keys_out = keys.empty() ? std::vector<std::string>() : std::move(keys[0]);
  return st;
}

absl::Status Store::WriteGroup(std::span<std::vector<LogRecord>* const> batches,
                               std::vector<std::vector<std::string>>* keys_out) {
  return WriteGroup(batches, {}, keys_out);
}

size_t Store::Prepared::bytes() const {
  return values.capacity() + value_ends.capacity() * sizeof(uint32_t) + index_keys.capacity() +
         index.capacity() * sizeof(Entry) + identities.capacity() * sizeof(std::string) +
         identities.size() * 32;  // heap of a 20-byte identity
}

bool Store::Prepare(std::vector<LogRecord>& batch, Prepared* out) {
  std::vector<std::string> identities;
  if (std::any_of(batch.begin(), batch.end(), HasImportIdentity)) {
    identities.reserve(batch.size());
    for (LogRecord& rec : batch) identities.push_back(TakeImportIdentity(rec));
  }
  const bool prepared = Prepare(std::as_const(batch), out);
  out->identities = std::move(identities);
  return prepared;
}

bool Store::Prepare(const std::vector<LogRecord>& batch, Prepared* out) {
  out->values.clear();
  out->value_ends.clear();
  out->index_keys.clear();
  out->index.clear();
  out->identities.clear();
  if (std::any_of(batch.begin(), batch.end(), HasImportIdentity)) return false;
  static const std::string kPlaceholder(keys::kPrimaryKeySize, '\0');
  out->value_ends.reserve(batch.size());
  out->index.reserve(batch.size() * 3);
  for (uint32_t i = 0; i < batch.size(); ++i) {
    EncodeRecord(batch[i], &out->values);
    out->value_ends.push_back(static_cast<uint32_t>(out->values.size()));
    for (const auto& [kind, term] : IndexTerms(batch[i])) {
      out->index_keys.append(keys::IndexPrefix(kind, term));
      out->index_keys.append(kPlaceholder);
      out->index.push_back({static_cast<uint32_t>(out->index_keys.size()), i});
    }
  }
  return true;
}

absl::Status Store::WriteGroup(std::span<std::vector<LogRecord>* const> batches,
                               std::span<Prepared* const> preps,
                               std::vector<std::vector<std::string>>* keys_out) {
  if (keys_out != nullptr) keys_out->assign(batches.size(), {});
  // A batch's preparation holds as long as the batch is as it was pushed;
  // deduplication that drops records from it voids it (its size changes).
  auto prep_of = [&](size_t bi) -> Prepared* {
    Prepared* p = bi < preps.size() ? preps[bi] : nullptr;
    const std::vector<LogRecord>& b = *batches[bi];
    if (p == nullptr || b.empty() || p->value_ends.size() != b.size()) return nullptr;
    return p;
  };
  size_t total = 0;
  bool marked = false;
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const std::vector<LogRecord>* b = batches[bi];
    total += b->size();
    const Prepared* p = prep_of(bi);
    marked = marked || (p != nullptr ? !p->identities.empty()
                                     : std::any_of(b->begin(), b->end(), HasImportIdentity));
  }
  // Per record of the group, when marked: its identity (nullptr: none),
  // in its batch's preparation or taken from its mark into `taken`.
  std::vector<const std::string*> ids;
  std::vector<std::string> taken;
  std::vector<Prepared*> voided;  // preparations deduplication made void
  // After a failure nothing was written: the marks go back where a retry
  // of the same batches finds them, so it still deduplicates.
  auto put_marks_back = [&] {
    size_t n = 0;
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      const bool prepared = prep_of(bi) != nullptr;
      for (LogRecord& rec : *batches[bi]) {
        const std::string* id = ids[n++];
        if (!prepared && id != nullptr) SetImportIdentity(rec, *id);
      }
    }
    for (Prepared* p : voided) p->identities.clear();
  };
  if (marked) {
    ids.reserve(total);
    taken.reserve(total);  // never reallocates: ids point into it
    std::vector<std::string_view> lookups;
    lookups.reserve(total);
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      const Prepared* p = prep_of(bi);
      std::vector<LogRecord>& b = *batches[bi];
      for (size_t i = 0; i < b.size(); ++i) {
        const std::string* id = nullptr;
        if (p != nullptr) {
          if (!p->identities.empty() && !p->identities[i].empty()) id = &p->identities[i];
        } else if (std::string t = TakeImportIdentity(b[i]); !t.empty()) {
          id = &taken.emplace_back(std::move(t));
        }
        ids.push_back(id);
        if (id != nullptr) lookups.push_back(*id);
      }
    }
    // Only this thread writes, so what is stored cannot change before the
    // batch below is committed.
    absl::StatusOr<std::vector<bool>> stored = ImportedAlreadyViews(lookups);
    if (!stored.ok()) {
      put_marks_back();
      return stored.status();
    }
    std::unordered_set<std::string_view> seen;
    seen.reserve(lookups.size());
    for (size_t i = 0; i < lookups.size(); ++i) {
      if ((*stored)[i]) seen.insert(lookups[i]);
    }
    // Drops duplicates from each batch, keeping `ids` aligned.
    size_t from = 0, to = 0;
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      std::vector<LogRecord>& b = *batches[bi];
      Prepared* p = prep_of(bi);
      size_t kept = 0;
      for (size_t i = 0; i < b.size(); ++i, ++from) {
        if (ids[from] != nullptr && !seen.insert(*ids[from]).second) continue;
        if (kept != i) b[kept] = std::move(b[i]);
        ids[to++] = ids[from];
        ++kept;
      }
      if (kept != b.size() && p != nullptr) voided.push_back(p);
      b.resize(kept);
    }
    ids.resize(to);
    total = to;
  }
  std::vector<Item> items;
  items.reserve(total);
  std::vector<PreparedRun> runs;
  std::vector<std::string_view> values;  // of prepared records
  values.reserve(total);
  size_t n = 0;
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const std::vector<LogRecord>& b = *batches[bi];
    Prepared* prep = prep_of(bi);
    if (prep != nullptr) runs.push_back({prep, items.size()});
    for (size_t i = 0; i < b.size(); ++i) {
      const std::string* identity = marked ? ids[n] : nullptr;
      const std::string_view* value = nullptr;
      if (prep != nullptr) {
        const uint32_t from = i == 0 ? 0 : prep->value_ends[i - 1];
        values.push_back(std::string_view(prep->values).substr(from, prep->value_ends[i] - from));
        value = &values.back();
      }
      items.push_back({&b[i], identity, value});
      ++n;
    }
  }
  std::vector<std::string> pks;
  absl::Status st = WriteRecords(items, runs, keys_out != nullptr ? &pks : nullptr);
  if (!st.ok() && marked) put_marks_back();
  if (!st.ok() || keys_out == nullptr) return st;
  size_t k = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    auto& out = (*keys_out)[i];
    out.reserve(batches[i]->size());
    for (size_t j = 0; j < batches[i]->size(); ++j) out.push_back(std::move(pks[k++]));
  }
  return st;
}

absl::Status Store::WriteRecords(const std::vector<Item>& items, std::span<const PreparedRun> runs,
                                 std::vector<std::string>* keys_out) {
  if (keys_out != nullptr) keys_out->clear();
  if (items.empty()) return absl::OkStatus();
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  if (read_only_) return absl::FailedPreconditionError("store is read-only: " + read_only_reason_);
  if (broken_) return BrokenStatus();
  std::lock_guard write_lock(write_mu_);
  if (!write_batch_) write_batch_ = std::make_unique<rocksdb::WriteBatch>();
  rocksdb::WriteBatch& wb = *write_batch_;
  wb.Clear();
  // Primary keys first, in item order (for keys_out), then every column
  // family's entries in key order (see UseInsertHint).
  std::vector<std::string> pks;
  pks.reserve(items.size());
  uint64_t seq = next_sequence_;
  for (const Item& it : items) pks.push_back(keys::PrimaryKey(it.rec->timestamp_us, seq++));
  std::vector<uint32_t> order(items.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return pks[a] < pks[b]; });
  // Index keys: the prepared ones patched with their record's primary key
  // in place, the others built here; all sorted together.
  std::vector<std::string_view> index;
  index.reserve(items.size() * 3);
  for (const PreparedRun& run : runs) {
    uint32_t begin = 0;
    for (const Prepared::Entry& e : run.prep->index) {
      char* key = run.prep->index_keys.data() + begin;
      std::memcpy(key + (e.end - begin) - keys::kPrimaryKeySize, pks[run.first + e.record].data(),
                  keys::kPrimaryKeySize);
      index.emplace_back(key, e.end - begin);
      begin = e.end;
    }
  }
  std::vector<std::string> built;  // keys of records that were not prepared
  // Import identities in key order too: they are hashes, and a skiplist
  // insert of a random key into a large memtable starts from the top.
  std::vector<std::pair<std::string_view, uint32_t>> identities;
  std::string value;
  for (uint32_t i : order) {
    const Item& it = items[i];
    if (it.value != nullptr) {
      wb.Put(records_cf_, pks[i], rocksdb::Slice(it.value->data(), it.value->size()));
    } else {
      value.clear();
      EncodeRecord(*it.rec, &value);
      wb.Put(records_cf_, pks[i], value);
      for (const auto& [kind, term] : IndexTerms(*it.rec)) {
        built.push_back(keys::IndexKey(kind, term, pks[i]));
      }
    }
    if (it.identity != nullptr) identities.emplace_back(*it.identity, i);
  }
  std::sort(identities.begin(), identities.end());
  for (const auto& [id, i] : identities) {
    wb.Put(imported_cf_, rocksdb::Slice(id.data(), id.size()), pks[i]);
  }
  for (const std::string& k : built) index.emplace_back(k);
  std::sort(index.begin(), index.end());
  for (std::string_view k : index) {
    wb.Put(index_cfs_[keys::IndexShardOfKey(k, kIndexShards)], rocksdb::Slice(k.data(), k.size()),
           rocksdb::Slice());
  }
  const uint64_t count = record_count_.load(std::memory_order_relaxed) + items.size();
  wb.Put(meta_cf_, kNextSequenceKey, EncodeU64(seq));
  wb.Put(meta_cf_, kRecordCountKey, EncodeU64(count));
  std::vector<std::pair<int64_t, uint64_t>> buckets = CountBuckets(items, wb);
  if (absl::Status st = WriteToDb(sync_writes_ && !defer_syncs_, &wb, "write batch"); !st.ok()) {
    return st;
  }
  if (keys_out != nullptr) *keys_out = std::move(pks);
  next_sequence_ = seq;
  record_count_.store(count, std::memory_order_relaxed);
  for (const auto& [minute, n] : buckets) bucket_counts_[minute] = n;
  index_entries_written_.fetch_add(index.size(), std::memory_order_relaxed);
  records_written_.fetch_add(items.size(), std::memory_order_relaxed);
  return absl::OkStatus();
}

std::vector<std::pair<int64_t, uint64_t>> Store::CountBuckets(const std::vector<Item>& items,
                                                              rocksdb::WriteBatch& wb) {
  // Records of a batch mostly fall into one or two minutes.
  std::vector<std::pair<int64_t, uint64_t>> added;
  for (const Item& it : items) {
    const int64_t minute = MinuteOf(it.rec->timestamp_us);
    auto found = std::find_if(added.begin(), added.end(),
                              [minute](const auto& b) { return b.first == minute; });
    if (found != added.end()) {
      ++found->second;
    } else {
      added.emplace_back(minute, 1);
    }
  }
  for (auto& [minute, n] : added) {
    auto old = bucket_counts_.find(minute);
    if (old != bucket_counts_.end()) n += old->second;
    wb.Put(meta_cf_, BucketKey(minute), EncodeU64(n));
  }
  return added;
}

absl::StatusOr<LogRecord> Store::Get(std::string_view primary_key) const {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  return GetLocked(primary_key);
}

absl::StatusOr<LogRecord> Store::GetLocked(std::string_view primary_key) const {
  int64_t ts;
  uint64_t seq;
  if (!keys::ParsePrimaryKey(primary_key, &ts, &seq)) {
    return absl::InvalidArgumentError("malformed record key");
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), records_cf_,
                               rocksdb::Slice(primary_key.data(), primary_key.size()), &value);
  if (!s.ok()) return FromRocks(s, "read record");
  if (ts < query_cutoff_us_.load(std::memory_order_relaxed)) {
    return absl::NotFoundError("record deleted by retention");
  }
  LogRecord rec;
  rec.timestamp_us = ts;
  absl::Status st = DecodeRecord(value, &rec);
  if (!st.ok()) return st;
  return rec;
}

absl::StatusOr<FindResult> Store::Find(const FindQuery& query) const {
  if (query.term.empty()) return absl::InvalidArgumentError("empty lookup term");
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  // Nothing older than the retention: the lookup starts at its cut-off.
  FindQuery q = query;
  const int64_t cutoff = query_cutoff_us_.load(std::memory_order_relaxed);
  if (cutoff != 0 && q.since_us < cutoff) q.since_us = cutoff;
  std::string prefix;
  bool host_scoped = true;  // entries are time-ordered within the prefix
  switch (q.kind) {
    case keys::IndexKind::kQueueId:
      if (q.host.empty()) {
        prefix = keys::QueuePrefixAnyHost(q.term);
        host_scoped = false;
      } else {
        prefix = keys::IndexPrefix(q.kind, keys::QueueTerm(q.term, q.host));
      }
      break;
    case keys::IndexKind::kMessageId:
      prefix = keys::IndexPrefix(q.kind, scan::StripAngles(q.term));
      break;
    case keys::IndexKind::kAddress:
    case keys::IndexKind::kSaslUser:
      prefix = keys::IndexPrefix(q.kind, keys::AddressTerm(q.term));
      break;
    case keys::IndexKind::kClientIp:
      prefix = keys::IndexPrefix(q.kind, q.term);
      break;
    case keys::IndexKind::kLink:
      if (q.host.empty()) {
        prefix = std::string(1, static_cast<char>(keys::IndexKind::kLink)) +
                 keys::QueuePrefixAnyHost(q.term).substr(1);
        host_scoped = false;
      } else {
        prefix = keys::IndexPrefix(q.kind, keys::QueueTerm(q.term, q.host));
      }
      break;
    case keys::IndexKind::kProcess:
      prefix = keys::IndexPrefix(q.kind, q.term);  // term from keys::ProcessTerm
      break;
  }

  // Collect matching primary keys. Within one term they are time-ordered,
  // so a time range is a seek plus an early stop; across hosts (queue ID
  // without host) or families (a format 1 store's entries) they are merged
  // by sorting.
  std::vector<std::string> pks;
  rocksdb::ReadOptions ro;
  std::string start = prefix;
  if (host_scoped && q.since_us != 0) start += keys::PrimaryKey(q.since_us, 0);
  const std::string until_pk = q.until_us != 0 ? keys::PrimaryKey(q.until_us, 0) : std::string();
  const std::string since_pk = q.since_us != 0 ? keys::PrimaryKey(q.since_us, 0) : std::string();
  const size_t cap = q.limit == 0 ? SIZE_MAX : q.limit;
  bool truncated = false;
  const std::vector<rocksdb::ColumnFamilyHandle*> families = IndexFamiliesFor(prefix, q.since_us);
  for (rocksdb::ColumnFamilyHandle* family : families) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, family));
    size_t taken = 0;  // from this family
    for (it->Seek(start); it->Valid(); it->Next()) {
      rocksdb::Slice k = it->key();
      if (!k.starts_with(prefix)) break;
      std::string_view pk = keys::PrimaryKeyOfIndexKey(std::string_view(k.data(), k.size()));
      if (pk.empty()) continue;
      // A queue ID without host: the rest between prefix and pk is "host\0".
      if (!host_scoped && k.size() - prefix.size() < keys::kPrimaryKeySize + 1) continue;
      if (!since_pk.empty() && pk < since_pk) continue;
      if (!until_pk.empty() && pk >= until_pk) {
        if (host_scoped) break;
        continue;
      }
      if (host_scoped && taken >= cap) {
        truncated = true;
        break;
      }
      pks.emplace_back(pk);
      ++taken;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "index scan");
  }
  if (!host_scoped || families.size() > 1) {
    std::sort(pks.begin(), pks.end());
    if (pks.size() > cap) {
      pks.resize(cap);
      truncated = true;
    }
  }

  FindResult result;
  result.truncated = truncated;
  result.records.reserve(pks.size());
  for (const std::string& pk : pks) {
    absl::StatusOr<LogRecord> rec = GetLocked(pk);
    if (absl::IsNotFound(rec.status())) continue;  // removed by retention meanwhile
    if (!rec.ok()) return rec.status();
    result.records.push_back(StoredRecord{pk, *std::move(rec)});
  }
  return result;
}

absl::Status Store::Scan(
    int64_t since_us, int64_t until_us, bool newest_first, std::string_view resume_after,
    const std::function<bool(std::string_view key, const LogRecord& rec)>& visit,
    uint64_t* corrupt) const {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  const int64_t cutoff = query_cutoff_us_.load(std::memory_order_relaxed);
  if (cutoff != 0 && since_us < cutoff) since_us = cutoff;  // nothing older than the retention
  const std::string lower = since_us != 0 ? keys::PrimaryKey(since_us, 0) : std::string();
  const std::string upper = until_us != 0 ? keys::PrimaryKey(until_us, 0) : std::string();
  rocksdb::ReadOptions ro;
  // Bounds let RocksDB skip whole files outside the range.
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  if (!lower.empty()) ro.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, records_cf_));
  const rocksdb::Slice resume(resume_after.data(), resume_after.size());
  if (newest_first) {
    if (!resume_after.empty()) {
      it->SeekForPrev(resume);
      if (it->Valid() && it->key() == resume) it->Prev();
    } else {
      it->SeekToLast();
    }
  } else {
    if (!resume_after.empty()) {
      it->Seek(resume);
      if (it->Valid() && it->key() == resume) it->Next();
    } else {
      it->SeekToFirst();
    }
  }
  for (; it->Valid(); newest_first ? it->Prev() : it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    int64_t ts;
    uint64_t seq;
    if (!keys::ParsePrimaryKey(key, &ts, &seq)) continue;
    LogRecord rec;
    rec.timestamp_us = ts;
    if (!DecodeRecord(std::string_view(it->value().data(), it->value().size()), &rec).ok()) {
      if (corrupt != nullptr) ++*corrupt;
      continue;
    }
    if (!visit(key, rec)) break;
  }
  return FromRocks(it->status(), "record scan");
}

uint64_t Store::DiskBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, ec)) {
    std::error_code fec;
    if (entry.is_regular_file(fec)) total += entry.file_size(fec);
  }
  return total;
}

absl::Status Store::SyncWal() {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  if (read_only_) return absl::FailedPreconditionError("store is read-only: " + read_only_reason_);
  std::lock_guard wal_lock(wal_mu_);
  if (absl::Status can = CanSyncLocked(); !can.ok()) return can;
  absl::Status st = FromRocks(db_->SyncWAL(), "sync WAL");
  if (!st.ok()) MarkBroken(st);
  return st;
}

absl::Status Store::WriteToDb(bool sync, rocksdb::WriteBatch* wb, std::string_view what) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  std::lock_guard wal_lock(wal_mu_);
  if (broken_) return BrokenStatus();  // never write to a DB after a failure
  absl::Status st = FromRocks(db_->Write(wo, wb), what);
  if (!st.ok()) MarkBroken(st);
  return st;
}

absl::Status Store::CanSyncLocked() {
  if (broken_) return BrokenStatus();
  if (bg_errors_ != nullptr && bg_errors_->seen()) {
    absl::Status st = absl::UnavailableError("RocksDB background error: " + bg_errors_->first());
    MarkBroken(st);
    return st;
  }
  return absl::OkStatus();
}

absl::Status Store::Flush() {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  if (read_only_) return absl::OkStatus();  // nothing written
  absl::Status st;
  {
    std::lock_guard wal_lock(wal_mu_);
    st = CanSyncLocked();
    if (st.ok()) st = FromRocks(db_->FlushWAL(/*sync=*/true), "sync WAL");
  }
  if (st.ok()) st = FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_), "flush");
  if (!st.ok()) MarkBroken(st);
  return st;
}

void Store::MarkBroken(const absl::Status& why) {
  std::lock_guard lock(state_mu_);
  if (broken_) return;
  broken_reason_ = std::string(why.message());
  broken_ = true;
}

absl::Status Store::BrokenStatus() const {
  std::lock_guard lock(state_mu_);
  return absl::UnavailableError("store failed, reopening when possible: " + broken_reason_);
}

uint64_t Store::FreeBytes() const {
  struct statvfs vfs {};
  if (statvfs(path_.c_str(), &vfs) != 0) return UINT64_MAX;  // unknown: do not pause for it
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

absl::Status Store::CheckSpace() const {
  if (broken_) return BrokenStatus();
  if (read_only_) {
    return absl::UnavailableError("store opened read-only (" + read_only_reason_ + ")");
  }
  const uint64_t free = FreeBytes();
  if (free < reserve_bytes_) {
    return absl::UnavailableError("disk nearly full: " + std::to_string(free >> 20) +
                                  " MiB free on " + path_ + ", below the reserve of " +
                                  std::to_string(reserve_bytes_ >> 20) + " MiB");
  }
  if (intake_paused_.load(std::memory_order_acquire)) {
    std::lock_guard lock(state_mu_);
    if (!pause_reason_.empty()) return absl::UnavailableError(pause_reason_);
  }
  return absl::OkStatus();
}

void Store::PauseIntake(std::string reason) {
  std::lock_guard lock(state_mu_);
  intake_paused_.store(!reason.empty(), std::memory_order_release);
  pause_reason_ = std::move(reason);
}

absl::Status Store::RoomToOpen() const {
  // Opening replays the write-ahead logs into table files of about their
  // size, and writes a new log and manifest: the reserve plus the logs.
  uint64_t logs = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
    std::error_code fec;
    if (entry.path().extension() == ".log" && entry.is_regular_file(fec)) {
      logs += entry.file_size(fec);
    }
  }
  const uint64_t free = FreeBytes();
  if (free >= reserve_bytes_ + logs) return absl::OkStatus();
  return absl::UnavailableError("disk full: " + std::to_string(free >> 20) + " MiB free on " +
                                path_ + ", opening for writing needs " +
                                std::to_string((reserve_bytes_ + logs + (1 << 20) - 1) >> 20) +
                                " MiB");
}

absl::Status Store::Recover() {
  if (!read_only_ && !broken_) return absl::OkStatus();
  // Reopening needs space (a new WAL, a manifest, the replayed logs).
  if (absl::Status room = RoomToOpen(); !room.ok()) return room;
  std::unique_lock db_lock(db_mu_);
  CloseDb();
  // Reopening replays the WAL: every write that returned OK is back, the
  // write that failed half-way is not (a torn tail is dropped).
  absl::Status st = OpenDb(/*read_only=*/false);
  if (st.ok()) {
    read_only_ = false;
    read_only_reason_.clear();
    std::lock_guard lock(state_mu_);
    broken_ = false;
    broken_reason_.clear();
    return absl::OkStatus();
  }
  absl::Status ro = OpenDb(/*read_only=*/true);
  if (!ro.ok()) {
    MarkBroken(st);  // neither: every call fails until a later attempt works
    return st;
  }
  read_only_reason_ = std::string(st.message());
  read_only_ = true;
  {
    std::lock_guard lock(state_mu_);
    broken_ = false;
  }
  return absl::UnavailableError("store read-only until it can be reopened: " + read_only_reason_);
}

absl::Status Store::DeleteBefore(int64_t cutoff_us, uint64_t* deleted, bool compact) {
  if (deleted != nullptr) *deleted = 0;
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  if (cutoff_us > query_cutoff_us_.load()) query_cutoff_us_.store(cutoff_us);
  if (read_only_ || broken_) return absl::OkStatus();  // queries honour it; deletion waits
  // Whole minutes only: the counts are per minute.
  const int64_t cut = MinuteOf(cutoff_us);
  std::string from, to = keys::PrimaryKey(cut, 0);
  uint64_t n = 0;
  {
    std::lock_guard write_lock(write_mu_);
    auto end = bucket_counts_.lower_bound(cut);
    if (bucket_counts_.begin() == end) return absl::OkStatus();  // nothing that old
    from = keys::PrimaryKey(bucket_counts_.begin()->first, 0);
    rocksdb::WriteBatch wb;
    for (auto it = bucket_counts_.begin(); it != end; ++it) {
      n += it->second;
      wb.Delete(meta_cf_, BucketKey(it->first));
    }
    const uint64_t count = record_count_.load() - std::min(n, record_count_.load());
    wb.Put(meta_cf_, kRecordCountKey, EncodeU64(count));
    const int64_t before = std::max(deleted_before_us_->load(), cut);
    wb.Put(meta_cf_, kDeletedBeforeKey, EncodeU64(static_cast<uint64_t>(before)));
    if (absl::Status st = WriteToDb(sync_writes_, &wb, "retention delete"); !st.ok()) return st;
    bucket_counts_.erase(bucket_counts_.begin(), end);
    record_count_.store(count);
    deleted_before_us_->store(before);
  }
  if (deleted != nullptr) *deleted = n;
  // Space back: table files wholly in the range go at once, the ones at its
  // edge (and memtable records, which it flushes) with a compaction of the
  // range, whose filter drops what is older than the deletion point.
  rocksdb::Slice begin_slice(from), end_slice(to);
  rocksdb::Status s = rocksdb::DeleteFilesInRange(db_.get(), records_cf_, &begin_slice, &end_slice,
                                                  /*include_end=*/false);
  if (!s.ok()) return FromRocks(s, "retention file deletion");
  if (!compact) return absl::OkStatus();
  rocksdb::CompactRangeOptions cro;
  cro.exclusive_manual_compaction = false;
  s = db_->CompactRange(cro, records_cf_, &begin_slice, &end_slice);
  return FromRocks(s, "retention compaction");
}

absl::Status Store::CompactDeleted() {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  if (read_only_ || broken_) return absl::OkStatus();
  const int64_t before = deleted_before_us_->load();
  if (before == 0) return absl::OkStatus();
  // Everything before the deletion point is deleted: whatever table files
  // still hold some of it (the edge, L0 files) are rewritten without it.
  const std::string to = keys::PrimaryKey(before, 0);
  rocksdb::Slice end_slice(to);
  rocksdb::CompactRangeOptions cro;
  cro.exclusive_manual_compaction = false;
  return FromRocks(db_->CompactRange(cro, records_cf_, nullptr, &end_slice),
                   "retention compaction");
}

uint64_t Store::ExpiredBytes() const {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return 0;
  const int64_t before = deleted_before_us_->load();
  if (before == 0) return 0;
  const std::string to = keys::PrimaryKey(before, 0);
  // The smallest primary key: timestamps are stored with the sign bit
  // flipped, so all-zero bytes sort first.
  const std::string from(keys::kPrimaryKeySize, '\0');
  rocksdb::Range range(from, to);
  uint64_t bytes = 0;
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = false;
  options.include_files = true;
  if (!db_->GetApproximateSizes(options, records_cf_, &range, 1, &bytes).ok()) return 0;
  return bytes;
}

uint64_t Store::RecordsFileBytes() { return kRecordsTargetFileBytes; }

int64_t Store::OldestUs() const {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return 0;
  const int64_t cutoff = query_cutoff_us_.load(std::memory_order_relaxed);
  const std::string lower = cutoff != 0 ? keys::PrimaryKey(cutoff, 0) : std::string();
  rocksdb::ReadOptions ro;
  rocksdb::Slice lower_slice(lower);
  if (!lower.empty()) ro.iterate_lower_bound = &lower_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, records_cf_));
  it->SeekToFirst();
  int64_t ts = 0;
  uint64_t seq = 0;
  if (!it->Valid() ||
      !keys::ParsePrimaryKey(std::string_view(it->key().data(), it->key().size()), &ts, &seq)) {
    return 0;
  }
  return ts;
}

int64_t Store::CutoffForOldest(uint64_t records) const {
  std::lock_guard write_lock(write_mu_);
  uint64_t sum = 0;
  for (const auto& [minute, n] : bucket_counts_) {
    sum += n;
    if (sum >= records) return minute + kMinuteUs;
  }
  return 0;
}

Store::Buffering Store::BufferingOptions() {
  return {.write_buffer_bytes = kWriteBufferBytes,
          .max_write_buffers = kMaxWriteBuffers,
          .heavy_families = 2,
          .max_wal_bytes = kMaxWalBytes,
          .level0_trigger = kLevel0Trigger,
          .max_compaction_bytes = kMaxCompactionBytes,
          .max_compactions = kMaxCompactions};
}

Store::Sizes Store::MeasureSizes() const {
  Sizes sz;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, ec)) {
    std::error_code fec;
    if (!entry.is_regular_file(fec)) continue;
    const uint64_t size = entry.file_size(fec);
    sz.disk_bytes += size;
    // Write-ahead logs: NNNNNN.log (RocksDB's own LOG goes to stderr,
    // rocks_logger.h).
    if (entry.path().extension() == ".log") {
      sz.wal_bytes += size;
    }
  }
  sz.records = RecordCount();
  std::shared_lock db_lock(db_mu_);
  if (!db_) return sz;
  uint64_t entries = 0;
  for (rocksdb::ColumnFamilyHandle* cf : IndexFamilies()) {
    uint64_t bytes = 0, keys = 0;
    db_->GetIntProperty(cf, "rocksdb.total-sst-files-size", &bytes);
    db_->GetIntProperty(cf, "rocksdb.estimate-num-keys", &keys);
    sz.index_bytes += bytes;
    entries += keys;
  }
  const uint64_t written = records_written_.load(std::memory_order_relaxed);
  if (written != 0 && entries != 0) {
    const double per_record =
        static_cast<double>(index_entries_written_.load(std::memory_order_relaxed)) /
        static_cast<double>(written);
    const double live = per_record * static_cast<double>(sz.records);
    if (live < static_cast<double>(entries)) {
      const double garbage = 1.0 - live / static_cast<double>(entries);
      sz.index_garbage_bytes = static_cast<uint64_t>(garbage * static_cast<double>(sz.index_bytes));
    }
  }
  return sz;
}

namespace {

Store::FamilyTables TablesOf(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  Store::FamilyTables t;
  db->GetIntProperty(cf, "rocksdb.live-sst-files-size", &t.live_bytes);
  db->GetIntProperty(cf, "rocksdb.total-sst-files-size", &t.total_bytes);
  // A string property (no integer form).
  std::string level0;
  if (db->GetProperty(cf, "rocksdb.num-files-at-level0", &level0)) {
    t.level0_files = std::strtoull(level0.c_str(), nullptr, 10);
  }
  db->GetIntProperty(cf, "rocksdb.estimate-pending-compaction-bytes", &t.pending_bytes);
  db->GetIntProperty(cf, "rocksdb.num-running-compactions", &t.running_compactions);
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(cf, &meta);
  for (const rocksdb::LevelMetaData& level : meta.levels) {
    if (level.level >= 0 && level.level < Store::FamilyTables::kLevels) {
      t.level_bytes[static_cast<size_t>(level.level)] = level.size;
    }
  }
  return t;
}

}  // namespace

Store::FamilyTables Store::RecordsTables() const {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return {};
  return TablesOf(db_.get(), records_cf_);
}

Store::FamilyTables Store::IndexTables() const {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return {};
  FamilyTables sum;
  for (rocksdb::ColumnFamilyHandle* cf : IndexFamilies()) {
    const FamilyTables t = TablesOf(db_.get(), cf);
    sum.live_bytes += t.live_bytes;
    sum.total_bytes += t.total_bytes;
    sum.level0_files += t.level0_files;
    sum.pending_bytes += t.pending_bytes;
    sum.running_compactions = t.running_compactions;  // the DB's
    for (size_t l = 0; l < sum.level_bytes.size(); ++l) sum.level_bytes[l] += t.level_bytes[l];
  }
  return sum;
}

Store::RocksHealth Store::Health() const {
  RocksHealth h;
  if (stall_clock_) h.stall_seconds = stall_clock_->StalledSeconds();
  std::shared_lock db_lock(db_mu_);
  if (!db_) return h;
  uint64_t stopped = 0;
  db_->GetIntProperty("rocksdb.is-write-stopped", &stopped);
  h.write_stopped = stopped != 0;
  for (rocksdb::ColumnFamilyHandle* cf : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(cf, "rocksdb.estimate-pending-compaction-bytes", &v)) {
      h.pending_compaction_bytes += v;
    }
    if (db_->GetIntProperty(cf, "rocksdb.cur-size-all-mem-tables", &v)) h.memtable_bytes += v;
    if (db_->GetIntProperty(cf, "rocksdb.estimate-table-readers-mem", &v)) {
      h.table_reader_bytes += v;
    }
  }
  for (rocksdb::ColumnFamilyHandle* cf : cache_cfs_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(cf, "rocksdb.block-cache-usage", &v)) h.block_cache_bytes += v;
  }
  db_->GetIntProperty("rocksdb.num-running-compactions", &h.running_compactions);
  return h;
}

absl::Status Store::CompactIndex() {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  if (read_only_ || broken_) return absl::OkStatus();
  rocksdb::CompactRangeOptions cro;
  cro.exclusive_manual_compaction = false;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* cf : IndexFamilies()) {
    absl::Status st = FromRocks(db_->CompactRange(cro, cf, nullptr, nullptr), "compact index");
    if (!st.ok()) return st;
  }
  return FromRocks(db_->CompactRange(cro, imported_cf_, nullptr, nullptr), "compact imports");
}

absl::Status Store::RewriteExpiredIndexFiles(double min_share, uint64_t max_bytes,
                                             IndexRewrite* done) {
  *done = {};
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  if (read_only_ || broken_) return absl::OkStatus();
  const int64_t cutoff = deleted_before_us_->load();
  if (cutoff == 0) return absl::OkStatus();
  struct Pick {
    rocksdb::ColumnFamilyHandle* cf;
    std::string name;
    int level;
    uint64_t size;
    double garbage;
  };
  std::vector<Pick> picks;
  rocksdb::Status s;
  for (rocksdb::ColumnFamilyHandle* cf : IndexFamilies()) {
    rocksdb::TablePropertiesCollection props;
    s = db_->GetPropertiesOfAllTables(cf, &props);
    if (!s.ok()) return FromRocks(s, "index file properties");
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(cf, &meta);
    for (const rocksdb::LevelMetaData& level : meta.levels) {
      if (level.level == 0) continue;  // L0 files overlap: compaction merges them soon
      for (const rocksdb::SstFileMetaData& file : level.files) {
        auto p = props.find(file.db_path + file.name);
        if (p == props.end() || !p->second) continue;
        const auto& user = p->second->user_collected_properties;
        auto a = user.find(kRecordAgesProperty);
        RecordAges ages;
        if (a == user.end() || !RecordAges::Parse(a->second, &ages)) continue;
        const uint64_t entries = ages.Entries();
        if (entries == 0) continue;
        const double share = ages.EntriesBefore(cutoff) / static_cast<double>(entries);
        const double garbage = share * static_cast<double>(file.size);
        done->expired_bytes += static_cast<uint64_t>(garbage);
        if (share < min_share) continue;
        ++done->candidates;
        if (!file.being_compacted)
          picks.push_back({cf, file.name, level.level, file.size, garbage});
      }
    }
  }
  std::sort(picks.begin(), picks.end(),
            [](const Pick& a, const Pick& b) { return a.garbage > b.garbage; });
  rocksdb::CompactionOptions co;
  co.compression = rocksdb::kDisableCompressionOption;  // the family's, by level
  for (const Pick& pick : picks) {
    if (done->bytes_in >= max_bytes) break;
    s = db_->CompactFiles(co, pick.cf, {pick.name}, pick.level);
    if (s.ok()) {
      ++done->files;
      done->bytes_in += pick.size;
    } else if (!s.IsAborted() && !s.IsInvalidArgument() && !s.IsBusy()) {
      // (Aborted: a compaction took the file meanwhile; InvalidArgument: it
      // is gone. Either way compaction did the work.)
      return FromRocks(s, "rewrite index file " + pick.name);
    }
  }
  return absl::OkStatus();
}

absl::Status Store::Checkpoint(const std::string& dir, uint64_t* records) const {
  std::shared_lock db_lock(db_mu_);
  if (!db_) return BrokenStatus();
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return absl::AlreadyExistsError(dir + " exists: a backup goes into a new folder");
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!s.ok()) return FromRocks(s, "checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  // Flushes the memtables first when the WAL holds anything (0), so the
  // copy needs no WAL replay; everything synced is in it.
  absl::Status st =
      FromRocks(cp->CreateCheckpoint(dir, /*log_size_for_flush=*/0), "checkpoint " + dir);
  if (!st.ok() || records == nullptr) return st;
  // The copy's own count (writes go on while it is made).
  rocksdb::DB* copy_raw = nullptr;
  rocksdb::Options ro_options;
  ro_options.info_log = NewStderrRocksLogger();
  s = rocksdb::DB::OpenForReadOnly(ro_options, dir, &copy_raw);
  if (!s.ok()) return FromRocks(s, "read checkpoint " + dir);
  std::unique_ptr<rocksdb::DB> copy(copy_raw);
  std::string value;
  s = copy->Get(rocksdb::ReadOptions(), kRecordCountKey, &value);
  *records = s.ok() ? DecodeU64(value) : 0;
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read checkpoint " + dir);
  return absl::OkStatus();
}

}  // namespace mlq
