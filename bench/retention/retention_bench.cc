// mlq-retention-bench: what retention costs while ingest goes on, and
// whether the store's size holds still over a long simulated run.
//
//   mlq-retention-bench cost   # ingest + lookups with vs without retention
//   mlq-retention-bench long   # 60 simulated days, disk sampled every hour
//
// Both drive the library as mlqd does: records parsed from generated Postfix
// / amavis / Dovecot lines (bench/lib/flowgen, LineParser) on a producer
// thread, pushed through a Writer (StoreOptions::sync_writes on: WAL fsync
// per group commit), with a Retention whose clock is simulated: the newest
// timestamp pushed so far. The simulated timeline is dense (--per-day
// records per simulated day), so days pass in seconds of wall time.
//
// cost: a store pre-filled with --days simulated days (once; each run works
// on a copy: table files hard-linked, the rest copied) ingests --ingest more
// lines, the timeline going on at the same density, (A) with a Retention of
// --max-age days, a pass every --interval-ms, and (B) without. A lookup
// thread meanwhile runs Store::Find for message-ids and recipient addresses
// of records that exist (from the last pre-filled days and the lines being
// ingested), one every --query-gap-ms. Variants alternate within each of
// --rounds rounds (A,B then B,A, ...). Prints per-run lines and a median
// table with the ratio A/B.
//
// long: --sim-days simulated days into an empty store, (age) with
// retention --max-age days and (disk) additionally with a size limit
// (RetentionOptions::max_disk_bytes, as mlqd --max-disk), --max-disk-mib or, when 0,
// --disk-fraction of the age run's steady state. Samples Store::DiskBytes() (and the split into
// table files / WAL / other, and the index garbage estimate) every
// simulated hour; prints a row every 5 simulated days and the steady-state
// summary from --steady-from day on. The ingest is paced to --day-seconds
// wall seconds per simulated day, so that a retention pass (which takes
// seconds) spans a fraction of a simulated day.
//
// Built twice: mlq-retention-bench (the store as it is) and
// mlq-retention-bench-nohint (a copy of store.cc without the records'
// memtable insert hint; see bench/CMakeLists.txt).
//
// Scratch data goes to --dir (default $TMPDIR or /tmp); removed at the end.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/flowgen.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"
#include "store/retention.h"
#include "store/store.h"
#include "store/writer.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kDayUs = 86400LL * 1000000;
constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kStartUs = 1767225600LL * 1000000;  // FlowGenOptions::start_unix_s
constexpr size_t kBatch = 256;                        // records per TryPush

struct Options {
  std::string dir;
  uint64_t seed = 1;
  int hosts = 10;
  // cost
  int days = 8;
  uint64_t per_day = 375000;
  uint64_t ingest = 1500000;
  int rounds = 4;
  int max_age_days = 7;
  int interval_ms = 200;
  int size_interval_ms = 1000;  // RetentionOptions::size_interval
  int query_gap_ms = 2;
  // long
  int sim_days = 60;
  uint64_t long_per_day = 100000;
  int steady_from = 14;
  uint64_t max_disk_mib = 0;
  double disk_fraction = 0.6;
  std::string variants = "age,disk";
  uint64_t reserve_mib = 0;
  double stall_s = 60;
  double day_seconds = 3;  // long: wall seconds per simulated day (0 = flat out)
  std::string tsv;         // long: write every sample to TSV + variant + ".tsv"
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

double MiB(uint64_t b) { return static_cast<double>(b) / (1 << 20); }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "mlq-retention-bench: %s\n", what.c_str());
  std::exit(1);
}

// Lines of the simulated timeline, parsed as mlqd's TCP listener does.
class Source {
 public:
  Source(const Options& o, uint64_t per_day)
      : per_day_(per_day), parser_(&mlq::DefaultNormalizers(), &counters_), gen_([&] {
          mlq::bench::FlowGenOptions fo;
          fo.seed = o.seed;
          fo.hosts = o.hosts;
          fo.sim_lines_per_s = static_cast<double>(per_day) / 86400.0;
          return fo;
        }()) {
    src_.transport = mlq::Transport::kTcp;
    src_.peer = "127.0.0.1:40000";
    src_.peer_host = "127.0.0.1";
  }
  // The next wire-form line ("<PRI>" + file form).
  void NextLine(std::string* wire) {
    gen_.Next(&line_, &pri_, &host_);
    wire->assign("<").append(std::to_string(pri_)).append(">").append(line_);
  }
  // The receive time of line `i` of the timeline (a minute after its
  // simulated time: the RFC 3164 year comes from it).
  int64_t ReceivedUs(uint64_t i) const {
    return kStartUs +
           static_cast<int64_t>(static_cast<double>(i) * 86400e6 / static_cast<double>(per_day_)) +
           60000000;
  }
  void Parse(std::string_view wire, uint64_t i, mlq::LogRecord& rec) const {
    parser_.ParseInto(wire, 0, src_, ReceivedUs(i), rec);
  }

 private:
  uint64_t per_day_;
  mlq::Counters counters_;
  mlq::LineParser parser_;
  mlq::LineSource src_;
  mlq::bench::FlowGen gen_;
  std::string line_;
  int pri_ = 0, host_ = 0;
};

// Lookup keys of stored records, in time order.
struct Key {
  int64_t ts;
  mlq::keys::IndexKind kind;
  std::string term;
};

class KeyPool {
 public:
  void AddKey(const Key& k) {
    std::lock_guard lock(mu_);
    keys_.push_back(k);
  }
  // Keeps a key of every 97th record.
  void Add(const mlq::LogRecord& r) {
    if (++seen_ % 97 != 0) return;
    std::lock_guard lock(mu_);
    if (!r.message_id.empty()) {
      keys_.push_back({r.timestamp_us, mlq::keys::IndexKind::kMessageId, r.message_id});
    } else if (!r.to.empty()) {
      keys_.push_back({r.timestamp_us, mlq::keys::IndexKind::kAddress, r.to[0]});
    }
  }
  // A random key of kind `kind` with min_ts <= ts < max_ts (stored, not expired).
  bool Pick(mlq::keys::IndexKind kind, int64_t min_ts, int64_t max_ts, std::mt19937_64& rng,
            Key* out) {
    std::lock_guard lock(mu_);
    auto by_ts = [](const Key& k, int64_t t) { return k.ts < t; };
    const auto lo = static_cast<size_t>(
        std::lower_bound(keys_.begin(), keys_.end(), min_ts, by_ts) - keys_.begin());
    const auto hi = static_cast<size_t>(
        std::lower_bound(keys_.begin(), keys_.end(), max_ts, by_ts) - keys_.begin());
    if (lo >= hi) return false;
    for (int tries = 0; tries < 64; ++tries) {
      const size_t i = lo + rng() % (hi - lo);
      if (keys_[i].kind == kind) {
        *out = keys_[i];
        return true;
      }
    }
    return false;
  }
  void TrimBefore(int64_t ts) {
    std::lock_guard lock(mu_);
    auto it = std::lower_bound(keys_.begin(), keys_.end(), ts,
                               [](const Key& k, int64_t t) { return k.ts < t; });
    keys_.erase(keys_.begin(), it);
  }

 private:
  std::mutex mu_;
  std::vector<Key> keys_;
  uint64_t seen_ = 0;
};

std::unique_ptr<mlq::Store> OpenStore(const std::string& path, bool sync, uint64_t reserve) {
  auto s = mlq::Store::Open({.path = path, .sync_writes = sync, .reserve_bytes = reserve});
  if (!s.ok()) Die("open " + path + ": " + std::string(s.status().message()));
  return std::move(*s);
}

// A copy of a closed store: table files hard-linked (immutable), the rest copied.
void CopyStore(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    const fs::path dst = fs::path(to) / e.path().filename();
    if (e.path().extension() == ".sst") {
      fs::create_hard_link(e.path(), dst);
    } else {
      fs::copy_file(e.path(), dst);
    }
  }
}

// Producer: pushes lines[first, first+n) (parsed on this thread) through the
// writer, pausing while it refuses (as a TCP listener stops reading).
struct Producer {
  std::atomic<int64_t> newest_us{0};
  std::atomic<int64_t> stored_us{0};  // newest timestamp the writer committed
  uint64_t refused = 0;
};

// False when the writer refused for `stall_s` seconds in a row (the batch is
// then dropped): the store stopped taking writes.
bool PushRecords(mlq::Writer& writer, std::vector<mlq::LogRecord>& batch, Producer& p,
                 double stall_s = 1e9) {
  int64_t newest = p.newest_us.load(std::memory_order_relaxed);
  for (const auto& r : batch) newest = std::max(newest, r.timestamp_us);
  const auto t0 = Clock::now();
  while (!writer.TryPush(batch)) {
    ++p.refused;
    if (Seconds(Clock::now() - t0) > stall_s) {
      batch.clear();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  batch.clear();
  p.newest_us.store(newest, std::memory_order_relaxed);
  return true;
}

// ---- cost -----------------------------------------------------------------------

struct CostResult {
  double lines_per_s = 0;
  double cpu_per_m = 0;  // process CPU seconds per 1M lines ingested
  double p50_ms = 0, p99_ms = 0;
  double mid_p50 = 0, mid_p99 = 0, addr_p50 = 0, addr_p99 = 0;
  size_t lookups = 0, misses = 0;
  uint64_t deleted = 0, deleted_first = 0, passes = 0;
  uint64_t disk = 0, records = 0;
};

void LookupLoop(const mlq::Store& store, KeyPool& pool, const Producer& p, int64_t max_age_us,
                int gap_ms, const std::atomic<bool>& stop, std::vector<double>* mid_ms,
                std::vector<double>* addr_ms, size_t* misses) {
  std::mt19937_64 rng(7);
  bool mid = true;
  while (!stop.load()) {
    const auto kind = mid ? mlq::keys::IndexKind::kMessageId : mlq::keys::IndexKind::kAddress;
    // Keys safely inside the kept window (an hour of margin).
    const int64_t min_ts = p.newest_us.load() - max_age_us + kHourUs;
    Key k;
    if (pool.Pick(kind, min_ts, p.stored_us.load(), rng, &k)) {
      mlq::FindQuery q;
      q.kind = kind;
      q.term = k.term;
      const auto t0 = Clock::now();
      auto r = store.Find(q);
      const double ms = Seconds(Clock::now() - t0) * 1000;
      if (!r.ok() || r->records.empty()) ++*misses;
      (mid ? mid_ms : addr_ms)->push_back(ms);
    }
    mid = !mid;
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
}

CostResult RunCostOnce(const Options& o, const std::string& base,
                       const std::vector<std::string>& lines, uint64_t first_index,
                       const std::vector<Key>& prefill_keys, bool with_retention,
                       const std::string& run_dir) {
  CopyStore(base, run_dir);
  auto store = OpenStore(run_dir, /*sync=*/true, o.reserve_mib << 20);
  mlq::Counters counters;
  Producer prod;
  // The simulated clock starts at the pre-fill's end.
  prod.newest_us.store(kStartUs + o.days * kDayUs);
  KeyPool pool;
  for (const auto& k : prefill_keys) pool.AddKey(k);
  const int64_t max_age_us = o.max_age_days * kDayUs;
  std::unique_ptr<mlq::Retention> retention;
  CostResult res;
  if (with_retention) {
    mlq::RetentionOptions ro;
    ro.max_age_us = max_age_us;
    ro.interval = std::chrono::milliseconds(o.interval_ms);
    ro.size_interval = std::chrono::milliseconds(o.size_interval_ms);
    ro.now_us = [&prod] { return prod.newest_us.load(); };
    retention = std::make_unique<mlq::Retention>(store.get(), &counters, ro);
    // The backlog of the pre-fill (its oldest day) goes before timing.
    if (absl::Status st = retention->RunOnce(); !st.ok()) Die(std::string(st.message()));
    res.deleted_first = counters.Value("retention.deleted");
  }
  mlq::Writer writer(store.get(), &counters);
  // Keys are looked up only once their records are written (and up to an
  // hour before: records of a flow are not written in time order).
  prod.stored_us.store(prod.newest_us.load());
  writer.SetStoredCallback(
      [&prod](const std::vector<mlq::LogRecord>& records, const std::vector<std::string>&) {
        int64_t newest = 0;
        for (const auto& r : records) newest = std::max(newest, r.timestamp_us);
        if (newest - kHourUs > prod.stored_us.load(std::memory_order_relaxed)) {
          prod.stored_us.store(newest - kHourUs, std::memory_order_relaxed);
        }
      });
  std::atomic<bool> stop{false};
  std::vector<double> mid_ms, addr_ms;
  size_t misses = 0;
  std::thread lookups([&] {
    LookupLoop(*store, pool, prod, max_age_us, o.query_gap_ms, stop, &mid_ms, &addr_ms, &misses);
  });
  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  if (retention) retention->Start();
  mlq::Counters parse_counters;
  mlq::LineParser parser(&mlq::DefaultNormalizers(), &parse_counters);
  mlq::LineSource src;
  src.transport = mlq::Transport::kTcp;
  src.peer = "127.0.0.1:40000";
  src.peer_host = "127.0.0.1";
  std::vector<mlq::LogRecord> batch;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int64_t received = kStartUs +
                             static_cast<int64_t>(static_cast<double>(first_index + i) * 86400e6 /
                                                  static_cast<double>(o.per_day)) +
                             60000000;
    parser.ParseInto(lines[i], 0, src, received, batch.emplace_back());
    pool.Add(batch.back());
    if (batch.size() == kBatch) PushRecords(writer, batch, prod);
  }
  if (!batch.empty()) PushRecords(writer, batch, prod);
  writer.Flush();
  const double secs = Seconds(Clock::now() - t0);
  const double cpu = CpuSeconds() - cpu0;
  stop.store(true);
  lookups.join();
  if (retention) retention->Stop();
  writer.Stop();
  res.lines_per_s = static_cast<double>(lines.size()) / secs;
  res.cpu_per_m = cpu / static_cast<double>(lines.size()) * 1e6;
  std::vector<double> all = mid_ms;
  all.insert(all.end(), addr_ms.begin(), addr_ms.end());
  res.p50_ms = Percentile(all, 50);
  res.p99_ms = Percentile(all, 99);
  res.mid_p50 = Percentile(mid_ms, 50);
  res.mid_p99 = Percentile(mid_ms, 99);
  res.addr_p50 = Percentile(addr_ms, 50);
  res.addr_p99 = Percentile(addr_ms, 99);
  res.lookups = all.size();
  res.misses = misses;
  res.deleted = counters.Value("retention.deleted") - res.deleted_first;
  res.passes = counters.Value("retention.passes");
  res.disk = store->DiskBytes();
  res.records = store->RecordCount();
  store.reset();
  fs::remove_all(run_dir);
  return res;
}

int Cost(const Options& o) {
  const std::string base = o.dir + "/base";
  fs::remove_all(base);
  Source source(o, o.per_day);
  const uint64_t prefill = static_cast<uint64_t>(o.days) * o.per_day;
  std::printf("# pre-filling %d simulated days, %llu records (%llu per day)\n", o.days,
              static_cast<unsigned long long>(prefill), static_cast<unsigned long long>(o.per_day));
  std::fflush(stdout);
  std::vector<Key> prefill_keys;  // of the last 2 pre-filled days
  {
    auto store = OpenStore(base, /*sync=*/false, o.reserve_mib << 20);
    const auto t0 = Clock::now();
    std::vector<mlq::LogRecord> batch;
    std::vector<std::vector<mlq::LogRecord>*> group{&batch};
    std::string wire;
    const int64_t keys_from = kStartUs + (o.days - 2) * kDayUs;
    uint64_t seen = 0;
    for (uint64_t i = 0; i < prefill; ++i) {
      source.NextLine(&wire);
      source.Parse(wire, i, batch.emplace_back());
      const auto& r = batch.back();
      if (r.timestamp_us >= keys_from && ++seen % 97 == 0) {
        if (!r.message_id.empty()) {
          prefill_keys.push_back({r.timestamp_us, mlq::keys::IndexKind::kMessageId, r.message_id});
        } else if (!r.to.empty()) {
          prefill_keys.push_back({r.timestamp_us, mlq::keys::IndexKind::kAddress, r.to[0]});
        }
      }
      if (batch.size() == 8192) {
        if (absl::Status st = store->WriteGroup(group); !st.ok()) Die(std::string(st.message()));
        batch.clear();
      }
    }
    if (!batch.empty()) {
      if (absl::Status st = store->WriteGroup(group); !st.ok()) Die(std::string(st.message()));
    }
    if (absl::Status st = store->Flush(); !st.ok()) Die(std::string(st.message()));
    std::sort(prefill_keys.begin(), prefill_keys.end(),
              [](const Key& a, const Key& b) { return a.ts < b.ts; });
    std::printf("# pre-filled in %.1f s: %llu records, %.0f MiB on disk\n",
                Seconds(Clock::now() - t0), static_cast<unsigned long long>(store->RecordCount()),
                MiB(store->DiskBytes()));
  }
  // The lines to ingest: the timeline goes on at the same density.
  std::vector<std::string> lines(o.ingest);
  for (auto& l : lines) source.NextLine(&l);
  std::printf(
      "# ingest %llu lines (%.2f simulated days) per run, Writer with sync_writes, retention "
      "max-age %dd every %d ms (A) vs none (B); a lookup every %d ms\n",
      static_cast<unsigned long long>(o.ingest),
      static_cast<double>(o.ingest) / static_cast<double>(o.per_day), o.max_age_days, o.interval_ms,
      o.query_gap_ms);
  std::printf(
      "round variant lines_per_s cpu_s_per_M find_p50_ms find_p99_ms mid_p50/p99 addr_p50/p99 "
      "lookups misses deleted(first_pass) passes disk_MiB records\n");
  std::fflush(stdout);
  std::vector<CostResult> a, b;
  for (int round = 1; round <= o.rounds; ++round) {
    for (int k = 0; k < 2; ++k) {
      const bool with = (round % 2 == 1) == (k == 0);
      CostResult r = RunCostOnce(o, base, lines, prefill, prefill_keys, with, o.dir + "/run");
      std::printf(
          "%d %s %.0f %.2f %.3f %.3f %.3f/%.3f %.3f/%.3f %zu %zu %llu(%llu) %llu %.0f %llu\n",
          round, with ? "A:retention" : "B:none", r.lines_per_s, r.cpu_per_m, r.p50_ms, r.p99_ms,
          r.mid_p50, r.mid_p99, r.addr_p50, r.addr_p99, r.lookups, r.misses,
          static_cast<unsigned long long>(r.deleted),
          static_cast<unsigned long long>(r.deleted_first),
          static_cast<unsigned long long>(r.passes), MiB(r.disk),
          static_cast<unsigned long long>(r.records));
      std::fflush(stdout);
      (with ? a : b).push_back(r);
    }
  }
  auto med = [](const std::vector<CostResult>& v, auto f) {
    std::vector<double> x;
    for (const auto& r : v) x.push_back(f(r));
    return Median(x);
  };
  std::printf(
      "\n| variant | ingest lines/s | CPU s per 1M lines | find p50 / p99 (ms) | "
      "message-id p50 / p99 | address p50 / p99 | records deleted during ingest | "
      "disk at end (MiB) |\n|---|---|---|---|---|---|---|---|\n");
  for (const auto* v : {&a, &b}) {
    std::printf(
        "| %s | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %.0f | %.0f |\n",
        v == &a ? ("A: retention " + std::to_string(o.max_age_days) + " d, pass every " +
                   std::to_string(o.interval_ms) + " ms")
                      .c_str()
                : "B: no retention",
        med(*v, [](auto& r) { return r.lines_per_s; }),
        med(*v, [](auto& r) { return r.cpu_per_m; }), med(*v, [](auto& r) { return r.p50_ms; }),
        med(*v, [](auto& r) { return r.p99_ms; }), med(*v, [](auto& r) { return r.mid_p50; }),
        med(*v, [](auto& r) { return r.mid_p99; }), med(*v, [](auto& r) { return r.addr_p50; }),
        med(*v, [](auto& r) { return r.addr_p99; }),
        med(*v, [](auto& r) { return static_cast<double>(r.deleted); }),
        med(*v, [](auto& r) { return MiB(r.disk); }));
  }
  const double ra = med(a, [](auto& r) { return r.lines_per_s; });
  const double rb = med(b, [](auto& r) { return r.lines_per_s; });
  std::vector<double> per_round;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    per_round.push_back(a[i].lines_per_s / b[i].lines_per_s);
  }
  std::printf("\nratio A/B ingest (medians) %.3f; per round:", ra / rb);
  for (double x : per_round) std::printf(" %.3f", x);
  const double rr = Median(per_round);
  std::printf(
      "; median of the per-round ratios %.3f: cost of retention %.1f %% of ingest "
      "(target <= 20 %%)\n",
      rr, (1 - rr) * 100);
  std::printf("ratio A/B CPU per line %.3f\n", med(a, [](auto& r) { return r.cpu_per_m; }) /
                                                   med(b, [](auto& r) { return r.cpu_per_m; }));
  std::printf("ratio A/B find p99 %.2f\n",
              med(a, [](auto& r) { return r.p99_ms; }) / med(b, [](auto& r) { return r.p99_ms; }));
  fs::remove_all(base);
  return 0;
}

// ---- long -----------------------------------------------------------------------

struct DirSplit {
  uint64_t sst = 0, wal = 0, other = 0;
};

DirSplit SplitDir(const std::string& path) {
  DirSplit d;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    std::error_code fec;
    if (!e.is_regular_file(fec)) continue;
    const uint64_t sz = e.file_size(fec);
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".sst") {
      d.sst += sz;
    } else if (e.path().extension() == ".log" && name.find("LOG") == std::string::npos) {
      d.wal += sz;
    } else {
      d.other += sz;
    }
  }
  return d;
}

struct Sample {
  int64_t sim_us;
  uint64_t disk, records;
  DirSplit split;
  uint64_t index_bytes, index_garbage;
  mlq::Store::FamilyTables rec, idx;  // per family: live / total table files, L0, pending
};

// min / median / max of `get` over `samples`, in MiB (or plain for counts).
void PrintSpread(const char* what, const std::vector<const Sample*>& samples,
                 const std::function<double(const Sample&)>& get) {
  std::vector<double> v;
  for (const Sample* s : samples) v.push_back(get(*s));
  if (v.empty()) return;
  const double med = Median(v);
  const double lo = *std::min_element(v.begin(), v.end());
  const double hi = *std::max_element(v.begin(), v.end());
  std::printf("|   %s | %.1f | %.1f | %.1f | %.1f |\n", what, lo, med, hi, hi - lo);
}

struct LongResult {
  double steady_mib = 0, max_dev_pct = 0, max_mib = 0, min_mib = 0, sst_steady = 0, sst_dev_pct = 0;
  double secs = 0;
  uint64_t limit = 0;
};

LongResult RunLong(const Options& o, const std::string& name, uint64_t max_disk) {
  const std::string dir = o.dir + "/long-" + name;
  fs::remove_all(dir);
  auto store = OpenStore(dir, /*sync=*/true, o.reserve_mib << 20);
  mlq::Counters counters;
  Producer prod;
  mlq::RetentionOptions ro;
  ro.max_age_us = o.max_age_days * kDayUs;
  ro.max_disk_bytes = max_disk;
  ro.interval = std::chrono::milliseconds(o.interval_ms);
  ro.size_interval = std::chrono::milliseconds(o.size_interval_ms);
  ro.now_us = [&prod] { return prod.newest_us.load(); };
  mlq::Retention retention(store.get(), &counters, ro);
  mlq::Writer writer(store.get(), &counters);
  retention.Start();
  Source source(o, o.long_per_day);
  std::printf(
      "\n## long run \"%s\": %d simulated days, %llu records per day, retention %dd%s\n",
      name.c_str(), o.sim_days, static_cast<unsigned long long>(o.long_per_day), o.max_age_days,
      max_disk != 0 ? (", max-disk " + std::to_string(max_disk >> 20) + " MiB").c_str() : "");
  std::printf(
      "| sim day | wall s | disk MiB | SST MiB | WAL MiB | index MiB (est. garbage) | "
      "records | retention deleted (for size) | writer refused |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  std::vector<Sample> samples;
  const uint64_t total = static_cast<uint64_t>(o.sim_days) * o.long_per_day;
  std::vector<mlq::LogRecord> batch;
  std::string wire;
  int64_t next_sample = kStartUs + kHourUs;
  const auto t0 = Clock::now();
  auto print_row = [&](const Sample& s) {
    std::printf("| %.0f | %.0f | %.1f | %.1f | %.1f | %.1f (%.1f) | %llu | %llu (%llu) | %llu |\n",
                static_cast<double>(s.sim_us - kStartUs) / kDayUs, Seconds(Clock::now() - t0),
                MiB(s.disk), MiB(s.split.sst), MiB(s.split.wal), MiB(s.index_bytes),
                MiB(s.index_garbage), static_cast<unsigned long long>(s.records),
                static_cast<unsigned long long>(counters.Value("retention.deleted")),
                static_cast<unsigned long long>(counters.Value("retention.deleted_for_size")),
                static_cast<unsigned long long>(prod.refused));
    std::fflush(stdout);
  };
  for (uint64_t i = 0; i < total; ++i) {
    if (o.day_seconds > 0 && i % kBatch == 0) {
      const double due =
          static_cast<double>(i) / static_cast<double>(o.long_per_day) * o.day_seconds;
      const double ahead = due - Seconds(Clock::now() - t0);
      if (ahead > 0) std::this_thread::sleep_for(std::chrono::duration<double>(ahead));
    }
    source.NextLine(&wire);
    source.Parse(wire, i, batch.emplace_back());
    if (batch.size() == kBatch && !PushRecords(writer, batch, prod, o.stall_s)) {
      std::printf(
          "%s: STALLED: the writer refused every push for %.0f s at simulated day %.2f "
          "(unavailable: \"%s\"); run stopped\n",
          name.c_str(), o.stall_s, static_cast<double>(prod.newest_us.load() - kStartUs) / kDayUs,
          writer.Unavailable().c_str());
      std::fflush(stdout);
      break;
    }
    if (prod.newest_us.load() >= next_sample) {
      Sample s{};
      s.sim_us = next_sample;
      mlq::Store::Sizes sz = store->MeasureSizes();
      s.disk = sz.disk_bytes;
      s.records = sz.records;
      s.index_bytes = sz.index_bytes;
      s.index_garbage = sz.index_garbage_bytes;
      s.split = SplitDir(dir);
      s.rec = store->RecordsTables();
      s.idx = store->IndexTables();
      samples.push_back(s);
      if ((s.sim_us - kStartUs) % (5 * kDayUs) == 0) print_row(s);
      next_sample += kHourUs;
    }
  }
  if (!batch.empty()) PushRecords(writer, batch, prod, o.stall_s);
  if (writer.Unavailable().empty()) writer.Flush();
  LongResult res;
  res.secs = Seconds(Clock::now() - t0);
  retention.Stop();
  writer.Stop();
  res.limit = max_disk;
  std::vector<double> steady, steady_sst;
  for (const auto& s : samples) {
    if (s.sim_us - kStartUs >= o.steady_from * kDayUs) {
      steady.push_back(MiB(s.disk));
      steady_sst.push_back(MiB(s.split.sst));
    }
  }
  res.steady_mib = Median(steady);
  res.sst_steady = Median(steady_sst);
  for (double x : steady) {
    res.max_dev_pct =
        std::max(res.max_dev_pct, std::abs(x - res.steady_mib) / res.steady_mib * 100);
  }
  for (double x : steady_sst) {
    res.sst_dev_pct =
        std::max(res.sst_dev_pct, std::abs(x - res.sst_steady) / res.sst_steady * 100);
  }
  if (!steady.empty()) {
    res.max_mib = *std::max_element(steady.begin(), steady.end());
    res.min_mib = *std::min_element(steady.begin(), steady.end());
  }
  double max_all = 0;
  for (const auto& s : samples) max_all = std::max(max_all, MiB(s.disk));
  // Which part of the disk use moves in the steady state.
  std::vector<const Sample*> steady_samples;
  for (const auto& s : samples) {
    if (s.sim_us - kStartUs >= o.steady_from * kDayUs) steady_samples.push_back(&s);
  }
  std::printf("%s: what moves from day %d on (%zu hourly samples):\n", name.c_str(), o.steady_from,
              steady_samples.size());
  std::printf("|   part | min | median | max | swing |\n|---|---|---|---|---|\n");
  PrintSpread("disk MiB", steady_samples, [](const Sample& s) { return MiB(s.disk); });
  PrintSpread("WAL MiB", steady_samples, [](const Sample& s) { return MiB(s.split.wal); });
  PrintSpread("records live MiB", steady_samples,
              [](const Sample& s) { return MiB(s.rec.live_bytes); });
  PrintSpread("records not live MiB", steady_samples, [](const Sample& s) {
    return MiB(s.rec.total_bytes - std::min(s.rec.total_bytes, s.rec.live_bytes));
  });
  PrintSpread("records L0 files", steady_samples,
              [](const Sample& s) { return static_cast<double>(s.rec.level0_files); });
  PrintSpread("records pending compaction MiB", steady_samples,
              [](const Sample& s) { return MiB(s.rec.pending_bytes); });
  PrintSpread("index live MiB", steady_samples,
              [](const Sample& s) { return MiB(s.idx.live_bytes); });
  PrintSpread("index not live MiB", steady_samples, [](const Sample& s) {
    return MiB(s.idx.total_bytes - std::min(s.idx.total_bytes, s.idx.live_bytes));
  });
  PrintSpread("index est. garbage MiB", steady_samples,
              [](const Sample& s) { return MiB(s.index_garbage); });
  PrintSpread("index L0 files", steady_samples,
              [](const Sample& s) { return static_cast<double>(s.idx.level0_files); });
  // Per level: which levels grow and fall (a level that never holds data
  // in the steady state is left out).
  for (int level = 0; level < mlq::Store::FamilyTables::kLevels; ++level) {
    const auto l = static_cast<size_t>(level);
    for (const bool records : {true, false}) {
      bool used = false;
      for (const Sample* s : steady_samples)
        used |= (records ? s->rec : s->idx).level_bytes[l] != 0;
      if (!used) continue;
      const std::string what =
          std::string(records ? "records" : "index") + " L" + std::to_string(level) + " MiB";
      PrintSpread(what.c_str(), steady_samples, [records, l](const Sample& s) {
        return MiB((records ? s.rec : s.idx).level_bytes[l]);
      });
    }
  }
  PrintSpread("SST on disk - live MiB", steady_samples, [](const Sample& s) {
    const uint64_t live = s.rec.live_bytes + s.idx.live_bytes;
    return MiB(s.split.sst - std::min(s.split.sst, live));
  });
  PrintSpread("records (millions)", steady_samples,
              [](const Sample& s) { return static_cast<double>(s.records) / 1e6; });
  std::printf(
      "%s: %llu lines in %.0f s (%.0f lines/s, %.1f s per simulated day); retention passes "
      "%llu, deleted %llu (for size %llu), errors %llu, index compactions %llu, edge compactions "
      "%llu, index files rewritten %llu (%.0f MiB); writer refused %llu pushes, store.errors "
      "%llu\n",
      name.c_str(), static_cast<unsigned long long>(total), res.secs,
      static_cast<double>(total) / res.secs, res.secs / o.sim_days,
      static_cast<unsigned long long>(counters.Value("retention.passes")),
      static_cast<unsigned long long>(counters.Value("retention.deleted")),
      static_cast<unsigned long long>(counters.Value("retention.deleted_for_size")),
      static_cast<unsigned long long>(counters.Value("retention.errors")),
      static_cast<unsigned long long>(counters.Value("retention.index_compactions")),
      static_cast<unsigned long long>(counters.Value("retention.edge_compactions")),
      static_cast<unsigned long long>(counters.Value("retention.index_file_rewrites")),
      MiB(counters.Value("retention.index_rewritten_bytes")),
      static_cast<unsigned long long>(prod.refused),
      static_cast<unsigned long long>(counters.Value("store.errors")));
  std::printf(
      "%s: steady state %.1f MiB; max deviation %.1f %% (target <= 10 %%) "
      "[min %.1f, max %.1f MiB from day %d on; SST files alone %.1f MiB, max deviation "
      "%.1f %%]\n",
      name.c_str(), res.steady_mib, res.max_dev_pct, res.min_mib, res.max_mib, o.steady_from,
      res.sst_steady, res.sst_dev_pct);
  if (max_disk != 0) {
    std::printf("%s: max disk %.1f MiB vs max-disk %.1f MiB (whole run; %.1f MiB from day %d on)\n",
                name.c_str(), max_all, MiB(max_disk), res.max_mib, o.steady_from);
  } else {
    std::printf("%s: max disk %.1f MiB (whole run)\n", name.c_str(), max_all);
  }
  // Every hourly sample, for plots and analysis.
  FILE* f = o.tsv.empty() ? nullptr : std::fopen((o.tsv + name + ".tsv").c_str(), "w");
  if (f != nullptr) {
    std::fprintf(f,
                 "sim_hour\tdisk\tsst\twal\tother\tindex\tindex_garbage\trecords\t"
                 "rec_live\trec_total\trec_l0\trec_pending\tidx_live\tidx_total\tidx_l0\t"
                 "idx_pending\tcompactions");
    for (const char* family : {"rec", "idx"}) {
      for (int level = 0; level < mlq::Store::FamilyTables::kLevels; ++level) {
        std::fprintf(f, "\t%s_L%d", family, level);
      }
    }
    std::fprintf(f, "\n");
    auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    for (const auto& s : samples) {
      std::fprintf(f, "%lld\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t",
                   static_cast<long long>((s.sim_us - kStartUs) / kHourUs),
                   static_cast<unsigned long long>(s.disk),
                   static_cast<unsigned long long>(s.split.sst),
                   static_cast<unsigned long long>(s.split.wal),
                   static_cast<unsigned long long>(s.split.other),
                   static_cast<unsigned long long>(s.index_bytes),
                   static_cast<unsigned long long>(s.index_garbage),
                   static_cast<unsigned long long>(s.records));
      std::fprintf(f, "%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu", u(s.rec.live_bytes),
                   u(s.rec.total_bytes), u(s.rec.level0_files), u(s.rec.pending_bytes),
                   u(s.idx.live_bytes), u(s.idx.total_bytes), u(s.idx.level0_files),
                   u(s.idx.pending_bytes), u(s.rec.running_compactions));
      for (const auto* t : {&s.rec, &s.idx}) {
        for (uint64_t bytes : t->level_bytes) std::fprintf(f, "\t%llu", u(bytes));
      }
      std::fprintf(f, "\n");
    }
    std::fclose(f);
  }
  std::fflush(stdout);
  store.reset();
  fs::remove_all(dir);
  return res;
}

int Long(const Options& o) {
  uint64_t age_steady = 0;
  for (size_t pos = 0; pos < o.variants.size();) {
    size_t comma = o.variants.find(',', pos);
    if (comma == std::string::npos) comma = o.variants.size();
    const std::string v = o.variants.substr(pos, comma - pos);
    pos = comma + 1;
    if (v == "age") {
      age_steady = static_cast<uint64_t>(RunLong(o, "age", 0).steady_mib * (1 << 20));
    } else if (v == "disk") {
      uint64_t limit = o.max_disk_mib << 20;
      if (limit == 0) {
        if (age_steady == 0) Die("disk variant needs --max-disk-mib or the age variant first");
        limit = static_cast<uint64_t>(o.disk_fraction * static_cast<double>(age_steady));
      }
      RunLong(o, "disk", limit);
    } else {
      Die("unknown variant " + v);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mlq-retention-bench: retention cost during ingest, and disk over a long run"};
  Options o;
  const char* tmp = std::getenv("TMPDIR");
  o.dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/mlq-retention-bench." +
          std::to_string(getpid());
  std::string mode;
  app.add_option("mode", mode, "cost | long")->required();
  app.add_option("--dir", o.dir, "scratch folder (removed at the end)");
  app.add_option("--seed", o.seed)->capture_default_str();
  app.add_option("--hosts", o.hosts)->capture_default_str();
  app.add_option("--days", o.days, "cost: simulated days pre-filled")->capture_default_str();
  app.add_option("--per-day", o.per_day, "cost: records per simulated day")->capture_default_str();
  app.add_option("--ingest", o.ingest, "cost: lines ingested per run")->capture_default_str();
  app.add_option("--rounds", o.rounds, "cost: rounds (A and B each)")->capture_default_str();
  app.add_option("--max-age", o.max_age_days, "retention, days")->capture_default_str();
  app.add_option("--interval-ms", o.interval_ms, "retention pass interval")->capture_default_str();
  app.add_option("--size-interval-ms", o.size_interval_ms,
                 "size check interval (with a size limit; mlqd: 1000)")
      ->capture_default_str();
  app.add_option("--query-gap-ms", o.query_gap_ms, "cost: pause between lookups")
      ->capture_default_str();
  app.add_option("--sim-days", o.sim_days, "long: simulated days")->capture_default_str();
  app.add_option("--long-per-day", o.long_per_day, "long: records per simulated day")
      ->capture_default_str();
  app.add_option("--steady-from", o.steady_from, "long: steady state from this day")
      ->capture_default_str();
  app.add_option("--variants", o.variants, "long: age,disk")->capture_default_str();
  app.add_option("--max-disk-mib", o.max_disk_mib, "long: size limit (0: --disk-fraction)")
      ->capture_default_str();
  app.add_option("--disk-fraction", o.disk_fraction,
                 "long: size limit as a fraction of the age run's steady state")
      ->capture_default_str();
  app.add_option("--reserve-mib", o.reserve_mib, "StoreOptions::reserve_bytes (0: automatic)")
      ->capture_default_str();
  app.add_option("--day-seconds", o.day_seconds,
                 "long: pace the ingest to this many wall seconds per simulated day (0: flat out)")
      ->capture_default_str();
  app.add_option("--stall-s", o.stall_s, "long: stop when the writer refuses this long")
      ->capture_default_str();
  app.add_option("--tsv", o.tsv, "long: write the hourly samples to PREFIX<variant>.tsv");
  CLI11_PARSE(app, argc, argv);
  fs::create_directories(o.dir);
  int rc = 1;
  if (mode == "cost") {
    rc = Cost(o);
  } else if (mode == "long") {
    rc = Long(o);
  } else {
    Die("mode is cost or long");
  }
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  return rc;
}
