#include "receiver/intake/framer.h"

#include <algorithm>
#include <cstring>

#include "store/record.h"

namespace mlq {

namespace {

// An octet count above this is not believed (RFC 6587 gives no limit; no
// syslog message is 4 GiB long): the bytes are treated as LF-framed text.
constexpr uint64_t kMaxOctetCount = uint64_t{1} << 32;
// "4294967296" has 10 digits; an 11th digit is a bad count before overflow.
constexpr size_t kMaxCountDigits = 10;

}  // namespace

std::string_view FrameErrorName(FrameError e) {
  switch (e) {
    case FrameError::kOversize:
      return "oversize";
    case FrameError::kBadOctetCount:
      return "bad_octet_count";
    case FrameError::kEmpty:
      return "empty";
    case FrameError::kIncomplete:
      return "incomplete";
  }
  return "unknown";
}

StreamFramer::StreamFramer(FramerOptions options) : options_(options) {}

void StreamFramer::Append(const char* p, size_t n) {
  const size_t need = buf_.size() + n;
  if (need > buf_.capacity()) {
    // Grow geometrically for speed, but never past the frame limit.
    const size_t limit = options_.max_message + 1;
    const size_t want = std::max(need, std::min(limit, std::max<size_t>(2 * buf_.capacity(), 256)));
    if (want < 2 * buf_.capacity()) {
      // libstdc++ rounds a reserve() below twice the old capacity up to twice
      // it, which would overshoot the limit: move into an exactly-sized string.
      std::string fresh;
      fresh.reserve(want);
      fresh.append(buf_);
      buf_.swap(fresh);
    } else {
      buf_.reserve(want);
    }
  }
  buf_.append(p, n);
}

void StreamFramer::DeliverLine(std::string_view line, FrameHandler& handler) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    handler.OnError(FrameError::kEmpty);
  } else if (line.size() > options_.max_message) {
    handler.OnFrame(line.substr(0, options_.max_message), kFlagTruncated);
    handler.OnError(FrameError::kOversize);
  } else {
    handler.OnFrame(line, 0);
  }
}

void StreamFramer::DeliverOctets(std::string_view frame, FrameHandler& handler) {
  if (frame.empty()) {
    // Only reachable with max_message == 0; nothing useful to deliver.
    handler.OnError(truncated_ ? FrameError::kOversize : FrameError::kEmpty);
  } else {
    handler.OnFrame(frame, truncated_ ? static_cast<uint32_t>(kFlagTruncated) : 0u);
    if (truncated_) handler.OnError(FrameError::kOversize);
  }
  buf_.clear();
  truncated_ = false;
  if (skip_ > 0) {
    state_ = State::kSkipOctets;
    remaining_ = skip_;
    skip_ = 0;
  } else {
    state_ = State::kStart;
    remaining_ = 0;
  }
}

void StreamFramer::BadCount(FrameHandler& handler) {
  // The digits read so far stay in buf_ as the start of an LF-framed frame.
  handler.OnError(FrameError::kBadOctetCount);
  state_ = State::kLine;
  remaining_ = 0;
}

void StreamFramer::Feed(std::string_view bytes, FrameHandler& handler) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  const size_t max = options_.max_message;

  while (p < end) {
    switch (state_) {
      case State::kStart: {
        const char c = *p;
        ++frames_begun_;
        if (c >= '1' && c <= '9') {
          state_ = State::kCount;
          remaining_ = static_cast<uint64_t>(c - '0');
          buf_.assign(1, c);
          ++p;
        } else if (c == '0') {
          state_ = State::kZero;
          buf_.assign(1, c);
          ++p;
        } else {
          state_ = State::kLine;  // the byte is handled by kLine
        }
        break;
      }

      case State::kZero:
        if (*p == ' ') {
          // "0 ": an octet-counted frame of length zero.
          handler.OnError(FrameError::kEmpty);
          buf_.clear();
          state_ = State::kStart;
          ++p;
        } else {
          state_ = State::kLine;  // "0..." is text; buf_ keeps the "0"
        }
        break;

      case State::kCount: {
        // At most kMaxCountDigits iterations before a decision: per-byte work is fine here.
        while (p < end) {
          const char c = *p;
          if (c >= '0' && c <= '9') {
            if (buf_.size() >= kMaxCountDigits) {
              BadCount(handler);
              break;
            }
            remaining_ = remaining_ * 10 + static_cast<uint64_t>(c - '0');
            buf_.push_back(c);
            ++p;
          } else if (c == ' ') {
            if (remaining_ > kMaxOctetCount) {
              BadCount(handler);
              break;
            }
            ++p;
            const uint64_t keep = std::min<uint64_t>(remaining_, max);
            skip_ = remaining_ - keep;
            truncated_ = skip_ > 0;
            remaining_ = keep;
            buf_.clear();
            state_ = State::kOctets;
            if (keep == 0) DeliverOctets(std::string_view(), handler);
            break;
          } else {
            BadCount(handler);
            break;
          }
        }
        break;
      }

      case State::kOctets: {
        const size_t avail = static_cast<size_t>(end - p);
        if (buf_.empty() && avail >= remaining_) {
          // Whole frame inside this chunk: deliver a view, no copy.
          const size_t n = static_cast<size_t>(remaining_);
          p += n;
          DeliverOctets(std::string_view(p - n, n), handler);
        } else {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(avail, remaining_));
          Append(p, n);
          p += n;
          remaining_ -= n;
          if (remaining_ == 0) DeliverOctets(buf_, handler);
        }
        break;
      }

      case State::kLine: {
        const size_t avail = static_cast<size_t>(end - p);
        const char* lf = static_cast<const char*>(std::memchr(p, '\n', avail));
        const size_t n = lf != nullptr ? static_cast<size_t>(lf - p) : avail;
        if (buf_.size() + n > max + 1) {
          // Longer than max_message even if the last byte were a CR to strip:
          // deliver the first max_message bytes once, drop the rest up to LF.
          if (buf_.empty()) {
            handler.OnFrame(std::string_view(p, max), kFlagTruncated);
          } else {
            if (buf_.size() < max) Append(p, max - buf_.size());
            buf_.resize(max);
            handler.OnFrame(buf_, kFlagTruncated);
          }
          handler.OnError(FrameError::kOversize);
          buf_.clear();
          if (lf != nullptr) {
            p = lf + 1;
            state_ = State::kStart;
          } else {
            p = end;
            state_ = State::kSkipLine;
          }
        } else if (lf == nullptr) {
          Append(p, n);
          p = end;
        } else if (buf_.empty()) {
          DeliverLine(std::string_view(p, n), handler);  // no copy
          p = lf + 1;
          state_ = State::kStart;
        } else {
          Append(p, n);
          DeliverLine(buf_, handler);
          buf_.clear();
          p = lf + 1;
          state_ = State::kStart;
        }
        break;
      }

      case State::kSkipOctets: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(end - p, remaining_));
        p += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kStart;
        break;
      }

      case State::kSkipLine: {
        const char* lf = static_cast<const char*>(std::memchr(p, '\n', end - p));
        if (lf == nullptr) {
          p = end;
        } else {
          p = lf + 1;
          state_ = State::kStart;
        }
        break;
      }
    }
  }
}

void StreamFramer::Finish(FrameHandler& handler) {
  switch (state_) {
    case State::kStart:
      break;
    case State::kZero:
    case State::kCount:
    case State::kLine: {
      // A partial count or a line without its LF: deliver what we have.
      std::string_view line(buf_);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) {
        uint32_t flags = kFlagFramingError;
        if (line.size() > options_.max_message) {
          line = line.substr(0, options_.max_message);
          flags |= kFlagTruncated;
        }
        handler.OnFrame(line, flags);
      }
      handler.OnError(FrameError::kIncomplete);
      break;
    }
    case State::kOctets:
      // Fewer octets arrived than the count announced.
      if (!buf_.empty()) handler.OnFrame(buf_, kFlagFramingError);
      handler.OnError(FrameError::kIncomplete);
      break;
    case State::kSkipOctets:
    case State::kSkipLine:
      // The truncated frame was already delivered; only its tail is missing.
      handler.OnError(FrameError::kIncomplete);
      break;
  }
  state_ = State::kStart;
  buf_.clear();
  remaining_ = 0;
  skip_ = 0;
  truncated_ = false;
}

}  // namespace mlq
