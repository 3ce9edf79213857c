// What one request may cost (query/service.h "Limits"): each limit is an
// error that names it, and a counter; nothing else is held up.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kT0 = 1795348800LL * 1000000;  // 2026-11-22T12:00:00Z

class LimitsTest : public ServedQueryTest {
 protected:
  void SetUp() override {
    ServedQueryTest::SetUp();
    std::vector<LogRecord> batch;
    for (int i = 0; i < kRecords; ++i) {
      LogRecord r;
      r.received_us = r.timestamp_us = kT0 + i * 1000;
      r.host = "mx1";
      r.program = "postfix/smtp";
      r.family = "postfix";
      r.event = "delivery";
      r.queue_id = "Q" + std::to_string(i % 50);
      r.to = {"user" + std::to_string(i % 7) + "@example.org"};
      r.raw = "mx1 postfix/smtp[1]: " + r.queue_id + ": to=<" + r.to[0] + ">, status=sent " +
              std::string(1000, 'x');
      batch.push_back(std::move(r));
    }
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  QueryServiceOptions ServiceOptions() override {
    QueryServiceOptions o;
    o.max_response_bytes = 64 << 10;  // about 40 of these records
    o.report_scan_budget = 1000;
    o.max_concurrent = 1;
    o.max_ingest_lines = 2;
    return o;
  }
  static constexpr int kRecords = 6000;
};

TEST_F(LimitsTest, FindPagesEndAtTheByteLimitAndContinue) {
  v1::FindRequest req;
  req.set_address("user3@example.org");
  req.set_limit(100000);
  size_t total = 0, pages = 0;
  for (;;) {
    v1::FindResponse resp;
    ASSERT_TRUE(Find(req, &resp).ok());
    ++pages;
    total += resp.records_size();
    EXPECT_LE(resp.ByteSizeLong(), size_t{64 << 10} + 4096);
    EXPECT_GE(resp.records_size(), 1);
    if (!resp.truncated()) break;
    req.set_page_token(resp.next_page_token());
    ASSERT_LT(pages, 1000u);
  }
  EXPECT_EQ(total, static_cast<size_t>((kRecords + 3) / 7));
  EXPECT_GT(pages, 10u);
}

TEST_F(LimitsTest, StatsAndQueueStopAtTheScanBudget) {
  grpc::ClientContext ctx;
  v1::StatsRequest req;
  req.set_since_us(kT0);
  req.set_until_us(kT0 + int64_t{kRecords} * 1000);
  v1::StatsResponse resp;
  grpc::Status st = stub_->Stats(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(st.error_message().find("--max-scan"), std::string::npos) << st.error_message();
  grpc::ClientContext ctx2;
  v1::QueueRequest qreq;
  qreq.set_since_us(kT0);
  v1::QueueResponse qresp;
  EXPECT_EQ(stub_->Queue(&ctx2, qreq, &qresp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(counters_.Value("query.scan_budget_exceeded"), 2u);
  // A range within the budget is answered.
  grpc::ClientContext ctx3;
  req.set_until_us(kT0 + 500 * 1000);
  EXPECT_TRUE(stub_->Stats(&ctx3, req, &resp).ok());
}

TEST_F(LimitsTest, ConcurrentRequestsAreCappedButStatusAnswers) {
  // An open Ingest stream holds the only slot. A probing Find can take the
  // slot just before the server dispatches the Ingest, which is then the one
  // refused (a loaded machine, seen in CI): each attempt opens a new stream
  // until a Find is the refused one while the stream is open.
  grpc::Status st;
  std::unique_ptr<grpc::ClientContext> ictx;
  v1::IngestResponse iresp;
  std::unique_ptr<grpc::ClientWriter<v1::IngestRequest>> stream;
  bool held = false;
  for (int attempt = 0; attempt < 20 && !held; ++attempt) {
    if (stream) {
      stream->WritesDone();
      stream->Finish();  // refused, or never held the slot while probed
    }
    ictx = std::make_unique<grpc::ClientContext>();
    stream = stub_->Ingest(ictx.get(), &iresp);
    for (int i = 0; i < 100 && !held; ++i) {
      v1::FindRequest req;
      req.set_queue_id("Q1");
      v1::FindResponse resp;
      st = Find(req, &resp);
      held = st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
      if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_TRUE(held) << "no Find was refused while an Ingest stream was open";
  EXPECT_NE(st.error_message().find("--max-queries"), std::string::npos) << st.error_message();
  EXPECT_GE(counters_.Value("query.busy"), 1u);
  grpc::ClientContext sctx;
  v1::StatusResponse status;
  EXPECT_TRUE(stub_->Status(&sctx, v1::StatusRequest(), &status).ok());
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  v1::FindRequest req;
  req.set_queue_id("Q1");
  v1::FindResponse resp;
  EXPECT_TRUE(Find(req, &resp).ok()) << "the slot is free again";
}

TEST_F(LimitsTest, IngestRefusesRequestsWithTooManyLines) {
  grpc::ClientContext ctx;
  v1::IngestResponse resp;
  auto w = stub_->Ingest(&ctx, &resp);
  v1::IngestRequest req;
  for (int i = 0; i < 3; ++i) req.add_lines("line " + std::to_string(i));
  w->Write(req);
  w->WritesDone();
  grpc::Status st = w->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(st.error_message().find("--max-ingest-lines"), std::string::npos);
  EXPECT_EQ(counters_.Value("ingest.refused_too_many_lines"), 1u);
}

class DeadlineTest : public LimitsTest {
 protected:
  QueryServiceOptions ServiceOptions() override {
    QueryServiceOptions o;
    o.deadline_ms = 0;  // every request is late at its first check
    return o;
  }
};

TEST_F(DeadlineTest, LongScansEndWithDeadlineExceeded) {
  v1::FindRequest req;
  req.set_text("no such text");
  v1::FindResponse resp;
  grpc::Status st = Find(req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_NE(st.error_message().find("--query-deadline"), std::string::npos) << st.error_message();
  grpc::ClientContext ctx;
  v1::StatsRequest sreq;
  sreq.set_since_us(kT0);
  sreq.set_until_us(kT0 + int64_t{kRecords} * 1000);
  v1::StatsResponse sresp;
  EXPECT_EQ(stub_->Stats(&ctx, sreq, &sresp).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(counters_.Value("query.deadline_exceeded"), 2u);
}

}  // namespace
}  // namespace mlq
