// RELP frame parsing and formatting (librelp doc/relp.html, "RELP FRAME"):
//
//   FRAME   = TXNR SP COMMAND SP DATALEN [SP DATA] LF
//   TXNR    = 1*9DIGIT          COMMAND = 1*32ALPHA
//   DATALEN = 1*9DIGIT          DATA    = DATALEN octets (absent when 0)
//
// RelpFrameParser is incremental: bytes may arrive in any slices (down to
// one byte at a time). It is linear in its input and holds at most one
// frame's DATA (<= max_data bytes) plus a few bytes of header state; a
// frame whose DATA is complete inside the caller's input is not copied at
// all. A DATALEN above max_data is not an error: the first max_data octets
// are kept, the rest is read and dropped, and the frame says `truncated`
// (like a cut TCP message: stored and flagged, so the sender does not resend
// it forever). Any syntax error is final: the parser stays in its error
// state (RELP closes the session on framing errors).
//
// Thread safety: one parser per connection, used from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlq {

struct RelpFrame {
  uint32_t txnr = 0;         // 0..999999999
  std::string_view command;  // letters only, 1..32
  std::string_view data;     // DATALEN octets; valid until the next Next() call
  bool truncated = false;    // DATALEN was above max_data: `data` is its start
};

class RelpFrameParser {
 public:
  enum class Result {
    kFrame,      // *frame holds a complete frame
    kNeedMore,   // all of the input was taken; the frame is not complete yet
    kMalformed,  // syntax error (bad digit, too many digits, missing SP/LF, ...)
  };

  explicit RelpFrameParser(size_t max_data) : max_data_(max_data) {}

  // Takes bytes from the front of `*input` (removing them) until one frame
  // is complete (kFrame: *frame is set, the rest of *input is untouched),
  // the input is used up (kNeedMore) or an error is found (then every later
  // call returns the same error). frame->data may point into the bytes
  // that were taken from *input: keep them unchanged until the next call.
  Result Next(std::string_view* input, RelpFrame* frame);

  // True between frames (no partial frame held).
  bool AtFrameStart() const { return state_ == State::kTxnr && digits_ == 0; }

 private:
  enum class State { kTxnr, kCommand, kDatalen, kData, kTrailer, kError };
  Result Fail(Result r) {
    state_ = State::kError;
    error_ = r;
    return r;
  }

  const size_t max_data_;
  State state_ = State::kTxnr;
  Result error_ = Result::kMalformed;
  int digits_ = 0;  // digits (or letters) of the current field so far
  uint32_t txnr_ = 0;
  uint32_t datalen_ = 0;
  uint32_t remaining_ = 0;  // DATA octets still to read (kept or dropped)
  char command_[32];
  size_t command_len_ = 0;
  std::string data_;          // DATA collected across calls
  bool data_direct_ = false;  // frame data points into the caller's input
  std::string_view direct_;
};

// "TXNR rsp LEN DATA\n" (or "TXNR rsp 0\n" for empty data), appended to *out.
void AppendRelpResponse(uint32_t txnr, std::string_view data, std::string* out);

}  // namespace mlq
