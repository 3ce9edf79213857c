#include "store/postings.h"

#include <algorithm>

#include "store/keys.h"

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

void BlockPostings::Add(std::string_view prefix, uint32_t position) {
  refs_.push_back({static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(prefix.size()),
                   kOpen, position});
  arena_.append(prefix);
}

void BlockPostings::EndBlock(std::string_view block_key) {
  const uint32_t block = static_cast<uint32_t>(block_keys_.size());
  block_keys_.emplace_back(block_key);
  for (size_t i = open_from_; i < refs_.size(); ++i) refs_[i].block = block;
  open_from_ = refs_.size();
}

// Key order: prefix, then block key, then position. An index prefix ends in
// 0x00 and the 0x00 bytes inside a term are fixed in number per kind, so no
// prefix is a proper prefix of another and this is the order of
// prefix + block key.
bool BlockPostings::Less(const Ref& a, const Ref& b) const {
  int c = PrefixOf(a).compare(PrefixOf(b));
  if (c != 0) return c < 0;
  if (a.block != b.block) {
    c = std::string_view(block_keys_[a.block]).compare(block_keys_[b.block]);
    if (c != 0) return c < 0;
    return a.block < b.block;
  }
  return a.position < b.position;
}

bool BlockPostings::SameTerm(const Ref& a, const Ref& b) const {
  return a.block == b.block && PrefixOf(a) == PrefixOf(b);
}

void BlockPostings::Finish(size_t shards, const Emit& emit) {
  refs_.resize(open_from_);  // drop terms of a block never ended
  std::sort(refs_.begin(), refs_.end(), [this](const Ref& a, const Ref& b) { return Less(a, b); });
  // Postings: refs_[group_ends_[g-1], group_ends_[g]).
  group_ends_.clear();
  for (size_t i = 1; i <= refs_.size(); ++i) {
    if (i == refs_.size() || !SameTerm(refs_[i], refs_[i - 1])) {
      group_ends_.push_back(static_cast<uint32_t>(i));
    }
  }
  // Shard by shard, and in key order within each: a stable order of the
  // postings by shard.
  order_.resize(group_ends_.size());
  shard_of_.resize(group_ends_.size());
  for (size_t g = 0; g < group_ends_.size(); ++g) {
    const Ref& first = refs_[g == 0 ? 0 : group_ends_[g - 1]];
    const bool same_prefix_as_before =
        g > 0 && PrefixOf(first) == PrefixOf(refs_[group_ends_[g - 1] - 1]);
    shard_of_[g] = same_prefix_as_before
                       ? shard_of_[g - 1]
                       : static_cast<uint32_t>(keys::IndexShardOfPrefix(PrefixOf(first), shards));
    order_[g] = static_cast<uint32_t>(g);
  }
  std::stable_sort(order_.begin(), order_.end(),
                   [this](uint32_t a, uint32_t b) { return shard_of_[a] < shard_of_[b]; });
  for (uint32_t g : order_) {
    const size_t begin = g == 0 ? 0 : group_ends_[g - 1];
    const size_t end = group_ends_[g];
    key_.assign(PrefixOf(refs_[begin]));
    key_.append(block_keys_[refs_[begin].block]);
    positions_.clear();
    for (size_t i = begin; i < end; ++i) {
      if (positions_.empty() || positions_.back() != refs_[i].position) {
        positions_.push_back(refs_[i].position);
      }
    }
    value_.clear();
    Encode(positions_, &value_);
    emit(shard_of_[g], key_, value_);
  }
  refs_.clear();
  arena_.clear();
  block_keys_.clear();
  open_from_ = 0;
}

}  // namespace mlq::postings
