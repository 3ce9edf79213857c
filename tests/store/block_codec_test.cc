// Record blocks (store/block_codec.h) and postings (store/postings.h): the
// units of store format v2. Round trips over the sample records and with a
// trained dictionary, and every kind of damage a block or posting read from
// disk could carry.
#include "store/block_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "store/keys.h"
#include "store/postings.h"
#include "store/record_codec.h"
#include "store/sample_records.h"
#include "store/store.h"
#include "store/varint.h"

namespace mlq {
namespace {

using block::BlockBuilder;
using block::BlockReader;
using block::Codec;
using block::Dictionary;

std::vector<LogRecord> Sample(int n) {
  std::vector<LogRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(sample::Record(i));
  return out;
}

std::string Encoded(const LogRecord& r) {
  std::string s;
  EncodeRecord(r, &s);
  return s;
}

// Every record of `block` decodes to what was added, in order.
void ExpectRecords(std::string_view block, const std::vector<LogRecord>& want,
                   const Dictionary* dict = nullptr) {
  BlockReader reader;
  ASSERT_TRUE(reader.Open(block, dict).ok());
  ASSERT_EQ(reader.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    LogRecord got;
    ASSERT_TRUE(reader.Get(i, &got).ok()) << i;
    EXPECT_EQ(got.timestamp_us, want[i].timestamp_us) << i;
    EXPECT_EQ(reader.timestamp_us(i), want[i].timestamp_us) << i;
    EXPECT_EQ(Encoded(got), Encoded(want[i])) << i;
    EXPECT_EQ(got.raw, want[i].raw) << i;
  }
}

TEST(BlockCodecTest, RoundTripsAndCompresses) {
  std::vector<LogRecord> recs = Sample(300);
  BlockBuilder builder;
  size_t encoded = 0;
  for (const auto& r : recs) {
    builder.Add(r);
    encoded += Encoded(r).size();
  }
  EXPECT_EQ(builder.count(), 300u);
  std::string block;
  ASSERT_TRUE(builder.Finish(&block).ok());
  EXPECT_EQ(builder.count(), 0u);
  auto header = block::ReadHeader(block);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->codec, Codec::kZstd);
  // These records repeat themselves a lot: ZSTD must take most of it away.
  EXPECT_LT(block.size() * 4, encoded);
  ExpectRecords(block, recs);

  // The builder starts over after Finish.
  builder.Add(recs[7]);
  ASSERT_TRUE(builder.Finish(&block).ok());
  ExpectRecords(block, {recs[7]});
}

TEST(BlockCodecTest, TimestampsOfAnyOrderAndRange) {
  std::vector<LogRecord> recs = Sample(6);
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t times[] = {kMax, kMin, 0, -5, kMax, 1751328000000000};
  for (size_t i = 0; i < recs.size(); ++i) {
    recs[i].timestamp_us = times[i];
    recs[i].received_us = times[(i + 1) % 6];  // any distance
  }
  BlockBuilder builder;
  for (const auto& r : recs) builder.Add(r);
  std::string block;
  ASSERT_TRUE(builder.Finish(&block).ok());
  ExpectRecords(block, recs);
  BlockReader reader;
  ASSERT_TRUE(reader.Open(block).ok());
  LogRecord got;
  ASSERT_TRUE(reader.Get(3, &got).ok());
  EXPECT_EQ(got.received_us, times[4]);
}

TEST(BlockCodecTest, IncompressibleBlockIsStored) {
  std::mt19937_64 rng(7);
  LogRecord r;
  r.timestamp_us = 1;
  r.raw.resize(4096);
  for (char& c : r.raw) c = static_cast<char>(rng());
  BlockBuilder builder;
  builder.Add(r);
  std::string block;
  ASSERT_TRUE(builder.Finish(&block).ok());
  EXPECT_EQ(block::ReadHeader(block)->codec, Codec::kStored);
  ExpectRecords(block, {r});
}

TEST(BlockCodecTest, AddEncodedEqualsAdd) {
  std::vector<LogRecord> recs = Sample(50);
  BlockBuilder a, b;
  for (const auto& r : recs) {
    a.Add(r);
    b.AddEncoded(r.timestamp_us, Encoded(r));
  }
  std::string x, y;
  ASSERT_TRUE(a.Finish(&x).ok());
  ASSERT_TRUE(b.Finish(&y).ok());
  EXPECT_EQ(x, y);
}

TEST(BlockCodecTest, RefusesEmptyAndOversizedBlocks) {
  BlockBuilder builder;
  std::string block = "unchanged";
  EXPECT_EQ(builder.Finish(&block).code(), absl::StatusCode::kInvalidArgument);
  LogRecord r;
  r.raw.assign(block::kMaxPayloadBytes, 'x');
  builder.Add(r);
  EXPECT_EQ(builder.Finish(&block).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(builder.count(), 0u);  // dropped, the builder is usable again
  builder.Add(Sample(1)[0]);
  EXPECT_TRUE(builder.Finish(&block).ok());
}

TEST(BlockCodecTest, DictionaryRoundTripAndWrongDictionary) {
  std::vector<std::string> samples;
  for (int i = 1000; i < 3000; ++i) samples.push_back(Encoded(sample::Record(i)));
  auto trained = Dictionary::Train(samples, 16 * 1024);
  ASSERT_TRUE(trained.ok()) << trained.status();
  auto dict = Dictionary::Load(5, *trained, 3);
  ASSERT_TRUE(dict.ok());
  auto other = Dictionary::Load(6, *trained, 3);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(Dictionary::Load(0, *trained, 3).ok());

  std::vector<LogRecord> recs = Sample(20);
  BlockBuilder with({.dictionary = *dict});
  BlockBuilder without;
  for (const auto& r : recs) {
    with.Add(r);
    without.Add(r);
  }
  std::string a, b;
  ASSERT_TRUE(with.Finish(&a).ok());
  ASSERT_TRUE(without.Finish(&b).ok());
  auto header = block::ReadHeader(a);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->codec, Codec::kZstdDictionary);
  EXPECT_EQ(header->dictionary_id, 5u);
  // A small block is where a dictionary pays.
  EXPECT_LT(a.size(), b.size());
  ExpectRecords(a, recs, dict->get());

  BlockReader reader;
  EXPECT_EQ(reader.Open(a).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reader.Open(a, other->get()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reader.size(), 0u);
  EXPECT_FALSE(Dictionary::Train({"a", "b"}, 1024).ok());
}

// Every truncation and every single-byte change of a block is either
// refused with DataLoss or decodes (a change inside a string can still be
// a valid block) without crashing; a change the checks cannot see is
// limited to the record bytes.
TEST(BlockCodecTest, DamagedBlocksAreRefusedNotCrashed) {
  std::vector<LogRecord> recs = Sample(40);
  for (bool compress : {true, false}) {
    std::string block;
    if (compress) {
      BlockBuilder builder;
      for (const auto& r : recs) builder.Add(r);
      ASSERT_TRUE(builder.Finish(&block).ok());
    } else {
      // A stored block, written by hand: every payload byte is visible.
      std::string payload;
      varint::Put(&payload, recs.size());
      for (const auto& r : recs) varint::Put(&payload, Encoded(r).size());
      int64_t prev = 0;
      for (const auto& r : recs) {
        varint::Put(&payload, varint::ZigZag(r.timestamp_us - prev));
        prev = r.timestamp_us;
      }
      for (const auto& r : recs) payload += Encoded(r);
      block = std::string("\x01\x00", 2);
      varint::Put(&block, payload.size());
      block += payload;
      ExpectRecords(block, recs);
    }
    BlockReader reader;
    for (size_t len = 0; len < block.size(); ++len) {
      absl::Status s = reader.Open(std::string_view(block).substr(0, len));
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << "truncated to " << len;
    }
    int accepted = 0;
    for (size_t i = 0; i < block.size(); ++i) {
      std::string bad = block;
      bad[i] = static_cast<char>(bad[i] ^ 0x5a);
      absl::Status s = reader.Open(bad);
      if (s.ok()) {
        ++accepted;
        for (size_t k = 0; k < reader.size(); ++k) {
          LogRecord r;
          (void)reader.Get(k, &r);
        }
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << "byte " << i;
      }
    }
    // ZSTD frames carry a checksum-free body, but most damage is caught.
    EXPECT_LT(accepted, static_cast<int>(block.size())) << compress;
  }
}

TEST(BlockCodecTest, HostileHeadersAllocateNothingLarge) {
  BlockReader reader;
  // A payload size over the limit.
  std::string huge("\x01\x01", 2);
  varint::Put(&huge, block::kMaxPayloadBytes + 1);
  EXPECT_EQ(reader.Open(huge).code(), absl::StatusCode::kDataLoss);
  // A stored payload that claims 65535 records in 10 bytes.
  std::string many("\x01\x00", 2);
  std::string payload;
  varint::Put(&payload, 65535);
  payload.append(8, '\x01');
  varint::Put(&many, payload.size());
  many += payload;
  EXPECT_EQ(reader.Open(many).code(), absl::StatusCode::kDataLoss);
  // Unknown version and codec.
  EXPECT_EQ(reader.Open(std::string("\x02\x00\x00", 3)).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(reader.Open(std::string("\x01\x07\x00", 3)).code(), absl::StatusCode::kDataLoss);
  // Dictionary id 0.
  EXPECT_EQ(reader.Open(std::string("\x01\x02\x00\x00", 4)).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(reader.Get(0, nullptr).code(), absl::StatusCode::kOutOfRange);
}

TEST(PostingsTest, RoundTrip) {
  for (std::vector<uint32_t> positions : std::vector<std::vector<uint32_t>>{
           {0}, {5}, {0, 1, 2, 3}, {7, 300, 301, 65534}, {127, 128, 16383, 16384}}) {
    std::string value;
    postings::Encode(positions, &value);
    std::vector<uint32_t> got = {99};
    ASSERT_TRUE(postings::Decode(value, &got).ok());
    EXPECT_EQ(got, positions);
  }
  std::string value;
  postings::Encode(std::vector<uint32_t>{1, 2, 3}, &value);
  EXPECT_EQ(value, std::string("\x03\x01\x01\x01", 4));
}

TEST(PostingsTest, MalformedIsDataLoss) {
  auto decode = [](std::string v) {
    std::vector<uint32_t> out;
    return postings::Decode(v, &out).code();
  };
  const auto kLoss = absl::StatusCode::kDataLoss;
  EXPECT_EQ(decode(""), kLoss);                              // empty
  EXPECT_EQ(decode(std::string("\x00", 1)), kLoss);          // no positions
  EXPECT_EQ(decode("\x02\x01"), kLoss);                      // truncated
  EXPECT_EQ(decode("\x01\x01\x01"), kLoss);                  // trailing byte
  EXPECT_EQ(decode(std::string("\x02\x01\x00", 3)), kLoss);  // not increasing
  EXPECT_EQ(decode("\x01\xff\xff\x03"), kLoss);              // position 65535
  EXPECT_EQ(decode("\x02\xfe\xff\x03\x01"), kLoss);          // 65534 + 1
  EXPECT_EQ(decode("\xff\xff\xff\xff\x0f\x01"), kLoss);      // a count of 2^32-1
  EXPECT_EQ(decode("\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), kLoss);  // long varint
}

}  // namespace
}  // namespace mlq

namespace mlq {
namespace {

// BlockPostings against a brute-force grouping of the sample records'
// terms, over three blocks of a group: two of different records and one
// that repeats records of the first (the same terms in another block).
TEST(BlockPostingsTest, OnePostingPerTermAndBlockInShardAndKeyOrder) {
  std::vector<LogRecord> recs = Sample(200);
  // Block keys have the primary key's form: a time and a sequence. The
  // third block's time sorts first.
  const std::string block_keys[] = {keys::PrimaryKey(sample::kFirstDayUs, 7),
                                    keys::PrimaryKey(sample::kFirstDayUs + 5, 8),
                                    keys::PrimaryKey(sample::kFirstDayUs - 5, 9)};
  const std::pair<int, int> ranges[] = {{0, 100}, {100, 200}, {0, 50}};
  std::map<std::string, std::vector<uint32_t>> want;  // key -> positions
  postings::BlockPostings bp;
  for (int b = 0; b < 3; ++b) {
    for (int i = ranges[b].first; i < ranges[b].second; ++i) {
      const uint32_t p = static_cast<uint32_t>(i - ranges[b].first);
      for (const auto& [kind, term] : Store::IndexTerms(recs[i])) {
        std::string prefix = keys::IndexPrefix(kind, term);
        bp.Add(prefix, p);
        if (p % 7 == 0) bp.Add(prefix, p);  // twice for one record: counts once
        auto& list = want[prefix + block_keys[b]];
        if (list.empty() || list.back() != p) list.push_back(p);
      }
    }
    bp.EndBlock(block_keys[b]);
  }
  bp.Add("a-term-of-a-block-never-ended", 0);  // dropped
  const size_t added = bp.added();
  for (int round = 0; round < 2; ++round) {
    std::map<std::string, std::vector<uint32_t>> got;
    std::vector<std::pair<size_t, std::string>> order;
    bp.Finish(4, [&](size_t shard, std::string_view key, std::string_view value) {
      std::vector<uint32_t> positions;
      ASSERT_TRUE(postings::Decode(value, &positions).ok());
      EXPECT_TRUE(got.emplace(std::string(key), positions).second) << "one posting per term";
      EXPECT_EQ(shard, keys::IndexShardOfKey(key, 4));
      order.emplace_back(shard, std::string(key));
    });
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    if (round == 0) {
      EXPECT_EQ(got, want);
      // Every shard is used, and terms shared by records were merged.
      EXPECT_EQ(order.front().first, 0u);
      EXPECT_EQ(order.back().first, 3u);
      EXPECT_LT(got.size() * 3, added * 2);
      // Finish starts over: the second round emits nothing.
    } else {
      EXPECT_TRUE(got.empty());
    }
  }
}

}  // namespace
}  // namespace mlq
