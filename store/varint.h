// Little-endian base-128 varints, zig-zag signed integers and length-prefixed
// strings: the byte encoding shared by the record codec (record_codec.h),
// record blocks (block_codec.h) and postings (postings.h).
//
// Thread safety: stateless functions; a VarintReader belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlq::varint {

inline void Put(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// a - b and a + b modulo 2^64: deltas of times (any int64, or damaged
// values) are stored as zig-zag varints, and neither side may overflow
// (undefined behaviour). Equal to the plain difference and sum whenever
// those fit.
inline int64_t WrappingSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

inline void PutString(std::string* out, std::string_view s) {
  Put(out, s.size());
  out->append(s);
}

// Reads what the functions above wrote from a view it does not own. Every
// read checks the bounds and returns false, leaving the output unspecified,
// on input that ends early or does not parse: the input is untrusted.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && pos_ < in_.size(); shift += 7) {
      uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool Signed(int64_t* v) {
    uint64_t u;
    if (!Varint(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  bool String(std::string* s) {
    std::string_view view;
    if (!StringView(&view)) return false;
    s->assign(view);
    return true;
  }
  // A length-prefixed string as a view into the input.
  bool StringView(std::string_view* s) {
    uint64_t n;
    if (!Varint(&n)) return false;
    return Bytes(n, s);
  }
  // The next `n` bytes as a view into the input.
  bool Bytes(uint64_t n, std::string_view* s) {
    if (n > in_.size() - pos_) return false;
    *s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool done() const { return pos_ == in_.size(); }
  size_t pos() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace mlq::varint
