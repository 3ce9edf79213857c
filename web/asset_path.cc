#include <openssl/sha.h>

#include <algorithm>

#include "web/assets.h"

namespace mlq::web {

const Asset* FindAsset(std::string_view path) {
  const std::span<const Asset> all = Assets();
  auto it = std::lower_bound(all.begin(), all.end(), path,
                             [](const Asset& a, std::string_view p) { return a.path < p; });
  if (it == all.end() || it->path != path) return nullptr;
  return &*it;
}

bool IsAssetPath(std::string_view path) {
  if (path.empty() || path.size() > kMaxPathBytes) return false;
  size_t depth = 0;
  bool start = true;  // at the first byte of a component
  for (const char c : path) {
    const bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    if (c == '/') {
      if (start) return false;  // "" component
      start = true;
      continue;
    }
    if (start) {
      if (!word) return false;  // ".", "..", ".hidden"
      if (++depth > kMaxDepth) return false;
      start = false;
    } else if (!word && c != '.') {
      return false;
    }
  }
  return !start;  // no trailing '/'
}

std::string EtagOf(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < 16; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  out.push_back('"');
  return out;
}

}  // namespace mlq::web
