#include "query/page_token.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "store/keys.h"

namespace mlq {
namespace {

constexpr char kTokenVersion = 1;
constexpr size_t kTokenBytes = 1 + 8 + keys::kPrimaryKeySize;

}  // namespace

std::string EncodePageToken(uint64_t fingerprint, std::string_view resume_after) {
  std::string raw;
  raw.reserve(kTokenBytes);
  raw.push_back(kTokenVersion);
  for (int i = 0; i < 8; ++i) raw.push_back(static_cast<char>((fingerprint >> (8 * i)) & 0xff));
  raw.append(resume_after);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::string> DecodePageToken(std::string_view token, uint64_t fingerprint) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw) ||
      raw.size() != kTokenBytes || raw[0] != kTokenVersion) {
    return absl::InvalidArgumentError("malformed page token");
  }
  uint64_t fp = 0;
  for (int i = 0; i < 8; ++i)
    fp |= static_cast<uint64_t>(static_cast<uint8_t>(raw[1 + i])) << (8 * i);
  if (fp != fingerprint) {
    return absl::InvalidArgumentError(
        "the page token belongs to another query (filters, times and order must stay the same; "
        "relative times such as --since 1h change: use absolute ones)");
  }
  return raw.substr(9);
}

}  // namespace mlq
