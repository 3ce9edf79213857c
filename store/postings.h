// Postings: which records of one block carry a term. Store format v2 keeps
// one index entry per term and block (its key: the term's prefix and the
// block's key, keys.h) whose value is this list, instead of one entry per
// record (docs/ARCHITECTURE.md, "Store v2").
//
// Encoding: varint count n >= 1, then n varints: the first position, then
// each position's distance to the one before (> 0: positions are strictly
// increasing). Positions are below block::kMaxRecords.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace mlq::postings {

// Appends the encoding of `positions` (strictly increasing, not empty).
void Encode(std::span<const uint32_t> positions, std::string* out);

// Decodes a value written by Encode into *positions (replacing it). DataLoss
// on a malformed value: empty, truncated, trailing bytes, a position that does
// not increase or reaches block::kMaxRecords.
absl::Status Decode(std::string_view value, std::vector<uint32_t>* positions);

}  // namespace mlq::postings
