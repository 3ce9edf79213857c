// Record blocks: many records packed into one value and compressed as a
// whole with ZSTD, optionally with a dictionary trained on mail logs. The
// unit of store format v2 (issue 16; docs/ARCHITECTURE.md, "Store v2"):
// one RocksDB key per block instead of one per line, so the write path does
// one memtable insert per block and compression sees many similar lines.
//
// A block (version 1):
//   byte    version (1)
//   byte    codec: 0 stored, 1 ZSTD, 2 ZSTD with the dictionary named next
//   varint  dictionary id (codec 2 only; never 0)
//   varint  payload size, at most kMaxPayloadBytes
//   ...     the payload, as is (codec 0) or one ZSTD frame of exactly the
//           payload size (codecs 1 and 2)
// The payload:
//   varint  record count n, 1..kMaxRecords
//   n x     varint length of each encoded record
//   varint  zig-zag first timestamp_us; then n-1 zig-zag deltas to the
//           previous record's timestamp_us
//   ...     the n records, as EncodeRecord (record_codec.h) wrote them
// A record is found by its position in the block (0..n-1), so a block key
// plus a position is a stable record id.
//
// Every block is untrusted on the way in (a damaged disk, a fuzzer): a
// malformed one is a DataLoss status, never a crash, and decompression never
// allocates more than kMaxPayloadBytes however large a size it declares.
//
// Thread safety: a BlockBuilder or BlockReader belongs to one thread; a
// Dictionary is immutable and shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/record.h"

struct ZSTD_CCtx_s;
struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace mlq::block {

inline constexpr size_t kMaxRecords = 65535;
inline constexpr size_t kMaxPayloadBytes = size_t{8} << 20;

enum class Codec : uint8_t { kStored = 0, kZstd = 1, kZstdDictionary = 2 };

// A ZSTD dictionary with the id blocks name it by, compiled once for both
// directions at one compression level.
class Dictionary {
 public:
  // Trains a dictionary of at most `max_bytes` on `samples` (encoded records
  // or whole payloads). InvalidArgument when ZSTD cannot train on them (too
  // few or too small samples).
  static absl::StatusOr<std::string> Train(const std::vector<std::string>& samples,
                                           size_t max_bytes);
  // Compiles `bytes` (from Train, or any ZSTD dictionary). `id` must not be 0.
  static absl::StatusOr<std::shared_ptr<const Dictionary>> Load(uint32_t id, std::string bytes,
                                                                int level);
  ~Dictionary();
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;

  uint32_t id() const { return id_; }
  const std::string& bytes() const { return bytes_; }
  ZSTD_CDict_s* cdict() const { return cdict_; }
  ZSTD_DDict_s* ddict() const { return ddict_; }

 private:
  Dictionary() = default;
  uint32_t id_ = 0;
  std::string bytes_;
  ZSTD_CDict_s* cdict_ = nullptr;
  ZSTD_DDict_s* ddict_ = nullptr;
};

struct BuilderOptions {
  int level = 3;  // ZSTD level when no dictionary (a dictionary has its own)
  std::shared_ptr<const Dictionary> dictionary;  // null: plain ZSTD
};

// Collects records and writes them out as one block.
class BlockBuilder {
 public:
  explicit BlockBuilder(BuilderOptions options = {});
  ~BlockBuilder();
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Appends `rec`. The caller finishes the block before count() reaches
  // kMaxRecords or payload_bytes() kMaxPayloadBytes (Finish refuses more).
  void Add(const LogRecord& rec);
  // Appends a record already encoded by EncodeRecord (e.g. on a producer
  // thread), with its timestamp.
  void AddEncoded(int64_t timestamp_us, std::string_view encoded);

  size_t count() const { return lengths_.size(); }
  // The uncompressed payload size so far (a block's size before ZSTD).
  size_t payload_bytes() const;

  // Writes the block of the records added since the last Finish into *out
  // (replacing its contents) and starts an empty one. InvalidArgument when
  // empty or over the limits; Internal when ZSTD fails.
  absl::Status Finish(std::string* out);

 private:
  BuilderOptions options_;
  ZSTD_CCtx_s* cctx_ = nullptr;
  std::vector<uint32_t> lengths_;
  std::vector<int64_t> timestamps_;
  std::string records_;  // concatenated encodings
  std::string payload_;  // scratch
};

// The codec and dictionary id a block names, from its header alone. DataLoss
// when the header is malformed.
struct BlockHeader {
  Codec codec = Codec::kStored;
  uint32_t dictionary_id = 0;  // 0 unless codec is kZstdDictionary
  size_t payload_bytes = 0;
  size_t header_bytes = 0;  // where the body (stored payload or ZSTD frame) starts
};
absl::StatusOr<BlockHeader> ReadHeader(std::string_view block);

// Decodes one block; records are decoded only when asked for.
class BlockReader {
 public:
  // Decompresses and indexes `block`. `dictionary` must be the one the block
  // names (ReadHeader) when its codec is kZstdDictionary; FailedPrecondition
  // when it is missing or another. DataLoss when the block is malformed.
  absl::Status Open(std::string_view block, const Dictionary* dictionary = nullptr);

  size_t size() const { return timestamps_.size(); }
  int64_t timestamp_us(size_t pos) const { return timestamps_[pos]; }
  // The encoded record at `pos` (< size()), valid until the next Open.
  std::string_view encoded(size_t pos) const;
  // Decodes the record at `pos` into *rec, timestamp included; *rec should
  // be a fresh LogRecord (fields the record lacks are left as they were).
  // OutOfRange when pos >= size(); DataLoss when the record is malformed.
  absl::Status Get(size_t pos, LogRecord* rec) const;

 private:
  std::string payload_;
  std::string_view view_;          // the payload (payload_ or the stored block)
  std::vector<uint32_t> offsets_;  // size()+1 offsets into view_
  std::vector<int64_t> timestamps_;
};

}  // namespace mlq::block
