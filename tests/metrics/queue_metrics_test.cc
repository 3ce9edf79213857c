// The queue metrics over a real store: the mlq queue view per host label,
// rebuilt on demand, kept when a pass goes over its scan budget.
#include "metrics/queue_metrics.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace mlq::metrics {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kNow = int64_t{1765000000} * kSecond;

LogRecord Rec(std::string host, int64_t ago, std::string queue_id, std::string event,
              std::string status = "") {
  LogRecord r;
  r.host = std::move(host);
  r.received_us = r.timestamp_us = kNow - ago;
  r.program = "postfix/qmgr";
  r.family = "postfix";
  r.queue_id = std::move(queue_id);
  r.event = std::move(event);
  r.status = std::move(status);
  r.raw = "x";
  return r;
}

class QueueMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open({.path = dir_.path() + "/store", .sync_writes = false});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }
  std::string Render(const QueueMetrics& q) {
    Exposition e;
    q.Render(&e);
    return e.Text();
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Counters counters_;
};

TEST_F(QueueMetricsTest, MessagesAndOldestAgePerHost) {
  std::vector<LogRecord> recs = {
      Rec("mx1", 3600 * kSecond, "AAAA1", "queued"),  // stuck for an hour
      Rec("mx1", 3000 * kSecond, "AAAA1", "delivery", "deferred"),
      Rec("mx1", 600 * kSecond, "BBBB2", "queued"),
      Rec("mx2", 500 * kSecond, "CCCC3", "queued"),  // delivered and removed: gone
      Rec("mx2", 499 * kSecond, "CCCC3", "delivery", "sent"),
      Rec("mx2", 498 * kSecond, "CCCC3", "removed"),
  };
  recs[1].to = {"a@remote.example"};
  recs[4].to = {"b@remote.example"};
  recs[4].relay = "mx.remote.example[192.0.2.1]:25";
  ASSERT_TRUE(store_->Write(recs).ok());
  MailMetricsOptions mo;
  mo.admit_host_after = 1;
  MailMetrics mail(mo);
  mail.Count(recs);
  QueueMetrics q(store_.get(), &mail, &counters_, {.now_us = [] { return kNow; }});
  ASSERT_TRUE(q.RefreshNow());
  const std::string t = Render(q);
  EXPECT_NE(t.find("mlq_queue_messages{host=\"mx1\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("mlq_queue_oldest_age_seconds{host=\"mx1\"} 3600\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("mlq_queue_messages{host=\"mx2\"}"), std::string::npos) << t;
  EXPECT_NE(t.find("mlq_queue_scan_complete 1\n"), std::string::npos);

  // mx1's stuck message leaves; mx1 stays listed, at 0.
  std::vector<LogRecord> more = {Rec("mx1", 10 * kSecond, "AAAA1", "removed"),
                                 Rec("mx1", 10 * kSecond, "BBBB2", "removed")};
  ASSERT_TRUE(store_->Write(more).ok());
  ASSERT_TRUE(q.RefreshNow());
  const std::string t2 = Render(q);
  EXPECT_NE(t2.find("mlq_queue_messages{host=\"mx1\"} 0\n"), std::string::npos) << t2;
  EXPECT_NE(t2.find("mlq_queue_oldest_age_seconds{host=\"mx1\"} 0\n"), std::string::npos);
}

TEST_F(QueueMetricsTest, OverBudgetKeepsTheLastViewAndSaysSo) {
  std::vector<LogRecord> recs;
  for (int i = 0; i < 3000; ++i)
    recs.push_back(Rec("mx1", 100 * kSecond, "Q" + std::to_string(i), "queued"));
  ASSERT_TRUE(store_->Write(recs).ok());
  MailMetrics mail;
  QueueMetrics q(store_.get(), &mail, &counters_,
                 {.scan_budget = 1000, .now_us = [] { return kNow; }});
  EXPECT_FALSE(q.RefreshNow());
  EXPECT_NE(Render(q).find("mlq_queue_scan_complete 0\n"), std::string::npos);
  EXPECT_EQ(counters_.Value("metrics.queue_scan_over_budget"), 1u);
}

}  // namespace
}  // namespace mlq::metrics
