#include "store/postings.h"

#include "store/block_codec.h"
#include "store/varint.h"

namespace mlq::postings {

void Encode(std::span<const uint32_t> positions, std::string* out) {
  varint::Put(out, positions.size());
  uint32_t prev = 0;
  for (size_t i = 0; i < positions.size(); ++i) {
    varint::Put(out, i == 0 ? positions[i] : positions[i] - prev);
    prev = positions[i];
  }
}

absl::Status Decode(std::string_view value, std::vector<uint32_t>* positions) {
  const absl::Status bad = absl::DataLossError("malformed posting");
  positions->clear();
  varint::Reader in(value);
  uint64_t n, v;
  // Each position takes at least one byte: n is bounded before allocating.
  if (!in.Varint(&n) || n == 0 || n > in.remaining() || n > block::kMaxRecords) return bad;
  positions->reserve(n);
  uint64_t pos = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (!in.Varint(&v) || (i > 0 && v == 0)) return bad;
    pos = i == 0 ? v : pos + v;
    if (pos >= block::kMaxRecords) return bad;
    positions->push_back(static_cast<uint32_t>(pos));
  }
  if (!in.done()) return bad;
  return absl::OkStatus();
}

}  // namespace mlq::postings
