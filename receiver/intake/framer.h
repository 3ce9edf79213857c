// RFC 6587 stream framing for syslog over TCP and TLS: bytes in, frames out.
//
// Both framings are accepted and detected per frame, as rsyslog does:
//  - octet counting: "<len> <msg>" when the frame starts with a digit 1-9;
//  - non-transparent (LF) framing otherwise: the frame ends at LF; one
//    trailing CR is removed.
// Input may arrive in pieces of any size (a frame split across reads, many
// frames in one read). The framer never allocates more than
// max_message + a small constant per stream, whatever the input.
//
// Damaged input is a value, never an exception: each problem is reported to
// the handler's OnError with a reason and framing resynchronises:
//  - a frame longer than max_message is cut to max_message bytes, delivered
//    once with kFlagTruncated, and the rest of it is skipped (never split
//    into a second frame);
//  - an octet count that is not followed by a space, has more than 10
//    digits, or overflows, is reported as kBadOctetCount; the bytes are then
//    treated as an LF-framed frame (so the text is not lost);
//  - an empty frame ("\n", "0 ") is reported as kEmpty and not delivered;
//  - bytes left when the stream ends (Finish) are delivered with
//    kFlagFramingError and reported as kIncomplete.
//
// Thread safety: one StreamFramer per connection, used from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlq {

enum class FrameError : uint8_t {
  kOversize,       // longer than max_message: delivered truncated
  kBadOctetCount,  // octet count malformed or overflowing: resynced on LF
  kEmpty,          // zero-length frame: skipped
  kIncomplete,     // stream ended mid-frame: partial frame delivered
};
std::string_view FrameErrorName(FrameError e);  // "oversize", "bad_octet_count", ...

class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  // One complete frame; `flags` are RecordFlag bits (kFlagTruncated,
  // kFlagFramingError). The view is valid only during the call.
  virtual void OnFrame(std::string_view frame, uint32_t flags) = 0;
  virtual void OnError(FrameError error) = 0;
};

struct FramerOptions {
  size_t max_message = 64 * 1024;  // bytes of one message, after framing
};

class StreamFramer {
 public:
  explicit StreamFramer(FramerOptions options = {});

  // Consumes all of `bytes`, calling the handler for every frame completed.
  void Feed(std::string_view bytes, FrameHandler& handler);

  // The stream has ended: a partial frame still buffered is delivered
  // (flagged) and reported as kIncomplete. The framer is reset.
  void Finish(FrameHandler& handler);

  // Bytes buffered for an incomplete frame (for memory accounting).
  size_t buffered() const { return buf_.size(); }

  // True inside a frame (its first byte was fed, its end was not), also
  // while skipping the tail of an oversize frame.
  bool in_frame() const { return state_ != State::kStart; }
  // Frames begun so far: changes whenever a new frame starts (for the
  // listeners' frame deadline).
  uint64_t frames_begun() const { return frames_begun_; }

 private:
  // kStart: at a frame boundary. kZero: saw "0" at a frame start ("0 " is an
  // empty octet-counted frame, anything else is LF-framed text). kCount:
  // reading an octet count (digits kept in buf_ so a bad count loses nothing).
  // kOctets: copying an octet-counted frame. kLine: copying an LF-framed
  // frame. kSkipOctets/kSkipLine: discarding the tail of an oversize frame.
  enum class State : uint8_t { kStart, kZero, kCount, kOctets, kLine, kSkipOctets, kSkipLine };

  // Appends to buf_ growing its capacity by hand, so that the buffer never
  // holds more than max_message + 1 bytes of capacity (std::string doubling
  // could otherwise reach twice that).
  void Append(const char* p, size_t n);
  // Delivers a complete LF-framed frame (CR stripped, empty and oversize handled).
  void DeliverLine(std::string_view line, FrameHandler& handler);
  // Delivers a complete (possibly truncated) octet-counted frame.
  void DeliverOctets(std::string_view frame, FrameHandler& handler);
  void BadCount(FrameHandler& handler);

  FramerOptions options_;
  State state_ = State::kStart;
  std::string buf_;         // current frame (or count digits)
  uint64_t remaining_ = 0;  // octet count being read (kCount), bytes still to copy (kOctets)
                            // or to discard (kSkipOctets)
  uint64_t skip_ = 0;       // bytes of an oversize octet-counted frame beyond max_message
  bool truncated_ = false;  // the current octet-counted frame is longer than max_message
  uint64_t frames_begun_ = 0;
};

}  // namespace mlq
