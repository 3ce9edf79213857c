// Listeners with several I/O threads (ListenerOptions::io_threads) on
// 127.0.0.1, a real io_context thread, an in-memory sink and blocking
// clients: connections spread over the threads, each connection's lines
// reach the sink in the order sent, a refusing sink pauses reads and loses
// nothing, and Stop() hands every line read to the sink before
// io_context::run() returns. No timing is asserted; every wait is bounded.
#include "receiver/intake/listeners.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mlq {
namespace {

using std::chrono::milliseconds;

// Keeps what it takes, with the threads that pushed; refuses everything
// (as a full queue does) while SetFull(true).
class OrderSink : public RecordSink {
 public:
  bool TryPush(std::vector<LogRecord>& batch) override {
    std::lock_guard lock(mu_);
    if (full_) {
      ++refusals_;
      return false;
    }
    for (LogRecord& r : batch) records_.push_back(std::move(r));
    batch.clear();
    threads_.insert(std::this_thread::get_id());
    return true;
  }
  bool TryPushAcked(std::vector<LogRecord>& batch, StoredCallback cb) override {
    if (!TryPush(batch)) return false;
    if (cb) cb(true);
    return true;
  }
  void SetFull(bool v) {
    std::lock_guard lock(mu_);
    full_ = v;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return records_.size();
  }
  size_t refusals() const {
    std::lock_guard lock(mu_);
    return refusals_;
  }
  size_t threads() const {
    std::lock_guard lock(mu_);
    return threads_.size();
  }
  std::vector<LogRecord> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  bool full_ = false;
  size_t refusals_ = 0;
  std::vector<LogRecord> records_;
  std::set<std::thread::id> threads_;
};

bool WaitFor(const std::function<bool()>& pred, milliseconds timeout = milliseconds(20000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool Send(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Line `seq` of connection `conn`: the host names the connection.
std::string Line(int conn, int seq) {
  return "<13>Nov 22 10:00:00 c" + std::to_string(conn) + " app: seq=" + std::to_string(seq) + "\n";
}

// Every connection's lines are there once, in the order sent; returns the
// number of connections seen.
size_t ExpectInOrder(const std::vector<LogRecord>& records, int conns, int lines) {
  std::map<std::string, std::vector<int>> by_host;
  for (const LogRecord& r : records) {
    const size_t at = r.raw.find("seq=");
    by_host[r.host].push_back(at == std::string::npos ? -1 : std::stoi(r.raw.substr(at + 4)));
  }
  for (int c = 0; c < conns; ++c) {
    const std::vector<int>& seqs = by_host["c" + std::to_string(c)];
    EXPECT_EQ(seqs.size(), static_cast<size_t>(lines)) << "connection " << c;
    int wrong = 0;
    for (size_t i = 0; i < seqs.size(); ++i) wrong += seqs[i] != static_cast<int>(i) ? 1 : 0;
    EXPECT_EQ(wrong, 0) << "connection " << c << ": lines out of order or missing";
  }
  return by_host.size();
}

class ListenersThreadsTest : public ::testing::Test {
 protected:
  void Start(size_t io_threads) {
    ListenerOptions o;
    o.tcp_address = "127.0.0.1:0";
    o.io_threads = io_threads;
    o.timezone = "utc";
    listeners_ = std::make_unique<Listeners>(&io_, &sink_, &counters_, &parser_, o);
    ASSERT_TRUE(listeners_->Start().ok());
    for (const auto& [name, address] : listeners_->Bound()) {
      if (name == "tcp") port_ = static_cast<uint16_t>(std::stoi(address.substr(10)));
    }
    ASSERT_NE(port_, 0);
    io_thread_ = std::thread([this] { io_.run(); });
  }
  // Stop() on the io thread; returns once io_context::run() did.
  void Stop() {
    boost::asio::post(io_, [this] { listeners_->Stop(); });
    io_thread_.join();
  }
  void TearDown() override {
    if (io_thread_.joinable()) Stop();
    for (int fd : fds_) close(fd);
  }
  uint64_t Count(const char* name) { return counters_.Get(name).load(); }
  // Opens `conns` connections and sends each `lines` lines (Line(c, i)) in
  // one write; `close_write`: then shuts down its sending side.
  void ConnectAndSend(int conns, int lines, bool close_write) {
    for (int c = 0; c < conns; ++c) {
      fds_.push_back(Connect(port_));
      ASSERT_GE(fds_.back(), 0);
      std::string all;
      for (int i = 0; i < lines; ++i) all += Line(c, i);
      ASSERT_TRUE(Send(fds_.back(), all));
      if (close_write) shutdown(fds_.back(), SHUT_WR);
    }
  }

  Counters counters_;
  LineParser parser_{nullptr, &counters_};
  OrderSink sink_;
  boost::asio::io_context io_;
  std::unique_ptr<Listeners> listeners_;
  std::thread io_thread_;
  uint16_t port_ = 0;
  std::vector<int> fds_;
};

TEST_F(ListenersThreadsTest, ConnectionsSpreadOverTheThreadsKeepTheirOrder) {
  constexpr int kConns = 8, kLines = 3000, kChunk = 100;
  Start(4);
  for (int c = 0; c < kConns; ++c) {
    fds_.push_back(Connect(port_));
    ASSERT_GE(fds_.back(), 0);
  }
  ASSERT_TRUE(WaitFor([&] { return Count("listener.tcp.connections.open") == kConns; }));
  for (int from = 0; from < kLines; from += kChunk) {
    for (int c = 0; c < kConns; ++c) {
      std::string chunk;
      for (int i = from; i < from + kChunk; ++i) chunk += Line(c, i);
      ASSERT_TRUE(Send(fds_[c], chunk));
    }
  }
  for (int fd : fds_) shutdown(fd, SHUT_WR);
  ASSERT_TRUE(WaitFor([&] { return sink_.size() == size_t{kConns} * kLines; })) << sink_.size();
  EXPECT_EQ(ExpectInOrder(sink_.records(), kConns, kLines), size_t{kConns});
  // Eight connections, all open at once, two on each of the four threads.
  EXPECT_EQ(sink_.threads(), 4u);
  ASSERT_TRUE(WaitFor([&] { return Count("listener.tcp.connections.open") == 0; }));
  Stop();
  EXPECT_EQ(Count("listener.tcp.connections.accepted"), uint64_t{kConns});
}

TEST_F(ListenersThreadsTest, AFullSinkPausesEveryThreadAndStopStillDeliversEveryLineRead) {
  // Few lines per connection: each fits one read and one batch, so all of
  // them are read (and held) while the sink refuses.
  constexpr int kConns = 6, kLines = 100;
  Start(3);
  sink_.SetFull(true);
  ASSERT_NO_FATAL_FAILURE(ConnectAndSend(kConns, kLines, /*close_write=*/false));
  ASSERT_TRUE(WaitFor([&] { return Count("received.tcp") == uint64_t{kConns} * kLines; }));
  ASSERT_TRUE(WaitFor([&] { return Count("listener.tcp.read_paused") >= uint64_t{kConns}; }));
  EXPECT_EQ(sink_.size(), 0u);
  // The connections stay open: Stop() closes them on their threads, which
  // go on offering their batches; run() returns only once all were taken.
  std::atomic<bool> stopped{false};
  boost::asio::post(io_, [&] {
    listeners_->Stop();
    stopped = true;
  });
  ASSERT_TRUE(WaitFor([&] { return stopped.load(); }));
  // Still refused after Stop(): the sessions keep their lines and retry.
  const size_t refusals = sink_.refusals();
  ASSERT_TRUE(WaitFor([&] { return sink_.refusals() > refusals + kConns; }));
  EXPECT_EQ(sink_.size(), 0u);
  sink_.SetFull(false);
  io_thread_.join();
  EXPECT_EQ(sink_.size(), size_t{kConns} * kLines);
  EXPECT_EQ(ExpectInOrder(sink_.records(), kConns, kLines), size_t{kConns});
  EXPECT_EQ(Count("listener.tcp.connections.open"), 0u);
}

TEST_F(ListenersThreadsTest, OneThreadServesEveryConnectionOnTheGivenIoContext) {
  constexpr int kConns = 3, kLines = 500;
  Start(1);
  ASSERT_NO_FATAL_FAILURE(ConnectAndSend(kConns, kLines, /*close_write=*/true));
  ASSERT_TRUE(WaitFor([&] { return sink_.size() == size_t{kConns} * kLines; }));
  EXPECT_EQ(ExpectInOrder(sink_.records(), kConns, kLines), size_t{kConns});
  EXPECT_EQ(sink_.threads(), 1u);
}

}  // namespace
}  // namespace mlq
