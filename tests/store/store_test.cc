// The store: round trips, reopen, every index, time ranges, limits.
#include "store/store.h"

#include <gtest/gtest.h>

#include <limits>
#include <utility>

#include "receiver/normalizers/normalizer.h"
#include "store/keys.h"
#include "store/record_codec.h"
#include "test_util.h"

namespace mlq {
namespace {

constexpr int64_t kT0 = 1751738228000000;  // 2025-07-05T17:57:08Z

LogRecord Rec(int64_t ts, std::string host, std::string qid, std::string msgid = "",
              std::string from = "", std::vector<std::string> to = {}) {
  LogRecord r;
  r.timestamp_us = ts;
  r.received_us = ts + 1500;
  r.host = std::move(host);
  r.program = "postfix/smtp";
  r.pid = "123";
  r.queue_id = std::move(qid);
  r.message_id = std::move(msgid);
  r.from = std::move(from);
  r.to = std::move(to);
  r.raw = "<22>Jul  5 17:57:08 " + r.host + " postfix/smtp[123]: " + r.queue_id + ": line";
  r.msg_offset = 20;
  r.family = "postfix";
  r.event = "delivery";
  return r;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = Store::Open({.path = dir_.path(), .sync_writes = false});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }
  std::vector<std::string> FindRaw(FindQuery q) {
    auto r = store_->Find(q);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& sr : r->records) out.push_back(sr.record.raw);
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(RecordCodecTest, RoundTripsEveryField) {
  LogRecord r = Rec(kT0, "mx1", "4Ldr9y6wlvz3xgh", "abc@x", "A@x.org", {"b@y", "c@z"});
  r.peer = "10.0.0.1:5514";
  r.peer_subject = "CN=mx1.example.org";
  r.transport = Transport::kTcp;
  r.format = SyslogFormat::kRfc5424;
  r.facility = 2;
  r.severity = 6;
  r.msgid = "ID47";
  r.structured_data = "[a b=\"c\"]";
  r.flags = kFlagTruncated | kFlagYearGuessed;
  r.orig_to = "o@x";
  r.status = "sent";
  r.dsn = "2.0.0";
  r.relay = "r[1.2.3.4]:25";
  r.reply = "250 ok (queued as X)";
  r.delay = "5.4";
  r.delays = "0.01/0.03/0.28/5";
  r.size = 1052;
  r.nrcpt = 0;
  r.client_name = "c";
  r.client_ip = "1.2.3.4";
  r.sasl_user = "u";
  r.helo = "h";
  r.proto = "ESMTP";
  r.links = {{"queued_as", "95FA2DB2C9", ""}, {"bounce", "Q2", "mx2"}};
  r.extra = {{"sasl_method", "PLAIN"}, {"x", ""}};
  std::string value;
  EncodeRecord(r, &value);
  LogRecord back;
  back.timestamp_us = r.timestamp_us;
  ASSERT_TRUE(DecodeRecord(value, &back).ok());
  EXPECT_EQ(back, r);
}

TEST(RecordCodecTest, RejectsTruncatedAndGarbageValues) {
  std::string value;
  EncodeRecord(Rec(kT0, "h", "Q", "m"), &value);
  for (size_t n = 0; n < value.size(); ++n) {
    LogRecord back;
    EXPECT_FALSE(DecodeRecord(value.substr(0, n), &back).ok()) << n;
  }
  LogRecord back;
  EXPECT_FALSE(DecodeRecord(value + "x", &back).ok());
  EXPECT_FALSE(DecodeRecord("\x09garbage", &back).ok());
}

// A record as LineParser leaves it: its mail fields are the default
// normalizers' reading of its line.
LogRecord DerivedRec(int64_t ts) {
  LogRecord r;
  r.timestamp_us = ts;
  r.received_us = ts + 1500;
  r.host = "mx1";
  r.program = "postfix/smtp";
  r.pid = "123";
  r.format = SyslogFormat::kRfc3164;
  r.raw =
      "<22>Jul  5 17:57:08 mx1 postfix/smtp[123]: 4Ldr9y6wlvz3xgh: to=<b@y.org>, "
      "relay=mx.y.org[192.0.2.9]:25, delay=5.4, delays=0.01/0.03/0.28/5, dsn=2.0.0, "
      "status=sent (250 2.0.0 Ok: queued as 95FA2DB2C9)";
  r.msg_offset = 43;
  DefaultNormalizers().Normalize(r);
  r.mail_fields_derived = true;
  return r;
}

TEST(RecordCodecTest, ADerivedRecordIsStoredWithoutItsMailFieldsAndReadsBackTheSame) {
  const LogRecord r = DerivedRec(kT0);
  ASSERT_EQ(r.queue_id, "4Ldr9y6wlvz3xgh");
  ASSERT_EQ(r.status, "sent");
  ASSERT_FALSE(r.links.empty());
  std::string derived, full;
  EncodeRecord(r, &derived);
  LogRecord copy = r;
  copy.mail_fields_derived = false;
  EncodeRecord(copy, &full);
  EXPECT_LT(derived.size() + 60, full.size()) << "the mail fields are left out";
  EXPECT_EQ(derived.find("95FA2DB2C9"), derived.rfind("95FA2DB2C9")) << "once: in the line";
  LogRecord back;
  back.timestamp_us = kT0;
  ASSERT_TRUE(DecodeRecord(derived, &back).ok());
  EXPECT_EQ(back, r);
  LogRecord back_full;
  back_full.timestamp_us = kT0;
  ASSERT_TRUE(DecodeRecord(full, &back_full).ok());
  EXPECT_EQ(back_full, copy) << "a record not marked keeps every field as written";
}

TEST(RecordCodecTest, RejectsDerivedValuesWithMailFieldsAndUnknownFields) {
  // Version 1, presence mask: kRaw (bit 11) and kDerived (bit 37), then the
  // raw line; adding kQueueId (bit 16) or an unknown bit 40 breaks it.
  auto value = [](uint64_t mask) {
    std::string v(1, '\x01');
    while (mask >= 0x80) {
      v.push_back(static_cast<char>((mask & 0x7f) | 0x80));
      mask >>= 7;
    }
    v.push_back(static_cast<char>(mask));
    if (mask != 0)
      v += std::string(
          "\x03"
          "abc");
    return v;
  };
  const uint64_t raw = uint64_t{1} << 11, derived = uint64_t{1} << 37;
  LogRecord ok;
  ASSERT_TRUE(DecodeRecord(value(raw | derived), &ok).ok());
  EXPECT_TRUE(ok.mail_fields_derived);
  EXPECT_EQ(ok.raw, "abc");
  std::string with_qid = value(raw | derived | (uint64_t{1} << 16));
  with_qid += "\x01Q";
  LogRecord bad;
  EXPECT_FALSE(DecodeRecord(with_qid, &bad).ok());
  EXPECT_FALSE(DecodeRecord(value(raw | (uint64_t{1} << 40)), &bad).ok());
}

TEST(RecordCodecTest, ExtremeTimesRoundTripWithoutOverflow) {
  // Found by fuzz/record_codec_fuzz.cc: received_us is stored as its
  // distance from timestamp_us, and computing it (or, from a damaged value,
  // adding it back) overflowed int64: undefined behaviour. Now modulo 2^64.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  for (auto [ts, received] :
       {std::pair{kMax, kMin}, std::pair{kMin, kMax}, std::pair{kMin, int64_t{0}}}) {
    LogRecord r;
    r.timestamp_us = ts;
    r.received_us = received;
    std::string value;
    EncodeRecord(r, &value);
    LogRecord back;
    back.timestamp_us = ts;
    ASSERT_TRUE(DecodeRecord(value, &back).ok());
    EXPECT_EQ(back, r);
  }
  // A value whose stored distance overflows the key's time: decodes (the
  // bytes are well-formed), wrapping instead of overflowing.
  const std::string damaged("\x01\x01\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12);
  LogRecord back;
  back.timestamp_us = kMax;
  ASSERT_TRUE(DecodeRecord(damaged, &back).ok());
  EXPECT_EQ(back.received_us, -2);
}

TEST(KeysTest, PrimaryKeysSortByTimeThenSequence) {
  EXPECT_LT(keys::PrimaryKey(-5, 9), keys::PrimaryKey(0, 1));
  EXPECT_LT(keys::PrimaryKey(10, 9), keys::PrimaryKey(11, 1));
  EXPECT_LT(keys::PrimaryKey(10, 1), keys::PrimaryKey(10, 2));
  int64_t ts;
  uint64_t seq;
  ASSERT_TRUE(keys::ParsePrimaryKey(keys::PrimaryKey(kT0, 77), &ts, &seq));
  EXPECT_EQ(ts, kT0);
  EXPECT_EQ(seq, 77u);
  EXPECT_FALSE(keys::ParsePrimaryKey("short", &ts, &seq));
}

TEST_F(StoreTest, EveryIndexFindsItsRecords) {
  LogRecord a = Rec(kT0, "mx1", "QA1", "<m1@example.com>", "Sender@Example.com", {"r1@x.org"});
  a.client_ip = "192.0.2.7";
  a.sasl_user = "Alice";
  LogRecord b = Rec(kT0 + 1, "mx1", "QA1", "", "", {"R2@X.org"});
  LogRecord c = Rec(kT0 + 2, "mx2", "QA1", "m1@example.com");
  LogRecord d = Rec(kT0 + 3, "mx2", "QB9");
  ASSERT_TRUE(store_->Write({a, b, c, d}).ok());
  EXPECT_EQ(store_->RecordCount(), 4u);

  using K = keys::IndexKind;
  EXPECT_EQ(FindRaw({.kind = K::kMessageId, .term = "m1@example.com"}),
            (std::vector<std::string>{a.raw, c.raw}));
  EXPECT_EQ(FindRaw({.kind = K::kMessageId, .term = "<m1@example.com>"}).size(), 2u);
  EXPECT_EQ(FindRaw({.kind = K::kQueueId, .term = "QA1"}),
            (std::vector<std::string>{a.raw, b.raw, c.raw}));
  EXPECT_EQ(FindRaw({.kind = K::kQueueId, .term = "QA1", .host = "mx2"}),
            (std::vector<std::string>{c.raw}));
  EXPECT_EQ(FindRaw({.kind = K::kQueueId, .term = "QA"}).size(), 0u) << "no prefix matches";
  EXPECT_EQ(FindRaw({.kind = K::kAddress, .term = "sender@EXAMPLE.com"}),
            (std::vector<std::string>{a.raw}));
  EXPECT_EQ(FindRaw({.kind = K::kAddress, .term = "r2@x.org"}), (std::vector<std::string>{b.raw}));
  EXPECT_EQ(FindRaw({.kind = K::kClientIp, .term = "192.0.2.7"}).size(), 1u);
  EXPECT_EQ(FindRaw({.kind = K::kSaslUser, .term = "alice"}).size(), 1u);
  EXPECT_TRUE(FindRaw({.kind = K::kMessageId, .term = "nope"}).empty());
  EXPECT_FALSE(store_->Find({.kind = K::kMessageId, .term = ""}).ok());
}

TEST_F(StoreTest, ReopenKeepsRecordsCountAndSequence) {
  ASSERT_TRUE(store_->Write({Rec(kT0, "h", "Q1", "m")}).ok());
  Reopen();
  EXPECT_EQ(store_->RecordCount(), 1u);
  // Same timestamp after reopen: the sequence continues, nothing overwritten.
  ASSERT_TRUE(store_->Write({Rec(kT0, "h", "Q1", "m")}).ok());
  Reopen();
  EXPECT_EQ(store_->RecordCount(), 2u);
  EXPECT_EQ(FindRaw({.kind = keys::IndexKind::kMessageId, .term = "m"}).size(), 2u);
  EXPECT_GT(store_->DiskBytes(), 0u);
}

TEST_F(StoreTest, TimeRangesAndLimits) {
  std::vector<LogRecord> batch;
  for (int i = 0; i < 100; ++i) {
    batch.push_back(Rec(kT0 + i * 1000000, i % 2 ? "mx1" : "mx2", "QT", "mid"));
  }
  ASSERT_TRUE(store_->Write(batch).ok());
  using K = keys::IndexKind;
  // [since, until): seconds 10..19.
  auto r = FindRaw({.kind = K::kMessageId,
                    .term = "mid",
                    .since_us = kT0 + 10 * 1000000,
                    .until_us = kT0 + 20 * 1000000});
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r.front(), batch[10].raw);
  EXPECT_EQ(r.back(), batch[19].raw);
  // Same over the host-less queue-ID scan, which merges two hosts.
  auto q = FindRaw({.kind = K::kQueueId,
                    .term = "QT",
                    .since_us = kT0 + 10 * 1000000,
                    .until_us = kT0 + 20 * 1000000});
  EXPECT_EQ(q, r);
  auto limited = store_->Find({.kind = K::kQueueId, .term = "QT", .limit = 7});
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->records.size(), 7u);
  EXPECT_TRUE(limited->truncated);
  EXPECT_EQ(limited->records[6].record.raw, batch[6].raw) << "oldest first";
  auto all = store_->Find({.kind = K::kMessageId, .term = "mid", .limit = 100});
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all->truncated);
  EXPECT_EQ(all->records.size(), 100u);
}

TEST_F(StoreTest, LinkAndProcessIndexes) {
  LogRecord a = Rec(kT0, "mx1", "QSRC");
  a.links = {{"queued_as", "QDST", ""}, {"queued_as", "QREMOTE", "mx2"}};
  LogRecord b = Rec(kT0 + 1, "mx1", "");
  b.program = "postfix/submission/smtpd";
  b.pid = "866353";
  b.event = "connect";
  ASSERT_TRUE(store_->Write({a, b}).ok());
  using K = keys::IndexKind;
  EXPECT_EQ(FindRaw({.kind = K::kLink, .term = "QDST", .host = "mx1"}),
            (std::vector<std::string>{a.raw}));
  EXPECT_EQ(FindRaw({.kind = K::kLink, .term = "QREMOTE", .host = "mx2"}).size(), 1u);
  EXPECT_EQ(FindRaw({.kind = K::kLink, .term = "QREMOTE"}).size(), 1u);
  EXPECT_TRUE(FindRaw({.kind = K::kLink, .term = "QDST", .host = "mx2"}).empty());
  EXPECT_EQ(FindRaw({.kind = K::kProcess,
                     .term = keys::ProcessTerm("mx1", "postfix/submission/smtpd", "866353")}),
            (std::vector<std::string>{b.raw}));
}

TEST_F(StoreTest, ScansTimeRangesBothWaysWithResume) {
  std::vector<LogRecord> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(Rec(kT0 + i * 1000000, "h", "Q"));
  ASSERT_TRUE(store_->Write(batch).ok());
  std::vector<std::string> keys_seen;
  std::vector<int64_t> times;
  auto collect = [&](std::string_view key, const LogRecord& r) {
    keys_seen.emplace_back(key);
    times.push_back(r.timestamp_us);
    return times.size() < 5;
  };
  ASSERT_TRUE(store_->Scan(kT0 + 10000000, kT0 + 20000000, false, "", collect).ok());
  ASSERT_EQ(times.size(), 5u);
  EXPECT_EQ(times.front(), kT0 + 10000000);
  // Resume after the last key seen: the next five.
  std::string last = keys_seen.back();
  times.clear();
  ASSERT_TRUE(store_->Scan(kT0 + 10000000, kT0 + 20000000, false, last, collect).ok());
  EXPECT_EQ(times.front(), kT0 + 15000000);
  // Newest first, bounded above (exclusive).
  times.clear();
  ASSERT_TRUE(store_->Scan(0, kT0 + 20000000, true, "", collect).ok());
  EXPECT_EQ(times.front(), kT0 + 19000000);
  EXPECT_EQ(times[1], kT0 + 18000000);
  last = keys_seen.back();
  times.clear();
  ASSERT_TRUE(store_->Scan(0, kT0 + 20000000, true, last, collect).ok());
  EXPECT_EQ(times.front(), kT0 + 14000000);
}

TEST_F(StoreTest, IndexesOneAddressOncePerRecord) {
  LogRecord r = Rec(kT0, "h", "Q", "", "a@x", {"A@X", "b@y"});
  auto terms = Store::IndexTerms(r);
  int addresses = 0;
  for (const auto& [kind, term] : terms) addresses += kind == keys::IndexKind::kAddress;
  EXPECT_EQ(addresses, 2);
}

// Thousands of recipients (Exim "for a b c ...", Kerio "To:"): each address
// once, lower-cased, in first-seen order, the sender and orig_to included,
// as the pairwise comparison gave before a hash set replaced it.
TEST_F(StoreTest, IndexesThousandsOfRecipientsOnceEach) {
  std::vector<std::string> to;
  for (int i = 0; i < 5000; ++i) {
    to.push_back((i % 3 ? "user" : "USER") + std::to_string(i % 1200) + "@Example.org");
  }
  to.push_back("sender@example.org");  // the sender again
  LogRecord r = Rec(kT0, "h", "Q", "m@x", "Sender@Example.org", to);
  r.orig_to = "user7@example.org";  // a recipient again
  std::vector<std::string> want = {"sender@example.org"};
  for (int i = 0; i < 1200; ++i) want.push_back("user" + std::to_string(i) + "@example.org");
  std::vector<std::string> got;
  for (const auto& [kind, term] : Store::IndexTerms(r)) {
    if (kind == keys::IndexKind::kAddress) got.push_back(term);
  }
  EXPECT_EQ(got, want);
}

// Hundreds of matches of one term (here 700, half from a table file, half
// from the memtable) come back complete, once each and in time order, and
// the ones before a retention cut-off are left out.
TEST_F(StoreTest, FindReadsManyRecordsInOrderAndSkipsTheRetainedOnes) {
  constexpr int kN = 700;
  constexpr int64_t kMinute = 60'000'000;
  for (int part = 0; part < 2; ++part) {  // the first half in a table file
    std::vector<LogRecord> batch;
    for (int i = part * kN / 2; i < (part + 1) * kN / 2; ++i) {
      batch.push_back(Rec(kT0 + i * 1'000'000, "mx" + std::to_string(i % 3),
                          "Q" + std::to_string(i), "", "busy@example.org"));
    }
    ASSERT_TRUE(store_->Write(batch).ok());
    if (part == 0) ASSERT_TRUE(store_->Flush().ok());
  }
  auto all =
      store_->Find({.kind = keys::IndexKind::kAddress, .term = "busy@example.org", .limit = 0});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->records.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) {
    ASSERT_EQ(all->records[i].record.queue_id, "Q" + std::to_string(i)) << i;
    ASSERT_EQ(all->records[i].record.timestamp_us, kT0 + i * 1'000'000);
  }
  // Whole minutes go: kT0 is 08 s into its minute, so the cut at the
  // third minute's start leaves out the first 52 + 60 records.
  const int64_t cut = (kT0 / kMinute + 2) * kMinute;
  ASSERT_TRUE(store_->DeleteBefore(cut, nullptr, /*compact=*/false).ok());
  auto kept =
      store_->Find({.kind = keys::IndexKind::kAddress, .term = "busy@example.org", .limit = 0});
  ASSERT_TRUE(kept.ok()) << kept.status();
  const int first = static_cast<int>((cut - kT0 + 999'999) / 1'000'000);
  ASSERT_EQ(kept->records.size(), static_cast<size_t>(kN - first));
  EXPECT_EQ(kept->records.front().record.queue_id, "Q" + std::to_string(first));
  EXPECT_EQ(kept->records.back().record.queue_id, "Q" + std::to_string(kN - 1));
}

// Health() reports RocksDB's memory by kind (mlq_rocksdb_memory_bytes):
// the table readers hold each table file's index blocks (206 KB for this
// store, about 1 byte per line), the block caches the blocks lookups read.
TEST(StoreMemoryTest, HealthReportsRocksDbMemoryByKind) {
  testing::TempDir dir;
  auto store = Store::Open({.path = dir.path(), .sync_writes = false});
  ASSERT_TRUE(store.ok()) << store.status();
  constexpr int kRecords = 200'000;
  for (int start = 0; start < kRecords; start += 5000) {
    std::vector<LogRecord> batch;
    for (int i = start; i < start + 5000; ++i) {
      batch.push_back(Rec(kT0 + i, "mx" + std::to_string(i % 7), "Q" + std::to_string(i),
                          "m" + std::to_string(i) + "@example.org",
                          "s" + std::to_string(i % 5000) + "@example.org",
                          {"r" + std::to_string(i) + "@example.net"}));
    }
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  ASSERT_TRUE((*store)->Flush().ok());
  ASSERT_TRUE((*store)->CompactIndex().ok());
  for (int i = 0; i < kRecords; i += 997) {
    auto found = (*store)->Find(
        {.kind = keys::IndexKind::kMessageId, .term = "m" + std::to_string(i) + "@example.org"});
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_EQ(found->records.size(), 1u) << i;
    EXPECT_EQ(found->records[0].record.queue_id, "Q" + std::to_string(i));
  }
  const Store::RocksHealth h = (*store)->Health();
  // The table files' index blocks, outside any cache: ~96 KB for these
  // 200k records with 16 KiB blocks in every family; 206 KB when the index
  // families had RocksDB's 4 KiB blocks (what grew mlqd's RSS at 100M lines).
  EXPECT_GT(h.table_reader_bytes, 20'000u);
  EXPECT_LT(h.table_reader_bytes, 150'000u);
  EXPECT_GT(h.block_cache_bytes, 0u);
  EXPECT_GT(h.memtable_bytes, 0u);  // empty memtables still hold their arena
}

}  // namespace
}  // namespace mlq
