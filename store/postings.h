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

#include <cstddef>
#include <cstdint>
#include <functional>
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

// Collects the index terms of the records of one or more blocks (a group
// commit's) and writes one posting per term and block, all of them in key
// order, so that RocksDB inserts them into its memtables in sequence. Cost:
// one copy of each term into an arena and one sort of references to them; no
// allocation per term once the buffers have grown.
class BlockPostings {
 public:
  // Notes that the record at `position` of the current block carries the
  // term whose index prefix (keys::IndexPrefix) is `prefix`. A term added
  // twice for one record counts once.
  void Add(std::string_view prefix, uint32_t position);
  // Ends the current block: the terms added since the last EndBlock belong
  // to the block whose key is `block_key` (keys::PrimaryKey form).
  void EndBlock(std::string_view block_key);
  size_t added() const { return refs_.size(); }

  // Calls emit(shard, key, value) once per distinct term of each ended
  // block: key = its prefix + the block key, value = the Encode of its
  // positions in that block, shard = keys::IndexShardOfPrefix(prefix,
  // shards). Calls come shard by shard (0 first) and in key order within a
  // shard; the views are valid during the call only. Terms added after the
  // last EndBlock are dropped. Then starts over empty.
  using Emit = std::function<void(size_t shard, std::string_view key, std::string_view value)>;
  void Finish(size_t shards, const Emit& emit);

 private:
  struct Ref {
    uint32_t offset, length;  // the prefix in arena_
    uint32_t block;           // index into block_keys_ (kOpen: not ended yet)
    uint32_t position;
  };
  static constexpr uint32_t kOpen = UINT32_MAX;
  std::string_view PrefixOf(const Ref& r) const { return {arena_.data() + r.offset, r.length}; }
  bool Less(const Ref& a, const Ref& b) const;
  bool SameTerm(const Ref& a, const Ref& b) const;

  std::string arena_;
  std::vector<Ref> refs_;
  size_t open_from_ = 0;  // refs_ of the current block start here
  std::vector<std::string> block_keys_;
  std::vector<uint32_t> group_ends_, order_, shard_of_, positions_;
  std::string key_, value_;
};

}  // namespace mlq::postings
