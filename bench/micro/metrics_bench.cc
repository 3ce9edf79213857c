// The mail metrics' cost per stored record (metrics/mail_metrics.h), on
// generated flows of 10 hosts parsed ahead of the timed loop:
//  - BM_MailMetricsObserve: what the writer thread pays in its stored
//    callback (copying the counted fields into the metrics' queue), per
//    batch of 256 records; compare with BM_StoreWriteGroup's per-record
//    time, the writer thread's whole job;
//  - BM_MailMetricsCount: what the metrics' own thread pays to count them
//    (classification, label admission, series updates).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/lib/parsed_flow.h"
#include "metrics/mail_metrics.h"

namespace {

constexpr size_t kBatch = 256;

std::vector<std::vector<mlq::LogRecord>> Batches(size_t n) {
  mlq::bench::ParsedFlow flow(10);
  std::vector<std::vector<mlq::LogRecord>> batches(n);
  for (auto& b : batches) flow.Fill(&b, kBatch);
  return batches;
}

void BM_MailMetricsObserve(benchmark::State& state) {
  const auto batches = Batches(64);
  mlq::metrics::MailMetrics m({.max_pending = 64 * kBatch});
  size_t records = 0, i = 0;
  for (auto _ : state) {
    m.Observe(batches[i % batches.size()]);
    records += kBatch;
    if (++i % batches.size() == 0) {
      state.PauseTiming();
      m.Drain();  // the queue never fills: every record is copied
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
}
BENCHMARK(BM_MailMetricsObserve);

void BM_MailMetricsCount(benchmark::State& state) {
  const auto batches = Batches(64);
  mlq::metrics::MailMetrics m;
  size_t records = 0, i = 0;
  for (auto _ : state) {
    m.Count(batches[i++ % batches.size()]);
    records += kBatch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
}
BENCHMARK(BM_MailMetricsCount);

}  // namespace
