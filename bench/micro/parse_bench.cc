// Syslog header parsing (ParseSyslogLine) and the whole LineParser (header +
// normalizer + counters), over real corpus lines and generated traffic.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/lib/bench_records.h"
#include "bench/lib/corpus.h"
#include "bench/lib/parsed_flow.h"
#include "receiver/intake/line_parser.h"
#include "receiver/intake/syslog_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"

namespace {

constexpr int64_t kReceivedUs = mlq::bench::kBenchReceivedUs;

// RFC 5424 versions of the generated lines.
std::vector<std::string> Rfc5424Lines() {
  std::vector<std::string> out;
  mlq::ParseContext ctx;
  ctx.received_us = kReceivedUs;
  for (const std::string& l : mlq::bench::GeneratedLines()) {
    mlq::LogRecord r;
    r.raw = l;
    mlq::ParseSyslogLine(r, ctx);
    out.push_back("<22>1 2026-01-01T10:11:12.123456+00:00 " + r.host + " " + r.program + " " +
                  (r.pid.empty() ? "-" : r.pid) + " - - " + std::string(r.message()));
  }
  return out;
}

const std::vector<std::string>& Input(int which) {
  static const std::vector<std::string> corpus_pri = mlq::bench::WithPri(mlq::bench::CorpusLines());
  static const std::vector<std::string> gen_pri = mlq::bench::WithPri(mlq::bench::GeneratedLines());
  static const std::vector<std::string> gen_5424 = Rfc5424Lines();
  switch (which) {
    case 0:
      return corpus_pri;
    case 1:
      return gen_pri;
    case 2:
      return mlq::bench::GeneratedLines();  // file form, no PRI
    default:
      return gen_5424;
  }
}

void BM_ParseSyslogLine(benchmark::State& state) {
  const auto& lines = Input(static_cast<int>(state.range(0)));
  mlq::ParseContext ctx;
  ctx.received_us = kReceivedUs;
  ctx.fallback_host = "127.0.0.1";
  mlq::LogRecord rec;
  size_t i = 0;
  for (auto _ : state) {
    rec.raw.assign(lines[i]);
    rec.flags = 0;
    mlq::ParseSyslogLine(rec, ctx);
    benchmark::DoNotOptimize(rec.msg_offset);
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSyslogLine)
    ->ArgName("input(0=corpus_3164,1=gen_3164,2=gen_file_form,3=gen_5424)")
    ->DenseRange(0, 3);

// As the listeners do: a fresh record per line, in batches of 256.
void BM_LineParser(benchmark::State& state) {
  const auto& lines = Input(static_cast<int>(state.range(0)));
  mlq::Counters counters;
  mlq::LineParser parser(&mlq::DefaultNormalizers(), &counters);
  const mlq::LineSource source = mlq::bench::LoopbackTcpSource();
  std::vector<mlq::LogRecord> batch;
  batch.reserve(256);
  size_t i = 0;
  for (auto _ : state) {
    parser.ParseInto(lines[i], 0, source, kReceivedUs, batch.emplace_back());
    if (batch.size() == 256) batch.clear();
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LineParser)->ArgName("input(0=corpus,1=generated)")->DenseRange(0, 1);

}  // namespace
