// GET /api/v1/tail (api/tail_stream.h): the Server-Sent Events framing,
// the parameters, and a resume with Last-Event-ID over a real HTTP listener
// and store (the same Tail body gRPC runs).
#include "api/tail_stream.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "api/json_api.h"
#include "http/server.h"
#include "query/service_fixture.h"
#include "query/tail_hub.h"
#include "raw_http.h"

namespace mlq {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kNow = int64_t{1'800'000'000} * 1'000'000;

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(s.substr(start, nl - start));
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

TEST(SseFraming, OneEventPerRecordWhateverTheLogLineHolds) {
  v1::TailResponse resp;
  v1::Record* a = resp.add_records();
  a->set_key("00000000000000010000000000000002");
  a->set_raw("evil\n\nevent: x\ndata: {\"forged\":1}\r\n\rid: 1\n\n");
  a->set_message("second\rline\u2028");
  v1::Record* b = resp.add_records();
  b->set_key("00000000000000010000000000000003");
  b->set_raw("plain");
  b->set_timestamp_us(int64_t{1} << 53);
  const std::string sse = api::SseRecords(resp);
  EXPECT_EQ(sse.find('\r'), std::string::npos) << "CR ends a line in SSE too";
  const std::vector<std::string> lines = Lines(sse);
  ASSERT_EQ(lines.size(), 8u) << sse;
  EXPECT_EQ(lines[0], "id: 00000000000000010000000000000002");
  EXPECT_EQ(lines[1], "event: record");
  ASSERT_TRUE(lines[2].starts_with("data: {")) << lines[2];
  EXPECT_EQ(lines[3], "");
  EXPECT_EQ(lines[4], "id: 00000000000000010000000000000003");
  EXPECT_EQ(lines[5], "event: record");
  EXPECT_EQ(lines[7], "");
  // The data lines are the records, text intact, proto field names, 64-bit
  // integers as strings.
  const nlohmann::json first = nlohmann::json::parse(lines[2].substr(6));
  EXPECT_EQ(first["raw"], a->raw());
  EXPECT_EQ(first["message"], a->message());
  const nlohmann::json second = nlohmann::json::parse(lines[6].substr(6));
  EXPECT_EQ(second["raw"], "plain");
  EXPECT_EQ(second["timestamp_us"], std::to_string(int64_t{1} << 53));
}

TEST(TailParams, FilterLastResumeAndCsrf) {
  v1::TailRequest req;
  ASSERT_TRUE(
      api::ParseTailParams("status=deferred&host=mx1&last=20&csrf=abc&since=2h", "", kNow, &req)
          .ok());
  EXPECT_EQ(req.filter().status(), "deferred");
  EXPECT_EQ(req.filter().host(), "mx1");
  EXPECT_EQ(req.last(), 20u);
  EXPECT_TRUE(req.after_key().empty());
  const std::string key = "0000000000000001000000000000000a";
  req.Clear();
  ASSERT_TRUE(api::ParseTailParams("text=x", key, kNow, &req).ok());
  EXPECT_EQ(req.after_key(), key) << "the Last-Event-ID header";
  EXPECT_EQ(req.filter().text(), "x");
  req.Clear();
  ASSERT_TRUE(api::ParseTailParams("last_event_id=" + key, "", kNow, &req).ok());
  EXPECT_EQ(req.after_key(), key) << "the parameter";
  for (const char* bad : {"nope=1", "last=x", "last=1&last=2", "last_event_id=zz",
                          "last_event_id=00", "after_key=1&last_event_id=2", "host=%ZZ"}) {
    req.Clear();
    EXPECT_FALSE(api::ParseTailParams(bad, "", kNow, &req).ok()) << bad;
  }
  req.Clear();
  EXPECT_FALSE(api::ParseTailParams("", "not a key\n", kNow, &req).ok()) << "bad header";
}

LogRecord Rec(int64_t ts, std::string raw) {
  LogRecord r;
  r.timestamp_us = r.received_us = ts;
  r.raw = std::move(raw);
  r.host = "mx1";
  return r;
}

// A real store, writer, TailHub and QueryService; the JSON API on a real
// HTTP listener.
class TailStreamTest : public ServedQueryTest {
 protected:
  QueryServiceOptions ServiceOptions() override {
    hub_ = std::make_unique<TailHub>(&counters_);
    writer_->SetStoredCallback(
        [this](const std::vector<LogRecord>& records, const std::vector<std::string>& keys) {
          hub_->Publish(records, keys);
        });
    QueryServiceOptions o;
    o.tail_hub = hub_.get();
    o.tail_poll_ms = 20;
    return o;
  }
  void SetUp() override {
    ServedQueryTest::SetUp();
    if (HasFatalFailure()) return;
    api_ = std::make_unique<api::JsonApi>(service_.get(), nullptr,
                                          api::JsonApiOptions{.tail_keepalive = milliseconds(50)});
    api_->Register(&router_);
    http_ = std::make_unique<http::Server>(&io_, &router_, &counters_, http::ServerOptions{});
    ASSERT_TRUE(http_->Start().ok());
    const std::string bound = http_->Bound();
    port_ = static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (http_) boost::asio::post(io_, [this] { http_->Stop(); });
    if (io_thread_.joinable()) io_thread_.join();
    if (hub_) hub_->Close();
    api_.reset();
    http_.reset();
    ServedQueryTest::TearDown();
  }
  void Ingest(std::vector<LogRecord> batch) {
    while (!batch.empty() && !writer_->TryPush(batch)) std::this_thread::sleep_for(milliseconds(1));
    writer_->Flush();
  }
  bool WaitSubscribers(size_t n) {
    for (int i = 0; i < 1000; ++i) {
      if (hub_->subscribers() == n) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
  // (id, raw) of every record event in `sse`.
  static std::vector<std::pair<std::string, std::string>> Events(const std::string& sse) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string id;
    for (const std::string& line : Lines(sse)) {
      if (line.starts_with("id: ")) id = line.substr(4);
      if (line.starts_with("data: {\"key\"")) {
        out.emplace_back(id, nlohmann::json::parse(line.substr(6))["raw"]);
      }
    }
    return out;
  }

  std::unique_ptr<TailHub> hub_;
  boost::asio::io_context io_;
  http::Router router_;
  std::unique_ptr<api::JsonApi> api_;
  std::unique_ptr<http::Server> http_;
  std::thread io_thread_;
  uint16_t port_ = 0;
};

TEST_F(TailStreamTest, ResumeWithLastEventIdSendsExactlyWhatCameAfter) {
  Ingest({Rec(kNow, "old 1"), Rec(kNow + 1, "old 2"), Rec(kNow + 2, "old 3")});
  std::string last_id;
  {
    testing::RawConnection c(port_);
    ASSERT_TRUE(c.Send("GET /api/v1/tail?last=2&csrf=t HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string got = c.ReadUntil("old 3");
    EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
    EXPECT_NE(got.find("retry: 2000\n"), std::string::npos) << got;
    ASSERT_TRUE(WaitSubscribers(1));
    Ingest({Rec(kNow + 3, "live 1")});
    got += c.ReadUntil("live 1");
    const auto events = Events(got);
    ASSERT_EQ(events.size(), 3u) << got;
    EXPECT_EQ(events[0].second, "old 2");
    EXPECT_EQ(events[1].second, "old 3");
    EXPECT_EQ(events[2].second, "live 1");
    last_id = events[2].first;
    // Idle: keep-alive comments.
    EXPECT_NE(c.ReadUntil(": keepalive\n\n").find(": keepalive\n\n"), std::string::npos);
  }  // hangs up
  ASSERT_TRUE(WaitSubscribers(0)) << "the tail ends when its client goes away";
  // Meanwhile: two more lines, one of them with an older time stamp.
  Ingest({Rec(kNow + 4, "missed 1"), Rec(kNow - 1000, "missed 2 from the past")});
  testing::RawConnection c(port_);
  ASSERT_TRUE(
      c.Send("GET /api/v1/tail HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + last_id + "\r\n\r\n"));
  std::string got = c.ReadUntil("missed 1");
  ASSERT_TRUE(WaitSubscribers(1));
  Ingest({Rec(kNow + 5, "live 2")});
  got += c.ReadUntil("live 2");
  std::vector<std::string> raws;
  std::set<std::string> ids;
  for (const auto& [id, raw] : Events(got)) {
    raws.push_back(raw);
    EXPECT_TRUE(ids.insert(id).second) << "sent twice: " << id;
  }
  EXPECT_EQ(raws, (std::vector<std::string>{"missed 2 from the past", "missed 1", "live 2"}))
      << got;
}

TEST_F(TailStreamTest, AMalformedLastEventIdIs400BeforeTheStream) {
  const std::string r = testing::HttpRequest(
      port_, "GET /api/v1/tail HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 12\r\n\r\n");
  EXPECT_EQ(testing::StatusOf(r), 400) << r;
  EXPECT_NE(testing::BodyOf(r).find("INVALID_ARGUMENT"), std::string::npos) << r;
  EXPECT_EQ(hub_->subscribers(), 0u);
}

}  // namespace
}  // namespace mlq
