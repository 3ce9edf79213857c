// Store format v2 measured before it is wired in (issue 16): what record
// blocks and postings (store/block_codec.h, store/postings.h) would cost
// and save on the same records the v1 store takes, side by side in one run.
//
//   mlq-block-bench [--records N] [--corpus DIR] [--dir TMP]
//
// Table 1, per data set (generated flows of 10 hosts; with --corpus, every
// *.log line under DIR parsed as received): bytes per line of the raw line,
// of gzip -6 over the whole raw stream, of the v1 record value
// (EncodeRecord), and of blocks of 16-128 KiB per host in arrival order,
// with ZSTD 1, ZSTD 3 and ZSTD 3 with a dictionary trained on other records
// of the same kind; CPU to build and compress, to open a block, and to read
// one record of a random block.
//
// Table 2: the write path. The same records in groups of 8192 (32 batches
// of 256, a busy writer's group commit) through the real v1 Store
// (Prepare + WriteGroup, WAL on, not synced) and through a RocksDB shaped as
// v2 would be: one key per block of a host's records in the group, one
// posting per term and block in four families by term hash. CPU of the
// calling thread (what the writer and producers do), of the whole process
// (RocksDB's flush and compaction too), and the table files' bytes per line
// after a flush and, for v2, after a full compaction.
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/lib/parsed_flow.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "store/block_codec.h"
#include "store/keys.h"
#include "store/postings.h"
#include "store/record_codec.h"
#include "store/store.h"

namespace {

using mlq::LogRecord;
namespace fs = std::filesystem;

double CpuSeconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Cpu {
  double thread = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  double process = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
};
struct Spent {
  double thread, process, wall;
};
Spent Since(const Cpu& c) {
  return {CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - c.thread,
          CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - c.process,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - c.wall).count()};
}

uint64_t FilesBytes(const std::string& dir, const std::string& ext) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext) n += e.file_size();
  }
  return n;
}

struct DataSet {
  std::string name;
  std::vector<LogRecord> train;  // for the dictionary, never measured
  std::vector<LogRecord> records;
};

DataSet Generated(size_t n) {
  DataSet d{.name = "generated, 10 hosts", .train = {}, .records = {}};
  mlq::bench::ParsedFlow flow(10);
  flow.Fill(&d.train, 20000);
  flow.Fill(&d.records, n);
  return d;
}

DataSet Corpus(const std::string& dir) {
  DataSet d{.name = "corpus (" + dir + ")", .train = {}, .records = {}};
  mlq::Counters counters;
  mlq::LineParser parser(&mlq::DefaultNormalizers(), &counters);
  mlq::LineSource source = mlq::bench::LoopbackTcpSource();
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".log") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  // Every fifth file trains the dictionary: the measured lines are not in it.
  for (size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f]);
    std::string line;
    auto& out = f % 5 == 4 ? d.train : d.records;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      parser.ParseInto("<22>" + line, 0, source, mlq::bench::kBenchReceivedUs, out.emplace_back());
    }
  }
  return d;
}

double GzipBytes(const std::vector<LogRecord>& recs) {
  std::string all;
  for (const auto& r : recs) {
    all.append(r.raw);
    all.push_back('\n');
  }
  uLongf n = compressBound(all.size());
  std::string out(n, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(all.data()),
            all.size(), 6);
  return static_cast<double>(n);
}

// Blocks of each host's records in arrival order, closed at `target` payload
// bytes (and at the end).
struct Built {
  std::vector<std::string> blocks;
  double cpu_s = 0;
  size_t records = 0;
};
Built BuildBlocks(const std::vector<LogRecord>& recs, size_t target,
                  const mlq::block::BuilderOptions& options) {
  Built b;
  Cpu start;
  std::map<std::string, std::unique_ptr<mlq::block::BlockBuilder>> open;
  std::string block;
  for (const auto& r : recs) {
    auto& builder = open[r.host];
    if (!builder) builder = std::make_unique<mlq::block::BlockBuilder>(options);
    builder->Add(r);
    if (builder->payload_bytes() >= target) {
      if (builder->Finish(&block).ok()) b.blocks.push_back(block);
    }
  }
  for (auto& [host, builder] : open) {
    if (builder->count() > 0 && builder->Finish(&block).ok()) b.blocks.push_back(block);
  }
  b.cpu_s = Since(start).thread;
  b.records = recs.size();
  return b;
}

// An estimate of a record encoding that stores a field found inside `raw`
// as its offset and length there: each such field replaced by those three
// or four bytes (what a reference would cost), nothing else changed. Not
// decodable; for the bytes and compression time only. The host stays as it
// is: blocks are per host.
std::vector<LogRecord> AsReferences(const std::vector<LogRecord>& recs) {
  std::vector<LogRecord> out = recs;
  for (auto& r : out) {
    auto ref = [&r](std::string& f) {
      if (f.size() < 4) return;
      size_t at = r.raw.find(f);
      if (at == std::string::npos) return;
      f.clear();
      f.push_back(static_cast<char>(at & 0x7f));
      f.push_back(static_cast<char>(at >> 7));
      f.push_back(static_cast<char>(r.raw.size() - at));
    };
    for (std::string* f : {&r.program, &r.queue_id, &r.message_id, &r.from, &r.orig_to, &r.status,
                           &r.dsn, &r.relay, &r.reply, &r.delay, &r.delays, &r.client_name,
                           &r.client_ip, &r.sasl_user, &r.helo, &r.proto}) {
      ref(*f);
    }
    for (auto& t : r.to) ref(t);
    for (auto& l : r.links) ref(l.queue_id);
    for (auto& [k, v] : r.extra) ref(v);
  }
  return out;
}

// Estimates of records that keep less than they do today, the rest to be
// derived again from `raw` when read: without the mail fields (what the
// normalizers extract), or also without the header fields (what the syslog
// parser extracts), keeping what arrived with the line (receive time, peer,
// transport, flags). Not what v1 decodes; for the bytes only.
std::vector<LogRecord> Stripped(const std::vector<LogRecord>& recs, bool header_too) {
  std::vector<LogRecord> out;
  out.reserve(recs.size());
  for (const auto& r : recs) {
    LogRecord& s = out.emplace_back();
    s.timestamp_us = r.timestamp_us;
    s.received_us = r.received_us;
    s.host = r.host;
    s.peer = r.peer;
    s.peer_subject = r.peer_subject;
    s.transport = r.transport;
    s.flags = r.flags;
    s.raw = r.raw;
    if (!header_too) {
      s.format = r.format;
      s.facility = r.facility;
      s.severity = r.severity;
      s.program = r.program;
      s.pid = r.pid;
      s.msgid = r.msgid;
      s.structured_data = r.structured_data;
      s.msg_offset = r.msg_offset;
    }
  }
  return out;
}

// One estimate's rows: its records' encoded size, then in blocks of 32 and
// 64 KiB per host with ZSTD 3.
void PrintEstimate(const char* what, const std::vector<LogRecord>& recs, double n, double raw) {
  std::string scratch;
  double encoded = 0;
  for (const auto& r : recs) {
    scratch.clear();
    mlq::EncodeRecord(r, &scratch);
    encoded += static_cast<double>(scratch.size());
  }
  std::printf("| estimate: %s, before compression | %.1f | %.3f | | | |\n", what, encoded / n,
              encoded / raw);
  for (size_t kib : {32, 64}) {
    Built b = BuildBlocks(recs, kib * 1024, {.level = 3, .dictionary = nullptr});
    double bytes = 0;
    for (const auto& blk : b.blocks) bytes += static_cast<double>(blk.size());
    std::printf(
        "| estimate: the same in blocks of %zu KiB per host, ZSTD 3 (%.0f lines/block) | %.1f | "
        "%.3f | %.2f | | |\n",
        kib, n / static_cast<double>(b.blocks.size()), bytes / n, bytes / raw, b.cpu_s * 1e6 / n);
  }
}

void CodecTable(const DataSet& d) {
  const auto& recs = d.records;
  const double n = static_cast<double>(recs.size());
  double raw = 0, encoded = 0;
  std::string scratch;
  for (const auto& r : recs) {
    raw += static_cast<double>(r.raw.size()) + 1;  // + newline, as in a log file
    scratch.clear();
    mlq::EncodeRecord(r, &scratch);
    encoded += static_cast<double>(scratch.size());
  }
  std::printf("\n## %s: %.0f records, %.1f MB raw\n\n", d.name.c_str(), n, raw / 1e6);
  std::printf(
      "| layout | bytes/line | x raw | build+compress us/line | open us/block | one record us |\n");
  std::printf("|---|---|---|---|---|---|\n");
  std::printf("| raw line + newline | %.1f | 1.00 | | | |\n", raw / n);
  const double gz = GzipBytes(recs);
  std::printf("| gzip -6 of the raw stream | %.1f | %.3f | | | |\n", gz / n, gz / raw);
  std::printf("| v1 record value (EncodeRecord, before RocksDB) | %.1f | %.3f | | | |\n",
              encoded / n, encoded / raw);

  std::vector<std::string> samples;
  for (const auto& r : d.train) {
    scratch.clear();
    mlq::EncodeRecord(r, &scratch);
    samples.push_back(scratch);
  }
  std::shared_ptr<const mlq::block::Dictionary> dict;
  auto trained = mlq::block::Dictionary::Train(samples, 64 * 1024);
  if (trained.ok()) {
    auto loaded = mlq::block::Dictionary::Load(1, *trained, 3);
    if (loaded.ok()) dict = *loaded;
  } else {
    std::fprintf(stderr, "no dictionary: %s\n", std::string(trained.status().message()).c_str());
  }

  struct Variant {
    std::string name;
    mlq::block::BuilderOptions options;
  };
  std::vector<Variant> variants = {{"ZSTD 1", {.level = 1, .dictionary = nullptr}},
                                   {"ZSTD 3", {.level = 3, .dictionary = nullptr}}};
  if (dict) variants.push_back({"ZSTD 3 + 64 KiB dictionary", {.level = 3, .dictionary = dict}});
  std::mt19937_64 rng(42);
  for (size_t kib : {16, 32, 64, 128}) {
    for (const auto& v : variants) {
      Built b = BuildBlocks(recs, kib * 1024, v.options);
      double bytes = 0;
      for (const auto& blk : b.blocks) bytes += static_cast<double>(blk.size());
      // Open every block once; then 2000 single records of random blocks.
      mlq::block::BlockReader reader;
      Cpu start;
      for (const auto& blk : b.blocks) (void)reader.Open(blk, dict.get());
      const double open_us = Since(start).thread * 1e6 / static_cast<double>(b.blocks.size());
      Cpu one;
      const int kReads = 2000;
      for (int i = 0; i < kReads; ++i) {
        const auto& blk = b.blocks[rng() % b.blocks.size()];
        if (!reader.Open(blk, dict.get()).ok()) continue;
        LogRecord rec;
        (void)reader.Get(rng() % reader.size(), &rec);
      }
      const double one_us = Since(one).thread * 1e6 / kReads;
      std::printf(
          "| blocks of %zu KiB per host, %s (%.0f lines/block) | %.1f | %.3f | %.2f | %.1f | %.1f "
          "|\n",
          kib, v.name.c_str(), n / static_cast<double>(b.blocks.size()), bytes / n, bytes / raw,
          b.cpu_s * 1e6 / n, open_us, one_us);
    }
  }
  const char* kWithout = "without the mail fields (derived from raw on read)";
  PrintEstimate(kWithout, Stripped(recs, /*header_too=*/false), n, raw);
  PrintEstimate("raw and what arrived with it only", Stripped(recs, /*header_too=*/true), n, raw);
  PrintEstimate("fields found in raw as references", AsReferences(recs), n, raw);
}

constexpr size_t kBatch = 256, kGroupBatches = 32;

struct WriteResult {
  Spent spent;
  double live_bytes = 0, compacted_bytes = -1;
  size_t blocks = 0, postings = 0;
};

WriteResult WriteV1(const std::vector<LogRecord>& recs, const std::string& dir) {
  fs::remove_all(dir);
  auto store = mlq::Store::Open({.path = dir, .sync_writes = false});
  if (!store.ok()) {
    std::fprintf(stderr, "v1: %s\n", std::string(store.status().message()).c_str());
    std::exit(1);
  }
  WriteResult w;
  std::vector<std::vector<LogRecord>> batches(kGroupBatches);
  std::vector<std::vector<LogRecord>*> group;
  std::vector<mlq::Store::Prepared> preps(kGroupBatches);
  std::vector<mlq::Store::Prepared*> prep_ptrs;
  for (size_t i = 0; i < kGroupBatches; ++i) {
    group.push_back(&batches[i]);
    prep_ptrs.push_back(&preps[i]);
  }
  for (const auto& r : recs) w.postings += 1 + mlq::Store::IndexTerms(r).size();
  double copy_s = 0;
  Cpu start;
  for (size_t at = 0; at < recs.size();) {
    Cpu copy;
    for (auto& b : batches) {
      b.clear();
      for (size_t k = 0; k < kBatch && at < recs.size(); ++k) b.push_back(recs[at++]);
    }
    copy_s += Since(copy).thread;
    for (size_t i = 0; i < kGroupBatches; ++i) mlq::Store::Prepare(batches[i], prep_ptrs[i]);
    if (auto st = (*store)->WriteGroup(group, prep_ptrs); !st.ok()) {
      std::fprintf(stderr, "v1 write: %s\n", std::string(st.message()).c_str());
      std::exit(1);
    }
  }
  (void)(*store)->Flush();
  w.spent = Since(start);
  w.spent.thread -= copy_s;
  w.spent.process -= copy_s;
  w.live_bytes = static_cast<double>(FilesBytes(dir, ".sst"));
  store->reset();
  return w;
}

// RocksDB shaped as v2: "blocks" (compressed already: no RocksDB
// compression) and four posting families, as v1's index.
WriteResult WriteV2(const std::vector<LogRecord>& recs, const std::string& dir, size_t target) {
  fs::remove_all(dir);
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.max_background_jobs = 2;
  rocksdb::ColumnFamilyOptions blocks_cf;
  blocks_cf.compression = rocksdb::kNoCompression;
  blocks_cf.write_buffer_size = 64 << 20;
  rocksdb::ColumnFamilyOptions post_cf;
  post_cf.compression = rocksdb::kLZ4Compression;
  post_cf.bottommost_compression = rocksdb::kZSTD;
  post_cf.write_buffer_size = 8 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                      {"blocks", blocks_cf}};
  constexpr size_t kShards = 4;
  for (size_t i = 0; i < kShards; ++i) cfs.push_back({"postings." + std::to_string(i), post_cf});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  if (auto s = rocksdb::DB::Open(db, dir, cfs, &handles, &raw_db); !s.ok()) {
    std::fprintf(stderr, "v2: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  std::unique_ptr<rocksdb::DB> owner(raw_db);
  WriteResult w;
  rocksdb::WriteBatch batch;
  std::map<std::string, std::unique_ptr<mlq::block::BlockBuilder>> open;
  std::map<std::string, std::vector<const LogRecord*>> members;
  mlq::postings::BlockPostings postings;
  std::string block;
  uint64_t block_id = 0;
  auto finish = [&](const std::string& host) {
    auto& builder = open[host];
    if (!builder || builder->count() == 0) return;
    if (!builder->Finish(&block).ok()) return;
    // The primary key's form: the block's first time and its own sequence.
    const std::string bkey = mlq::keys::PrimaryKey(members[host].front()->timestamp_us, block_id++);
    batch.Put(handles[1], bkey, block);
    ++w.blocks;
    const auto& m = members[host];
    for (uint32_t p = 0; p < m.size(); ++p) {
      for (const auto& [kind, term] : mlq::Store::IndexTerms(*m[p])) {
        postings.Add(mlq::keys::IndexPrefix(kind, term), p);
      }
    }
    postings.EndBlock(bkey);
    members[host].clear();
  };
  const size_t group = kBatch * kGroupBatches;
  Cpu start;
  rocksdb::WriteOptions wo;
  for (size_t at = 0; at < recs.size(); at += group) {
    batch.Clear();
    const size_t end = std::min(recs.size(), at + group);
    for (size_t i = at; i < end; ++i) {
      const LogRecord& r = recs[i];
      auto& builder = open[r.host];
      if (!builder) builder = std::make_unique<mlq::block::BlockBuilder>();
      builder->Add(r);
      members[r.host].push_back(&r);
      if (builder->payload_bytes() >= target) finish(r.host);
    }
    for (auto& [host, b] : open) finish(host);  // a group commit closes its blocks
    postings.Finish(kShards, [&](size_t shard, std::string_view key, std::string_view value) {
      batch.Put(handles[2 + shard], key, value);
      ++w.postings;
    });
    if (auto s = owner->Write(wo, &batch); !s.ok()) {
      std::fprintf(stderr, "v2 write: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  rocksdb::FlushOptions fo;
  for (size_t i = 1; i < handles.size(); ++i) (void)owner->Flush(fo, handles[i]);
  w.spent = Since(start);
  w.live_bytes = static_cast<double>(FilesBytes(dir, ".sst"));
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (size_t i = 1; i < handles.size(); ++i)
    (void)owner->CompactRange(co, handles[i], nullptr, nullptr);
  w.compacted_bytes = static_cast<double>(FilesBytes(dir, ".sst"));
  for (auto* h : handles) (void)owner->DestroyColumnFamilyHandle(h);
  return w;
}

// The median of each figure over `rounds` runs; the layouts alternate
// within each round so all see the same machine.
WriteResult Median(std::vector<WriteResult> runs) {
  auto med = [&runs](auto field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(field(r));
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  WriteResult m = runs.front();
  m.spent.thread = med([](const WriteResult& r) { return r.spent.thread; });
  m.spent.process = med([](const WriteResult& r) { return r.spent.process; });
  m.spent.wall = med([](const WriteResult& r) { return r.spent.wall; });
  return m;
}

void WriteTable(const DataSet& d, const std::string& tmp, int rounds, bool skip_v1) {
  const double n = static_cast<double>(d.records.size());
  double raw = 0;
  for (const auto& r : d.records) raw += static_cast<double>(r.raw.size()) + 1;
  std::vector<WriteResult> v1_runs, v2_32, v2_64;
  for (int i = 0; i < rounds; ++i) {
    v1_runs.push_back(skip_v1 ? WriteResult{} : WriteV1(d.records, tmp + "/v1"));
    fs::remove_all(tmp + "/v1");
    v2_32.push_back(WriteV2(d.records, tmp + "/v2", 32 * 1024));
    v2_64.push_back(WriteV2(d.records, tmp + "/v2", 64 * 1024));
    fs::remove_all(tmp + "/v2");
  }
  std::printf("\n## Write path, %s: %.0f records in groups of %zu, medians of %d\n\n",
              d.name.c_str(), n, kBatch * kGroupBatches, rounds);
  std::printf(
      "| layout | thread CPU s/M lines | process CPU s/M lines | wall s | table bytes/line after "
      "flush | after full compaction | keys/line |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  WriteResult v1 = Median(v1_runs);
  std::printf(
      "| v1 Store (Prepare + WriteGroup) | %.2f | %.2f | %.1f | %.1f (%.3fx raw) | see "
      "PERFORMANCE.md | %.3f |\n",
      v1.spent.thread * 1e6 / n, v1.spent.process * 1e6 / n, v1.spent.wall, v1.live_bytes / n,
      v1.live_bytes / raw, static_cast<double>(v1.postings) / n);
  for (auto [kib, runs] : {std::pair{32, &v2_32}, std::pair{64, &v2_64}}) {
    WriteResult v2 = Median(*runs);
    std::printf(
        "| v2 prototype, blocks <= %d KiB per host and group, ZSTD 3 | %.2f | %.2f | %.1f | %.1f "
        "(%.3fx raw) | %.1f (%.3fx raw) | %.3f (%.0f lines/block) |\n",
        kib, v2.spent.thread * 1e6 / n, v2.spent.process * 1e6 / n, v2.spent.wall,
        v2.live_bytes / n, v2.live_bytes / raw, v2.compacted_bytes / n, v2.compacted_bytes / raw,
        static_cast<double>(v2.blocks + v2.postings) / n, n / static_cast<double>(v2.blocks));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Store v2 blocks and postings against the v1 store (issue 16)"};
  size_t records = 1000000;
  std::string corpus, tmp = fs::temp_directory_path().string() + "/mlq-block-bench";
  bool skip_write = false, skip_codec = false, skip_v1 = false;
  int rounds = 3;
  app.add_option("--records", records, "generated records to measure");
  app.add_option("--corpus", corpus, "also measure every *.log line under this folder");
  app.add_option("--dir", tmp, "scratch folder for the stores");
  app.add_flag("--codec-only", skip_write, "only table 1");
  app.add_flag("--write-only", skip_codec, "only table 2");
  app.add_flag("--skip-v1", skip_v1, "table 2 without the v1 store (to profile v2)");
  app.add_option("--rounds", rounds, "runs of the write path per layout (medians)")
      ->check(CLI::Range(1, 99));
  CLI11_PARSE(app, argc, argv);
  fs::create_directories(tmp);
  std::vector<DataSet> sets;
  sets.push_back(Generated(records));
  if (!corpus.empty()) sets.push_back(Corpus(corpus));
  if (!skip_codec) {
    for (const auto& d : sets) CodecTable(d);
  }
  if (!skip_write) {
    for (const auto& d : sets) WriteTable(d, tmp, rounds, skip_v1);
  }
  fs::remove_all(tmp);
  return 0;
}
