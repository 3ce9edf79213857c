// Store::WriteGroup, the writer thread's whole job per commit: encoding,
// index keys, sorting and the RocksDB write of groups of 32 batches of 256
// records (what one group commit of a busy TCP listener looks like), into
// a fresh store in $TMPDIR, WAL on but not synced (fsync is I/O wait, not
// CPU). The records are generated flows that never repeat, parsed ahead
// of the timed loop, so the memtables see the daemon's mix of new and
// recurring terms. CPU time is the benchmark thread's (the writer's share), and
// with _ProcessCpu the whole process's (RocksDB's flush and compaction too).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/lib/parsed_flow.h"
#include "store/store.h"

namespace {

constexpr size_t kBatch = 256;
constexpr size_t kGroup = 32;

// state.range(0) == 1: Store::Prepare runs untimed first, as the producers
// do it in mlqd (Writer::TryPush): what is left is the writer thread's part.
void BM_StoreWriteGroup(benchmark::State& state) {
  const bool prepared = state.range(0) == 1;
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/mlq-store-bench-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  auto store = mlq::Store::Open({.path = dir, .sync_writes = false});
  if (!store.ok()) {
    state.SkipWithError(std::string(store.status().message()).c_str());
    return;
  }
  mlq::bench::ParsedFlow flow(10);
  std::vector<std::vector<mlq::LogRecord>> batches(kGroup);
  std::vector<std::vector<mlq::LogRecord>*> group;
  for (auto& b : batches) group.push_back(&b);
  std::vector<mlq::Store::Prepared> preps(kGroup);
  std::vector<mlq::Store::Prepared*> prep_ptrs;
  if (prepared) {
    for (auto& p : preps) prep_ptrs.push_back(&p);
  }
  std::vector<std::vector<std::string>> keys;
  size_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& b : batches) {
      b.clear();
      flow.Fill(&b, kBatch);
    }
    for (size_t i = 0; i < prep_ptrs.size(); ++i) mlq::Store::Prepare(batches[i], prep_ptrs[i]);
    state.ResumeTiming();
    absl::Status st = (*store)->WriteGroup(group, prep_ptrs, &keys);
    if (!st.ok()) {
      state.SkipWithError(std::string(st.message()).c_str());
      break;
    }
    records += kBatch * kGroup;
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  store->reset();
  std::filesystem::remove_all(dir);
}
// 120 groups of 8192 records, ~1M records: several memtables filled and
// flushed, as in a 1M-line ingest.
BENCHMARK(BM_StoreWriteGroup)->Arg(0)->Arg(1)->Iterations(120)->Unit(benchmark::kMicrosecond);
// The same with the CPU time of the whole process: RocksDB's flush and
// compaction threads included.
BENCHMARK(BM_StoreWriteGroup)
    ->Name("BM_StoreWriteGroup_ProcessCpu")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(120)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
