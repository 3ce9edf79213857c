// Tail through a real gRPC channel: history, live records from the writer
// through the hub, filters, slow clients and shutdown. Plus the hub alone.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include "query/service.h"
#include "query/tail_hub.h"
#include "service_fixture.h"

namespace mlq {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int64_t kT = 1795341600LL * 1000000;

LogRecord Rec(int64_t ts, std::string raw, std::string status = "") {
  LogRecord r;
  r.timestamp_us = r.received_us = ts;
  r.raw = std::move(raw);
  r.status = std::move(status);
  r.host = "mx1";
  return r;
}

// Reads a Tail stream on its own thread and collects the raw lines.
class TailClient {
 public:
  TailClient(v1::Query::Stub* stub, v1::TailRequest req) {
    reader_ = stub->Tail(&ctx_, req);
    thread_ = std::thread([this] {
      v1::TailResponse resp;
      while (reader_->Read(&resp)) {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& r : resp.records()) lines_.push_back(r.raw());
        cv_.notify_all();
      }
      grpc::Status st = reader_->Finish();
      std::lock_guard<std::mutex> lock(mu_);
      status_ = st;
      done_ = true;
      cv_.notify_all();
    });
  }
  ~TailClient() {
    ctx_.TryCancel();
    thread_.join();
  }

  // Waits until at least n lines arrived; returns the lines so far.
  std::vector<std::string> WaitLines(size_t n, milliseconds timeout = milliseconds(10000)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return lines_.size() >= n || done_; });
    return lines_;
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  // Waits for the end of the stream; false on timeout.
  bool WaitDone(milliseconds timeout, grpc::Status* status) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return done_; })) return false;
    *status = status_;
    return true;
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<v1::TailResponse>> reader_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool done_ = false;
  grpc::Status status_;
};

// Shuts `server` down with the given deadline and reports how long it took.
// A Shutdown still blocked after `limit` cannot be cleaned up: the test
// binary reports the failure and exits instead of hanging.
std::chrono::milliseconds TimedShutdown(grpc::Server* server, milliseconds deadline,
                                        seconds limit = seconds(10)) {
  const auto start = Clock::now();
  std::promise<void> done;
  std::thread t([&] {
    server->Shutdown(std::chrono::system_clock::now() + deadline);
    done.set_value();
  });
  if (done.get_future().wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "Shutdown is still blocked after " << limit.count() << " s";
    std::fprintf(stderr, "Shutdown blocked by an open Tail; exiting\n");
    std::_Exit(1);
  }
  t.join();
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

class TailTest : public QueryServiceTest {
 protected:
  void Start(TailHubOptions hub_options = {}) {
    hub_ = std::make_unique<TailHub>(&counters_, hub_options);
    StartWriter();
    writer_->SetStoredCallback(
        [this](const std::vector<LogRecord>& records, const std::vector<std::string>& keys) {
          hub_->Publish(records, keys);
        });
    QueryServiceOptions o;
    o.tail_hub = hub_.get();
    o.tail_poll_ms = 50;
    Serve(o);
  }
  void TearDown() override {
    if (hub_) hub_->Close();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + seconds(2));
    if (writer_) writer_->Stop();
    // What uses the hub goes before it, as when the hub was declared first.
    stub_.reset();
    server_.reset();
    service_.reset();
    writer_.reset();
  }

  // Pushes through the writer (as the receiver does) and waits until stored.
  void Ingest(std::vector<LogRecord> batch) {
    while (!batch.empty() && !writer_->TryPush(batch)) std::this_thread::sleep_for(milliseconds(1));
    writer_->Flush();
  }

  // Waits until the hub has `n` subscribers (the stream is open server side).
  bool WaitSubscribers(size_t n) {
    const auto end = Clock::now() + seconds(10);
    while (Clock::now() < end) {
      if (hub_->subscribers() == n) return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }

  static v1::TailRequest Request(std::string status, uint32_t last) {
    v1::TailRequest req;
    req.mutable_filter()->set_status(std::move(status));
    req.set_last(last);
    return req;
  }

  std::unique_ptr<TailHub> hub_;
};

TEST_F(TailTest, LastNThenLiveMatchingRecords) {
  Start();
  std::vector<LogRecord> old;
  for (int i = 0; i < 20; ++i) {
    old.push_back(Rec(kT + i, "old " + std::to_string(i), i % 2 ? "deferred" : "sent"));
  }
  Ingest(old);
  TailClient client(stub_.get(), Request("deferred", 3));
  EXPECT_EQ(client.WaitLines(3), (std::vector<std::string>{"old 15", "old 17", "old 19"}))
      << "the last three matching, oldest first";
  ASSERT_TRUE(WaitSubscribers(1));
  Ingest({Rec(kT + 100, "new 1", "sent"), Rec(kT + 101, "new 2", "deferred")});
  // Live lines come in commit order, whatever their timestamps.
  Ingest({Rec(kT - 5, "new 3 from the past", "deferred"), Rec(kT + 102, "new 4", "bounced")});
  EXPECT_EQ(client.WaitLines(5), (std::vector<std::string>{"old 15", "old 17", "old 19", "new 2",
                                                           "new 3 from the past"}));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(client.Lines().size(), 5u) << "nothing else matches";
}

TEST_F(TailTest, AfterKeyResumesWithTheLinesStoredSince) {
  Start();
  Ingest({Rec(kT, "a", "deferred"), Rec(kT + 1, "b", "deferred")});
  v1::FindRequest fr;
  fr.set_status("deferred");
  v1::FindResponse found;
  ASSERT_TRUE(Find(fr, &found).ok());
  ASSERT_EQ(found.records_size(), 2);
  ASSERT_EQ(found.records(0).raw(), "a");
  // Stored after "a": "b" (same batch), then these; "c" carries an older
  // time stamp but was stored later.
  Ingest({Rec(kT - 5, "c from the past", "deferred"), Rec(kT + 2, "d", "sent"),
          Rec(kT + 3, "e", "deferred")});
  v1::TailRequest req = Request("deferred", 100);  // `last` gives way to after_key
  req.set_after_key(found.records(0).key());
  TailClient client(stub_.get(), req);
  EXPECT_EQ(client.WaitLines(3), (std::vector<std::string>{"c from the past", "b", "e"}));
  ASSERT_TRUE(WaitSubscribers(1));
  Ingest({Rec(kT + 4, "f", "deferred")});
  EXPECT_EQ(client.WaitLines(4), (std::vector<std::string>{"c from the past", "b", "e", "f"}));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(client.Lines().size(), 4u) << "nothing twice";

  v1::TailRequest bad = Request("", 0);
  bad.set_after_key("not-a-key");
  TailClient refused(stub_.get(), bad);
  grpc::Status st;
  ASSERT_TRUE(refused.WaitDone(seconds(10), &st));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
}

TEST_F(TailTest, ZeroLastIsLiveOnlyAndMoreThanStoredIsAll) {
  Start();
  Ingest({Rec(kT, "a", "sent"), Rec(kT + 1, "b", "sent")});
  TailClient live(stub_.get(), Request("", 0));
  TailClient all(stub_.get(), Request("", 1000));
  EXPECT_EQ(all.WaitLines(2), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(WaitSubscribers(2));
  Ingest({Rec(kT + 2, "c", "sent")});
  EXPECT_EQ(live.WaitLines(1), (std::vector<std::string>{"c"}));
  EXPECT_EQ(all.WaitLines(3), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(TailTest, TwoSubscribersWithDifferentFilters) {
  Start();
  TailClient deferred(stub_.get(), Request("deferred", 0));
  v1::TailRequest by_text;
  by_text.mutable_filter()->set_text("TIMEOUT");
  by_text.mutable_filter()->set_host("mx1");
  TailClient text(stub_.get(), by_text);
  ASSERT_TRUE(WaitSubscribers(2));
  std::vector<LogRecord> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(Rec(kT + i, "line " + std::to_string(i) + (i % 5 == 0 ? " timeout" : ""),
                        i % 10 == 0 ? "deferred" : "sent"));
  }
  Ingest(batch);
  auto d = deferred.WaitLines(5);
  auto t = text.WaitLines(10);
  EXPECT_EQ(d, (std::vector<std::string>{"line 0 timeout", "line 10 timeout", "line 20 timeout",
                                         "line 30 timeout", "line 40 timeout"}));
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[1], "line 5 timeout");
}

// One client opens a tail of everything and never reads: ingestion of
// 100,000 records goes on at full speed and every record is stored; a
// second, reading client still gets all of its lines.
TEST_F(TailTest, StalledClientNeverBlocksIngestion) {
  Start({.max_queued_records = 1000});
  grpc::ClientContext stalled_ctx;
  auto stalled = stub_->Tail(&stalled_ctx, Request("", 0));  // never Read()
  v1::TailRequest marked;
  marked.mutable_filter()->set_text("marked");
  TailClient reader(stub_.get(), marked);
  ASSERT_TRUE(WaitSubscribers(2));

  const auto start = Clock::now();
  std::string pad(200, 'x');
  for (int chunk = 0; chunk < 100; ++chunk) {
    std::vector<LogRecord> batch;
    for (int i = 0; i < 1000; ++i) {
      const int n = chunk * 1000 + i;
      batch.push_back(
          Rec(kT + n, "line " + std::to_string(n) + (n % 1000 == 7 ? " marked " : " ") + pad));
    }
    while (!batch.empty() && !writer_->TryPush(batch)) {
      ASSERT_LT(Clock::now() - start, seconds(120)) << "the writer is stuck";
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  writer_->Flush();
  EXPECT_EQ(store_->RecordCount(), 100000u);
  EXPECT_EQ(counters_.Value("stored"), 100000u);
  EXPECT_GT(counters_.Value("tail.dropped"), 0u) << "the stalled subscriber lost the oldest";
  EXPECT_EQ(reader.WaitLines(100).size(), 100u) << "the other client is unaffected";

  stalled_ctx.TryCancel();
  stalled->Finish();
  EXPECT_TRUE(WaitSubscribers(1)) << "a cancelled tail unsubscribes";
}

TEST_F(TailTest, ShutdownWithOpenTailsIsPrompt) {
  Start();
  TailClient open(stub_.get(), Request("", 0));
  grpc::ClientContext stalled_ctx;
  auto stalled = stub_->Tail(&stalled_ctx, Request("", 0));
  ASSERT_TRUE(WaitSubscribers(2));
  // Fill the stalled stream's flow-control window so its handler blocks in Write.
  std::vector<LogRecord> batch;
  for (int i = 0; i < 20000; ++i) batch.push_back(Rec(kT + i, std::string(300, 'y')));
  Ingest(batch);
  hub_->Close();
  EXPECT_LT(TimedShutdown(server_.get(), milliseconds(1000)), seconds(5));
  grpc::Status st;
  ASSERT_TRUE(open.WaitDone(milliseconds(5000), &st));
  EXPECT_FALSE(st.ok());
  stalled_ctx.TryCancel();
  stalled->Finish();
}

TEST_F(TailTest, IdleTailDoesNotHoldShutdownWithoutClose) {
  Start();
  TailClient open(stub_.get(), Request("", 0));
  ASSERT_TRUE(WaitSubscribers(1));
  EXPECT_LT(TimedShutdown(server_.get(), milliseconds(300)), seconds(3))
      << "the handler notices the cancellation";
  grpc::Status st;
  EXPECT_TRUE(open.WaitDone(milliseconds(5000), &st));
}

TEST_F(TailTest, WithoutHubTailIsUnavailable) {
  QueryServiceOptions o;
  o.store = store_.get();
  o.counters = &counters_;
  QueryService service(o);
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&service);
  auto server = b.BuildAndStart();
  auto stub = v1::Query::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto reader = stub->Tail(&ctx, Request("", 0));
  v1::TailResponse resp;
  EXPECT_FALSE(reader->Read(&resp));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  server->Shutdown();
}

TEST(TailHubTest, OverflowDropsTheOldestAndCounts) {
  Counters counters;
  TailHub hub(&counters, {.max_queued_records = 4});
  v1::FindRequest f;
  f.set_status("x");
  auto sub = hub.Subscribe(RecordFilter::FromRequest(f));
  auto all = hub.Subscribe(RecordFilter());
  ASSERT_NE(sub, nullptr);
  std::vector<LogRecord> recs;
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) {
    recs.push_back(Rec(kT + i, std::to_string(i), i < 9 ? "x" : "y"));
    keys.push_back("k" + std::to_string(i));
  }
  hub.Publish(recs, keys);
  hub.Drain();  // the fan-out thread has filled the queues
  std::vector<std::shared_ptr<const StoredRecord>> out;
  ASSERT_TRUE(sub->Next(milliseconds(0), 100, &out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]->record.raw, "5");
  EXPECT_EQ(out[3]->record.raw, "8");
  EXPECT_EQ(out[3]->key, "k8");
  EXPECT_EQ(sub->dropped(), 5u);
  EXPECT_EQ(all->dropped(), 6u);
  EXPECT_EQ(counters.Value("tail.dropped"), 11u);
  out.clear();
  ASSERT_TRUE(all->Next(milliseconds(0), 2, &out));
  EXPECT_EQ(out.size(), 2u) << "at most `max` per call";

  // Next waits for records, and returns false once closed.
  std::thread later([&] {
    std::this_thread::sleep_for(milliseconds(50));
    hub.Publish({Rec(kT, "late", "x")}, {"k"});
  });
  out.clear();
  ASSERT_TRUE(sub->Next(milliseconds(5000), 10, &out));
  later.join();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->record.raw, "late");
  hub.Unsubscribe(all);
  EXPECT_EQ(hub.subscribers(), 1u);
  hub.Close();
  EXPECT_FALSE(sub->Next(milliseconds(1000), 10, &out));
  EXPECT_EQ(hub.Subscribe(RecordFilter()), nullptr);
  hub.Publish({Rec(kT, "after", "x")}, {"k"});  // harmless
}

TEST(TailHubTest, SubscriberLimit) {
  Counters counters;
  TailHub hub(&counters, {.max_subscribers = 2});
  auto a = hub.Subscribe(RecordFilter());
  auto b = hub.Subscribe(RecordFilter());
  EXPECT_EQ(hub.Subscribe(RecordFilter()), nullptr);
  hub.Unsubscribe(a);
  EXPECT_NE(hub.Subscribe(RecordFilter()), nullptr);
}

}  // namespace
}  // namespace mlq
