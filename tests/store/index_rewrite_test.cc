// Retention's rewrite of the index files that turned mostly garbage: the
// record-time histogram each index file carries (record_ages.h), the choice
// of files by their share of deleted records, and the age pass running it.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/raw_store.h"
#include "store/record_ages.h"
#include "store/retention.h"
#include "store/store.h"
#include "test_util.h"

namespace mlq {
namespace {

constexpr int64_t kHour = int64_t{3600} * 1000000;
constexpr int64_t kT0 = 1751738400000000;  // 2025-07-05T18:00:00Z, a whole hour

TEST(RecordAges, CountsEntriesByHourAndEstimatesTheShareBeforeACutoff) {
  RecordAges ages;
  for (int i = 0; i < 100; ++i) ages.Add(kT0 + i * 36'000'000LL);  // 100 over one hour
  for (int i = 0; i < 300; ++i) ages.Add(kT0 + kHour + i * 1000);  // 300 in the next
  ++ages.untimed;
  EXPECT_EQ(ages.Entries(), 401u);
  EXPECT_EQ(ages.buckets.size(), 2u);
  EXPECT_DOUBLE_EQ(ages.EntriesBefore(kT0), 0);
  EXPECT_DOUBLE_EQ(ages.EntriesBefore(kT0 + kHour / 2), 50);  // half the first hour
  EXPECT_DOUBLE_EQ(ages.EntriesBefore(kT0 + kHour), 100);
  EXPECT_DOUBLE_EQ(ages.EntriesBefore(kT0 + 10 * kHour), 400);  // untimed never expire

  RecordAges back;
  ASSERT_TRUE(RecordAges::Parse(ages.Encode(), &back));
  EXPECT_EQ(back.width_us, ages.width_us);
  EXPECT_EQ(back.buckets, ages.buckets);
  EXPECT_EQ(back.untimed, 1u);
}

TEST(RecordAges, WidensItsBucketsToStaySmallAndKeepsEveryEntry) {
  RecordAges ages;
  // Ten years, a record a day, and times before the epoch.
  for (int d = -100; d < 3650; ++d) ages.Add(kT0 + d * 24 * kHour);
  ages.Add(-5 * kHour);
  EXPECT_LE(ages.buckets.size(), RecordAges::kMaxBuckets);
  EXPECT_GT(ages.width_us, 24 * kHour);
  EXPECT_EQ(ages.Entries(), 3751u);
  EXPECT_DOUBLE_EQ(ages.EntriesBefore(kT0 + 10000 * 24 * kHour), 3751);
  EXPECT_DOUBLE_EQ(ages.EntriesBefore(-1000 * kHour), 0);
  const double half = ages.EntriesBefore(kT0 + 1775 * 24 * kHour);
  EXPECT_NEAR(half, 1876, ages.width_us / (24 * kHour) + 1);  // within a bucket
}

TEST(RecordAges, ParseRefusesWhatEncodeDidNotWrite) {
  RecordAges out;
  for (const char* text : {"", "w=", "w=0 u=0", "w=-5 u=0", "w=3600 u=x", "w=3600 u=0 1",
                           "w=3600 u=0 1:", "w=3600 u=0 :5", "w=3600 u=0 1:2 junk",
                           "w=3600000000 u=0 9223372036854775807:1", "x=1 u=0"}) {
    EXPECT_FALSE(RecordAges::Parse(text, &out)) << text;
  }
  ASSERT_TRUE(RecordAges::Parse("w=3600 u=2", &out));
  EXPECT_EQ(out.Entries(), 2u);
  ASSERT_TRUE(RecordAges::Parse("w=10 u=0 -3:4 7:1", &out));
  EXPECT_EQ(out.Entries(), 5u);
  EXPECT_DOUBLE_EQ(out.EntriesBefore(0), 4);
}

LogRecord Rec(int64_t ts, int n) {
  LogRecord r;
  r.timestamp_us = ts;
  r.received_us = ts;
  r.host = "mx1";
  r.program = "postfix/cleanup";
  r.pid = "7";
  r.queue_id = "Q" + std::to_string(n);
  r.message_id = "m" + std::to_string(n) + "@example.org";
  r.from = "sender" + std::to_string(n) + "@example.org";
  r.raw = "<22>Jul  5 18:00:00 mx1 postfix/cleanup[7]: Q" + std::to_string(n) + ": message-id=<m" +
          std::to_string(n) + "@example.org>";
  r.family = "postfix";
  r.event = "cleanup";
  return r;
}

class IndexRewriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open({.path = dir_.path() + "/store", .sync_writes = false});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }
  // `per_hour` records in each of `hours` hours from kT0, then every index
  // entry in table files below level 0.
  void Fill(int hours, int per_hour) {
    std::vector<LogRecord> batch;
    int n = 0;
    for (int h = 0; h < hours; ++h) {
      for (int i = 0; i < per_hour; ++i) batch.push_back(Rec(kT0 + h * kHour + i * 1000, n++));
    }
    ASSERT_TRUE(store_->Write(batch).ok());
    ASSERT_TRUE(store_->Flush().ok());
    ASSERT_TRUE(store_->CompactIndex().ok());
    ASSERT_EQ(store_->IndexTables().level_bytes[0], 0u);
  }
  uint64_t IndexBytes() { return store_->IndexTables().live_bytes; }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(IndexRewriteTest, RewritesTheFilesOverTheShareAndDropsTheDeletedRecordsEntries) {
  Fill(4, 3000);
  Store::IndexRewrite done;
  // Nothing deleted: nothing to do.
  ASSERT_TRUE(store_->RewriteExpiredIndexFiles(0.1, 1 << 30, &done).ok());
  EXPECT_EQ(done.files, 0u);
  EXPECT_EQ(done.expired_bytes, 0u);

  const uint64_t before = IndexBytes();
  ASSERT_GT(before, 0u);
  const size_t entries = CountEntries(*store_, dir_.path() + "/cp1", "index*");
  ASSERT_TRUE(store_->DeleteBefore(kT0 + 2 * kHour).ok());  // half the records
  // Every file holds about half garbage: over a share of 0.9, none is taken.
  ASSERT_TRUE(store_->RewriteExpiredIndexFiles(0.9, 1 << 30, &done).ok());
  EXPECT_EQ(done.files, 0u);
  EXPECT_EQ(done.candidates, 0u);
  EXPECT_NEAR(static_cast<double>(done.expired_bytes), before / 2.0, before * 0.1);
  EXPECT_EQ(IndexBytes(), before);

  ASSERT_TRUE(store_->RewriteExpiredIndexFiles(0.3, 1 << 30, &done).ok());
  EXPECT_GE(done.files, 1u);
  EXPECT_EQ(done.files, done.candidates);
  EXPECT_EQ(done.bytes_in, before);
  const uint64_t after = IndexBytes();
  EXPECT_LT(after, before * 0.6) << "the deleted half of the entries is gone";
  EXPECT_GT(after, before * 0.3) << "the kept half is still there";
  // Every record has as many entries: exactly the deleted half went.
  EXPECT_EQ(CountEntries(*store_, dir_.path() + "/cp2", "index*") * 2, entries);

  // The rewritten files carry their new record times: nothing left to do.
  ASSERT_TRUE(store_->RewriteExpiredIndexFiles(0.01, 1 << 30, &done).ok());
  EXPECT_EQ(done.files, 0u);
  EXPECT_LT(done.expired_bytes, after / 100);
  // And the records kept are still found through the index.
  auto r = store_->Find({.kind = keys::IndexKind::kMessageId, .term = "m11999@example.org"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 1u);
}

TEST_F(IndexRewriteTest, StopsAfterItsBytes) {
  // Enough entries for several 8 MiB index files: message-ids of random
  // hex, which compress to about half.
  std::mt19937_64 rng(7);
  for (int part = 0; part < 3; ++part) {
    std::vector<LogRecord> batch;
    for (int i = 0; i < 40000; ++i) {
      const int n = part * 40000 + i;
      LogRecord r = Rec(kT0 + (n % 4) * kHour + n, n);
      char hex[17];
      for (int k = 0; k < 6; ++k) {
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng()));
        r.message_id += hex;
      }
      batch.push_back(std::move(r));
    }
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(store_->CompactIndex().ok());
  ASSERT_TRUE(store_->DeleteBefore(kT0 + 2 * kHour).ok());
  Store::IndexRewrite done;
  ASSERT_TRUE(store_->RewriteExpiredIndexFiles(0.3, 1, &done).ok());
  ASSERT_GE(done.candidates, 2u) << "needs more than one index file";
  EXPECT_EQ(done.files, 1u) << "one file reaches the budget of a byte";
  ASSERT_TRUE(store_->RewriteExpiredIndexFiles(0.3, 1 << 30, &done).ok());
  EXPECT_EQ(done.files, done.candidates);
  EXPECT_GE(done.files, 1u);
}

TEST_F(IndexRewriteTest, TheAgePassRewritesAndCounts) {
  Fill(4, 2000);
  const uint64_t before = IndexBytes();
  Counters counters;
  int64_t now = kT0 + 6 * kHour;
  Retention retention(store_.get(), &counters,
                      {.max_age_us = 4 * kHour, .now_us = [&now] { return now; }});
  ASSERT_TRUE(retention.RunOnce().ok());
  EXPECT_EQ(store_->RecordCount(), 4000u);
  EXPECT_GE(counters.Value("retention.index_file_rewrites"), 1u);
  EXPECT_EQ(counters.Value("retention.index_rewritten_bytes"), before);
  EXPECT_LT(IndexBytes(), before * 0.6);
  // Turned off: nothing more rewritten.
  RetentionOptions off{.max_age_us = 3 * kHour, .now_us = [&now] { return now; }};
  off.index_rewrite_share = 0;
  Counters counters2;
  Retention retention2(store_.get(), &counters2, off);
  ASSERT_TRUE(retention2.RunOnce().ok());
  EXPECT_EQ(store_->RecordCount(), 2000u);
  EXPECT_EQ(counters2.Value("retention.index_file_rewrites"), 0u);
}

}  // namespace
}  // namespace mlq
