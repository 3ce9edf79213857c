// Import deduplication in the store: identities, marked writes, lookups.
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_util.h"

namespace mlq {
namespace {

constexpr int64_t kT0 = 1751738228000000;  // 2025-07-05T17:57:08Z

std::string Hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

LogRecord Rec(int64_t ts, std::string raw, std::string host = "mx1") {
  LogRecord r;
  r.timestamp_us = ts;
  r.received_us = ts + 10;
  r.host = std::move(host);
  r.raw = std::move(raw);
  r.queue_id = "Q1";
  r.family = "postfix";
  r.event = "delivery";
  return r;
}

LogRecord Marked(LogRecord r, uint32_t occurrence = 0) {
  Store::SetImportIdentity(
      r, Store::ImportIdentity(Store::ImportLineHash(r.host, r.timestamp_us, r.raw), occurrence));
  return r;
}

class ImportDedupTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = Store::Open({.path = dir_.path(), .sync_writes = false});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }
  std::vector<std::string> AllRaw() {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->Scan(0, 0, false, "",
                           [&](std::string_view, const LogRecord& r) {
                             out.push_back(r.raw);
                             return true;
                           })
                    .ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(ImportIdentityTest, StableSipHashOfHostTimeAndRaw) {
  // SipHash-2-4-128 (checked against `openssl mac ... SIPHASH`) of
  // LE64(3) "mx1" LE64(kT0) LE64(5) "hello" under mlq's fixed key.
  EXPECT_EQ(Hex(Store::ImportLineHash("mx1", kT0, "hello")), "4a331f0dd9757718a72e3ef806bd4fc2");
  const std::string h = Store::ImportLineHash("mx1", kT0, "hello");
  EXPECT_EQ(h.size(), 16u);
  EXPECT_NE(Store::ImportLineHash("mx2", kT0, "hello"), h);
  EXPECT_NE(Store::ImportLineHash("mx1", kT0 + 1, "hello"), h);
  EXPECT_NE(Store::ImportLineHash("mx1", kT0, "hellp"), h);
  // Length prefixes: moving a byte between host and raw changes the hash.
  EXPECT_NE(Store::ImportLineHash("ab", 0, "c"), Store::ImportLineHash("a", 0, "bc"));
  EXPECT_EQ(Store::ImportIdentity(h, 0).size(), 20u);
  EXPECT_NE(Store::ImportIdentity(h, 0), Store::ImportIdentity(h, 1));
  EXPECT_EQ(Store::ImportIdentity(h, 258).substr(16), std::string("\0\0\1\2", 4));
}

TEST_F(ImportDedupTest, MarkedRecordsAreStoredOnceAndTheMarkIsNotKept) {
  std::vector<LogRecord> batch = {Marked(Rec(kT0, "a")), Marked(Rec(kT0, "b"))};
  std::vector<std::string> keys;
  ASSERT_TRUE(store_->Write(batch, &keys).ok());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_TRUE(batch[0].extra.empty()) << "the mark is removed from the batch";
  auto got = store_->Get(keys[0]);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->extra.empty()) << "the mark is never stored";
  EXPECT_EQ(got->raw, "a");

  // Again, plus a new line and a second occurrence of "a": only those two.
  batch = {Marked(Rec(kT0, "a")), Marked(Rec(kT0, "c")), Marked(Rec(kT0, "a"), 1),
           Marked(Rec(kT0, "b"))};
  ASSERT_TRUE(store_->Write(batch, &keys).ok());
  ASSERT_EQ(batch.size(), 2u) << "duplicates are removed from the batch";
  EXPECT_EQ(batch[0].raw, "c");
  EXPECT_EQ(batch[1].raw, "a");
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(store_->RecordCount(), 4u);
  EXPECT_EQ(AllRaw(), (std::vector<std::string>{"a", "b", "c", "a"}));
}

TEST_F(ImportDedupTest, RepeatsInsideOneBatchAreDropped) {
  std::vector<LogRecord> batch = {Marked(Rec(kT0, "a")), Marked(Rec(kT0, "a"))};
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_EQ(store_->RecordCount(), 1u);
}

TEST_F(ImportDedupTest, UnmarkedRecordsAreNeverDeduplicated) {
  std::vector<LogRecord> batch = {Rec(kT0, "a"), Rec(kT0, "a")};
  ASSERT_TRUE(store_->Write(batch).ok());
  batch = {Marked(Rec(kT0, "a"))};
  ASSERT_TRUE(store_->Write(batch).ok());
  batch = {Rec(kT0, "a")};
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(store_->RecordCount(), 4u) << "live syslog is stored as received";
}

TEST_F(ImportDedupTest, ConstBatchIsLeftAloneAndKeysMatchWhatWasWritten) {
  ASSERT_TRUE(store_->Write({Marked(Rec(kT0, "a"))}).ok());
  const std::vector<LogRecord> batch = {Marked(Rec(kT0, "a")), Marked(Rec(kT0, "z"))};
  std::vector<std::string> keys;
  ASSERT_TRUE(store_->Write(batch, &keys).ok());
  EXPECT_EQ(batch.size(), 2u);
  EXPECT_FALSE(batch[0].extra.empty());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(store_->Get(keys[0])->raw, "z");
  EXPECT_EQ(store_->RecordCount(), 2u);
}

TEST_F(ImportDedupTest, ImportedAlreadySurvivesReopen) {
  const std::string a = Store::ImportIdentity(Store::ImportLineHash("mx1", kT0, "a"), 0);
  const std::string b = Store::ImportIdentity(Store::ImportLineHash("mx1", kT0, "b"), 0);
  auto found = store_->ImportedAlready({a, b});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, (std::vector<bool>{false, false}));
  ASSERT_TRUE(store_->Write({Marked(Rec(kT0, "a"))}).ok());
  ASSERT_TRUE(store_->Flush().ok());
  Reopen();
  found = store_->ImportedAlready({a, b});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, (std::vector<bool>{true, false}));
  EXPECT_TRUE(store_->ImportedAlready({})->empty());
  // Existing indexes are untouched: the record is found by its queue ID.
  auto r = store_->Find({.kind = keys::IndexKind::kQueueId, .term = "Q1", .host = "mx1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 1u);
}

// The writer's group commit: several batches in one WriteBatch, keys per
// batch, duplicates dropped across the whole group.
TEST_F(ImportDedupTest, WriteGroupKeepsBatchesAndKeysAlignedAcrossDuplicates) {
  ASSERT_TRUE(store_->Write({Marked(Rec(kT0, "old"))}).ok());
  std::vector<LogRecord> first = {Marked(Rec(kT0, "old")), Marked(Rec(kT0 + 1, "x")),
                                  Rec(kT0 + 2, "live")};
  std::vector<LogRecord> empty;
  std::vector<LogRecord> second = {Marked(Rec(kT0 + 1, "x")), Marked(Rec(kT0 + 3, "y")),
                                   Rec(kT0 + 2, "live")};
  std::vector<LogRecord>* group[] = {&first, &empty, &second};
  std::vector<std::vector<std::string>> keys;
  ASSERT_TRUE(store_->WriteGroup(group, &keys).ok());
  ASSERT_EQ(keys.size(), 3u);
  ASSERT_EQ(first.size(), 2u);   // "old" was stored before
  ASSERT_EQ(second.size(), 2u);  // "x" repeats one earlier in the group
  EXPECT_EQ(first[0].raw, "x");
  EXPECT_EQ(first[1].raw, "live");
  EXPECT_EQ(second[0].raw, "y");
  EXPECT_EQ(second[1].raw, "live");
  EXPECT_TRUE(keys[1].empty());
  ASSERT_EQ(keys[0].size(), 2u);
  ASSERT_EQ(keys[2].size(), 2u);
  for (auto [batch, k] : {std::pair{&first, &keys[0]}, std::pair{&second, &keys[2]}}) {
    for (size_t i = 0; i < batch->size(); ++i) {
      auto got = store_->Get((*k)[i]);
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(got->raw, (*batch)[i].raw);
      EXPECT_TRUE((*batch)[i].extra.empty()) << "the mark is removed";
    }
  }
  EXPECT_EQ(store_->RecordCount(), 5u);
  auto r = store_->Find({.kind = keys::IndexKind::kQueueId, .term = "Q1", .host = "mx1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 5u) << "every stored record is indexed, once";
}

// The writer prepares marked batches on the producer's thread
// (Store::Prepare takes the marks out): a prepared batch without duplicates
// is written from its preparation, one that loses a duplicate is encoded
// again; either way each line is stored once and its identity kept.
TEST_F(ImportDedupTest, PreparedMarkedBatchesAreDeduplicatedAcrossTheGroup) {
  ASSERT_TRUE(store_->Write({Marked(Rec(kT0, "old"))}).ok());
  std::vector<LogRecord> first = {Marked(Rec(kT0, "old")), Marked(Rec(kT0 + 1, "x")),
                                  Rec(kT0 + 2, "live")};
  std::vector<LogRecord> second = {Marked(Rec(kT0 + 3, "y")), Marked(Rec(kT0 + 4, "z"))};
  std::vector<LogRecord> third = {Marked(Rec(kT0 + 1, "x")), Marked(Rec(kT0 + 5, "w"))};
  std::vector<LogRecord> unprepared = {Marked(Rec(kT0 + 5, "w")), Marked(Rec(kT0 + 6, "v"))};
  Store::Prepared p1, p2, p3;
  ASSERT_TRUE(Store::Prepare(first, &p1));
  ASSERT_TRUE(Store::Prepare(second, &p2));
  ASSERT_TRUE(Store::Prepare(third, &p3));
  ASSERT_EQ(p1.identities.size(), 3u);
  EXPECT_TRUE(p1.identities[2].empty()) << "an unmarked record has no identity";
  for (const LogRecord& r : first) EXPECT_TRUE(r.extra.empty()) << "Prepare takes the marks";
  std::vector<LogRecord>* group[] = {&first, &second, &third, &unprepared};
  Store::Prepared* preps[] = {&p1, &p2, &p3, nullptr};
  std::vector<std::vector<std::string>> keys;
  ASSERT_TRUE(store_->WriteGroup(group, preps, &keys).ok());
  ASSERT_EQ(first.size(), 2u);       // "old" was stored before
  ASSERT_EQ(second.size(), 2u);      // nothing dropped: written as prepared
  ASSERT_EQ(third.size(), 1u);       // "x" repeats one earlier in the group
  ASSERT_EQ(unprepared.size(), 1u);  // so does "w"
  EXPECT_EQ(third[0].raw, "w");
  EXPECT_EQ(unprepared[0].raw, "v");
  for (size_t b = 0; b < 4; ++b) {
    ASSERT_EQ(keys[b].size(), group[b]->size());
    for (size_t i = 0; i < group[b]->size(); ++i) {
      auto got = store_->Get(keys[b][i]);
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(got->raw, (*group[b])[i].raw);
      EXPECT_TRUE(got->extra.empty()) << "the mark is not stored";
    }
  }
  EXPECT_EQ(store_->RecordCount(), 7u);
  auto r = store_->Find({.kind = keys::IndexKind::kQueueId, .term = "Q1", .host = "mx1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 7u) << "every stored record is indexed, once";
  // Every identity is stored: writing the lines again stores nothing.
  std::vector<LogRecord> again = {Marked(Rec(kT0 + 1, "x")), Marked(Rec(kT0 + 3, "y")),
                                  Marked(Rec(kT0 + 4, "z")), Marked(Rec(kT0 + 5, "w")),
                                  Marked(Rec(kT0 + 6, "v"))};
  Store::Prepared p4;
  ASSERT_TRUE(Store::Prepare(again, &p4));
  std::vector<LogRecord>* group2[] = {&again};
  Store::Prepared* preps2[] = {&p4};
  ASSERT_TRUE(store_->WriteGroup(group2, preps2).ok());
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(store_->RecordCount(), 7u);
}

}  // namespace
}  // namespace mlq
