// Streamed answers (Response::stream, Server-Sent Events) and clients that
// hang up before their answer, over real sockets.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/server.h"
#include "listener_fixture.h"
#include "raw_http.h"

namespace mlq::http {
namespace {

using mlq::testing::RawConnection;
using mlq::testing::StatusOf;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Answers every request with a stream and hands each Stream (or null, when
// the listener refused) to the test.
class Streamer : public Handler {
 public:
  void Handle(const Request&, Response*) override {}
  void Start(const Request&, Done done) override {
    Response res;
    res.content_type = "text/event-stream";
    res.stream = [this](std::shared_ptr<Stream> s) {
      std::lock_guard lock(mu_);
      streams_.push_back(std::move(s));
    };
    done(std::move(res));
  }
  // The n-th stream handed over (waits up to 10 s); ok=false when none.
  std::shared_ptr<Stream> Get(size_t n, bool* ok) {
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard lock(mu_);
        if (streams_.size() > n) {
          *ok = true;
          return streams_[n];
        }
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    *ok = false;
    return nullptr;
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<Stream>> streams_;
};

// Never answers until released; remembers whether its request was
// cancelled.
class Waiter : public Handler {
 public:
  void Handle(const Request&, Response*) override {}
  void Start(const Request& r, Done done) override {
    std::lock_guard lock(mu_);
    cancelled_ = r.cancelled;
    done_ = std::move(done);
  }
  bool Cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_ && cancelled_();
  }
  bool Started() {
    std::lock_guard lock(mu_);
    return static_cast<bool>(done_);
  }
  void Release() {
    std::lock_guard lock(mu_);
    if (done_) done_(Response{});
    done_ = nullptr;
  }

 private:
  std::mutex mu_;
  std::function<bool()> cancelled_;
  Done done_;
};

bool WaitFor(const std::function<bool()>& pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

constexpr std::string_view kGetStream = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";

class StreamTest : public ListenerTest {
 protected:
  StreamTest() {
    router_.Add("GET", "/stream", &streamer_, "stream");
    router_.Add("GET", "/wait", &waiter_, "wait");
  }
  void TearDown() override {
    waiter_.Release();
    StopServer();
  }
  bool CounterReaches(std::string_view name, uint64_t want) {
    return WaitFor([&] { return Counter(name) >= want; });
  }
  // Sends GET /stream on `c` and returns the `index`th Stream the handler
  // was given (null when the listener refused it or none came).
  std::shared_ptr<Stream> OpenStream(mlq::testing::RawConnection& c, int index = 0) {
    if (!c.Send(kGetStream)) return nullptr;
    bool ok = false;
    std::shared_ptr<Stream> s = streamer_.Get(index, &ok);
    return ok ? s : nullptr;
  }

  Streamer streamer_;
  Waiter waiter_;
};

TEST_F(StreamTest, ChunksArriveAsTheyAreWritten) {
  Start();
  RawConnection c(port_);
  std::shared_ptr<Stream> s = OpenStream(c);
  ASSERT_NE(s, nullptr);
  const std::string head = c.ReadUntil("\r\n\r\n");
  EXPECT_EQ(StatusOf(head), 200) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << "close-delimited: " << head;
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  // The default headers of every answer, as Write() sends them.
  EXPECT_NE(head.find("Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"),
            std::string::npos)
      << head;
  // Each chunk is seen before the next one is written.
  ASSERT_TRUE(s->Write("data: one\n\n"));
  EXPECT_NE(c.ReadUntil("one").find("data: one\n\n"), std::string::npos);
  ASSERT_TRUE(s->Write("data: two\n\n"));
  EXPECT_NE(c.ReadUntil("two").find("data: two\n\n"), std::string::npos);
  EXPECT_EQ(Counter("listener.http.streams.opened"), 1u);
  EXPECT_EQ(Counter("listener.http.streams.open"), 1u);
  EXPECT_FALSE(s->Closed());
  // The connection is exempt from the request timeout while streaming:
  // it is still open, and the stream ends when the producer finishes.
  s->Finish();
  EXPECT_TRUE(c.ClosedWithin(seconds(10)));
  EXPECT_TRUE(WaitFor([&] { return Counter("listener.http.streams.open") == 0; }));
}

TEST_F(StreamTest, AClientThatHangsUpClosesTheStream) {
  Start();
  auto c = std::make_unique<RawConnection>(port_);
  std::shared_ptr<Stream> s = OpenStream(*c);
  ASSERT_NE(s, nullptr);
  c->ReadUntil("\r\n\r\n");
  c.reset();  // hangs up
  EXPECT_TRUE(WaitFor([&] { return s->Closed(); })) << "the producer learns it";
  EXPECT_FALSE(s->Write("late")) << "nothing is queued on a closed stream";
  EXPECT_TRUE(WaitFor([&] { return Counter("listener.http.streams.open") == 0; }));
}

TEST_F(StreamTest, AClientThatStopsReadingIsCut) {
  ServerOptions o;
  o.request_timeout = seconds(1);
  o.max_stream_buffer_bytes = 256 * 1024;
  Start(o);
  RawConnection c(port_);
  c.SetReceiveBuffer(4096);
  ASSERT_TRUE(c.Send(kGetStream));
  bool ok = false;
  std::shared_ptr<Stream> s = streamer_.Get(0, &ok);
  ASSERT_TRUE(ok && s != nullptr);
  // The client reads nothing; the producer keeps writing until refused.
  const std::string chunk(16 * 1024, 'x');
  int writes = 0;
  while (writes < 20000 && s->Write(chunk)) {
    ++writes;
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_LT(writes, 20000) << "never cut";
  EXPECT_TRUE(WaitFor([&] { return s->Closed(); }));
  EXPECT_GE(Counter("listener.http.streams.overflow") + Counter("listener.http.streams.timeout"),
            1u);
  EXPECT_TRUE(WaitFor([&] { return Counter("listener.http.streams.open") == 0; }));
}

TEST_F(StreamTest, StopEndsOpenStreams) {
  Start();
  RawConnection c(port_);
  std::shared_ptr<Stream> s = OpenStream(c);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Write("data: x\n\n"));
  c.ReadUntil("data: x");
  StopServer();  // returns: the open stream does not hold the io_context
  EXPECT_TRUE(s->Closed());
  EXPECT_TRUE(c.ClosedWithin(seconds(5)));
}

TEST_F(StreamTest, MoreThanMaxStreamsAre503) {
  ServerOptions o;
  o.max_streams = 1;
  Start(o);
  RawConnection a(port_);
  std::shared_ptr<Stream> first = OpenStream(a);
  ASSERT_NE(first, nullptr);
  RawConnection b(port_);
  ASSERT_TRUE(b.Send(kGetStream));
  const std::string r = b.ReadResponse();
  EXPECT_EQ(StatusOf(r), 503) << r;
  bool ok = false;
  std::shared_ptr<Stream> second = streamer_.Get(1, &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(second, nullptr) << "the refused producer is told";
  EXPECT_EQ(Counter("listener.http.streams.rejected_limit"), 1u);
  // Once the first ends, a new one is served.
  first->Finish();
  EXPECT_TRUE(a.ClosedWithin(seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return Counter("listener.http.streams.open") == 0; }));
  RawConnection c(port_);
  ASSERT_TRUE(c.Send(kGetStream));
  EXPECT_EQ(StatusOf(c.ReadUntil("\r\n\r\n")), 200);
}

TEST_F(StreamTest, AClientHangingUpBeforeItsAnswerCancelsTheRequest) {
  Start();
  auto c = std::make_unique<RawConnection>(port_);
  ASSERT_TRUE(c->Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(WaitFor([&] { return waiter_.Started(); }));
  EXPECT_FALSE(waiter_.Cancelled()) << "the client is still there";
  c.reset();
  EXPECT_TRUE(WaitFor([&] { return waiter_.Cancelled(); }));
  EXPECT_TRUE(CounterReaches("listener.http.requests.cancelled", 1));
  waiter_.Release();  // the late answer goes nowhere, harmlessly
  // A client that waits gets its answer, not cancelled.
  RawConnection d(port_);
  ASSERT_TRUE(d.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(WaitFor([&] { return waiter_.Started(); }));
  EXPECT_FALSE(waiter_.Cancelled());
  waiter_.Release();
  EXPECT_EQ(StatusOf(d.ReadResponse()), 200);
  EXPECT_EQ(Counter("listener.http.requests.cancelled"), 1u);
}

}  // namespace
}  // namespace mlq::http
