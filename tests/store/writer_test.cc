// The writer: group commit, flush, bounded queue.
#include "store/writer.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace mlq
