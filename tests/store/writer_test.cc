// The writer: group commit, flush, bounded queue.
#include "store/writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "test_util.h"

namespace mlq {
namespace {

std::vector<LogRecord> Batch(int n, int start) {
  std::vector<LogRecord> out;
  for (int i = 0; i < n; ++i) {
    LogRecord r;
    r.timestamp_us = r.received_us = 1000000 + start + i;
    r.host = "h";
    r.queue_id = "Q" + std::to_string((start + i) % 10);
    r.raw = "line " + std::to_string(start + i);
    out.push_back(std::move(r));
  }
  return out;
}

TEST(WriterTest, StoresEverythingPushedAndFlushes) {
  testing::TempDir dir;
  auto store = Store::Open({.path = dir.path(), .sync_writes = false});
  ASSERT_TRUE(store.ok());
  Counters counters;
  Writer writer(store->get(), &counters);
  int pushed = 0;
  for (int i = 0; i < 50; ++i) {
    auto b = Batch(100, pushed);
    while (!writer.TryPush(b)) {
    }
    EXPECT_TRUE(b.empty());
    pushed += 100;
  }
  writer.Flush();
  EXPECT_EQ((*store)->RecordCount(), 5000u);
  EXPECT_EQ(counters.Value("stored"), 5000u);
  auto found = (*store)->Find({.kind = keys::IndexKind::kQueueId, .term = "Q3", .limit = 0});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->records.size(), 500u);
}

// sync_writes: the writer's own sync thread makes rounds durable; "stored"
// follows the syncs (never ahead of what is written), Flush waits for them,
// and a reopened store has everything two producers pushed.
TEST(WriterTest, WithSyncWritesTheSyncThreadMakesEveryRoundDurable) {
  testing::TempDir dir;
  constexpr int kPerProducer = 20000;
  {
    auto store = Store::Open({.path = dir.path(), .sync_writes = true});
    ASSERT_TRUE(store.ok());
    Counters counters;
    Writer writer(store->get(), &counters);
    auto produce = [&](int base) {
      for (int i = 0; i < kPerProducer; i += 250) {
        auto b = Batch(250, base + i);
        while (!writer.TryPush(b)) std::this_thread::yield();
      }
    };
    std::thread a(produce, 0), b(produce, kPerProducer);
    uint64_t ahead = 0;
    for (int i = 0; i < 2000 && counters.Value("stored") < 2 * kPerProducer; ++i) {
      const uint64_t stored = counters.Value("stored");
      if (stored > (*store)->RecordCount()) ++ahead;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    a.join();
    b.join();
    writer.Flush();
    EXPECT_EQ(ahead, 0u) << "stored counted records not yet written";
    EXPECT_EQ(counters.Value("stored"), 2u * kPerProducer);
    EXPECT_EQ(counters.Value("store.errors"), 0u);
    EXPECT_GT(counters.Value("store.batches"), 0u);
  }
  auto reopened = Store::Open({.path = dir.path(), .sync_writes = true});
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->RecordCount(), 2u * kPerProducer);
  auto found = (*reopened)->Find({.kind = keys::IndexKind::kQueueId, .term = "Q7", .limit = 0});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->records.size(), 2u * kPerProducer / 10);
}

TEST(WriterTest, RefusesWhenFullAndLeavesTheBatch) {
  testing::TempDir dir;
  auto store = Store::Open({.path = dir.path(), .sync_writes = false});
  ASSERT_TRUE(store.ok());
  Counters counters;
  Writer writer(store->get(), &counters, {.max_queued_records = 10});
  // Push until refused: the queue is bounded, so refusal must happen while
  // we outpace the writer, and a refused batch is left intact.
  bool refused = false;
  for (int i = 0; i < 10000 && !refused; ++i) {
    auto b = Batch(10, i * 10);
    if (!writer.TryPush(b)) {
      refused = true;
      EXPECT_EQ(b.size(), 10u);
    }
  }
  EXPECT_TRUE(refused);
  writer.Stop();
  auto b = Batch(1, 0);
  EXPECT_FALSE(writer.TryPush(b)) << "stopped writer takes nothing";
  EXPECT_EQ((*store)->RecordCount(), counters.Value("stored"));
}

// The group commit writes the pushed batches where they are and hands
// committed vectors back as spares: a producer that keeps refilling the
// vector TryPush gave it must see every record stored once, in push order,
// and the stored callback must get each batch with its own keys.
TEST(WriterTest, RefilledSparesAndTheStoredCallbackStayAligned) {
  testing::TempDir dir;
  auto store = Store::Open({.path = dir.path(), .sync_writes = false});
  ASSERT_TRUE(store.ok());
  Counters counters;
  Writer writer(store->get(), &counters, {.max_batch_records = 512});
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> seen;  // raw, key
  writer.SetStoredCallback(
      [&](const std::vector<LogRecord>& recs, const std::vector<std::string>& keys) {
        ASSERT_EQ(recs.size(), keys.size());
        std::lock_guard lock(mu);
        for (size_t i = 0; i < recs.size(); ++i) seen.emplace_back(recs[i].raw, keys[i]);
      });
  std::vector<LogRecord> batch;
  int pushed = 0;
  for (int i = 0; i < 300; ++i) {
    const int n = 1 + (i * 37) % 700;  // small and bigger than a WriteBatch
    for (LogRecord& r : Batch(n, pushed)) batch.push_back(std::move(r));
    while (!writer.TryPush(batch)) {
    }
    ASSERT_TRUE(batch.empty()) << "a spare comes back cleared";
    pushed += n;
  }
  writer.Flush();
  EXPECT_EQ((*store)->RecordCount(), static_cast<uint64_t>(pushed));
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), static_cast<size_t>(pushed));
  for (int i = 0; i < pushed; i += 97) {
    EXPECT_EQ(seen[i].first, "line " + std::to_string(i));
    auto got = (*store)->Get(seen[i].second);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->raw, seen[i].first);
  }
}

// TryPushImported: each acknowledgement says how many records of its own
// batch the writer skipped as already stored, whatever the batches around
// it (unacknowledged pushes, other imports) had skipped.
TEST(WriterTest, ImportedBatchesReportTheRecordsTheWriterSkipped) {
  testing::TempDir dir;
  auto store = Store::Open({.path = dir.path(), .sync_writes = true});
  ASSERT_TRUE(store.ok());
  Counters counters;
  Writer writer(store->get(), &counters);
  auto imported = [](int n, int start) {
    std::vector<LogRecord> b = Batch(n, start);
    for (LogRecord& r : b) {
      Store::SetImportIdentity(
          r, Store::ImportIdentity(Store::ImportLineHash(r.host, r.timestamp_us, r.raw), 0));
    }
    return b;
  };
  std::mutex mu;
  std::vector<std::pair<bool, size_t>> acks(5, {false, 999});
  auto ack = [&](int i) {
    return [&, i](bool stored, size_t skipped) {
      std::lock_guard lock(mu);
      acks[i] = {stored, skipped};
    };
  };
  // 0: 100 new lines. 1: the same 100 again plus 50 new (pushed before the
  // writer may have written 0: skipped in the group or against the store).
  // 2: unacknowledged, 30 of 0's lines. 3: 40 new. 4: 20 of 3's + 10 of 1's
  // new ones + 5 new.
  std::vector<std::vector<LogRecord>> batches;
  batches.push_back(imported(100, 0));
  batches.push_back(imported(150, 0));
  batches.push_back(imported(30, 0));
  batches.push_back(imported(40, 1000));
  std::vector<LogRecord> last = imported(20, 1000);
  for (LogRecord& r : imported(10, 100)) last.push_back(std::move(r));
  for (LogRecord& r : imported(5, 2000)) last.push_back(std::move(r));
  batches.push_back(std::move(last));
  for (int i = 0; i < 5; ++i) {
    if (i == 2) {
      while (!writer.TryPush(batches[i])) {
      }
    } else {
      while (!writer.TryPushImported(batches[i], ack(i))) {
      }
    }
    if (i == 3) writer.Flush();  // 4 is checked against the store, not the group
  }
  writer.Flush();
  EXPECT_EQ((*store)->RecordCount(), 100u + 50u + 40u + 5u);
  std::lock_guard lock(mu);
  EXPECT_EQ(acks[0], std::make_pair(true, size_t{0}));
  EXPECT_EQ(acks[1], std::make_pair(true, size_t{100}));
  EXPECT_EQ(acks[2], std::make_pair(false, size_t{999})) << "never acknowledged";
  EXPECT_EQ(acks[3], std::make_pair(true, size_t{0}));
  EXPECT_EQ(acks[4], std::make_pair(true, size_t{30}));
}

}  // namespace
}  // namespace mlq
