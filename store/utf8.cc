#include "store/utf8.h"

#include <cstdint>
#include <cstring>

namespace mlq {
namespace {

// Length of the valid sequence at p (1..4), or the negated length of the
// maximal invalid subpart there (at least 1 byte).
int Step(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = *p;
  if (c < 0x80) return 1;
  int len;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // > U+10FFFF
  } else {
    return -1;
  }
  int k = 1;
  for (; k < len && p + k < end; ++k) {
    const unsigned char lo_k = k == 1 ? lo : 0x80;
    const unsigned char hi_k = k == 1 ? hi : 0xBF;
    if (p[k] < lo_k || p[k] > hi_k) return -k;
  }
  return k == len ? len : -k;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const int n = Step(p, end);
    if (n < 0) return false;
    p += n;
  }
  return true;
}

std::string ToValidUtf8(std::string_view s) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size() + 8);
  const unsigned char* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* p = begin;
  const unsigned char* const end = p + s.size();
  while (p < end) {
    const int n = Step(p, end);
    if (n > 0) {
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
      p += n;
    } else {
      out.append(kReplacement, 3);
      p += -n;
    }
  }
  return out;
}

}  // namespace mlq
