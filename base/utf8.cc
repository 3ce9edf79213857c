#include "base/utf8.h"

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
      out.append(kReplacementChar);
      p += -n;
    }
  }
  return out;
}

int32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data()) + *pos;
  const int n = Step(p, reinterpret_cast<const unsigned char*>(s.data()) + s.size());
  if (n < 0) {
    *pos += 1;
    return -1;
  }
  *pos += static_cast<size_t>(n);
  static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t cp = p[0] & kLeadMask[n];
  for (int k = 1; k < n; ++k) cp = (cp << 6) | (p[k] & 0x3F);
  return static_cast<int32_t>(cp);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t Utf8Width(std::string_view s) {
  size_t n = 0;
  for (size_t pos = 0; pos < s.size();) {
    DecodeUtf8(s, &pos);
    ++n;
  }
  return n;
}

}  // namespace mlq
