// RelpFrameParser (receiver/intake/relp_frame.h): the frames of one RELP
// session, parsed incrementally.
//
// Each input is one session's bytes, parsed with a small (16-byte) and a
// large max_data, whole and in pieces whose sizes come from the input.
// Invariants:
//  - a frame's txnr is at most 999999999, its command 1..32 letters, its
//    data at most max_data bytes;
//  - kNeedMore only once the input is used up; after kMalformed every later
//    call says kMalformed again;
//  - how the session is cut into reads changes nothing: the same frames
//    and the same end state.
// Finally every frame's reply is formatted with AppendRelpResponse and the
// reply parsed back.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "receiver/intake/relp_frame.h"

namespace {

struct Frame {
  uint32_t txnr;
  std::string command;
  std::string data;
  bool truncated;
  bool operator==(const Frame&) const = default;
};

struct Outcome {
  std::vector<Frame> frames;
  bool malformed = false;
  bool at_frame_start = false;
  bool operator==(const Outcome&) const = default;
};

Outcome Run(std::string_view in, size_t max_data, bool whole) {
  mlq::RelpFrameParser parser(max_data);
  Outcome out;
  size_t pos = 0;
  size_t piece = 0;
  while (pos < in.size() && !out.malformed) {
    size_t n = whole ? in.size() : 1 + static_cast<uint8_t>(in[piece++ % in.size()]) % 23;
    if (n > in.size() - pos) n = in.size() - pos;
    std::string_view chunk = in.substr(pos, n);
    pos += n;
    while (true) {
      mlq::RelpFrame f;
      const auto r = parser.Next(&chunk, &f);
      if (r == mlq::RelpFrameParser::Result::kNeedMore) {
        FUZZ_CHECK(chunk.empty());
        break;
      }
      if (r == mlq::RelpFrameParser::Result::kMalformed) {
        out.malformed = true;
        std::string_view more = "1 syslog 0\n";
        FUZZ_CHECK(parser.Next(&more, &f) == mlq::RelpFrameParser::Result::kMalformed);
        break;
      }
      FUZZ_CHECK(f.txnr <= 999999999u);
      FUZZ_CHECK(!f.command.empty() && f.command.size() <= 32);
      for (char c : f.command) FUZZ_CHECK(std::isalpha(static_cast<unsigned char>(c)));
      FUZZ_CHECK(f.data.size() <= max_data);
      out.frames.push_back({f.txnr, std::string(f.command), std::string(f.data), f.truncated});
    }
  }
  out.at_frame_start = parser.AtFrameStart();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (size_t max : {size_t{16}, size_t{128 * 1024}}) {
    const Outcome whole = Run(in, max, true);
    const Outcome pieces = Run(in, max, false);
    FUZZ_CHECK(whole == pieces);
    // Replies as the listener writes them parse back as frames.
    for (const Frame& f : whole.frames) {
      std::string reply;
      mlq::AppendRelpResponse(f.txnr, f.data, &reply);
      mlq::RelpFrameParser back(max);
      std::string_view rv = reply;
      mlq::RelpFrame g;
      FUZZ_CHECK(back.Next(&rv, &g) == mlq::RelpFrameParser::Result::kFrame);
      FUZZ_CHECK(rv.empty() && g.txnr == f.txnr && g.command == "rsp" && g.data == f.data);
    }
  }
  return 0;
}
