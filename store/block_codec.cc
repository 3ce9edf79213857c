#include "store/block_codec.h"

#include <zdict.h>
#include <zstd.h>

#include <utility>

#include "store/record_codec.h"
#include "store/varint.h"

namespace mlq::block {
namespace {

constexpr uint8_t kVersion = 1;

// Timestamps are any int64; their deltas wrap rather than overflow.
using varint::WrappingAdd;
using varint::WrappingSub;

absl::Status Malformed(std::string_view what) {
  return absl::DataLossError(std::string("malformed record block: ") + std::string(what));
}

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One decompression context per thread, reused by every BlockReader on it.
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  return dctx.get();
}

}  // namespace

absl::StatusOr<std::string> Dictionary::Train(const std::vector<std::string>& samples,
                                              size_t max_bytes) {
  std::string joined;
  std::vector<size_t> sizes;
  sizes.reserve(samples.size());
  for (const auto& s : samples) {
    joined.append(s);
    sizes.push_back(s.size());
  }
  std::string dict(max_bytes, '\0');
  size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), joined.data(), sizes.data(),
                                   static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) {
    return absl::InvalidArgumentError(std::string("cannot train a dictionary: ") +
                                      ZDICT_getErrorName(n));
  }
  dict.resize(n);
  return dict;
}

absl::StatusOr<std::shared_ptr<const Dictionary>> Dictionary::Load(uint32_t id, std::string bytes,
                                                                   int level) {
  if (id == 0) return absl::InvalidArgumentError("dictionary id 0 is reserved");
  std::shared_ptr<Dictionary> d(new Dictionary());
  d->id_ = id;
  d->bytes_ = std::move(bytes);
  d->cdict_ = ZSTD_createCDict(d->bytes_.data(), d->bytes_.size(), level);
  d->ddict_ = ZSTD_createDDict(d->bytes_.data(), d->bytes_.size());
  if (d->cdict_ == nullptr || d->ddict_ == nullptr) {
    return absl::InvalidArgumentError("ZSTD refused the dictionary");
  }
  return std::shared_ptr<const Dictionary>(std::move(d));
}

Dictionary::~Dictionary() {
  ZSTD_freeCDict(cdict_);
  ZSTD_freeDDict(ddict_);
}

BlockBuilder::BlockBuilder(BuilderOptions options)
    : options_(std::move(options)), cctx_(ZSTD_createCCtx()) {}

BlockBuilder::~BlockBuilder() { ZSTD_freeCCtx(cctx_); }

void BlockBuilder::Add(const LogRecord& rec) {
  const size_t before = records_.size();
  EncodeRecord(rec, &records_);
  lengths_.push_back(static_cast<uint32_t>(records_.size() - before));
  timestamps_.push_back(rec.timestamp_us);
}

void BlockBuilder::AddEncoded(int64_t timestamp_us, std::string_view encoded) {
  records_.append(encoded);
  lengths_.push_back(static_cast<uint32_t>(encoded.size()));
  timestamps_.push_back(timestamp_us);
}

size_t BlockBuilder::payload_bytes() const {
  // Upper bound of the varint columns: 5 bytes a length, 10 a timestamp.
  return records_.size() + 15 * lengths_.size() + 10;
}

absl::Status BlockBuilder::Finish(std::string* out) {
  const size_t n = lengths_.size();
  absl::Status status;
  if (n == 0) status = absl::InvalidArgumentError("empty block");
  if (n > kMaxRecords) status = absl::InvalidArgumentError("too many records for one block");
  if (status.ok()) {
    payload_.clear();
    varint::Put(&payload_, n);
    for (uint32_t len : lengths_) varint::Put(&payload_, len);
    int64_t prev = 0;
    for (int64_t ts : timestamps_) {
      varint::Put(&payload_, varint::ZigZag(WrappingSub(ts, prev)));
      prev = ts;
    }
    payload_.append(records_);
    if (payload_.size() > kMaxPayloadBytes) {
      status = absl::InvalidArgumentError("block payload over the limit");
    }
  }
  if (status.ok()) {
    const Dictionary* dict = options_.dictionary.get();
    out->clear();
    out->push_back(static_cast<char>(kVersion));
    out->push_back(static_cast<char>(dict ? Codec::kZstdDictionary : Codec::kZstd));
    if (dict) varint::Put(out, dict->id());
    varint::Put(out, payload_.size());
    const size_t header = out->size();
    out->resize(header + ZSTD_compressBound(payload_.size()));
    size_t z = dict ? ZSTD_compress_usingCDict(cctx_, out->data() + header, out->size() - header,
                                               payload_.data(), payload_.size(), dict->cdict())
                    : ZSTD_compressCCtx(cctx_, out->data() + header, out->size() - header,
                                        payload_.data(), payload_.size(), options_.level);
    if (ZSTD_isError(z)) {
      status = absl::InternalError(std::string("ZSTD: ") + ZSTD_getErrorName(z));
    } else if (z >= payload_.size()) {
      // Incompressible: store it as it is.
      out->resize(2);
      (*out)[1] = static_cast<char>(Codec::kStored);
      varint::Put(out, payload_.size());
      out->append(payload_);
    } else {
      out->resize(header + z);
    }
  }
  lengths_.clear();
  timestamps_.clear();
  records_.clear();
  return status;
}

absl::StatusOr<BlockHeader> ReadHeader(std::string_view block) {
  varint::Reader in(block);
  uint8_t version, codec;
  if (!in.Byte(&version)) return Malformed("empty");
  if (version != kVersion) return Malformed("unknown version " + std::to_string(version));
  if (!in.Byte(&codec) || codec > static_cast<uint8_t>(Codec::kZstdDictionary)) {
    return Malformed("unknown codec");
  }
  BlockHeader h;
  h.codec = static_cast<Codec>(codec);
  uint64_t v;
  if (h.codec == Codec::kZstdDictionary) {
    if (!in.Varint(&v) || v == 0 || v > UINT32_MAX) return Malformed("dictionary id");
    h.dictionary_id = static_cast<uint32_t>(v);
  }
  if (!in.Varint(&v) || v > kMaxPayloadBytes) return Malformed("payload size");
  h.payload_bytes = v;
  h.header_bytes = in.pos();
  return h;
}

absl::Status BlockReader::Open(std::string_view block, const Dictionary* dictionary) {
  offsets_.clear();
  timestamps_.clear();
  view_ = {};
  absl::StatusOr<BlockHeader> h = ReadHeader(block);
  if (!h.ok()) return h.status();
  std::string_view body = block.substr(h->header_bytes);
  if (h->codec == Codec::kStored) {
    if (body.size() != h->payload_bytes) return Malformed("stored size");
    view_ = body;
  } else {
    if (h->codec == Codec::kZstdDictionary &&
        (dictionary == nullptr || dictionary->id() != h->dictionary_id)) {
      return absl::FailedPreconditionError("record block needs dictionary " +
                                           std::to_string(h->dictionary_id) +
                                           ", which is not loaded");
    }
    unsigned long long content = ZSTD_getFrameContentSize(body.data(), body.size());
    if (content != h->payload_bytes) return Malformed("frame size");
    payload_.resize(h->payload_bytes);
    ZSTD_DCtx* dctx = ThreadDCtx();
    size_t got =
        h->codec == Codec::kZstdDictionary
            ? ZSTD_decompress_usingDDict(dctx, payload_.data(), payload_.size(), body.data(),
                                         body.size(), dictionary->ddict())
            : ZSTD_decompressDCtx(dctx, payload_.data(), payload_.size(), body.data(), body.size());
    if (ZSTD_isError(got) || got != payload_.size()) return Malformed("ZSTD frame");
    view_ = payload_;
  }
  varint::Reader p(view_);
  uint64_t n, v;
  // Each record takes at least a length byte, a timestamp byte and one byte
  // of its own, so n is bounded by the payload before anything is allocated.
  if (!p.Varint(&n) || n == 0 || n > kMaxRecords || n > view_.size() / 3) {
    return Malformed("record count");
  }
  offsets_.reserve(n + 1);
  uint64_t total = 0;
  offsets_.push_back(0);
  for (uint64_t i = 0; i < n; ++i) {
    if (!p.Varint(&v) || v == 0 || v > view_.size()) return Malformed("record length");
    total += v;
    offsets_.push_back(static_cast<uint32_t>(total));
  }
  timestamps_.reserve(n);
  int64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (!p.Varint(&v)) return Malformed("timestamp");
    prev = WrappingAdd(prev, varint::UnZigZag(v));
    timestamps_.push_back(prev);
  }
  if (total != p.remaining()) return Malformed("record lengths do not add up");
  const uint32_t base = static_cast<uint32_t>(p.pos());
  for (auto& o : offsets_) o += base;
  return absl::OkStatus();
}

std::string_view BlockReader::encoded(size_t pos) const {
  return view_.substr(offsets_[pos], offsets_[pos + 1] - offsets_[pos]);
}

absl::Status BlockReader::Get(size_t pos, LogRecord* rec) const {
  if (pos >= size()) return absl::OutOfRangeError("no record at that position of the block");
  rec->timestamp_us = timestamps_[pos];
  return DecodeRecord(encoded(pos), rec);
}

}  // namespace mlq::block
