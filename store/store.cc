#include "store/store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unordered_set>

#include "base/scan.h"
#include "store/record_codec.h"

namespace mlq {
namespace {

constexpr char kRecordsCf[] = "records";
constexpr char kIndexCf[] = "index";
constexpr char kImportedCf[] = "imported";
// The LogRecord::extra key that carries an import identity from Ingest to
// Write() (never stored: Write() removes it). No normalizer key starts with
// a control character.
constexpr std::string_view kImportIdentityKey = "\x01import-identity";
constexpr char kNextSequenceKey[] = "next_sequence";
constexpr char kRecordCountKey[] = "record_count";

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

rocksdb::ColumnFamilyOptions RecordsOptions() {
  rocksdb::ColumnFamilyOptions o;
  UseInsertHint(o);
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 * 1024;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

rocksdb::ColumnFamilyOptions IndexOptions() {
  rocksdb::ColumnFamilyOptions o;
  UseInsertHint(o);
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kZSTD;
  return o;
}

// Import identities: point lookups only, so whole-key bloom filters make a
// miss (the usual answer: a new line) cost no disk read.
rocksdb::ColumnFamilyOptions ImportedOptions() {
  rocksdb::ColumnFamilyOptions o;
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

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return absl::UnavailableError("cannot create " + options.path + ": " + ec.message());

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  db_options.max_total_wal_size = 256 << 20;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kRecordsCf, RecordsOptions()},
      {kIndexCf, IndexOptions()},
      {kImportedCf, ImportedOptions()},
  };
  std::unique_ptr<Store> store(new Store());
  store->path_ = options.path;
  store->sync_writes_ = options.sync_writes;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, cfs, &store->handles_, &db);
  if (!s.ok()) return FromRocks(s, "open " + options.path);
  store->db_.reset(db);
  store->meta_cf_ = store->handles_[0];
  store->records_cf_ = store->handles_[1];
  store->index_cf_ = store->handles_[2];
  store->imported_cf_ = store->handles_[3];

  std::string value;
  s = db->Get(rocksdb::ReadOptions(), store->meta_cf_, kNextSequenceKey, &value);
  if (s.ok()) {
    store->next_sequence_ = DecodeU64(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read metadata");
  }
  s = db->Get(rocksdb::ReadOptions(), store->meta_cf_, kRecordCountKey, &value);
  if (s.ok()) {
    store->record_count_ = DecodeU64(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read metadata");
  }
  return store;
}

Store::~Store() {
  if (!db_) return;
  db_->FlushWAL(/*sync=*/true);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

std::vector<std::pair<keys::IndexKind, std::string>> Store::IndexTerms(const LogRecord& rec) {
  std::vector<std::pair<keys::IndexKind, std::string>> terms;
  if (!rec.queue_id.empty()) {
    terms.emplace_back(keys::IndexKind::kQueueId, keys::QueueTerm(rec.queue_id, rec.host));
  }
  if (!rec.message_id.empty()) {
    terms.emplace_back(keys::IndexKind::kMessageId, std::string(scan::StripAngles(rec.message_id)));
  }
  auto add_address = [&terms](std::string_view a) {
    if (a.empty()) return;
    std::string term = keys::AddressTerm(a);
    for (const auto& [kind, t] : terms) {
      if (kind == keys::IndexKind::kAddress && t == term) return;  // once per record
    }
    terms.emplace_back(keys::IndexKind::kAddress, std::move(term));
  };
  add_address(rec.from);
  for (const auto& to : rec.to) add_address(to);
  add_address(rec.orig_to);
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
  std::vector<bool> found(identities.size(), false);
  if (identities.empty()) return found;
  std::vector<rocksdb::Slice> slices(identities.begin(), identities.end());
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
         index.capacity() * sizeof(Entry);
}

bool Store::Prepare(const std::vector<LogRecord>& batch, Prepared* out) {
  out->values.clear();
  out->value_ends.clear();
  out->index_keys.clear();
  out->index.clear();
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
  size_t total = 0;
  bool marked = false;
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const std::vector<LogRecord>* b = batches[bi];
    total += b->size();
    // A prepared batch has no marks (Prepare refuses those).
    const bool prepared = bi < preps.size() && preps[bi] != nullptr && !b->empty() &&
                          preps[bi]->value_ends.size() == b->size();
    marked = marked || (!prepared && std::any_of(b->begin(), b->end(), HasImportIdentity));
  }
  std::vector<std::string> identities;  // per record of the group, when marked
  if (marked) {
    identities.reserve(total);
    std::vector<std::string> lookups;
    for (std::vector<LogRecord>* b : batches) {
      for (LogRecord& rec : *b) {
        identities.push_back(TakeImportIdentity(rec));
        if (!identities.back().empty()) lookups.push_back(identities.back());
      }
    }
    // Only this thread writes, so what is stored cannot change before the
    // batch below is committed.
    absl::StatusOr<std::vector<bool>> stored = ImportedAlready(lookups);
    if (!stored.ok()) return stored.status();
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < lookups.size(); ++i) {
      if ((*stored)[i]) seen.insert(lookups[i]);
    }
    // Drops duplicates from each batch, keeping `identities` aligned.
    size_t from = 0, to = 0;
    for (std::vector<LogRecord>* b : batches) {
      size_t kept = 0;
      for (size_t i = 0; i < b->size(); ++i, ++from) {
        if (!identities[from].empty() && !seen.insert(identities[from]).second) continue;
        if (kept != i) (*b)[kept] = std::move((*b)[i]);
        if (to != from) identities[to] = std::move(identities[from]);
        ++kept;
        ++to;
      }
      b->resize(kept);
    }
    identities.resize(to);
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
    Prepared* prep = bi < preps.size() ? preps[bi] : nullptr;
    // A batch is prepared as it was pushed; deduplication (marked batches)
    // changes it, and those are never prepared.
    if (prep != nullptr && prep->value_ends.size() != b.size()) prep = nullptr;
    if (prep != nullptr) runs.push_back({prep, items.size()});
    for (size_t i = 0; i < b.size(); ++i) {
      const std::string* identity = marked && !identities[n].empty() ? &identities[n] : nullptr;
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
    if (it.identity != nullptr) wb.Put(imported_cf_, *it.identity, pks[i]);
  }
  for (const std::string& k : built) index.emplace_back(k);
  std::sort(index.begin(), index.end());
  for (std::string_view k : index) {
    wb.Put(index_cf_, rocksdb::Slice(k.data(), k.size()), rocksdb::Slice());
  }
  const uint64_t count = record_count_.load(std::memory_order_relaxed) + items.size();
  wb.Put(meta_cf_, kNextSequenceKey, EncodeU64(seq));
  wb.Put(meta_cf_, kRecordCountKey, EncodeU64(count));
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_ && !defer_syncs_;
  rocksdb::Status s = db_->Write(wo, &wb);
  if (!s.ok()) return FromRocks(s, "write batch");
  if (keys_out != nullptr) *keys_out = std::move(pks);
  next_sequence_ = seq;
  record_count_.store(count, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::StatusOr<LogRecord> Store::Get(std::string_view primary_key) const {
  int64_t ts;
  uint64_t seq;
  if (!keys::ParsePrimaryKey(primary_key, &ts, &seq)) {
    return absl::InvalidArgumentError("malformed record key");
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), records_cf_,
                               rocksdb::Slice(primary_key.data(), primary_key.size()), &value);
  if (!s.ok()) return FromRocks(s, "read record");
  LogRecord rec;
  rec.timestamp_us = ts;
  absl::Status st = DecodeRecord(value, &rec);
  if (!st.ok()) return st;
  return rec;
}

absl::StatusOr<FindResult> Store::Find(const FindQuery& q) const {
  if (q.term.empty()) return absl::InvalidArgumentError("empty lookup term");
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
  // without host) they are merged by sorting.
  std::vector<std::string> pks;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_cf_));
  std::string start = prefix;
  if (host_scoped && q.since_us != 0) start += keys::PrimaryKey(q.since_us, 0);
  const std::string until_pk = q.until_us != 0 ? keys::PrimaryKey(q.until_us, 0) : std::string();
  const std::string since_pk = q.since_us != 0 ? keys::PrimaryKey(q.since_us, 0) : std::string();
  const size_t cap = q.limit == 0 ? SIZE_MAX : q.limit;
  bool truncated = false;
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
    if (host_scoped && pks.size() >= cap) {
      truncated = true;
      break;
    }
    pks.emplace_back(pk);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "index scan");
  if (!host_scoped) {
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
    absl::StatusOr<LogRecord> rec = Get(pk);
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

absl::Status Store::SyncWal() { return FromRocks(db_->SyncWAL(), "sync WAL"); }

absl::Status Store::Flush() {
  absl::Status st = FromRocks(db_->FlushWAL(/*sync=*/true), "sync WAL");
  if (!st.ok()) return st;
  return FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_), "flush");
}

}  // namespace mlq
