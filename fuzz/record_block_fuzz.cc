// Record blocks and postings (store/block_codec.h, store/postings.h): the
// values of store format v2.
//
// The first byte picks what the rest is:
//  - 0-84: a block as read from a damaged or hostile table file. Open never
//    crashes and never accepts a block whose columns do not add up; every
//    record of an accepted block is read (Get may refuse it); an accepted
//    block rebuilt from its own encodings opens to the same records;
//  - 85-169: records: lines cut from the input, with timestamps taken from
//    it, built into a block at a ZSTD level from the input. The block opens
//    and gives back every line and time, in order;
//  - 170-212: a posting. Decode never crashes; what it accepts is strictly
//    increasing and below kMaxRecords, and encodes to a value that decodes
//    to the same positions;
//  - 213-255: the terms of a group's blocks (kinds, terms and positions from
//    the input, built by keys.h as the store builds them) through
//    BlockPostings: one posting per term and block, in (shard, key) order,
//    each decoding to exactly the positions added, every shard the key's.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "store/block_codec.h"
#include "store/keys.h"
#include "store/postings.h"
#include "store/record.h"

namespace {

void AsBlock(std::string_view data) {
  mlq::block::BlockReader reader;
  if (!reader.Open(data).ok()) return;
  FUZZ_CHECK(reader.size() >= 1 && reader.size() <= mlq::block::kMaxRecords);
  mlq::block::BlockBuilder builder({.level = 1});
  for (size_t i = 0; i < reader.size(); ++i) {
    mlq::LogRecord r;
    (void)reader.Get(i, &r);
    builder.AddEncoded(reader.timestamp_us(i), reader.encoded(i));
  }
  std::string again;
  FUZZ_CHECK(builder.Finish(&again).ok());
  mlq::block::BlockReader second;
  FUZZ_CHECK(second.Open(again).ok());
  FUZZ_CHECK(second.size() == reader.size());
  for (size_t i = 0; i < reader.size(); ++i) {
    FUZZ_CHECK(second.timestamp_us(i) == reader.timestamp_us(i));
    FUZZ_CHECK(second.encoded(i) == reader.encoded(i));
  }
}

void AsRecords(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const int level = in.ConsumeIntegralInRange<int>(-5, 19);
  std::vector<mlq::LogRecord> recs;
  while (in.remaining_bytes() > 0 && recs.size() < 2000) {
    mlq::LogRecord& r = recs.emplace_back();
    r.timestamp_us = in.ConsumeIntegral<int64_t>();
    r.received_us = in.ConsumeBool() ? r.timestamp_us : in.ConsumeIntegral<int64_t>();
    r.host = in.ConsumeRandomLengthString(16);
    r.raw = in.ConsumeRandomLengthString(512);
  }
  if (recs.empty()) return;
  mlq::block::BlockBuilder builder({.level = level});
  for (const auto& r : recs) builder.Add(r);
  std::string block;
  FUZZ_CHECK(builder.Finish(&block).ok());
  mlq::block::BlockReader reader;
  FUZZ_CHECK(reader.Open(block).ok());
  FUZZ_CHECK(reader.size() == recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    mlq::LogRecord got;
    FUZZ_CHECK(reader.Get(i, &got).ok());
    FUZZ_CHECK(got.timestamp_us == recs[i].timestamp_us);
    FUZZ_CHECK(got.received_us == recs[i].received_us);
    FUZZ_CHECK(got.host == recs[i].host);
    FUZZ_CHECK(got.raw == recs[i].raw);
  }
}

void AsPosting(std::string_view data) {
  std::vector<uint32_t> positions;
  if (!mlq::postings::Decode(data, &positions).ok()) return;
  FUZZ_CHECK(!positions.empty());
  for (size_t i = 0; i < positions.size(); ++i) {
    FUZZ_CHECK(positions[i] < mlq::block::kMaxRecords);
    if (i > 0) FUZZ_CHECK(positions[i] > positions[i - 1]);
  }
  std::string again;
  mlq::postings::Encode(positions, &again);
  std::vector<uint32_t> back;
  FUZZ_CHECK(mlq::postings::Decode(again, &back).ok());
  FUZZ_CHECK(back == positions);
}

void AsGroupTerms(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const size_t shards = in.ConsumeIntegralInRange<size_t>(1, 8);
  mlq::postings::BlockPostings bp;
  std::map<std::string, std::set<uint32_t>> want;
  uint64_t seq = 0;
  while (in.remaining_bytes() > 0 && seq < 64) {
    const std::string block_key =
        mlq::keys::PrimaryKey(in.ConsumeIntegral<int64_t>() % 1000, seq++);
    const int terms = in.ConsumeIntegralInRange<int>(0, 40);
    for (int i = 0; i < terms; ++i) {
      const uint32_t position = in.ConsumeIntegralInRange<uint32_t>(0, 300);
      std::string a = in.ConsumeRandomLengthString(12), b = in.ConsumeRandomLengthString(8);
      std::string prefix;
      switch (in.ConsumeIntegralInRange<int>(0, 3)) {
        case 0:
          prefix =
              mlq::keys::IndexPrefix(mlq::keys::IndexKind::kQueueId, mlq::keys::QueueTerm(a, b));
          break;
        case 1:
          prefix = mlq::keys::IndexPrefix(mlq::keys::IndexKind::kProcess,
                                          mlq::keys::ProcessTerm(a, b, "1"));
          break;
        case 2:
          prefix = mlq::keys::IndexPrefix(mlq::keys::IndexKind::kAddress, a);
          break;
        default:
          prefix = mlq::keys::IndexPrefix(mlq::keys::IndexKind::kMessageId, a + b);
      }
      bp.Add(prefix, position);
      want[prefix + block_key].insert(position);
    }
    bp.EndBlock(block_key);
  }
  std::map<std::string, std::set<uint32_t>> got;
  std::pair<size_t, std::string> last{0, ""};
  bp.Finish(shards, [&](size_t shard, std::string_view key, std::string_view value) {
    std::pair<size_t, std::string> now{shard, std::string(key)};
    FUZZ_CHECK(got.empty() || last < now);
    last = now;
    FUZZ_CHECK(shard == mlq::keys::IndexShardOfKey(key, shards));
    std::vector<uint32_t> positions;
    FUZZ_CHECK(mlq::postings::Decode(value, &positions).ok());
    FUZZ_CHECK(got.emplace(std::string(key), std::set<uint32_t>(positions.begin(), positions.end()))
                   .second);
  });
  FUZZ_CHECK(got == want);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode < 85) {
    AsBlock(rest);
  } else if (mode < 170) {
    AsRecords(data + 1, size - 1);
  } else if (mode < 213) {
    AsPosting(rest);
  } else {
    AsGroupTerms(data + 1, size - 1);
  }
  return 0;
}
