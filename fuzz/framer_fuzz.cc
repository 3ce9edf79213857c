// StreamFramer (receiver/intake/framer.h): RFC 6587 octet counting and LF
// framing, detected per frame, over one TCP stream.
//
// Each input is one stream, framed four ways: with a small (8-byte) and the
// default (64 KiB) max_message, each fed whole and fed in pieces whose sizes
// come from the input's own bytes. Invariants:
//  - a frame is never empty and never longer than max_message;
//  - the frames hold no more bytes than the stream (nothing is invented);
//  - the framer never buffers more than max_message + 11 bytes (the count
//    digits of a frame start at most);
//  - how the stream is cut into reads changes nothing: the same frames,
//    flags and errors in the same order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "receiver/intake/framer.h"
#include "store/record.h"

namespace {

struct Event {
  bool frame;
  std::string text;  // frame bytes
  uint32_t flags;    // frame flags, or the FrameError
  bool operator==(const Event&) const = default;
};

class Recorder : public mlq::FrameHandler {
 public:
  explicit Recorder(size_t max) : max_(max) {}
  void OnFrame(std::string_view frame, uint32_t flags) override {
    FUZZ_CHECK(!frame.empty());
    FUZZ_CHECK(frame.size() <= max_);
    FUZZ_CHECK((flags & ~(mlq::kFlagTruncated | mlq::kFlagFramingError)) == 0);
    bytes_ += frame.size();
    events_.push_back({true, std::string(frame), flags});
  }
  void OnError(mlq::FrameError error) override {
    FUZZ_CHECK(mlq::FrameErrorName(error) != "unknown");
    events_.push_back({false, {}, static_cast<uint32_t>(error)});
  }
  const std::vector<Event>& events() const { return events_; }
  size_t bytes() const { return bytes_; }

 private:
  size_t max_;
  size_t bytes_ = 0;
  std::vector<Event> events_;
};

// Frames `in` in pieces: piece i is 1 + in[i] % 17 bytes long (whole when
// `whole`). Returns what the handler saw.
Recorder Run(std::string_view in, size_t max, bool whole) {
  mlq::FramerOptions options;
  options.max_message = max;
  mlq::StreamFramer framer(options);
  Recorder rec(max);
  size_t pos = 0;
  size_t piece = 0;
  while (pos < in.size()) {
    size_t n = whole ? in.size() : 1 + static_cast<uint8_t>(in[piece++ % in.size()]) % 17;
    if (n > in.size() - pos) n = in.size() - pos;
    framer.Feed(in.substr(pos, n), rec);
    pos += n;
    FUZZ_CHECK(framer.buffered() <= max + 11);
  }
  framer.Finish(rec);
  FUZZ_CHECK(framer.buffered() == 0);
  FUZZ_CHECK(rec.bytes() <= in.size());
  return rec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (size_t max : {size_t{8}, size_t{64 * 1024}}) {
    const Recorder whole = Run(in, max, true);
    const Recorder pieces = Run(in, max, false);
    FUZZ_CHECK(whole.events() == pieces.events());
  }
  return 0;
}
