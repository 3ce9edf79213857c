// Retention: range deletion by whole minutes, nothing older returned, counts
// and cut-off kept across reopen, index entries dropped by compaction, the
// size pass, the flag parsers; and checkpoints, which these tests use to
// look at the raw column families.
#include "store/retention.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/raw_store.h"
#include "store/store.h"
#include "test_util.h"

namespace mlq {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kT0 = 1751738220000000;  // 2025-07-05T17:57:00Z, a whole minute

LogRecord Rec(int64_t ts, int n) {
  LogRecord r;
  r.timestamp_us = ts;
  r.received_us = ts;
  r.host = "mx1";
  r.program = "postfix/qmgr";
  r.pid = "7";
  r.queue_id = "Q" + std::to_string(n);
  r.message_id = "m" + std::to_string(n) + "@example.org";
  r.from = "a" + std::to_string(n % 3) + "@example.org";
  r.raw = "<22>Jul  5 17:57:08 mx1 postfix/qmgr[7]: Q" + std::to_string(n) + ": removed";
  r.family = "postfix";
  r.event = "removed";
  return r;
}

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = Store::Open({.path = dir_.path() + "/store", .sync_writes = false});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }
  // `per_minute` records in each of `minutes` minutes from kT0.
  void Fill(int minutes, int per_minute) {
    std::vector<LogRecord> batch;
    int n = 0;
    for (int m = 0; m < minutes; ++m) {
      for (int i = 0; i < per_minute; ++i) batch.push_back(Rec(kT0 + m * kMinute + i * 1000, n++));
    }
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  size_t ScanCount() {
    size_t n = 0;
    EXPECT_TRUE(store_
                    ->Scan(0, 0, false, "",
                           [&](std::string_view, const LogRecord&) {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  }
  bool FoundByMessageId(int n) {
    auto r = store_->Find(
        {.kind = keys::IndexKind::kMessageId, .term = "m" + std::to_string(n) + "@example.org"});
    EXPECT_TRUE(r.ok());
    return r.ok() && !r->records.empty();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(RetentionTest, DeletesWholeMinutesBeforeTheCutoffAndNothingNewer) {
  Fill(10, 100);  // records 0..999, minute m holds 100m..100m+99
  ASSERT_EQ(store_->RecordCount(), 1000u);
  uint64_t deleted = 0;
  // A cut-off in the middle of minute 4: minutes 0..3 go physically, the
  // rest of minute 4 before the cut-off is only hidden.
  const int64_t cutoff = kT0 + 4 * kMinute + 50 * 1000;
  ASSERT_TRUE(store_->DeleteBefore(cutoff, &deleted).ok());
  EXPECT_EQ(deleted, 400u);
  EXPECT_EQ(store_->RecordCount(), 600u);
  EXPECT_EQ(store_->expired_before_us(), cutoff);
  EXPECT_EQ(ScanCount(), 550u);  // 400..449 hidden by the exact cut-off
  EXPECT_FALSE(FoundByMessageId(0));
  EXPECT_FALSE(FoundByMessageId(399));
  EXPECT_FALSE(FoundByMessageId(449));  // kept on disk, older than the retention
  EXPECT_TRUE(FoundByMessageId(450));
  EXPECT_TRUE(FoundByMessageId(999));
  EXPECT_GE(store_->OldestUs(), cutoff);
  // An address lookup never returns an expired line either.
  auto r = store_->Find({.kind = keys::IndexKind::kAddress, .term = "a0@example.org"});
  ASSERT_TRUE(r.ok());
  for (const auto& sr : r->records) EXPECT_GE(sr.record.timestamp_us, cutoff);
}

TEST_F(RetentionTest, CountsAndCutoffSurviveReopen) {
  Fill(6, 50);
  ASSERT_TRUE(store_->DeleteBefore(kT0 + 2 * kMinute).ok());
  Reopen();
  EXPECT_EQ(store_->RecordCount(), 200u);
  EXPECT_EQ(store_->expired_before_us(), kT0 + 2 * kMinute);
  EXPECT_FALSE(FoundByMessageId(99));
  EXPECT_TRUE(FoundByMessageId(100));
  // The per-minute counts came back: the oldest 50 records end at minute 3.
  EXPECT_EQ(store_->CutoffForOldest(50), kT0 + 3 * kMinute);
  EXPECT_EQ(store_->CutoffForOldest(201), 0);
  // Deleting the same range again deletes nothing.
  uint64_t deleted = 7;
  ASSERT_TRUE(store_->DeleteBefore(kT0 + 2 * kMinute, &deleted).ok());
  EXPECT_EQ(deleted, 0u);
}

TEST_F(RetentionTest, CompactionDropsTheIndexEntriesOfDeletedRecords) {
  Fill(4, 100);
  ASSERT_TRUE(store_->Flush().ok());
  const size_t before = CountEntries(*store_, dir_.path() + "/cp1", "index*");
  ASSERT_GT(before, 0u);
  ASSERT_TRUE(store_->DeleteBefore(kT0 + 2 * kMinute).ok());
  ASSERT_TRUE(store_->CompactIndex().ok());
  const size_t after = CountEntries(*store_, dir_.path() + "/cp2", "index*");
  // Every record has the same number of entries: half the records, half.
  EXPECT_EQ(after * 2, before);
  EXPECT_EQ(CountEntries(*store_, dir_.path() + "/cp3", "records"), 200u);
}

TEST_F(RetentionTest, ImportIdentitiesOfDeletedRecordsAreDroppedSoTheLinesCanComeBack) {
  std::vector<LogRecord> batch = {Rec(kT0, 1), Rec(kT0 + 3 * kMinute, 2)};
  Store::SetImportIdentity(batch[0],
                           Store::ImportIdentity(Store::ImportLineHash("mx1", kT0, "a"), 0));
  Store::SetImportIdentity(batch[1],
                           Store::ImportIdentity(Store::ImportLineHash("mx1", kT0, "b"), 0));
  ASSERT_TRUE(store_->Write(batch).ok());
  ASSERT_TRUE(store_->DeleteBefore(kT0 + kMinute).ok());
  ASSERT_TRUE(store_->CompactIndex().ok());
  EXPECT_EQ(CountEntries(*store_, dir_.path() + "/cp", "imported"), 1u);
}

TEST_F(RetentionTest, AgePassUsesItsClock) {
  Fill(10, 10);
  Counters counters;
  int64_t now = kT0 + 8 * kMinute;
  Retention retention(store_.get(), &counters,
                      {.max_age_us = 5 * kMinute, .now_us = [&now] { return now; }});
  ASSERT_TRUE(retention.RunOnce().ok());
  EXPECT_EQ(store_->RecordCount(), 70u);  // minutes 0..2 deleted
  EXPECT_EQ(counters.Value("retention.deleted"), 30u);
  now += 3 * kMinute;
  ASSERT_TRUE(retention.RunOnce().ok());
  EXPECT_EQ(store_->RecordCount(), 40u);
  retention.Update(0, 0);  // forever
  now += 100 * kMinute;
  ASSERT_TRUE(retention.RunOnce().ok());
  EXPECT_EQ(store_->RecordCount(), 40u);
}

// The age pass drops whole table files at once; it compacts the files it
// shares with records kept (the edge) only when they hold more deleted
// records than RetentionOptions::edge_compaction_bytes.
TEST_F(RetentionTest, AgePassCompactsTheDeletedEdgeOnlyAboveItsThreshold) {
  // One flushed table file of several MiB, 60 minutes of records.
  std::vector<LogRecord> batch;
  for (int m = 0; m < 60; ++m) {
    for (int i = 0; i < 200; ++i) {
      LogRecord r = Rec(kT0 + m * kMinute + i * 1000, m * 200 + i);
      r.raw += std::string(300, static_cast<char>('a' + (i * 7 + m) % 26)) + std::to_string(i);
      batch.push_back(std::move(r));
    }
  }
  ASSERT_TRUE(store_->Write(batch).ok());
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_EQ(store_->ExpiredBytes(), 0u) << "nothing deleted yet";
  Counters counters;
  int64_t now = kT0 + 90 * kMinute;
  // Half the records expire: the file holds both halves, so it stays.
  Retention retention(store_.get(), &counters,
                      {.max_age_us = 60 * kMinute,
                       .edge_compaction_bytes = 64u << 20,
                       .now_us = [&now] { return now; }});
  ASSERT_TRUE(retention.RunOnce().ok());
  EXPECT_EQ(store_->RecordCount(), 6000u);
  const uint64_t expired = store_->ExpiredBytes();
  EXPECT_GT(expired, 0u);
  EXPECT_LT(expired, 64u << 20);
  EXPECT_EQ(counters.Value("retention.edge_compactions"), 0u);
  EXPECT_EQ(CountEntries(*store_, dir_.path() + "/cp1", "records"), 12000u) << "left for later";
  // Above the threshold: compacted, the deleted records' bytes are free.
  Retention strict(store_.get(), &counters,
                   {.max_age_us = 60 * kMinute,
                    .edge_compaction_bytes = expired / 2,
                    .now_us = [&now] { return now; }});
  ASSERT_TRUE(strict.RunOnce().ok());
  EXPECT_EQ(counters.Value("retention.edge_compactions"), 1u);
  EXPECT_EQ(store_->ExpiredBytes(), 0u);
  EXPECT_EQ(CountEntries(*store_, dir_.path() + "/cp2", "records"), 6000u);
}

TEST_F(RetentionTest, SizePassDeletesTheOldestUntilBelowTheLimit) {
  // Enough records for the store to be several MiB once flushed.
  std::vector<LogRecord> batch;
  for (int m = 0; m < 60; ++m) {
    for (int i = 0; i < 500; ++i) {
      LogRecord r = Rec(kT0 + m * kMinute + i * 1000, m * 500 + i);
      r.raw += std::string(300, static_cast<char>('a' + (i * 7 + m) % 26)) + std::to_string(i);
      batch.push_back(std::move(r));
    }
  }
  ASSERT_TRUE(store_->Write(batch).ok());
  ASSERT_TRUE(store_->Flush().ok());
  const uint64_t disk = store_->DiskBytes();
  Counters counters;
  Retention retention(store_.get(), &counters, {.max_disk_bytes = disk / 2});
  for (int i = 0; i < 5 && store_->DiskBytes() * 10 > disk / 2 * 9; ++i) {
    ASSERT_TRUE(retention.RunOnce().ok());
  }
  EXPECT_LE(store_->DiskBytes(), disk / 2);
  EXPECT_GT(counters.Value("retention.deleted_for_size"), 0u);
  EXPECT_GT(store_->RecordCount(), 0u);  // the newest are kept
  EXPECT_TRUE(FoundByMessageId(60 * 500 - 1));
  EXPECT_FALSE(FoundByMessageId(0));
}

// Records of `minutes` minutes from kT0, with 300-byte lines that compress
// little, so a few minutes take MiB.
std::vector<LogRecord> BigRecords(int minutes, int per_minute) {
  std::vector<LogRecord> batch;
  uint32_t x = 12345;
  for (int m = 0; m < minutes; ++m) {
    for (int i = 0; i < per_minute; ++i) {
      LogRecord r = Rec(kT0 + m * kMinute + i * 1000, m * per_minute + i);
      for (int k = 0; k < 300; ++k) {
        x = x * 1103515245 + 12345;
        r.raw.push_back(static_cast<char>('a' + (x >> 16) % 26));
      }
      batch.push_back(std::move(r));
    }
  }
  return batch;
}

TEST_F(RetentionTest, SizeCheckLeavesTheWriteAheadLogToTheHeadroom) {
  ASSERT_TRUE(store_->Write(BigRecords(20, 500)).ok());  // in the WAL and memtables only
  const Store::Sizes before = store_->MeasureSizes();
  ASSERT_GT(before.wal_bytes, before.disk_bytes / 4 * 3);
  // A limit the disk use (mostly WAL) reaches: the table files are below
  // its trigger (a quarter of it, for a limit this small), so nothing is
  // deleted.
  Counters counters;
  Retention retention(store_.get(), &counters, {.max_disk_bytes = before.disk_bytes});
  ASSERT_TRUE(retention.CheckSize().ok());
  EXPECT_EQ(counters.Value("retention.deleted_for_size"), 0u);
  EXPECT_EQ(store_->RecordCount(), 10000u);
  // Flushed, the same records are table files: a limit under four times
  // their size makes the check delete the oldest down to 90 % of its trigger.
  ASSERT_TRUE(store_->Flush().ok());
  const Store::Sizes flushed = store_->MeasureSizes();
  const uint64_t tables = flushed.disk_bytes - flushed.wal_bytes;
  retention.Update(0, tables * 2);
  ASSERT_TRUE(retention.CheckSize().ok());
  EXPECT_GT(counters.Value("retention.deleted_for_size"), 0u);
  EXPECT_LT(store_->RecordCount(), 10000u);
  EXPECT_TRUE(FoundByMessageId(20 * 500 - 1));
  EXPECT_FALSE(FoundByMessageId(0));
}

TEST_F(RetentionTest, SizeIsCheckedBetweenAgePasses) {
  ASSERT_TRUE(store_->Write(BigRecords(20, 500)).ok());
  ASSERT_TRUE(store_->Flush().ok());
  const Store::Sizes sizes = store_->MeasureSizes();
  Counters counters;
  // The age pass would come in an hour; the size check comes every 20 ms.
  Retention retention(store_.get(), &counters,
                      {.max_disk_bytes = sizes.disk_bytes,
                       .interval = std::chrono::hours(1),
                       .size_interval = std::chrono::milliseconds(20),
                       .now_us = nullptr});
  retention.Start();
  for (int i = 0; i < 500 && counters.Value("retention.deleted_for_size") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  retention.Stop();
  EXPECT_GT(counters.Value("retention.deleted_for_size"), 0u);
  EXPECT_EQ(counters.Value("retention.passes"), 0u);  // no age pass ran
}

TEST_F(RetentionTest, IntakePausesWhileTheDiskUsePassesTheLimitLessItsHeadroom) {
  ASSERT_TRUE(store_->Write(BigRecords(20, 500)).ok());  // in the WAL: deleting cannot help
  const Store::Sizes sizes = store_->MeasureSizes();
  Counters counters;
  // For a limit this small the pause point is the limit itself.
  Retention retention(store_.get(), &counters, {.max_disk_bytes = sizes.disk_bytes / 2});
  ASSERT_TRUE(retention.CheckSize().ok());
  EXPECT_EQ(counters.Value("retention.intake_pauses"), 1u);
  EXPECT_EQ(counters.Value("retention.deleted_for_size"), 0u);  // the table files are small
  absl::Status st = store_->CheckSpace();
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
  EXPECT_NE(st.message().find("--max-disk"), std::string_view::npos) << st;
  ASSERT_TRUE(retention.CheckSize().ok());  // still above: still paused, counted once
  EXPECT_EQ(counters.Value("retention.intake_pauses"), 1u);
  EXPECT_FALSE(store_->CheckSpace().ok());
  // Flushed, the records are table files that deleting shrinks: the check
  // deletes the oldest and lifts the pause.
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(retention.CheckSize().ok());
  EXPECT_GT(counters.Value("retention.deleted_for_size"), 0u);
  EXPECT_TRUE(store_->CheckSpace().ok());
  // No limit any more: no pause either.
  retention.Update(0, 1);
  ASSERT_TRUE(retention.CheckSize().ok());
  EXPECT_FALSE(store_->CheckSpace().ok());
  retention.Update(0, 0);
  ASSERT_TRUE(retention.CheckSize().ok());
  EXPECT_TRUE(store_->CheckSpace().ok());
}

TEST(RetentionPlan, HeadroomForWalFlushAndCompactionBelowTheLimit) {
  constexpr uint64_t kMiB = 1 << 20;
  const Store::Buffering b = Store::BufferingOptions();
  ASSERT_EQ(b.write_buffer_bytes, 32 * kMiB);
  ASSERT_EQ(b.max_wal_bytes, 256 * kMiB);
  ASSERT_EQ(b.max_compaction_bytes, 128 * kMiB);
  ASSERT_EQ(b.max_compactions, 2);
  // 1 GiB with a small index: 256 MiB of WAL, 2 x 32 MiB of flush, two
  // compactions of at most max_compaction_bytes each.
  SizePlan p = PlanSize(1024 * kMiB, 100 * kMiB, b);
  EXPECT_EQ(p.wal, 256 * kMiB);
  EXPECT_EQ(p.flush, 64 * kMiB);
  EXPECT_EQ(p.compaction, 2 * 128 * kMiB);
  EXPECT_EQ(p.headroom, 576 * kMiB);
  EXPECT_EQ(p.trigger, 448 * kMiB);
  EXPECT_EQ(p.target, p.trigger - p.trigger / 10);
  EXPECT_EQ(p.pause, (1024 - 64 - 256) * kMiB);  // the trigger plus the WAL's part
  // A large index: compactions rewrite slices of it, at most
  // max_compaction_bytes each.
  p = PlanSize(4096 * kMiB, 600 * kMiB, b);
  EXPECT_EQ(p.compaction, 256 * kMiB);
  EXPECT_EQ(p.trigger, (4096 - 256 - 64 - 256) * kMiB);
  // A small limit with a tiny memtable budget: the compaction part follows
  // the L0 files, not the cap.
  Store::Buffering small = b;
  small.write_buffer_bytes = 16 * kMiB;
  p = PlanSize(1024 * kMiB, 10 * kMiB, small);
  EXPECT_EQ(p.compaction, 2 * 64 * kMiB);
  // A large store: the same headroom.
  p = PlanSize(200 * 1024 * kMiB, 50 * 1024 * kMiB, b);
  EXPECT_EQ(p.compaction, 256 * kMiB);
  EXPECT_EQ(p.headroom, (256 + 64 + 256) * kMiB);
  // Never above the limit: what is kept plus the headroom is the limit.
  for (uint64_t limit :
       {uint64_t{8} * kMiB, 700 * kMiB, 1024 * kMiB, 1300 * kMiB, uint64_t{1} << 40}) {
    for (uint64_t index : {uint64_t{0}, 300 * kMiB, uint64_t{1} << 38}) {
      p = PlanSize(limit, index, b);
      EXPECT_EQ(p.trigger + p.headroom, limit);
      EXPECT_LT(p.target, p.trigger);
      EXPECT_LE(p.pause, limit);
      EXPECT_GT(p.pause, p.trigger);
      EXPECT_GE(p.trigger, limit / 4);  // a limit too small for the headroom: a quarter
    }
  }
}

TEST(RetentionFlags, ParseDurationAndSize) {
  int64_t us = -1;
  EXPECT_TRUE(ParseDuration("30d", &us).ok());
  EXPECT_EQ(us, int64_t{30} * 86400 * 1000000);
  EXPECT_TRUE(ParseDuration("12h", &us).ok());
  EXPECT_EQ(us, int64_t{12} * 3600 * 1000000);
  EXPECT_TRUE(ParseDuration("2w", &us).ok());
  EXPECT_EQ(us, int64_t{14} * 86400 * 1000000);
  EXPECT_TRUE(ParseDuration("7", &us).ok());
  EXPECT_EQ(us, int64_t{7} * 86400 * 1000000);
  EXPECT_TRUE(ParseDuration("", &us).ok());
  EXPECT_EQ(us, 0);
  EXPECT_FALSE(ParseDuration("30x", &us).ok());
  EXPECT_FALSE(ParseDuration("d", &us).ok());
  EXPECT_FALSE(ParseDuration("99999999999999999999d", &us).ok());
  uint64_t b = 1;
  EXPECT_TRUE(ParseByteSize("200G", &b).ok());
  EXPECT_EQ(b, uint64_t{200} << 30);
  EXPECT_TRUE(ParseByteSize("512MiB", &b).ok());
  EXPECT_EQ(b, uint64_t{512} << 20);
  EXPECT_TRUE(ParseByteSize("1t", &b).ok());
  EXPECT_EQ(b, uint64_t{1} << 40);
  EXPECT_TRUE(ParseByteSize("4096", &b).ok());
  EXPECT_EQ(b, 4096u);
  EXPECT_FALSE(ParseByteSize("12Q", &b).ok());
  EXPECT_FALSE(ParseByteSize("999999999999T", &b).ok());
}

TEST(CheckpointTest, CopyOpensAsAStoreAndRefusesAnExistingFolder) {
  testing::TempDir dir;
  auto s = Store::Open({.path = dir.path() + "/a", .sync_writes = false});
  ASSERT_TRUE(s.ok());
  std::vector<LogRecord> batch = {Rec(kT0, 1), Rec(kT0 + 1, 2)};
  ASSERT_TRUE((*s)->Write(batch).ok());
  uint64_t records = 0;
  ASSERT_TRUE((*s)->Checkpoint(dir.path() + "/copy", &records).ok());
  EXPECT_EQ(records, 2u);
  EXPECT_TRUE(absl::IsAlreadyExists((*s)->Checkpoint(dir.path() + "/copy")));
  auto copy = Store::Open({.path = dir.path() + "/copy", .sync_writes = false});
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ((*copy)->RecordCount(), 2u);
  auto r = (*copy)->Find({.kind = keys::IndexKind::kMessageId, .term = "m2@example.org"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 1u);
}

}  // namespace
}  // namespace mlq
