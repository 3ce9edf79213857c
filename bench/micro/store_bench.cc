// Record encoding (EncodeRecord / DecodeRecord) and index key building
// (Store::IndexTerms + keys::IndexKey) over normalized generated records.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/lib/corpus.h"
#include "bench/lib/parsed_flow.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"
#include "store/keys.h"
#include "store/record_codec.h"
#include "store/store.h"

namespace {

const std::vector<mlq::LogRecord>& Records() {
  static const std::vector<mlq::LogRecord> recs = [] {
    mlq::Counters counters;
    mlq::LineParser parser(&mlq::DefaultNormalizers(), &counters);
    const mlq::LineSource source = mlq::bench::LoopbackTcpSource();
    std::vector<mlq::LogRecord> out;
    for (const std::string& l : mlq::bench::WithPri(mlq::bench::GeneratedLines())) {
      out.push_back(parser.Parse(l, 0, source, mlq::bench::kBenchReceivedUs));
    }
    return out;
  }();
  return recs;
}

void BM_EncodeRecord(benchmark::State& state) {
  const auto& recs = Records();
  std::string out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    out.clear();
    mlq::EncodeRecord(recs[i], &out);
    bytes += out.size();
    if (++i == recs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_record"] = static_cast<double>(bytes) / state.iterations();
}
BENCHMARK(BM_EncodeRecord);

// Arg 1: the records as LineParser leaves them (store format 3: the line
// only, mail fields derived again on decode); arg 0: the same records with
// every field stored (as format 2 stored them).
void BM_DecodeRecord(benchmark::State& state) {
  const auto& recs = Records();
  std::vector<std::string> values;
  size_t bytes = 0;
  for (auto r : recs) {
    r.mail_fields_derived = r.mail_fields_derived && state.range(0) == 1;
    std::string v;
    mlq::EncodeRecord(r, &v);
    bytes += v.size();
    values.push_back(std::move(v));
  }
  state.counters["bytes_per_record"] = static_cast<double>(bytes) / values.size();
  size_t i = 0;
  for (auto _ : state) {
    mlq::LogRecord r;
    absl::Status st = mlq::DecodeRecord(values[i], &r);
    benchmark::DoNotOptimize(st);
    if (++i == values.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeRecord)->Arg(0)->Arg(1);

void BM_IndexKeys(benchmark::State& state) {
  const auto& recs = Records();
  const std::string pk = mlq::keys::PrimaryKey(mlq::bench::kBenchReceivedUs, 42);
  size_t i = 0, keys = 0;
  std::vector<std::string> out;
  for (auto _ : state) {
    out.clear();
    for (const auto& [kind, term] : mlq::Store::IndexTerms(recs[i])) {
      out.push_back(mlq::keys::IndexKey(kind, term, pk));
    }
    keys += out.size();
    if (++i == recs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["keys_per_record"] = static_cast<double>(keys) / state.iterations();
}
BENCHMARK(BM_IndexKeys);

}  // namespace
