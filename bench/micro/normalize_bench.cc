// The mail normalizers alone (DefaultNormalizers().Normalize) over records
// whose syslog header is already parsed. The target: the Postfix mix
// at >= 1 million lines/s on one core.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/lib/bench_records.h"
#include "bench/lib/corpus.h"
#include "bench/lib/parsed_flow.h"
#include "receiver/intake/syslog_parser.h"
#include "receiver/normalizers/normalizer.h"

namespace {

std::vector<mlq::LogRecord> Parsed(const std::vector<std::string>& lines) {
  std::vector<mlq::LogRecord> out;
  mlq::ParseContext ctx;
  ctx.received_us = mlq::bench::kBenchReceivedUs;
  ctx.fallback_host = "127.0.0.1";
  for (const std::string& l : lines) {
    mlq::LogRecord r;
    r.raw = l;
    mlq::ParseSyslogLine(r, ctx);
    out.push_back(std::move(r));
  }
  return out;
}

void BM_Normalize(benchmark::State& state) {
  std::vector<mlq::LogRecord> recs;
  switch (state.range(0)) {
    case 0:
      recs = Parsed(mlq::bench::PostfixCorpusLines());
      break;
    case 1:
      recs = Parsed(mlq::bench::CorpusLines());
      break;
    default:
      recs = Parsed(mlq::bench::GeneratedLines());
      break;
  }
  const mlq::NormalizerTable& table = mlq::DefaultNormalizers();
  size_t recognized = 0;
  size_t i = 0;
  for (auto _ : state) {
    mlq::LogRecord& r = recs[i];
    mlq::bench::ClearMailFields(r);
    recognized += table.Normalize(r);
    if (++i == recs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["recognized_%"] = 100.0 * recognized / state.iterations();
}
BENCHMARK(BM_Normalize)
    ->ArgName("input(0=postfix_corpus,1=all_corpus,2=generated_mix)")
    ->DenseRange(0, 2);

// The cost of the reset alone, to subtract from BM_Normalize.
void BM_NormalizeResetOnly(benchmark::State& state) {
  std::vector<mlq::LogRecord> recs = Parsed(mlq::bench::GeneratedLines());
  const mlq::NormalizerTable& table = mlq::DefaultNormalizers();
  for (auto& r : recs) table.Normalize(r);
  size_t i = 0;
  for (auto _ : state) {
    mlq::bench::ClearMailFields(recs[i]);
    benchmark::ClobberMemory();
    if (++i == recs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeResetOnly);

}  // namespace
