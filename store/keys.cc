#include "store/keys.h"

#include <algorithm>

#include "base/scan.h"

namespace mlq::keys {
namespace {

void PutBigEndian64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t GetBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

// Appends `term` without NUL bytes (0x00 separates term and key).
void AppendTerm(std::string& out, std::string_view term) {
  for (char c : term) {
    if (c != '\0') out.push_back(c);
  }
}

}  // namespace

std::string PrimaryKey(int64_t timestamp_us, uint64_t sequence) {
  std::string key;
  key.reserve(kPrimaryKeySize);
  // Flipping the sign bit makes negative times sort before positive ones.
  PutBigEndian64(key, static_cast<uint64_t>(timestamp_us) ^ kSignBit);
  PutBigEndian64(key, sequence);
  return key;
}

bool ParsePrimaryKey(std::string_view key, int64_t* timestamp_us, uint64_t* sequence) {
  if (key.size() != kPrimaryKeySize) return false;
  *timestamp_us = static_cast<int64_t>(GetBigEndian64(key) ^ kSignBit);
  *sequence = GetBigEndian64(key.substr(8));
  return true;
}

std::string AddressTerm(std::string_view address) { return scan::LowerCopy(address); }

std::string QueueTerm(std::string_view queue_id, std::string_view host) {
  std::string term;
  term.reserve(queue_id.size() + host.size() + 1);
  AppendTerm(term, queue_id);
  term.push_back('\0');
  AppendTerm(term, host);
  return term;
}

std::string ProcessTerm(std::string_view host, std::string_view program, std::string_view pid) {
  std::string term;
  AppendTerm(term, host);
  term.push_back('\0');
  AppendTerm(term, program);
  term.push_back('\0');
  AppendTerm(term, pid);
  return term;
}

std::string IndexPrefix(IndexKind kind, std::string_view term) {
  std::string key;
  key.reserve(term.size() + 2 + kPrimaryKeySize);
  key.push_back(static_cast<char>(kind));
  if (kind == IndexKind::kQueueId || kind == IndexKind::kLink || kind == IndexKind::kProcess) {
    key.append(term);  // built by QueueTerm/ProcessTerm, with inner 0x00 separators
  } else {
    AppendTerm(key, term);
  }
  key.push_back('\0');
  return key;
}

std::string IndexKey(IndexKind kind, std::string_view term, std::string_view primary_key) {
  std::string key = IndexPrefix(kind, term);
  key.append(primary_key);
  return key;
}

std::string_view PrimaryKeyOfIndexKey(std::string_view index_key) {
  if (index_key.size() < kPrimaryKeySize + 2) return {};
  return index_key.substr(index_key.size() - kPrimaryKeySize);
}

}  // namespace mlq::keys

namespace mlq::keys {
std::string QueuePrefixAnyHost(std::string_view queue_id) {
  std::string key(1, static_cast<char>(IndexKind::kQueueId));
  AppendTerm(key, queue_id);
  key.push_back('\0');
  return key;
}

size_t IndexShardOfPrefix(std::string_view prefix, size_t shards) {
  if (shards <= 1 || prefix.empty()) return 0;
  std::string_view hashed = prefix;
  const auto kind = static_cast<IndexKind>(prefix[0]);
  if (kind == IndexKind::kQueueId || kind == IndexKind::kLink) {
    // Kind and queue ID: up to the 0x00 that ends the queue ID.
    hashed = prefix.substr(0, prefix.find('\0', 1));
  } else if (hashed.back() == '\0') {
    hashed.remove_suffix(1);
  }
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : hashed) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  // FNV's low bits depend only on the bytes' low bits: mix before the
  // modulo (MurmurHash3's finalizer).
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<size_t>(h % shards);
}

size_t IndexShardOfKey(std::string_view index_key, size_t shards) {
  if (index_key.size() < kPrimaryKeySize + 2) return 0;
  return IndexShardOfPrefix(index_key.substr(0, index_key.size() - kPrimaryKeySize), shards);
}
}  // namespace mlq::keys
