// Page tokens of Find (query/page_token.h): text that clients hand back.
//
// Each input is used twice:
//  - as a token: DecodePageToken never crashes; a token it accepts holds a
//    16-byte primary key, and that key encodes to a token that decodes to
//    it again (but only for the same fingerprint);
//  - as a fingerprint and resume key: EncodePageToken gives URL-safe text
//    that decodes to the key.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "fuzz/fuzz_check.h"
#include "query/page_token.h"
#include "store/keys.h"

namespace {

bool UrlSafe(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void RoundTrip(uint64_t fp, std::string_view key) {
  const std::string token = mlq::EncodePageToken(fp, key);
  FUZZ_CHECK(UrlSafe(token));
  const absl::StatusOr<std::string> back = mlq::DecodePageToken(token, fp);
  FUZZ_CHECK(back.ok() && *back == key);
  FUZZ_CHECK(!mlq::DecodePageToken(token, fp ^ 1).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // As a token: for fingerprint 0, and for the fingerprint the token
  // itself carries (bytes 1..8 of its base64 decoding), so that the
  // accepting path is reached as easily as the refusing one.
  uint64_t carried = 0;
  std::string raw;
  if (absl::WebSafeBase64Unescape(absl::string_view(in.data(), in.size()), &raw) &&
      raw.size() >= 9) {
    for (int i = 0; i < 8; ++i)
      carried |= static_cast<uint64_t>(static_cast<uint8_t>(raw[1 + i])) << (8 * i);
  }
  for (uint64_t fp : {uint64_t{0}, carried}) {
    const absl::StatusOr<std::string> key = mlq::DecodePageToken(in, fp);
    if (key.ok()) {
      FUZZ_CHECK(key->size() == mlq::keys::kPrimaryKeySize);
      RoundTrip(fp, *key);
    }
  }

  // As a fingerprint and a key.
  if (size >= 8 + mlq::keys::kPrimaryKeySize) {
    uint64_t fp;
    std::memcpy(&fp, data, 8);
    RoundTrip(fp, in.substr(8, mlq::keys::kPrimaryKeySize));
  }
  return 0;
}
