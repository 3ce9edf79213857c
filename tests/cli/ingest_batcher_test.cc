#include "cli/ingest_batcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mlq::cli {
namespace {

class IngestBatcherTest : public ::testing::Test {
 protected:
  IngestBatcher Make(BatchLimits limits) {
    mlq::v1::IngestRequest options;
    options.set_host("mx1");
    options.set_dry_run(true);
    options.set_unknown_samples(5);
    return IngestBatcher(
        options,
        [this](const mlq::v1::IngestRequest& r) {
          sent_.push_back(r);
          return ok_;
        },
        limits);
  }

  std::vector<mlq::v1::IngestRequest> sent_;
  bool ok_ = true;
};

TEST_F(IngestBatcherTest, OptionsOnlyInFirstRequest) {
  IngestBatcher b = Make({.max_lines = 2});
  for (const char* l : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(b.Add(l));
  ASSERT_TRUE(b.Finish());
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[0].host(), "mx1");
  EXPECT_TRUE(sent_[0].dry_run());
  EXPECT_EQ(sent_[0].unknown_samples(), 5u);
  EXPECT_EQ(sent_[0].lines_size(), 2);
  EXPECT_EQ(sent_[1].host(), "");
  EXPECT_FALSE(sent_[1].dry_run());
  EXPECT_EQ(sent_[1].lines(1), "d");
  EXPECT_EQ(sent_[2].lines_size(), 1);
  EXPECT_EQ(sent_[2].lines(0), "e");
  EXPECT_EQ(b.lines(), 5u);
  EXPECT_EQ(b.bytes(), 5u);
}

TEST_F(IngestBatcherTest, FinishWithoutLinesStillSendsOptions) {
  IngestBatcher b = Make({});
  ASSERT_TRUE(b.Finish());
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].host(), "mx1");
  EXPECT_EQ(sent_[0].lines_size(), 0);
}

TEST_F(IngestBatcherTest, NoEmptyRequestAfterExactBatch) {
  IngestBatcher b = Make({.max_lines = 2});
  ASSERT_TRUE(b.Add("a"));
  ASSERT_TRUE(b.Add("b"));
  ASSERT_TRUE(b.Finish());
  EXPECT_EQ(sent_.size(), 1u);
}

TEST_F(IngestBatcherTest, ByteLimitAndLongLines) {
  IngestBatcher b = Make({.max_lines = 100, .max_bytes = 10, .max_line_bytes = 25});
  ASSERT_TRUE(b.Add("12345"));
  ASSERT_TRUE(b.Add("1234"));                // 9 bytes pending
  ASSERT_TRUE(b.Add(std::string(30, 'x')));  // flushes the 9, then goes alone (cut to 25)
  ASSERT_TRUE(b.Add("z"));
  ASSERT_TRUE(b.Finish());
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[0].lines_size(), 2);
  ASSERT_EQ(sent_[1].lines_size(), 1);
  EXPECT_EQ(sent_[1].lines(0), std::string(25, 'x'));
  EXPECT_EQ(sent_[2].lines(0), "z");
}

TEST_F(IngestBatcherTest, StopsWhenStreamBreaks) {
  IngestBatcher b = Make({.max_lines = 1});
  ok_ = false;
  EXPECT_FALSE(b.Add("a"));
  EXPECT_FALSE(b.Add("b"));
  EXPECT_FALSE(b.Finish());
  EXPECT_EQ(sent_.size(), 1u);
}

}  // namespace
}  // namespace mlq::cli
