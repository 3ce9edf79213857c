// RelpListener on 127.0.0.1 with a real io_context thread, an in-memory sink
// whose acknowledgements the test releases, and a blocking RELP client.
#include "receiver/intake/relp_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "receiver/intake/relp_frame.h"

namespace mlq {
namespace {

using std::chrono::milliseconds;

// A RecordSink that keeps what it takes. Acknowledgements run at once, or,
// with SetDelay(true), when the test calls Ack(); it can be told to refuse
// as full or as unavailable.
class TestSink : public RecordSink {
 public:
  bool TryPush(std::vector<LogRecord>& batch) override { return TryPushAcked(batch, nullptr); }

  bool TryPushAcked(std::vector<LogRecord>& batch, StoredCallback cb) override {
    std::unique_lock lock(mu_);
    if (full_ || !unavailable_.empty()) {
      ++refusals_;
      return false;
    }
    for (LogRecord& r : batch) records_.push_back(std::move(r));
    batch.clear();
    ++pushes_;
    if (!cb) return true;
    if (delay_) {
      pending_.push_back(std::move(cb));
    } else {
      lock.unlock();
      cb(true);
    }
    return true;
  }

  std::string Unavailable() const override {
    std::lock_guard lock(mu_);
    return unavailable_;
  }

  void SetDelay(bool v) {
    std::lock_guard lock(mu_);
    delay_ = v;
  }
  void SetFull(bool v) {
    std::lock_guard lock(mu_);
    full_ = v;
  }
  void SetUnavailable(std::string why) {
    std::lock_guard lock(mu_);
    unavailable_ = std::move(why);
  }
  // Runs at most `n` waiting callbacks, oldest first (as a writer does).
  size_t Ack(bool stored = true, size_t n = SIZE_MAX) {
    std::vector<StoredCallback> run;
    {
      std::lock_guard lock(mu_);
      while (!pending_.empty() && run.size() < n) {
        run.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    for (auto& cb : run) cb(stored);
    return run.size();
  }
  size_t pending() const {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  size_t pushes() const {
    std::lock_guard lock(mu_);
    return pushes_;
  }
  size_t refusals() const {
    std::lock_guard lock(mu_);
    return refusals_;
  }
  std::vector<LogRecord> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  bool delay_ = false;
  bool full_ = false;
  std::string unavailable_;
  std::deque<StoredCallback> pending_;
  std::vector<LogRecord> records_;
  size_t pushes_ = 0;
  size_t refusals_ = 0;
};

bool WaitFor(const std::function<bool()>& pred, milliseconds timeout = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

// "TXNR COMMAND LEN DATA\n" (or "TXNR COMMAND 0\n").
std::string Frame(uint32_t txnr, std::string_view command, std::string_view data = "") {
  std::string out =
      std::to_string(txnr) + " " + std::string(command) + " " + std::to_string(data.size());
  if (!data.empty()) out += " " + std::string(data);
  return out + "\n";
}

const std::string kOffers =
    "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog";
const std::string kOpenReply = "200 OK\nrelp_version=0\nrelp_software=mlqd\ncommands=syslog";

std::string Msg(int i) {
  return "<22>Nov 20 10:00:01 mx1 postfix/qmgr[42]: A" + std::to_string(i) +
         ": from=<a@example.org>, size=1, nrcpt=1 (queue active)";
}

// A blocking RELP client over a plain socket.
class Client {
 public:
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  // `from`: the local address, e.g. "127.0.0.2" (all of 127/8 is loopback).
  bool Connect(uint16_t port, const char* from = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (from != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, from, &local.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return false;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  bool Open() {
    if (!Send(Frame(1, "open", kOffers))) return false;
    std::optional<std::string> r = Read();
    return r && *r == "1 rsp " + std::to_string(kOpenReply.size()) + " " + kOpenReply;
  }
  // The next frame the server sent, as its bytes without the trailing LF;
  // nullopt on timeout, EOF or garbage.
  std::optional<std::string> Read(milliseconds timeout = milliseconds(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string_view in = pending_;
      RelpFrame f;
      RelpFrameParser::Result r = parser_.Next(&in, &f);
      if (r == RelpFrameParser::Result::kFrame) {
        std::string text = Frame(f.txnr, f.command, f.data);
        text.pop_back();
        pending_.erase(0, pending_.size() - in.size());
        return text;
      }
      pending_.clear();
      if (r != RelpFrameParser::Result::kNeedMore) return std::nullopt;
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        return std::nullopt;
      }
      pending_.append(buf, static_cast<size_t>(n));
    }
  }
  // True when the server closed the connection within `timeout` (frames it
  // sent before are kept for Read... no: they are returned in *frames).
  bool Closed(milliseconds timeout = milliseconds(3000),
              std::vector<std::string>* frames = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::optional<std::string> f = Read(milliseconds(50));
      if (f && frames != nullptr) frames->push_back(*f);
      if (eof_) return true;
    }
    return eof_;
  }
  // True when nothing arrives within `wait`.
  bool Silent(milliseconds wait = milliseconds(200)) {
    std::optional<std::string> f = Read(wait);
    if (f) ADD_FAILURE() << "unexpected: " << *f;
    return !f && !eof_;
  }

 private:
  int fd_ = -1;
  RelpFrameParser parser_{1 << 20};
  std::string pending_;
  bool eof_ = false;
};

class RelpListenerTest : public ::testing::Test {
 protected:
  void StartListener(RelpOptions options = {}) {
    options.address = "127.0.0.1:0";
    options.timezone = "utc";
    options.drain_timeout = milliseconds(1000);
    listener_ = std::make_unique<RelpListener>(&io_, &sink_, &counters_, &parser_, options);
    absl::Status st = listener_->Start();
    ASSERT_TRUE(st.ok()) << st;
    const std::string bound = listener_->Bound();
    port_ = static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (!io_thread_.joinable()) return;
    boost::asio::post(io_, [this] { listener_->Stop(); });
    // Stop waits for acknowledgements: give them (as lost: nothing is 200).
    WaitFor([this] {
      sink_.Ack(false);
      return io_.stopped();
    });
    io_thread_.join();
    // Callbacks only post to io_: run none after this point.
    sink_.Ack(false);
  }

  uint64_t Counter(const std::string& name) { return counters_.Value("listener.relp." + name); }

  boost::asio::io_context io_;
  TestSink sink_;
  Counters counters_;
  LineParser parser_{nullptr, &counters_};
  std::unique_ptr<RelpListener> listener_;
  std::thread io_thread_;
  uint16_t port_ = 0;
};

TEST_F(RelpListenerTest, OpenHandshakeOffersVersionSoftwareAndSyslog) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Send(Frame(1, "open", kOffers)));
  EXPECT_EQ(c.Read(), "1 rsp 56 200 OK\nrelp_version=0\nrelp_software=mlqd\ncommands=syslog");
  EXPECT_EQ(Counter("connections.accepted"), 1u);
  EXPECT_TRUE(WaitFor([&] { return Counter("connections.open") == 1; }));
  // A second open is answered and ignored (as librelp does).
  ASSERT_TRUE(c.Send(Frame(2, "open", kOffers)));
  EXPECT_EQ(c.Read(), "2 rsp 37 200 connection already open - ignored");
}

TEST_F(RelpListenerTest, OpenWithoutRelpVersionIsRefused) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Send(Frame(1, "open", "commands=syslog")));
  std::vector<std::string> frames;
  EXPECT_TRUE(c.Closed(milliseconds(3000), &frames));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], "1 rsp 30 500 relp_version offer missing");
  EXPECT_EQ(Counter("protocol_error"), 1u);
}

TEST_F(RelpListenerTest, AcknowledgesOnlyAfterTheSinkStoredTheBatch) {
  sink_.SetDelay(true);
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(
      c.Send(Frame(2, "syslog", Msg(2)) + Frame(3, "syslog", Msg(3)) + Frame(4, "syslog", Msg(4))));
  ASSERT_TRUE(WaitFor([&] { return sink_.records().size() == 3; }));
  EXPECT_EQ(sink_.pushes(), 1u) << "the frames of one read are one batch";
  EXPECT_TRUE(c.Silent(milliseconds(300))) << "no rsp before the batch is stored";
  EXPECT_EQ(sink_.Ack(), 1u);
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "3 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "4 rsp 6 200 OK");
  EXPECT_EQ(Counter("messages.acked"), 3u);
  EXPECT_EQ(counters_.Value("received.relp"), 3u);
  std::vector<LogRecord> recs = sink_.records();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].raw, Msg(2));
  EXPECT_EQ(recs[2].raw, Msg(4));
  EXPECT_EQ(recs[0].transport, Transport::kRelp);
  EXPECT_TRUE(recs[0].peer.starts_with("127.0.0.1:")) << recs[0].peer;
}

TEST_F(RelpListenerTest, ResponsesOfSuccessiveBatchesGoOutInOrder) {
  sink_.SetDelay(true);
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(2)) + Frame(3, "syslog", Msg(3))));
  ASSERT_TRUE(WaitFor([&] { return sink_.pending() == 1; }));
  // A second batch, then a command answered at once that must still wait
  // behind the syslog frames before it.
  ASSERT_TRUE(c.Send(Frame(4, "syslog", Msg(4))));
  ASSERT_TRUE(WaitFor([&] { return sink_.pending() == 2; }));
  ASSERT_TRUE(c.Send(Frame(5, "starttls")));
  EXPECT_TRUE(c.Silent());
  EXPECT_EQ(sink_.Ack(true, 1), 1u);
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "3 rsp 6 200 OK");
  EXPECT_TRUE(c.Silent()) << "batch 2 is not stored yet";
  EXPECT_EQ(sink_.Ack(true, 1), 1u);
  EXPECT_EQ(c.Read(), "4 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "5 rsp 25 500 command not supported");
  EXPECT_EQ(Counter("commands.unsupported"), 1u);
}

TEST_F(RelpListenerTest, TwoSessionsHaveBatchesInFlightAtOnce) {
  sink_.SetDelay(true);
  StartListener();
  Client a, b;
  ASSERT_TRUE(a.Connect(port_));
  ASSERT_TRUE(b.Connect(port_));
  ASSERT_TRUE(a.Open());
  ASSERT_TRUE(b.Open());
  ASSERT_TRUE(a.Send(Frame(2, "syslog", Msg(20))));
  ASSERT_TRUE(b.Send(Frame(2, "syslog", Msg(21)) + Frame(3, "syslog", Msg(22))));
  // Both batches reach the sink before either is acknowledged: one commit
  // (one fsync) can acknowledge both.
  ASSERT_TRUE(WaitFor([&] { return sink_.pending() == 2; }));
  EXPECT_TRUE(a.Silent(milliseconds(100)));
  EXPECT_TRUE(b.Silent(milliseconds(100)));
  EXPECT_EQ(sink_.Ack(), 2u);
  EXPECT_EQ(a.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(b.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(b.Read(), "3 rsp 6 200 OK");
}

TEST_F(RelpListenerTest, UnavailableSinkClosesWithoutAnsweringByDefault) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(2))));
  ASSERT_TRUE(c.Read() == "2 rsp 6 200 OK");
  sink_.SetUnavailable("disk full: test");
  ASSERT_TRUE(c.Send(Frame(3, "syslog", Msg(3)) + Frame(4, "syslog", Msg(4))));
  std::vector<std::string> frames;
  EXPECT_TRUE(c.Closed(milliseconds(3000), &frames));
  EXPECT_EQ(frames, std::vector<std::string>{"0 serverclose 0"})
      << "the refused frames stay unanswered: the client resends them";
  EXPECT_EQ(Counter("refused_unavailable"), 1u);
  EXPECT_EQ(sink_.records().size(), 1u);
}

TEST_F(RelpListenerTest, UnavailableSinkAnswers500WhenConfigured) {
  RelpOptions o;
  o.reply_500_when_unavailable = true;
  StartListener(o);
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  sink_.SetUnavailable("disk full: test\nsecond line");
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(2)) + Frame(3, "syslog", Msg(3))));
  EXPECT_EQ(c.Read(), "2 rsp 31 500 disk full: test second line");
  EXPECT_EQ(c.Read(), "3 rsp 31 500 disk full: test second line");
  EXPECT_EQ(Counter("refused_unavailable"), 1u);
  EXPECT_TRUE(sink_.records().empty());
  // The session goes on; once the store is back, the resent frame is stored.
  sink_.SetUnavailable("");
  ASSERT_TRUE(c.Send(Frame(4, "syslog", Msg(2))));
  EXPECT_EQ(c.Read(), "4 rsp 6 200 OK");
  EXPECT_EQ(sink_.records().size(), 1u);
}

TEST_F(RelpListenerTest, FullSinkPausesReadingUntilItTakesTheBatch) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  sink_.SetFull(true);
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(2))));
  ASSERT_TRUE(WaitFor([&] { return sink_.refusals() >= 3; }));
  EXPECT_GE(Counter("read_paused"), 1u);
  EXPECT_TRUE(c.Silent());
  sink_.SetFull(false);
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(sink_.records().size(), 1u);
  EXPECT_EQ(Counter("refused_unavailable"), 0u);
}

TEST_F(RelpListenerTest, LostBatchIsNeverAcknowledged) {
  sink_.SetDelay(true);
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(2))));
  ASSERT_TRUE(WaitFor([&] { return sink_.pending() == 1; }));
  sink_.Ack(false);
  std::vector<std::string> frames;
  EXPECT_TRUE(c.Closed(milliseconds(3000), &frames));
  EXPECT_TRUE(frames.empty()) << frames[0];
  EXPECT_EQ(Counter("messages.lost"), 1u);
  EXPECT_EQ(Counter("messages.acked"), 0u);
}

TEST_F(RelpListenerTest, CloseIsAnsweredThenTheServerCloses) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(2)) + Frame(3, "close")));
  std::vector<std::string> frames;
  EXPECT_TRUE(c.Closed(milliseconds(3000), &frames));
  EXPECT_EQ(frames, (std::vector<std::string>{"2 rsp 6 200 OK", "3 rsp 0"}));
  EXPECT_TRUE(WaitFor([&] { return Counter("connections.open") == 0; }));
}

TEST_F(RelpListenerTest, FrameSplitIntoOneByteWrites) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  const std::string frame = Frame(2, "syslog", Msg(2));
  for (char ch : frame) {
    ASSERT_TRUE(c.Send(std::string_view(&ch, 1)));
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  ASSERT_EQ(sink_.records().size(), 1u);
  EXPECT_EQ(sink_.records()[0].raw, Msg(2));
}

// A message above max_message is stored cut and flagged, and acknowledged:
// closing the session instead would make rsyslog resend it forever.
TEST_F(RelpListenerTest, OversizeMessageIsStoredCutAndAcknowledged) {
  RelpOptions o;
  o.max_message = 1000;
  StartListener(o);
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  const std::string big = Msg(2) + " " + std::string(3000, 'z');
  ASSERT_TRUE(c.Send(Frame(2, "syslog", big) + Frame(3, "syslog", Msg(3))));
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "3 rsp 6 200 OK");
  ASSERT_EQ(sink_.records().size(), 2u);
  EXPECT_EQ(sink_.records()[0].raw, big.substr(0, 1000));
  EXPECT_NE(sink_.records()[0].flags & kFlagTruncated, 0u);
  EXPECT_EQ(sink_.records()[1].raw, Msg(3));
  EXPECT_EQ(Counter("frames.oversize"), 1u);
}

TEST_F(RelpListenerTest, EmptySyslogFrameIsAnsweredAndNotStored) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(c.Send(Frame(2, "syslog")));
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(Counter("frames.empty"), 1u);
  EXPECT_TRUE(sink_.records().empty());
}

TEST_F(RelpListenerTest, WindowBoundsTheFramesAwaitingAcks) {
  sink_.SetDelay(true);
  RelpOptions o;
  o.max_unacked = 4;
  StartListener(o);
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  std::string frames;
  for (int i = 2; i < 12; ++i) frames += Frame(i, "syslog", Msg(i));
  ASSERT_TRUE(c.Send(frames));
  ASSERT_TRUE(WaitFor([&] { return sink_.records().size() == 4 && sink_.pending() == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(sink_.records().size(), 4u) << "reading paused at max_unacked";
  EXPECT_GE(Counter("window_paused"), 1u);
  // Batches of 4, 4 and 2: each is read once the one before is answered.
  int next = 2;
  for (int size : {4, 4, 2}) {
    ASSERT_TRUE(WaitFor([&] { return sink_.pending() == 1; }));
    EXPECT_EQ(sink_.records().size(), static_cast<size_t>(next - 2 + size));
    sink_.Ack();
    for (int i = 0; i < size; ++i, ++next) {
      EXPECT_EQ(c.Read(), std::to_string(next) + " rsp 6 200 OK");
    }
  }
  EXPECT_EQ(sink_.records().size(), 10u);
}

struct BadInput {
  const char* name;
  std::string bytes;
  const char* counter;
};

class RelpMalformedTest : public RelpListenerTest,
                          public ::testing::WithParamInterface<BadInput> {};

TEST_P(RelpMalformedTest, ClosesTheSessionAndCounts) {
  RelpOptions o;
  o.max_message = 1000;
  StartListener(o);
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(c.Send(GetParam().bytes));
  std::vector<std::string> frames;
  EXPECT_TRUE(c.Closed(milliseconds(3000), &frames));
  EXPECT_TRUE(frames.empty()) << frames[0];
  EXPECT_TRUE(WaitFor([&] { return Counter(GetParam().counter) == 1; })) << GetParam().counter;
  EXPECT_TRUE(sink_.records().empty());
  // The listener goes on.
  Client d;
  ASSERT_TRUE(d.Connect(port_));
  EXPECT_TRUE(d.Open());
}

INSTANTIATE_TEST_SUITE_P(
    Frames, RelpMalformedTest,
    ::testing::Values(BadInput{"txnr_not_a_number", "x2 syslog 3 abc\n", "frames.malformed"},
                      BadInput{"txnr_too_long", "1234567890 syslog 3 abc\n", "frames.malformed"},
                      BadInput{"txnr_zero", "0 syslog 3 abc\n", "protocol_error"},
                      BadInput{"datalen_not_digits", "2 syslog 3a abc\n", "frames.malformed"},
                      BadInput{"no_trailer", "2 syslog 3 abcX2 syslog 3 abc\n", "frames.malformed"},
                      BadInput{"binary", std::string("\x16\x03\x01\x02\x00", 5),
                               "frames.malformed"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST_F(RelpListenerTest, SyslogBeforeOpenIsAProtocolError) {
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Send(Frame(1, "syslog", Msg(1))));
  EXPECT_TRUE(c.Closed());
  EXPECT_TRUE(WaitFor([&] { return Counter("protocol_error") == 1; }));
  EXPECT_TRUE(sink_.records().empty());
}

TEST_F(RelpListenerTest, StopAnswersWhatIsStoredAndSendsServerclose) {
  sink_.SetDelay(true);
  StartListener();
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(2))));
  ASSERT_TRUE(WaitFor([&] { return sink_.pending() == 1; }));
  boost::asio::post(io_, [this] { listener_->Stop(); });
  EXPECT_TRUE(c.Silent(milliseconds(100)));
  sink_.Ack();
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "0 serverclose 0");
  EXPECT_TRUE(c.Closed());
  EXPECT_TRUE(WaitFor([&] { return io_.stopped(); }));
}

TEST_F(RelpListenerTest, IdleSessionIsClosed) {
  RelpOptions o;
  o.idle_timeout = std::chrono::seconds(1);
  StartListener(o);
  Client c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Open());
  EXPECT_EQ(c.Read(milliseconds(3000)), "0 serverclose 0");
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(Counter("connections.idle_timeout"), 1u);
}

TEST_F(RelpListenerTest, ConnectionLimit) {
  RelpOptions o;
  o.max_connections = 1;
  StartListener(o);
  Client a, b;
  ASSERT_TRUE(a.Connect(port_));
  ASSERT_TRUE(a.Open());
  ASSERT_TRUE(b.Connect(port_));
  EXPECT_TRUE(b.Closed());
  EXPECT_EQ(Counter("connections.rejected_limit"), 1u);
}

TEST_F(RelpListenerTest, AllowListRefusesOtherAddressesAndFlagsForgedHosts) {
  RelpOptions o;
  o.senders.allow = {"relp=127.0.0.2:mx1", "tcp=127.0.0.1"};
  StartListener(o);
  Client other;
  ASSERT_TRUE(other.Connect(port_));  // 127.0.0.1: only in a tcp entry
  EXPECT_TRUE(other.Closed());
  EXPECT_EQ(Counter("refused_address"), 1u);
  EXPECT_EQ(Counter("connections.accepted"), 0u);

  Client c;
  ASSERT_TRUE(c.Connect(port_, "127.0.0.2"));
  ASSERT_TRUE(c.Open());
  std::string forged = Msg(2);
  forged.replace(forged.find(" mx1 "), 5, " mx9 ");
  ASSERT_TRUE(c.Send(Frame(2, "syslog", Msg(1)) + Frame(3, "syslog", forged)));
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "3 rsp 6 200 OK");
  std::vector<LogRecord> records = sink_.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].flags & kFlagHostUnverified, 0u);
  EXPECT_EQ(records[1].host, "mx9");
  EXPECT_NE(records[1].flags & kFlagHostUnverified, 0u);
  EXPECT_TRUE(records[1].peer.starts_with("127.0.0.2:")) << records[1].peer;
  EXPECT_EQ(Counter("host_mismatch"), 1u);
}

TEST_F(RelpListenerTest, PerAddressLimitRefusesTheExcessOfOneAddressOnly) {
  RelpOptions o;
  o.senders.max_connections_per_address = 1;
  StartListener(o);
  Client a, b, c;
  ASSERT_TRUE(a.Connect(port_, "127.0.0.2"));
  ASSERT_TRUE(a.Open());
  ASSERT_TRUE(b.Connect(port_, "127.0.0.2"));
  EXPECT_TRUE(b.Closed());
  EXPECT_EQ(Counter("refused_per_address"), 1u);
  ASSERT_TRUE(c.Connect(port_, "127.0.0.3"));
  EXPECT_TRUE(c.Open()) << "another address is not affected";
  EXPECT_EQ(Counter("connections.accepted"), 2u);
}

TEST_F(RelpListenerTest, AFrameThatDoesNotEndInTimeClosesTheSession) {
  RelpOptions o;
  o.senders.frame_timeout = std::chrono::seconds(1);
  StartListener(o);
  // Frames that each take 0.6 s to arrive, 2.4 s in all: every one ends
  // within its deadline, so the session lives on.
  Client ok;
  ASSERT_TRUE(ok.Connect(port_));
  ASSERT_TRUE(ok.Open());
  for (uint32_t t = 2; t < 6; ++t) {
    const std::string f = Frame(t, "syslog", Msg(static_cast<int>(t)));
    ASSERT_TRUE(ok.Send(f.substr(0, 20)));
    std::this_thread::sleep_for(milliseconds(300));  // pacing
    ASSERT_TRUE(ok.Send(f.substr(20, 20)));
    std::this_thread::sleep_for(milliseconds(300));  // pacing
    ASSERT_TRUE(ok.Send(f.substr(40)));
    EXPECT_EQ(ok.Read(), std::to_string(t) + " rsp 6 200 OK");
  }
  EXPECT_EQ(Counter("frame_timeout"), 0u);

  // One frame dribbled a byte every 200 ms: closed after about 1 s.
  Client slow;
  ASSERT_TRUE(slow.Connect(port_));
  ASSERT_TRUE(slow.Open());
  const std::string f = Frame(2, "syslog", Msg(9));
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  std::vector<std::string> frames;
  for (size_t i = 0; i + 1 < f.size() && !closed; ++i) {
    slow.Send(f.substr(i, 1));
    closed = slow.Closed(milliseconds(200), &frames);
  }
  EXPECT_TRUE(closed);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(900));
  EXPECT_LT(took, milliseconds(4000));
  EXPECT_EQ(frames, std::vector<std::string>{"0 serverclose 0"});
  EXPECT_EQ(Counter("frame_timeout"), 1u);
  EXPECT_EQ(sink_.records().size(), 4u) << "the unfinished frame is not stored";
}

TEST_F(RelpListenerTest, ReloadTlsNeedsATlsListener) {
  StartListener();
  EXPECT_EQ(listener_->ReloadTls().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RelpListenerStartTest, RejectsBadAddressAndZone) {
  boost::asio::io_context io;
  TestSink sink;
  Counters counters;
  LineParser parser(nullptr, &counters);
  RelpOptions o;
  o.address = "127.0.0.1";
  EXPECT_EQ(RelpListener(&io, &sink, &counters, &parser, o).Start().code(),
            absl::StatusCode::kInvalidArgument);
  o.address = "127.0.0.1:0";
  o.timezone = "Nowhere/Nothing";
  EXPECT_EQ(RelpListener(&io, &sink, &counters, &parser, o).Start().code(),
            absl::StatusCode::kInvalidArgument);
  o.timezone = "utc";
  o.senders.allow = {"relp=192.0.2.10/24"};  // host bits set
  EXPECT_EQ(RelpListener(&io, &sink, &counters, &parser, o).Start().code(),
            absl::StatusCode::kInvalidArgument);
  o.senders.allow.clear();
  o.tls = TlsOptions{"/nonexistent/cert.pem", "/nonexistent/key.pem", ""};
  EXPECT_EQ(RelpListener(&io, &sink, &counters, &parser, o).Start().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mlq
