// The RocksDB key layout (DESIGN.md, "Store layout").
//
// records CF:  primary key = BE64(timestamp_us ^ sign bit) | BE64(sequence)
//              -> time-ordered, unique (the sequence is global and
//              persistent), fixed 16 bytes.
// index CF:    kind byte | term | 0x00 | primary key
//              -> all entries of one term are contiguous and time-ordered,
//              so a lookup is one prefix seek bounded by [since, until).
// Terms never contain 0x00 (stripped); addresses are lower-cased before
// they become terms; queue-ID terms are scoped by host: qid 0x00 host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mlq::keys {

inline constexpr size_t kPrimaryKeySize = 16;

enum class IndexKind : char {
  kQueueId = 'q',    // term: queue_id 0x00 host
  kMessageId = 'm',  // term: message-id without angle brackets
  kAddress = 'a',    // term: lower-cased address (sender or recipient)
  kClientIp = 'i',   // term: client IP
  kSaslUser = 'u',   // term: lower-cased SASL user name
  kLink = 'l',       // term: QueueTerm(linked queue ID, its host): records that link to it
  kProcess = 'p',    // term: host 0x00 program 0x00 pid, for SMTP server sessions
};

// The term of a process (an smtpd session): host, program and pid.
std::string ProcessTerm(std::string_view host, std::string_view program, std::string_view pid);

// 16-byte primary key for (timestamp, sequence).
std::string PrimaryKey(int64_t timestamp_us, uint64_t sequence);
// Decodes a primary key; false when `key` is not 16 bytes.
bool ParsePrimaryKey(std::string_view key, int64_t* timestamp_us, uint64_t* sequence);

// Term normalization: addresses and SASL users are case-insensitive.
std::string AddressTerm(std::string_view address);
// The term for a queue ID on one host.
std::string QueueTerm(std::string_view queue_id, std::string_view host);

// kind | term | 0x00: the prefix every index entry of `term` starts with.
std::string IndexPrefix(IndexKind kind, std::string_view term);
// Index entry key: IndexPrefix(kind, term) + primary key.
std::string IndexKey(IndexKind kind, std::string_view term, std::string_view primary_key);
// The primary key at the end of an index entry key ("" if too short).
std::string_view PrimaryKeyOfIndexKey(std::string_view index_key);

}  // namespace mlq::keys

namespace mlq::keys {
// Prefix of the queue-ID index entries of `queue_id` on every host.
std::string QueuePrefixAnyHost(std::string_view queue_id);

// The index is split by term into `shards` column families (store.h). The
// shard of the entries under `prefix`: an IndexPrefix, or a
// QueuePrefixAnyHost (also with kLink in its first byte). Queue IDs and
// links go by kind and queue ID alone, so the entries of one queue ID on
// every host share a shard and a lookup without host reads one family; every
// other kind goes by its whole term. Stable across releases (a stored entry
// is looked for where it was written): FNV-1a over those bytes, mixed, modulo
// `shards`. 0 when `shards` is 0 or 1.
size_t IndexShardOfPrefix(std::string_view prefix, size_t shards);
// The shard of an index entry key (IndexKey): that of its prefix.
size_t IndexShardOfKey(std::string_view index_key, size_t shards);
}  // namespace mlq::keys
