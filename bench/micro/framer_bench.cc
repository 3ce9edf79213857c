// RFC 6587 framing: StreamFramer::Feed over a buffer of many frames, fed in
// 2 KiB slices as the TCP listener does.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/lib/corpus.h"
#include "receiver/intake/framer.h"

namespace {

class CountingHandler : public mlq::FrameHandler {
 public:
  void OnFrame(std::string_view frame, uint32_t) override {
    ++frames;
    bytes += frame.size();
  }
  void OnError(mlq::FrameError) override { ++errors; }
  uint64_t frames = 0, bytes = 0, errors = 0;
};

// mode 0: octet counting, 1: LF, 2: alternating.
std::string Buffer(int mode, size_t* frames) {
  const auto lines = mlq::bench::WithPri(mlq::bench::GeneratedLines());
  std::string buf;
  *frames = 0;
  for (size_t i = 0; i < 20000; ++i) {
    const std::string& l = lines[i % lines.size()];
    const bool octet = mode == 0 || (mode == 2 && i % 2 == 0);
    if (octet) {
      buf += std::to_string(l.size());
      buf += ' ';
      buf += l;
    } else {
      buf += l;
      buf += '\n';
    }
    ++*frames;
  }
  return buf;
}

void BM_FramerFeed(benchmark::State& state) {
  size_t frames = 0;
  const std::string buf = Buffer(static_cast<int>(state.range(0)), &frames);
  const size_t slice = static_cast<size_t>(state.range(1));
  mlq::StreamFramer framer;
  CountingHandler h;
  for (auto _ : state) {
    std::string_view rest(buf);
    while (!rest.empty()) {
      const size_t n = std::min(slice, rest.size());
      framer.Feed(rest.substr(0, n), h);
      rest.remove_prefix(n);
    }
  }
  if (h.frames != frames * state.iterations() || h.errors != 0) {
    state.SkipWithError("framer lost or damaged frames");
  }
  state.SetItemsProcessed(static_cast<int64_t>(frames * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(buf.size() * state.iterations()));
}
BENCHMARK(BM_FramerFeed)
    ->ArgNames({"mode(0=octet,1=lf,2=mixed)", "slice"})
    ->Args({0, 2048})
    ->Args({1, 2048})
    ->Args({2, 2048})
    ->Args({0, 65536})
    ->Args({1, 65536});

}  // namespace
