// The HTTP listener against hostile clients, over real sockets.
#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "listener_fixture.h"
#include "raw_http.h"

namespace mlq::http {
namespace {

using mlq::testing::BodyOf;
using mlq::testing::HttpGet;
using mlq::testing::HttpRequest;
using mlq::testing::RawConnection;
using mlq::testing::StatusOf;

class Hello : public Handler {
 public:
  void Handle(const Request& r, Response* res) override {
    res->body = "hello " + std::string(r.query);
  }
};

class ServerTest : public ListenerTest {
 protected:
  ServerTest() { router_.Add("GET", "/hello", &hello_, "hello"); }
  uint64_t Answers(const std::string& route, int code) {
    for (const auto& [key, n] : server_->RequestCounts()) {
      if (key.first == route && key.second == code) return n;
    }
    return 0;
  }
  // The listener still answers.
  void ExpectServing() {
    const std::string r = HttpGet(port_, "/hello?x");
    EXPECT_EQ(StatusOf(r), 200) << r;
    EXPECT_EQ(BodyOf(r), "hello x");
  }

  Hello hello_;
};

TEST_F(ServerTest, AnswersGetAndCountsByRoute) {
  Start();
  const std::string r = HttpGet(port_, "/hello?q=1");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), "hello q=1");
  EXPECT_NE(r.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_EQ(StatusOf(HttpGet(port_, "/nothing")), 404);
  EXPECT_EQ(Answers("hello", 200), 1u);
  EXPECT_EQ(Answers("unmatched", 404), 1u);
  EXPECT_EQ(Counter("listener.http.requests.not_found"), 1u);
}

TEST_F(ServerTest, OtherMethodsAre405AndBodiesAre413) {
  Start();
  std::string r = HttpRequest(port_, "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 405) << r;
  EXPECT_NE(r.find("Allow: GET"), std::string::npos);
  r = HttpRequest(port_, "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(StatusOf(r), 413) << r;
  EXPECT_EQ(Counter("listener.http.requests.method_not_allowed"), 1u);
  EXPECT_EQ(Counter("listener.http.requests.body_too_large"), 1u);
  ExpectServing();
}

TEST_F(ServerTest, OversizeHeadersAre431) {
  ServerOptions o;
  o.max_header_bytes = 2048;
  Start(o);
  const std::string big =
      "GET /hello HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(100000, 'a') + "\r\n\r\n";
  RawConnection c(port_);
  ASSERT_TRUE(c.ok());
  c.Send(big);  // the listener may close before taking it all
  const std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 431) << r.substr(0, 200);
  EXPECT_EQ(Counter("listener.http.requests.header_too_large"), 1u);
  // Many header lines, each small, add up the same way.
  std::string many = "GET /hello HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 500; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(StatusOf(HttpRequest(port_, many + "\r\n")), 431);
  ExpectServing();
}

TEST_F(ServerTest, GarbageIs400) {
  Start();
  EXPECT_EQ(StatusOf(HttpRequest(port_, "\x16\x03\x01\x02\x00garbage\r\n\r\n")), 400);
  EXPECT_EQ(StatusOf(HttpRequest(port_, "GET /hello HTTP/9.9\r\n\r\n")), 400);
  EXPECT_GE(Counter("listener.http.requests.bad"), 2u);
  ExpectServing();
}

TEST_F(ServerTest, SlowlorisIsCutAtTheRequestTimeout) {
  ServerOptions o;
  o.request_timeout = std::chrono::seconds(1);
  Start(o);
  RawConnection c(port_);
  ASSERT_TRUE(c.ok());
  // One header byte every 200 ms: never a whole request within the timeout.
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (char ch : std::string("GET /hello HTTP/1.1\r\nHost: slow\r\nX-A: aaaaaaaa")) {
    if (!c.Send(std::string_view(&ch, 1))) break;
    if (c.ClosedWithin(std::chrono::milliseconds(200))) {
      closed = true;
      break;
    }
  }
  if (!closed) closed = c.ClosedWithin(std::chrono::seconds(3));
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(CounterReaching("listener.http.timeout", 1), 1u);
  ExpectServing();
}

TEST_F(ServerTest, ConnectionLimitsCloseTheExtraConnections) {
  ServerOptions o;
  o.max_connections = 4;
  o.max_connections_per_address = 0;
  Start(o);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawConnection>(port_));
  for (int i = 0; i < 50 && Counter("listener.http.connections.accepted") < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  RawConnection extra(port_);
  ASSERT_TRUE(extra.ok());
  EXPECT_TRUE(extra.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_EQ(Counter("listener.http.connections.rejected_limit"), 1u);
  held.clear();
  for (int i = 0; i < 100 && Counter("listener.http.connections.open") != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ExpectServing();
}

TEST_F(ServerTest, PerAddressCap) {
  ServerOptions o;
  o.max_connections_per_address = 2;
  Start(o);
  RawConnection a(port_), b(port_);
  for (int i = 0; i < 50 && Counter("listener.http.connections.accepted") < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  RawConnection c(port_);
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_EQ(Counter("listener.http.refused_per_address"), 1u);
  // The two held ones still work.
  ASSERT_TRUE(a.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(StatusOf(a.ReadResponse()), 200);
}

TEST_F(ServerTest, KeepAliveUpToTheRequestCap) {
  ServerOptions o;
  o.max_requests_per_connection = 3;
  Start(o);
  RawConnection c(port_);
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string r = c.ReadResponse();
    EXPECT_EQ(StatusOf(r), 200) << i;
    if (i == 2) EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  }
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_EQ(Counter("listener.http.closed_max_requests"), 1u);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  RawConnection c(port_);
  ASSERT_TRUE(
      c.Send("GET /hello?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello?2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(BodyOf(c.ReadResponse()), "hello 1");
  EXPECT_EQ(BodyOf(c.ReadResponse()), "hello 2");
}

TEST(ServerStartTest, BadAddressesAreErrors) {
  boost::asio::io_context io;
  Counters counters;
  Router router;
  for (std::string bad : {"nonsense", "127.0.0.1:99999", "300.1.1.1:80", "127.0.0.1:"}) {
    Server s(&io, &router, &counters, {.address = bad});
    EXPECT_FALSE(s.Start().ok()) << bad;
  }
}

// Answers from a thread of its own once released (as the JSON API's
// queries do, Handler::Start).
class Later : public Handler {
 public:
  void Handle(const Request&, Response* res) override { res->body = "now"; }
  void Start(const Request& r, Done done) override {
    threads_.emplace_back(
        [query = std::string(r.query), done = std::move(done), released = released_]() mutable {
          released.wait();
          Response res;
          res.body = "later " + query;
          done(std::move(res));
        });
  }
  void Release() { release_.set_value(); }
  ~Later() override {
    for (std::thread& t : threads_) t.join();
  }

 private:
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::vector<std::thread> threads_;
};

TEST_F(ServerTest, AHandlerMayAnswerLaterWhileOthersAreServed) {
  Later later;
  router_.Add("GET", "/later", &later, "later");
  Start();
  RawConnection c(port_);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.Send("GET /later?a HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The I/O thread is not held: another client is answered meanwhile.
  ExpectServing();
  later.Release();
  const std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), "later a");
  // The connection stays usable (keep-alive) after an answer given later.
  ASSERT_TRUE(c.Send("GET /later?b HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(BodyOf(c.ReadResponse()), "later b");
  EXPECT_EQ(Answers("later", 200), 2u);
  // Stopped while answers may still be on their way: nothing is left behind.
  boost::asio::post(io_, [this] { server_->Stop(); });
  thread_.join();
  server_.reset();
}

// Every answer is no page unless its handler says otherwise; POST and DELETE
// come without a body (the web UI's /api/v1/session).
TEST_F(ServerTest, DefaultHeadersAndEmptyBodiedPostAndDelete) {
  class Page : public Handler {
    void Handle(const Request& r, Response* res) override {
      res->body = std::string(r.method);
      res->headers.emplace_back("Content-Security-Policy", "default-src 'self'");
    }
  } page;
  router_.Add("POST", "/page", &page, "page");
  router_.Add("DELETE", "/page", &page, "page");
  Start();
  std::string r = HttpGet(port_, "/hello");
  EXPECT_NE(r.find("Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"),
            std::string::npos)
      << r;
  EXPECT_EQ(r.find("Strict-Transport-Security"), std::string::npos) << "plain HTTP: " << r;
  r = HttpRequest(port_, "POST /page HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), "POST");
  EXPECT_NE(r.find("Content-Security-Policy: default-src 'self'\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("default-src 'none'"), std::string::npos) << "replaced, not doubled: " << r;
  r = HttpRequest(port_, "DELETE /page HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), "DELETE");
  r = HttpRequest(port_, "POST /page HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(StatusOf(r), 413) << r;
  ExpectServing();
}

TEST_F(ServerTest, RefusedHostHeadersAre421) {
  ServerOptions o;
  o.allow_host = [](std::string_view host) { return host.starts_with("127.0.0.1"); };
  Start(o);
  ExpectServing();  // HttpGet sends "Host: 127.0.0.1"
  std::string r = HttpRequest(port_, "GET /hello HTTP/1.1\r\nHost: rebound.example\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 421) << r;
  EXPECT_EQ(BodyOf(r).find("hello"), std::string::npos);
  EXPECT_EQ(Counter("listener.http.requests.host_refused"), 1u);
  EXPECT_EQ(Counter("listener.http.requests.not_found"), 0u);
  EXPECT_EQ(Answers("unmatched", 421), 1u);
  // HTTP/1.0 without Host is not checked.
  r = HttpRequest(port_, "GET /hello?y HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200) << r;
  ExpectServing();
}

}  // namespace

}  // namespace mlq::http
