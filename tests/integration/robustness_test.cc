// Robustness of the syslog listeners, with the real mlqd and mlq binaries:
// TLS (mutual TLS, old protocol versions, foreign client certificates),
// damaged input on every listener while a good connection keeps sending,
// many concurrent senders, the connection limit and running out of file
// descriptors, flow control with a tiny writer queue (no line lost,
// bounded memory), UDP drops, and a flood of short-lived connections.
//
// Every wait is bounded (WaitFor, socket timeouts); nothing sleeps in place
// of an assertion.
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "test_util.h"
#include "tls_client.h"

namespace mlq::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Helpers

// A Postfix qmgr line that `mlq find --queue-id QID` finds; `n` comes back
// as the record's "size", which tells the lines of one queue ID apart.
std::string PostfixLine(const std::string& host, const std::string& qid, int64_t n) {
  return "<22>Jul  7 09:06:15 " + host + " postfix/qmgr[2502]: " + qid +
         ": from=<sender@example.org>, size=" + std::to_string(n) + ", nrcpt=1 (queue active)";
}
std::string Lf(const std::string& line) { return line + "\n"; }
std::string Octet(const std::string& line) { return std::to_string(line.size()) + " " + line; }

// An uppercase-hex Postfix queue ID, e.g. Qid(0xA1000001) == "A1000001".
std::string Qid(uint32_t tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08X", tag);
  return buf;
}

uint16_t PortOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(addr.substr(colon + 1)));
}

// mlqd logs "mlqd: listening tls 127.0.0.1:PORT" (the harness has no
// accessor for it).
uint16_t TlsPortOf(const Daemon& d) {
  const std::string log = d.log();
  const std::string key = "mlqd: listening tls ";
  size_t p = log.find(key);
  if (p == std::string::npos) return 0;
  size_t e = log.find('\n', p);
  return PortOf(log.substr(p + key.size(), e - p - key.size()));
}

// A counter from `mlq status --json` (-1 when status did not answer).
int64_t Counter(const json& status, const std::string& name) {
  if (!status.is_object() || !status.contains("counters")) return -1;
  return status["counters"].value(name, int64_t{0});
}
int64_t Stored(const json& status) {
  return status.is_object() ? status.value("stored", int64_t{-1}) : -1;
}

// Polls `mlq status` until pred(status) or `timeout`; returns the last status.
json WaitStatus(const Daemon& d, const std::function<bool(const json&)>& pred,
                std::chrono::milliseconds timeout = 20s) {
  json status;
  WaitFor(
      [&] {
        status = d.Status();
        return status.is_object() && pred(status);
      },
      timeout);
  return status;
}

// Every row of `mlq find --queue-id QID` (none when nothing is found).
std::vector<json> FindQueueId(const Daemon& d, const std::string& qid) {
  CommandResult r = d.Mlq({"find", "--json", "--limit", "100000", "--queue-id", qid});
  return r.exit_code == 0 ? ParseJsonLines(r.out) : std::vector<json>();
}

// Polls until `mlq find --queue-id` returns at least `want` rows.
std::vector<json> FindQueueIdUntil(const Daemon& d, const std::string& qid, size_t want,
                                   std::chrono::milliseconds timeout = 20s) {
  std::vector<json> rows;
  WaitFor(
      [&] {
        rows = FindQueueId(d, qid);
        return rows.size() >= want;
      },
      timeout);
  return rows;
}

bool HasFlag(const json& row, const std::string& flag) {
  if (!row.contains("flags")) return false;
  for (const auto& f : row["flags"]) {
    if (f == flag) return true;
  }
  return false;
}

// The rows carry sizes 0..n-1, each exactly once.
void ExpectSizesOnce(const std::vector<json>& rows, int64_t n, const std::string& what) {
  EXPECT_EQ(static_cast<int64_t>(rows.size()), n) << what;
  std::set<int64_t> seen;
  int64_t dups = 0;
  for (const auto& r : rows) {
    if (!seen.insert(r.value("size", int64_t{-1})).second) ++dups;
  }
  EXPECT_EQ(dups, 0) << what << ": lines stored more than once";
  EXPECT_EQ(static_cast<int64_t>(seen.size()), n) << what;
  if (!seen.empty()) {
    EXPECT_EQ(*seen.begin(), 0) << what;
    EXPECT_EQ(*seen.rbegin(), n - 1) << what;
  }
}

// The mlqd child of this process that uses `data_dir` (0 when none).
pid_t DaemonPid(const std::string& data_dir) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  pid_t found = 0;
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> argv;
    std::stringstream ss(cmdline);
    for (std::string a; std::getline(ss, a, '\0');) argv.push_back(a);
    if (argv.size() < 3 || !argv[0].ends_with("mlqd")) continue;
    for (size_t i = 1; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--data" && argv[i + 1] == data_dir) found = static_cast<pid_t>(pid);
    }
  }
  closedir(proc);
  return found;
}

// A "VmRSS:"/"VmHWM:" figure of /proc/PID/status, in KiB (-1 when unknown).
int64_t ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(field + ":")) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// Open descriptors of `pid`.
int CountFds(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.' ? 1 : 0;
  closedir(d);
  return n;
}

// User + system CPU time of `pid`, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the ")" that ends the command name: state is field 3,
  // utime field 14, stime field 15.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A blocking TCP connection to 127.0.0.1 with bounded sends.
class TcpConn {
 public:
  TcpConn() = default;
  TcpConn(TcpConn&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  TcpConn& operator=(TcpConn&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~TcpConn() { Close(); }

  // `from`: the local address to send from, e.g. "127.0.0.2" (all of
  // 127/8 is loopback on Linux): another sender as far as mlqd can tell.
  bool Connect(uint16_t port, const char* from = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    timeval tv{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (from != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, from, &local.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return false;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  bool Send(std::string_view bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }
  // True when the peer ended the connection (EOF or reset) within `wait`;
  // data it sent is discarded.
  bool PeerClosed(std::chrono::milliseconds wait) {
    if (fd_ < 0) return true;
    const auto deadline = Clock::now() + wait;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
      if (r < 0 && errno != EINTR) return false;
      if (r > 0) {
        char buf[4096];
        ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
        continue;
      }
      if (left.count() <= 0) return false;
    }
  }
  // Closes with a TCP reset (SO_LINGER 0).
  void Reset() {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Certificates made by deploy/make-test-ca.sh: the test CA (server and
// client "mail-client") and a second, unrelated CA ("rogue-client").
struct Pki {
  std::string ca, server_cert, server_key, client_cert, client_key;
  std::string rogue_cert, rogue_key;
};

const Pki& TestPki() {
  static TempDir dir;
  static const Pki pki = [] {
    const std::string script = std::string(MLQ_TEST_DATA) + "/../../deploy/make-test-ca.sh";
    const std::string ca = dir.path() + "/ca", rogue = dir.path() + "/rogue";
    CommandResult a = RunCommand({"bash", script, ca, "localhost", "mail-client"});
    CommandResult b = RunCommand({"bash", script, rogue, "localhost", "rogue-client"});
    if (a.exit_code != 0 || b.exit_code != 0) ADD_FAILURE() << a.err << b.err;
    return Pki{ca + "/ca.pem",     ca + "/server.pem",    ca + "/server.key",   ca + "/client.pem",
               ca + "/client.key", rogue + "/client.pem", rogue + "/client.key"};
  }();
  return pki;
}

std::vector<std::string> TlsArgs(bool client_ca) {
  const Pki& p = TestPki();
  std::vector<std::string> a = {"--syslog-tls", "127.0.0.1:0", "--tls-cert",
                                p.server_cert,  "--tls-key",   p.server_key};
  if (client_ca) a.insert(a.end(), {"--tls-client-ca", p.ca});
  return a;
}

// A TLS client that verifies mlqd's certificate and presents mail-client's.
TlsClientOptions MutualTls() {
  const Pki& p = TestPki();
  TlsClientOptions o;
  o.ca_file = p.ca;
  o.cert_file = p.client_cert;
  o.key_file = p.client_key;
  return o;
}

// A sender that keeps one connection (TCP, or TLS when `tls` is set) busy:
// every 5 ms a burst of lines for queue ID `qid`, LF and octet-counted
// alternately, with sizes 0, 1, 2, ... It stands for the good sender that
// bad input on other connections must never disturb.
class GoodSender {
 public:
  GoodSender(uint16_t port, std::string qid, std::optional<TlsClientOptions> tls = std::nullopt)
      : port_(port), qid_(std::move(qid)), tls_(std::move(tls)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~GoodSender() { Stop(); }

  // Stops once at least `min_lines` went out, closes cleanly; the number of
  // lines sent, or -1 when the connection failed.
  int64_t Stop(int64_t min_lines = 100) {
    min_lines_ = min_lines;
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return ok_ ? sent_.load() : -1;
  }
  const std::string& qid() const { return qid_; }
  const std::string& error() const { return error_; }

 private:
  void Run() {
    TcpConn tcp;
    std::unique_ptr<TlsClient> tls;
    bool connected;
    if (tls_) {
      tls = std::make_unique<TlsClient>(*tls_);
      connected = tls->Connect(port_);
      if (!connected) error_ = tls->error();
    } else {
      connected = tcp.Connect(port_);
      if (!connected) error_ = "connect failed";
    }
    if (!connected) {
      ok_ = false;
      return;
    }
    int64_t n = 0;
    while (!stop_ || n < min_lines_) {
      std::string burst;
      for (int i = 0; i < 4; ++i, ++n) {
        const std::string line = PostfixLine("good", qid_, n);
        burst += (n % 2 == 0) ? Lf(line) : Octet(line);
      }
      if (!(tls ? tls->Send(burst) : tcp.Send(burst))) {
        error_ = tls ? tls->error() : "send failed: " + std::string(strerror(errno));
        ok_ = false;
        return;
      }
      sent_ = n;
      std::this_thread::sleep_for(5ms);  // pacing, not an assertion
    }
    if (tls) {
      tls->Close();
    } else {
      tcp.ShutdownWrite();
      if (!tcp.PeerClosed(10s)) {
        error_ = "mlqd did not close the good connection";
        ok_ = false;
      }
    }
  }

  uint16_t port_;
  std::string qid_;
  std::optional<TlsClientOptions> tls_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> min_lines_{100};
  std::atomic<int64_t> sent_{0};
  bool ok_ = true;
  std::string error_;
};

// Stops `g` and checks that every line it sent was stored exactly once.
int64_t ExpectGoodLinesStored(const Daemon& d, GoodSender& g) {
  const int64_t sent = g.Stop();
  EXPECT_GT(sent, 0) << "the good connection failed: " << g.error();
  if (sent <= 0) return 0;
  std::vector<json> rows = FindQueueIdUntil(d, g.qid(), static_cast<size_t>(sent));
  ExpectSizesOnce(rows, sent, "good sender " + g.qid());
  return sent;
}

// ---------------------------------------------------------------------------
// 1. TLS

class TlsTest : public ::testing::Test {
 protected:
  void StartDaemon(std::vector<std::string> args) {
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data", std::move(args));
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
    tls_port_ = TlsPortOf(*daemon_);
    ASSERT_NE(tls_port_, 0) << daemon_->log();
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  uint16_t tls_port_ = 0;
};

TEST_F(TlsTest, MutualTlsStoresBothFramingsOnceWithTheClientSubject) {
  StartDaemon(TlsArgs(/*client_ca=*/true));
  const std::string qid = Qid(0xA1000001);
  // Connection 1: LF and octet-counted frames mixed, written in 100-byte
  // pieces so that frames straddle TLS records.
  std::string stream;
  for (int i = 0; i < 100; ++i) {
    stream +=
        i % 2 == 0 ? Lf(PostfixLine("tlshost", qid, i)) : Octet(PostfixLine("tlshost", qid, i));
  }
  TlsClient c1(MutualTls());
  ASSERT_TRUE(c1.Connect(tls_port_)) << c1.error();
  EXPECT_EQ(c1.version(), "TLSv1.3");
  for (size_t p = 0; p < stream.size(); p += 100) ASSERT_TRUE(c1.Send(stream.substr(p, 100)));
  c1.Close();
  // Connection 2: octet counting only, one write.
  std::string octets;
  for (int i = 100; i < 150; ++i) octets += Octet(PostfixLine("tlshost", qid, i));
  std::string error;
  ASSERT_TRUE(SendTls(tls_port_, octets, MutualTls(), &error)) << error;

  std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 150);
  ExpectSizesOnce(rows, 150, "TLS lines");
  for (const json& r : rows) {
    EXPECT_EQ(r.value("transport", ""), "tls");
    EXPECT_EQ(r.value("host", ""), "tlshost");
    EXPECT_FALSE(HasFlag(r, "framing-error")) << r.dump();
  }
  ASSERT_FALSE(rows.empty());
  // The client certificate's subject is kept with every line.
  EXPECT_NE(rows[0].value("peer_subject", "").find("CN=mail-client"), std::string::npos)
      << "find --json shows no peer_subject: " << rows[0].dump();
  json s = WaitStatus(*daemon_, [](const json& s) {
    return Stored(s) >= 150 && Counter(s, "listener.tls.connections.open") == 0;
  });
  EXPECT_EQ(Stored(s), 150);
  EXPECT_EQ(Counter(s, "received.tls"), 150);
  EXPECT_EQ(Counter(s, "listener.tls.connections.accepted"), 2);
  EXPECT_EQ(Counter(s, "listener.tls.frames.incomplete"), 0);
  EXPECT_EQ(Counter(s, "listener.tls.handshake_failed"), 0);
  EXPECT_EQ(Counter(s, "listener.tls.client_cert_rejected"), 0);
}

TEST_F(TlsTest, WithoutClientCaAClientWithoutCertificateIsServed) {
  StartDaemon(TlsArgs(/*client_ca=*/false));
  const std::string qid = Qid(0xA1000002);
  TlsClientOptions o;
  o.ca_file = TestPki().ca;  // still verifies the server
  std::string error;
  ASSERT_TRUE(SendTls(tls_port_,
                      Lf(PostfixLine("nocert", qid, 0)) + Octet(PostfixLine("nocert", qid, 1)), o,
                      &error))
      << error;
  std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 2);
  ExpectSizesOnce(rows, 2, "lines from a client without certificate");
  for (const json& r : rows) {
    EXPECT_EQ(r.value("transport", ""), "tls");
    EXPECT_EQ(r.value("peer_subject", ""), "") << "no client certificate, no subject";
  }
}

TEST_F(TlsTest, Tls10And11ClientsAreRefusedAsHandshakeFailed) {
  StartDaemon(TlsArgs(/*client_ca=*/true));
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    TlsClientOptions o = MutualTls();
    o.max_version = version;
    TlsClient c(o);
    EXPECT_FALSE(c.Connect(tls_port_)) << "TLS version " << std::hex << version << " accepted";
  }
  // TLS 1.2 is still fine.
  const std::string qid = Qid(0xA1000003);
  TlsClientOptions o12 = MutualTls();
  o12.max_version = TLS1_2_VERSION;
  TlsClient c12(o12);
  ASSERT_TRUE(c12.Connect(tls_port_)) << c12.error();
  EXPECT_EQ(c12.version(), "TLSv1.2");
  ASSERT_TRUE(c12.Send(Lf(PostfixLine("tls12", qid, 0))));
  c12.Close();
  EXPECT_EQ(FindQueueIdUntil(*daemon_, qid, 1).size(), 1u);

  json s = WaitStatus(*daemon_, [](const json& s) {
    return Counter(s, "listener.tls.handshake_failed") >= 2 &&
           Counter(s, "listener.tls.connections.open") == 0;
  });
  EXPECT_EQ(Counter(s, "listener.tls.handshake_failed"), 2) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.client_cert_rejected"), 0);
  EXPECT_EQ(Counter(s, "listener.tls.connections.accepted"), 3);
  EXPECT_EQ(Stored(s), 1);
}

TEST_F(TlsTest, ClientCertificateFromAnotherCaOrNoneIsRejected) {
  StartDaemon(TlsArgs(/*client_ca=*/true));
  const Pki& p = TestPki();
  TlsClientOptions rogue = MutualTls();
  rogue.cert_file = p.rogue_cert;
  rogue.key_file = p.rogue_key;
  TlsClientOptions none = MutualTls();
  none.cert_file.clear();
  none.key_file.clear();
  const std::string bad_qid = Qid(0xA1000004);
  for (const TlsClientOptions& o : {rogue, none}) {
    TlsClient c(o);
    // With TLS 1.3 the client's side of the handshake may complete before
    // the server checks its certificate: then the server must end the
    // connection, and nothing sent may be stored.
    if (c.Connect(tls_port_)) {
      c.Send(Lf(PostfixLine("rogue", bad_qid, 0)));
      EXPECT_TRUE(c.PeerClosed(10s)) << "mlqd kept a connection with a bad client certificate";
    }
  }
  json s = WaitStatus(*daemon_, [](const json& s) {
    return Counter(s, "listener.tls.client_cert_rejected") >= 2 &&
           Counter(s, "listener.tls.connections.open") == 0;
  });
  EXPECT_EQ(Counter(s, "listener.tls.client_cert_rejected"), 2) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.handshake_failed"), 0);
  // The good client is served, and is all that was stored.
  const std::string qid = Qid(0xA1000005);
  std::string error;
  ASSERT_TRUE(SendTls(tls_port_, Lf(PostfixLine("good", qid, 0)), MutualTls(), &error)) << error;
  EXPECT_EQ(FindQueueIdUntil(*daemon_, qid, 1).size(), 1u);
  EXPECT_TRUE(FindQueueId(*daemon_, bad_qid).empty());
  EXPECT_EQ(Stored(daemon_->Status()), 1);
}

// A handshake that never starts, and one that stops halfway, each end at
// the handshake deadline (15 s in mlqd) and are counted once, as
// handshake_timeout; meanwhile other clients are served.
TEST_F(TlsTest, StalledHandshakesTimeOutAndAreCountedOnce) {
  StartDaemon(TlsArgs(/*client_ca=*/false));
  const auto start = Clock::now();
  TcpConn silent, partial;
  ASSERT_TRUE(silent.Connect(tls_port_));
  ASSERT_TRUE(partial.Connect(tls_port_));
  // A handshake record header announcing 512 bytes, and only 5 of them.
  ASSERT_TRUE(partial.Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9)));

  const std::string qid = Qid(0xA1000006);
  TlsClientOptions o;
  o.ca_file = TestPki().ca;
  std::string error;
  ASSERT_TRUE(SendTls(tls_port_, Lf(PostfixLine("during", qid, 0)), o, &error)) << error;
  EXPECT_EQ(FindQueueIdUntil(*daemon_, qid, 1, 5s).size(), 1u)
      << "a stalled handshake delayed another client";
  EXPECT_LT(Clock::now() - start, 10s);

  EXPECT_TRUE(silent.PeerClosed(25s)) << "a silent TLS client was never dropped";
  EXPECT_TRUE(partial.PeerClosed(5s)) << "a half handshake was never dropped";
  json s = WaitStatus(*daemon_, [](const json& s) {
    return Counter(s, "listener.tls.handshake_timeout") >= 2 &&
           Counter(s, "listener.tls.connections.open") == 0;
  });
  EXPECT_EQ(Counter(s, "listener.tls.handshake_timeout"), 2) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.handshake_failed"), 0)
      << "a timed-out handshake is also counted as failed";
  EXPECT_EQ(Counter(s, "listener.tls.client_cert_rejected"), 0);
  EXPECT_EQ(Counter(s, "listener.tls.connections.accepted"), 3);
}

// ---------------------------------------------------------------------------
// 2. Bad input, per listener, while good TCP and TLS connections keep
// sending. mlqd runs with --idle-timeout 1 --max-message 1024.

constexpr size_t kMaxMessage = 1024;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> args = TlsArgs(/*client_ca=*/true);
    args.insert(args.end(), {"--idle-timeout", "1", "--max-message", std::to_string(kMaxMessage)});
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data", args);
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
    tls_port_ = TlsPortOf(*daemon_);
    ASSERT_NE(tls_port_, 0);
    good_tcp_ = std::make_unique<GoodSender>(daemon_->tcp_port(), Qid(0xB0000001));
    good_tls_ = std::make_unique<GoodSender>(tls_port_, Qid(0xB0000002), MutualTls());
  }

  // Stops the good senders, checks all their lines were stored once, then
  // that the store holds exactly those plus `bad_records`; returns the
  // final status.
  json FinishGood(int64_t bad_records) {
    const int64_t good =
        ExpectGoodLinesStored(*daemon_, *good_tcp_) + ExpectGoodLinesStored(*daemon_, *good_tls_);
    json s = WaitStatus(*daemon_, [&](const json& s) {
      return Stored(s) >= good + bad_records && Counter(s, "listener.tcp.connections.open") == 0 &&
             Counter(s, "listener.tls.connections.open") == 0;
    });
    EXPECT_EQ(Stored(s), good + bad_records) << s.dump();
    EXPECT_EQ(Counter(s, "listener.tcp.connections.open"), 0);
    EXPECT_EQ(Counter(s, "listener.tls.connections.open"), 0);
    EXPECT_TRUE(daemon_->Running());
    return s;
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  uint16_t tls_port_ = 0;
  std::unique_ptr<GoodSender> good_tcp_, good_tls_;
};

TEST_F(BadInputTest, GarbageTlsHandshakeIsHandshakeFailed) {
  for (int i = 0; i < 3; ++i) {
    // A handshake record header, then noise.
    std::string hello("\x16\x03\x01\x00\x40", 5);
    for (int j = 0; j < 64; ++j) hello.push_back(static_cast<char>((j * 131 + i * 7) & 0xff));
    EXPECT_TRUE(SendTcp(tls_port_, hello));
  }
  json s = WaitStatus(
      *daemon_, [](const json& s) { return Counter(s, "listener.tls.handshake_failed") >= 3; });
  s = FinishGood(0);
  EXPECT_EQ(Counter(s, "listener.tls.handshake_failed"), 3) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.plaintext_on_tls"), 0);
  EXPECT_EQ(Counter(s, "listener.tls.client_cert_rejected"), 0);
}

TEST_F(BadInputTest, PlaintextSyslogOnTheTlsPortIsCountedAndNotStored) {
  const std::string qid = Qid(0xB1000001);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(SendTcp(tls_port_, Lf(PostfixLine("plain", qid, i))));
  WaitStatus(*daemon_,
             [](const json& s) { return Counter(s, "listener.tls.plaintext_on_tls") >= 3; });
  json s = FinishGood(0);
  EXPECT_EQ(Counter(s, "listener.tls.plaintext_on_tls"), 3) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.handshake_failed"), 0);
  EXPECT_TRUE(FindQueueId(*daemon_, qid).empty());
}

TEST_F(BadInputTest, TlsClientHelloOnThePlaintextPortIsCountedAndNotStored) {
  for (int i = 0; i < 3; ++i) {
    TlsClient c(MutualTls());
    EXPECT_FALSE(c.Connect(daemon_->tcp_port())) << "a TLS handshake succeeded on the TCP port";
  }
  WaitStatus(*daemon_,
             [](const json& s) { return Counter(s, "listener.tcp.tls_on_plaintext") >= 3; });
  json s = FinishGood(0);
  EXPECT_EQ(Counter(s, "listener.tcp.tls_on_plaintext"), 3) << s.dump();
  EXPECT_EQ(Counter(s, "unparsed"), 0) << "ClientHello bytes were stored";
}

TEST_F(BadInputTest, SlowSendersThatNeverFinishAFrameAreTimedOutAndTheirPartStored) {
  const std::string lf_qid = Qid(0xB2000001), oc_qid = Qid(0xB2000002), tls_qid = Qid(0xB2000003);
  const std::string lf_part = PostfixLine("slow", lf_qid, 7);  // never gets its LF
  const std::string oc_line = PostfixLine("slow", oc_qid, 8);
  const std::string oc_part = oc_line.substr(0, 60);  // fewer octets than counted
  const std::string tls_part = PostfixLine("slow", tls_qid, 9);

  TcpConn lf, oc;
  ASSERT_TRUE(lf.Connect(daemon_->tcp_port()));
  ASSERT_TRUE(oc.Connect(daemon_->tcp_port()));
  TlsClient tls(MutualTls());
  ASSERT_TRUE(tls.Connect(tls_port_)) << tls.error();
  // Dribble the bytes in three pieces, 100 ms apart (under the 1 s timeout).
  for (int piece = 0; piece < 3; ++piece) {
    if (piece > 0) std::this_thread::sleep_for(100ms);  // pacing
    auto third = [piece](const std::string& s) {
      size_t a = s.size() * piece / 3, b = s.size() * (piece + 1) / 3;
      return s.substr(a, b - a);
    };
    ASSERT_TRUE(lf.Send(third(lf_part)));
    ASSERT_TRUE(oc.Send(third(std::to_string(oc_line.size()) + " " + oc_part)));
    ASSERT_TRUE(tls.Send(third(tls_part)));
  }
  const auto silent_since = Clock::now();
  EXPECT_TRUE(lf.PeerClosed(10s)) << "idle connection not closed";
  EXPECT_GE(Clock::now() - silent_since, 900ms) << "closed before the idle timeout";
  EXPECT_TRUE(oc.PeerClosed(5s));
  EXPECT_TRUE(tls.PeerClosed(5s));

  for (const auto& [qid, part] :
       {std::pair{lf_qid, lf_part}, std::pair{oc_qid, oc_part}, std::pair{tls_qid, tls_part}}) {
    std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 1);
    ASSERT_EQ(rows.size(), 1u) << qid;
    EXPECT_EQ(rows[0].value("raw", ""), part);
    EXPECT_TRUE(HasFlag(rows[0], "framing-error")) << rows[0].dump();
  }
  json s = FinishGood(3);
  EXPECT_EQ(Counter(s, "listener.tcp.connections.idle_timeout"), 2) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.connections.idle_timeout"), 1);
  EXPECT_EQ(Counter(s, "listener.tcp.frames.incomplete"), 2);
  EXPECT_EQ(Counter(s, "listener.tls.frames.incomplete"), 1);
}

TEST_F(BadInputTest, OversizeFramesAreCutFlaggedAndTheNextFrameIsIntact) {
  const std::string qid = Qid(0xB3000001);
  // Lines of an exact length: the header, then padding in the message.
  auto sized = [&](int64_t n, size_t len) {
    std::string l = PostfixLine("big", qid, n) + " ";
    l.resize(len, 'x');
    return l;
  };
  const std::string lf_big = sized(0, 5000), lf_max = sized(1, kMaxMessage),
                    lf_one_over = sized(2, kMaxMessage + 1), oc_big = sized(3, 3000);
  const std::string after_lf = PostfixLine("big", qid, 10), after_oc = PostfixLine("big", qid, 11),
                    last = PostfixLine("big", qid, 12);
  std::string stream = Lf(lf_big) + Lf(after_lf) + Lf(lf_max) + Lf(lf_one_over) + Octet(oc_big) +
                       Octet(after_oc) + Lf(last);
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), stream));

  std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 7);
  ASSERT_EQ(rows.size(), 7u);
  std::map<int64_t, json> by_size;
  for (const json& r : rows) by_size[r.value("size", int64_t{-1})] = r;
  for (const auto& [n, full] :
       {std::pair{0, lf_big}, std::pair{2, lf_one_over}, std::pair{3, oc_big}}) {
    const json& r = by_size[n];
    EXPECT_EQ(r.value("raw", ""), full.substr(0, kMaxMessage)) << "frame " << n;
    EXPECT_TRUE(HasFlag(r, "truncated")) << r.dump();
  }
  EXPECT_EQ(by_size[1].value("raw", ""), lf_max) << "exactly max-message bytes is not cut";
  EXPECT_FALSE(HasFlag(by_size[1], "truncated"));
  for (const auto& [n, line] :
       {std::pair{10, after_lf}, std::pair{11, after_oc}, std::pair{12, last}}) {
    EXPECT_EQ(by_size[n].value("raw", ""), line) << "the frame after an oversize one";
    EXPECT_FALSE(HasFlag(by_size[n], "truncated")) << by_size[n].dump();
    EXPECT_FALSE(HasFlag(by_size[n], "framing-error")) << by_size[n].dump();
  }
  json s = FinishGood(7);
  EXPECT_EQ(Counter(s, "listener.tcp.frames.oversize"), 3) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tcp.frames.incomplete"), 0);
}

TEST_F(BadInputTest, OctetCountsThatLieOrOverflow) {
  const std::string qid = Qid(0xB4000001);
  // A count larger than the data, then the connection ends.
  const std::string lie = PostfixLine("liar", qid, 0);
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), "500 " + lie));
  // Counts that overflow (20 digits) or have 11 digits: the text is kept as
  // an LF-framed line, and the frame after it is intact.
  const std::string after1 = PostfixLine("liar", qid, 1), after2 = PostfixLine("liar", qid, 2);
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), "99999999999999999999 <13>overflowing count\n" +
                                               Octet(after1) + "12345678901 <13>eleven digits\n" +
                                               "9999999999 <13>ten digits, over 4 GiB\n" +
                                               Lf(after2)));
  std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 3);
  ASSERT_EQ(rows.size(), 3u);
  std::map<int64_t, json> by_size;
  for (const json& r : rows) by_size[r.value("size", int64_t{-1})] = r;
  EXPECT_EQ(by_size[0].value("raw", ""), lie);
  EXPECT_TRUE(HasFlag(by_size[0], "framing-error")) << by_size[0].dump();
  EXPECT_EQ(by_size[1].value("raw", ""), after1);
  EXPECT_EQ(by_size[2].value("raw", ""), after2);
  json s = FinishGood(6);  // the lie, three bad-count lines kept as text, two good lines
  EXPECT_EQ(Counter(s, "listener.tcp.frames.incomplete"), 1) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tcp.frames.bad_octet_count"), 3);
}

TEST_F(BadInputTest, NulBytesAreStoredFlagged) {
  const std::string qid = Qid(0xB5000001);
  const std::string lf_nul = PostfixLine("odd", qid, 0) + std::string(" a\0b", 4);
  const std::string oc_nul = PostfixLine("odd", qid, 1) + std::string(" \0\0", 3);
  const std::string udp_nul = PostfixLine("odd", qid, 2) + std::string(" c\0d", 4);
  const std::string fine = PostfixLine("odd", qid, 3) + " caf\xc3\xa9";  // valid UTF-8
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), Lf(lf_nul) + Octet(oc_nul) + Lf(fine)));
  ASSERT_TRUE(SendUdp(daemon_->udp_port(), udp_nul));
  std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 4);
  ASSERT_EQ(rows.size(), 4u);
  std::map<int64_t, json> by_size;
  for (const json& r : rows) by_size[r.value("size", int64_t{-1})] = r;
  for (const auto& [n, line] :
       {std::pair{0, lf_nul}, std::pair{1, oc_nul}, std::pair{2, udp_nul}}) {
    EXPECT_TRUE(HasFlag(by_size[n], "nul-bytes")) << by_size[n].dump();
    EXPECT_EQ(by_size[n].value("raw", ""), line) << "NUL bytes are kept";
  }
  EXPECT_EQ(by_size[2].value("transport", ""), "udp");
  EXPECT_FALSE(HasFlag(by_size[3], "invalid-utf8")) << by_size[3].dump();
  EXPECT_FALSE(HasFlag(by_size[3], "nul-bytes"));
  EXPECT_EQ(by_size[3].value("raw", ""), fine);
  FinishGood(4);
}

TEST_F(BadInputTest, InvalidUtf8IsStoredFlaggedAndFindable) {
  const std::string qid = Qid(0xB5000002);
  // Bytes that are never UTF-8, an overlong "/", a lone continuation byte,
  // a truncated sequence; a UTF-16 surrogate; a lone lead byte.
  const std::string lf_bad = PostfixLine("odd", qid, 0) + " \xff\xfe \xc0\xaf \x80 \xe2\x82";
  const std::string oc_bad = PostfixLine("odd", qid, 1) + " \xed\xa0\x80";
  const std::string udp_bad = PostfixLine("odd", qid, 2) + " \xc3";
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), Lf(lf_bad) + Octet(oc_bad)));
  ASSERT_TRUE(SendUdp(daemon_->udp_port(), udp_bad));
  // Stored: the store holds them and nothing else but the good lines.
  json s = FinishGood(3);
  EXPECT_EQ(Counter(s, "received.udp"), 1);
  // Findable: such a line must not break `mlq find` for its queue ID.
  CommandResult r = daemon_->Mlq({"find", "--json", "--queue-id", qid});
  EXPECT_EQ(r.exit_code, 0) << "mlq find fails on lines with invalid UTF-8: " << r.err;
  std::vector<json> rows = ParseJsonLines(r.out);
  ASSERT_EQ(rows.size(), 3u);
  for (const json& row : rows) {
    EXPECT_TRUE(HasFlag(row, "invalid-utf8")) << row.dump();
    // JSON output shows each invalid byte as U+FFFD; the valid start of
    // the line is intact.
    EXPECT_TRUE(row.value("raw", "").starts_with(PostfixLine("odd", qid, row.value("size", 0))))
        << row.dump();
  }
}

TEST_F(BadInputTest, UdpDatagramLargerThanMaxMessageIsCutAndFlagged) {
  const std::string qid = Qid(0xB6000001);
  std::string big = PostfixLine("udpbig", qid, 0) + " ";
  big.resize(3000, 'y');
  std::string exact = PostfixLine("udpbig", qid, 1) + " ";
  exact.resize(kMaxMessage, 'z');
  ASSERT_TRUE(SendUdp(daemon_->udp_port(), big));
  ASSERT_TRUE(SendUdp(daemon_->udp_port(), exact));
  ASSERT_TRUE(SendUdp(daemon_->udp_port(), "\n"));  // empty: counted, not stored
  std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 2);
  ASSERT_EQ(rows.size(), 2u);
  std::map<int64_t, json> by_size;
  for (const json& r : rows) by_size[r.value("size", int64_t{-1})] = r;
  EXPECT_EQ(by_size[0].value("raw", ""), big.substr(0, kMaxMessage));
  EXPECT_TRUE(HasFlag(by_size[0], "truncated")) << by_size[0].dump();
  EXPECT_EQ(by_size[1].value("raw", ""), exact);
  EXPECT_FALSE(HasFlag(by_size[1], "truncated"));
  WaitStatus(*daemon_, [](const json& s) { return Counter(s, "listener.udp.frames.empty") >= 1; });
  json s = FinishGood(2);
  EXPECT_EQ(Counter(s, "listener.udp.datagrams.oversize"), 1) << s.dump();
  EXPECT_EQ(Counter(s, "listener.udp.frames.empty"), 1);
  EXPECT_EQ(Counter(s, "received.udp"), 2);
}

// ---------------------------------------------------------------------------
// 3. Many senders

class ManySendersTest : public ::testing::Test {
 protected:
  void StartDaemon(std::vector<std::string> args = {}) {
    // Every sender here is 127.0.0.1, standing for many machines: no
    // per-address limit (section 6 tests that).
    args.insert(args.begin(), {"--max-connections-per-address", "0"});
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data", std::move(args));
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
  }
  // This process needs one descriptor per connection.
  static void RaiseFileLimit(rlim_t want) {
    rlimit rl{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < want) {
      rl.rlim_cur = std::min(want, rl.rlim_max);
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
    ASSERT_GE(rl.rlim_cur, want) << "RLIMIT_NOFILE hard limit too low for this test";
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ManySendersTest, ThousandConcurrentConnectionsEachLineStoredOnce) {
  constexpr int kConns = 1000, kLines = 3;
  RaiseFileLimit(kConns + 200);
  StartDaemon();
  std::vector<TcpConn> conns(kConns);
  for (int i = 0; i < kConns; ++i) {
    ASSERT_TRUE(conns[i].Connect(daemon_->tcp_port()))
        << "connection " << i << ": " << strerror(errno);
    std::string s;
    for (int j = 0; j < kLines; ++j) {
      const std::string line = PostfixLine("many", Qid(0xC0000000 + i), j);
      s += j % 2 == 0 ? Lf(line) : Octet(line);
    }
    ASSERT_TRUE(conns[i].Send(s));
  }
  // All of them are open in mlqd at once before any closes.
  json s = WaitStatus(*daemon_, [&](const json& s) {
    return Counter(s, "listener.tcp.connections.open") == kConns;
  });
  EXPECT_EQ(Counter(s, "listener.tcp.connections.open"), kConns) << s.dump();
  for (auto& c : conns) c.ShutdownWrite();
  int not_closed = 0;
  for (auto& c : conns) not_closed += c.PeerClosed(10s) ? 0 : 1;
  EXPECT_EQ(not_closed, 0);
  s = WaitStatus(*daemon_, [&](const json& s) {
    return Stored(s) >= kConns * kLines && Counter(s, "listener.tcp.connections.open") == 0;
  });
  EXPECT_EQ(Stored(s), kConns * kLines) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tcp.connections.accepted"), kConns);
  EXPECT_EQ(Counter(s, "listener.tcp.connections.rejected_limit"), 0);
  EXPECT_EQ(Counter(s, "listener.tcp.frames.incomplete"), 0);
  EXPECT_EQ(Counter(s, "listener.tcp.connections.open"), 0);
  for (int i : {0, 1, 499, 500, 998, 999}) {
    ExpectSizesOnce(FindQueueId(*daemon_, Qid(0xC0000000 + i)), kLines,
                    "connection " + std::to_string(i));
  }
}

// --io-threads: connections spread over several I/O threads, each line of a
// connection still stored once and in the order it was sent (the lines of
// one queue ID share a timestamp, so find returns them in commit order).
TEST_F(ManySendersTest, SeveralIoThreadsKeepEachConnectionsOrderAndStoreEveryLine) {
  constexpr int kConns = 12, kLines = 600, kChunk = 50;
  StartDaemon({"--io-threads", "4"});
  EXPECT_NE(daemon_->log().find("connections on 4 I/O threads"), std::string::npos)
      << daemon_->log();
  std::vector<TcpConn> conns(kConns);
  for (int i = 0; i < kConns; ++i) ASSERT_TRUE(conns[i].Connect(daemon_->tcp_port()));
  json s = WaitStatus(*daemon_, [&](const json& s) {
    return Counter(s, "listener.tcp.connections.open") == kConns;
  });
  ASSERT_EQ(Counter(s, "listener.tcp.connections.open"), kConns) << s.dump();
  // Interleaved: every connection sends a chunk, then the next chunk, ...;
  // half of them LF-framed, half octet-counted.
  for (int from = 0; from < kLines; from += kChunk) {
    for (int i = 0; i < kConns; ++i) {
      std::string chunk;
      for (int j = from; j < from + kChunk; ++j) {
        const std::string line = PostfixLine("order", Qid(0xD0000000 + i), j);
        chunk += i % 2 == 0 ? Lf(line) : Octet(line);
      }
      ASSERT_TRUE(conns[i].Send(chunk));
    }
  }
  for (auto& c : conns) c.ShutdownWrite();
  s = WaitStatus(*daemon_, [&](const json& s) {
    return Stored(s) >= kConns * kLines && Counter(s, "listener.tcp.connections.open") == 0;
  });
  EXPECT_EQ(Stored(s), kConns * kLines) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tcp.connections.accepted"), kConns);
  EXPECT_EQ(Counter(s, "listener.tcp.frames.incomplete"), 0);
  for (int i = 0; i < kConns; ++i) {
    const std::vector<json> rows = FindQueueId(*daemon_, Qid(0xD0000000 + i));
    ExpectSizesOnce(rows, kLines, "connection " + std::to_string(i));
    int64_t out_of_order = 0;
    for (size_t k = 0; k < rows.size(); ++k) {
      if (rows[k].value("size", int64_t{-1}) != static_cast<int64_t>(k)) ++out_of_order;
    }
    EXPECT_EQ(out_of_order, 0) << "connection " << i << ": lines stored out of order";
  }
}

// SIGTERM while connections on several I/O threads are still open: every
// line mlqd has read is stored before it exits.
TEST_F(ManySendersTest, SigtermWithOpenConnectionsOnSeveralIoThreadsStoresEveryLineRead) {
  constexpr int kConns = 8, kLines = 2000;
  StartDaemon({"--io-threads", "3"});
  std::vector<TcpConn> conns(kConns);
  for (int i = 0; i < kConns; ++i) {
    ASSERT_TRUE(conns[i].Connect(daemon_->tcp_port()));
    std::string s;
    for (int j = 0; j < kLines; ++j) s += Lf(PostfixLine("term", Qid(0xE0000000 + i), j));
    ASSERT_TRUE(conns[i].Send(s));
  }
  json s = WaitStatus(*daemon_,
                      [&](const json& s) { return Counter(s, "received.tcp") == kConns * kLines; });
  ASSERT_EQ(Counter(s, "received.tcp"), kConns * kLines) << s.dump();
  // The connections stay open: Stop() closes them on their threads.
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->log();
  Daemon again(dir_.path() + "/data");
  ASSERT_TRUE(again.Start()) << again.log();
  EXPECT_EQ(Stored(again.Status()), kConns * kLines);
  for (int i : {0, kConns - 1}) {
    ExpectSizesOnce(FindQueueId(again, Qid(0xE0000000 + i)), kLines,
                    "connection " + std::to_string(i));
  }
}

TEST_F(ManySendersTest, ConnectionLimitRejectsTheExcessAndServesTheRest) {
  constexpr int kLimit = 50, kConns = 80;
  StartDaemon({"--max-connections", std::to_string(kLimit)});
  std::vector<TcpConn> conns(kConns);
  for (auto& c : conns) ASSERT_TRUE(c.Connect(daemon_->tcp_port()));
  json s = WaitStatus(*daemon_, [&](const json& s) {
    return Counter(s, "listener.tcp.connections.accepted") +
               Counter(s, "listener.tcp.connections.rejected_limit") >=
           kConns;
  });
  EXPECT_EQ(Counter(s, "listener.tcp.connections.accepted"), kLimit) << s.dump();
  EXPECT_GE(Counter(s, "listener.tcp.connections.rejected_limit"), kConns - kLimit);
  // The rejected ones were closed by mlqd; the accepted ones stay open.
  std::vector<bool> rejected(kConns, false);
  int n_rejected = 0;
  WaitFor(
      [&] {
        for (int i = 0; i < kConns; ++i) {
          if (!rejected[i] && conns[i].PeerClosed(0ms)) {
            rejected[i] = true;
            ++n_rejected;
          }
        }
        return n_rejected >= kConns - kLimit;
      },
      5s);
  EXPECT_EQ(n_rejected, kConns - kLimit);
  const std::string qid = Qid(0xC1000001);
  int64_t accepted_lines = 0;
  for (int i = 0; i < kConns; ++i) {
    const std::string line = Lf(PostfixLine("limit", qid, rejected[i] ? 1000 + i : accepted_lines));
    if (rejected[i]) {
      conns[i].Send(line);  // goes nowhere
      conns[i].Close();
    } else {
      EXPECT_TRUE(conns[i].Send(line));
      ++accepted_lines;
    }
  }
  for (int i = 0; i < kConns; ++i) {
    if (!rejected[i]) {
      conns[i].ShutdownWrite();
      EXPECT_TRUE(conns[i].PeerClosed(10s));
    }
  }
  EXPECT_EQ(accepted_lines, kLimit);
  ExpectSizesOnce(FindQueueIdUntil(*daemon_, qid, kLimit), kLimit, "lines of accepted connections");
  // With the connections gone, new ones are accepted again.
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), Lf(PostfixLine("limit", Qid(0xC1000002), 0))));
  EXPECT_EQ(FindQueueIdUntil(*daemon_, Qid(0xC1000002), 1).size(), 1u);
  s = WaitStatus(*daemon_,
                 [](const json& s) { return Counter(s, "listener.tcp.connections.open") == 0; });
  EXPECT_EQ(Stored(s), kLimit + 1) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tcp.connections.rejected_limit"), kConns - kLimit);
}

// mlqd out of file descriptors: connections it cannot accept wait in the
// kernel's backlog. mlqd must not spin on the failing accept() meanwhile,
// and must serve them (storing every line) once descriptors are free again.
// (Why the sanitizer build has no UBSan vptr check: the top CMakeLists.txt.)
TEST_F(ManySendersTest, OutOfFileDescriptorsMlqdNeitherSpinsNorLosesLines) {
  constexpr int kHolders = 24, kWaiters = 40;
  StartDaemon();
  const pid_t pid = DaemonPid(dir_.path() + "/data");
  ASSERT_GT(pid, 0);
  rlimit old{};
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, nullptr, &old), 0);
  // Room for about 16 more descriptors than mlqd uses now.
  const rlim_t fds = static_cast<rlim_t>(CountFds(pid)) + 16;
  rlimit low{fds, old.rlim_max};
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0) << strerror(errno);

  const std::string qid = Qid(0xE1000001);
  // Holders take every descriptor mlqd has left and keep their connection.
  std::vector<TcpConn> holders(kHolders), waiters(kWaiters);
  for (int i = 0; i < kHolders; ++i) {
    ASSERT_TRUE(holders[i].Connect(daemon_->tcp_port()));
    ASSERT_TRUE(holders[i].Send(Lf(PostfixLine("nofd", qid, i))));
  }
  // Waiters queue up behind them: a line, then end of input.
  for (int i = 0; i < kWaiters; ++i) {
    ASSERT_TRUE(waiters[i].Connect(daemon_->tcp_port()));
    ASSERT_TRUE(waiters[i].Send(Lf(PostfixLine("nofd", qid, kHolders + i))));
    waiters[i].ShutdownWrite();
  }
  WaitFor([&] { return CountFds(pid) >= static_cast<int>(fds) - 1; }, 5s);
  const int fds_in_use = CountFds(pid);
  // mlqd's CPU time over one second while the backlog waits.
  const double cpu0 = CpuSeconds(pid);
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(1s);  // the measurement window
  const double cpu =
      (CpuSeconds(pid) - cpu0) / std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("[ figures  ] out of descriptors: %d of %d in use, mlqd CPU %.0f%% of a core\n",
              fds_in_use, static_cast<int>(fds), cpu * 100);
  // Waiting costs nothing (an idle mlqd uses about 0%); a loop retrying
  // accept() as fast as it fails shows as a large share of a core.
  EXPECT_LT(cpu, 0.1) << "mlqd spins on accept() failing with EMFILE";
  ASSERT_TRUE(daemon_->Running()) << daemon_->log();

  // Free the descriptors: every line of holders and waiters is stored.
  for (auto& h : holders) h.ShutdownWrite();
  int not_closed = 0;
  for (auto& h : holders) not_closed += h.PeerClosed(20s) ? 0 : 1;
  for (auto& w : waiters) not_closed += w.PeerClosed(20s) ? 0 : 1;
  EXPECT_EQ(not_closed, 0);
  ExpectSizesOnce(FindQueueIdUntil(*daemon_, qid, kHolders + kWaiters), kHolders + kWaiters,
                  "lines sent while mlqd had no descriptors left");
  // Give the store its descriptors back before mlqd stops (and flushes).
  prlimit(pid, RLIMIT_NOFILE, &old, nullptr);
  json s = WaitStatus(
      *daemon_, [](const json& s) { return Counter(s, "listener.tcp.connections.open") == 0; });
  EXPECT_EQ(Counter(s, "listener.tcp.connections.accepted"), kHolders + kWaiters) << s.dump();
  EXPECT_EQ(Stored(s), kHolders + kWaiters);
}

// ---------------------------------------------------------------------------
// 4. Flow control and bounded memory

class FlowControlTest : public ManySendersTest {};

// mlqd's peak RSS bound for the TCP flood, in MiB. 300 MiB is mlqd's own
// memory (see the test). Under AddressSanitizer (mlqd comes from the same
// build as this test) the process holds memory that is not mlqd's: a fixed
// part (shadow memory, allocator metadata, a bigger binary: RSS at start 84 to
// 90 MiB against 23 MiB without ASan) and the quarantine, where freed blocks
// wait (ASAN_OPTIONS quarantine_size_mb, 256 MiB by default on x86-64) so a
// use after free is caught. The bound adds those two, so the headroom above
// what mlqd itself holds stays about the same (measured on the 2-core machine:
// VmHWM 104 MiB without ASan; 403 MiB under ASan, 181 MiB with
// quarantine_size_mb=0).
int64_t FloodRssBoundMiB() {
  constexpr int64_t kOwn = 300;
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  constexpr bool kAsan = true;
#else
  constexpr bool kAsan = false;
#endif
#else
  constexpr bool kAsan = false;
#endif
  if (!kAsan) return kOwn;
  constexpr int64_t kAsanFixed = 64;
  int64_t quarantine = 256;
  const char* opts = std::getenv("ASAN_OPTIONS");  // mlqd inherits it
  const std::string key = "quarantine_size_mb=";
  if (opts != nullptr) {
    const std::string o = opts;
    const size_t at = o.rfind(key);
    if (at != std::string::npos && (at == 0 || o[at - 1] == ':' || o[at - 1] == ',')) {
      const int64_t mb = std::atoll(o.c_str() + at + key.size());
      if (mb >= 0) quarantine = mb;  // -1 means the default
    }
  }
  return kOwn + kAsanFixed + quarantine;
}

TEST_F(FlowControlTest, TcpFloodIntoATinyQueueLosesNothingAndMemoryStaysBounded) {
  // Four connections of 50,000 lines and one "witness" of 2,000 lines whose
  // every line is looked up (finding 200,000 rows would take long).
  constexpr int kConns = 5, kPerConn = 50000, kWitness = 2000;
  auto lines_of = [](int c) { return c == kConns - 1 ? kWitness : kPerConn; };
  constexpr int64_t kTotal = int64_t{kConns - 1} * kPerConn + kWitness;
  StartDaemon({"--queue-records", "64"});
  const pid_t pid = DaemonPid(dir_.path() + "/data");
  ASSERT_GT(pid, 0);
  const int64_t rss_before_kb = ProcStatusKb(pid, "VmRSS");

  std::atomic<int64_t> peak_rss_kb{0};
  std::atomic<bool> flooding{true};
  std::thread sampler([&] {
    while (flooding) {
      peak_rss_kb = std::max<int64_t>(peak_rss_kb, ProcStatusKb(pid, "VmRSS"));
      std::this_thread::sleep_for(20ms);  // sampling period
    }
  });
  const auto start = Clock::now();
  std::vector<std::thread> senders;
  std::atomic<int> failures{0};
  for (int c = 0; c < kConns; ++c) {
    senders.emplace_back([&, c] {
      std::string s;
      s.reserve(static_cast<size_t>(lines_of(c)) * 120);
      const std::string qid = Qid(0xD0000000 + c);
      for (int i = 0; i < lines_of(c); ++i) {
        const std::string line = PostfixLine("flood", qid, i);
        s += i % 2 == 0 ? Lf(line) : Octet(line);
      }
      TcpConn conn;
      if (!conn.Connect(daemon_->tcp_port()) || !conn.Send(s)) ++failures;
      conn.ShutdownWrite();
      if (!conn.PeerClosed(60s)) ++failures;
    });
  }
  for (auto& t : senders) t.join();
  json s = WaitStatus(
      *daemon_,
      [&](const json& s) {
        return Stored(s) >= kTotal && Counter(s, "listener.tcp.connections.open") == 0;
      },
      60s);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  flooding = false;
  sampler.join();
  const int64_t hwm_kb = ProcStatusKb(pid, "VmHWM");
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Stored(s), kTotal) << "lines lost or duplicated: " << s.dump();
  EXPECT_EQ(Counter(s, "received.tcp"), kTotal);
  EXPECT_GT(Counter(s, "listener.tcp.read_paused"), 0) << "no back-pressure happened";
  EXPECT_EQ(Counter(s, "dropped.queue_full"), 0);
  EXPECT_EQ(Counter(s, "listener.tcp.frames.incomplete"), 0);
  std::printf(
      "[ figures  ] TCP flood: %d lines in %.1f s (%.0f lines/s), read_paused %lld; mlqd "
      "RSS %lld MiB before, peak sampled %lld MiB, VmHWM %lld MiB\n",
      static_cast<int>(kTotal), seconds, kTotal / seconds,
      static_cast<long long>(Counter(s, "listener.tcp.read_paused")),
      static_cast<long long>(rss_before_kb / 1024), static_cast<long long>(peak_rss_kb / 1024),
      static_cast<long long>(hwm_kb / 1024));
  // 24 MB were sent; mlqd may hold a few of the 2 KiB-slice batches, the
  // 16 KiB read buffers and RocksDB's memtable (64 MiB by default) plus
  // gRPC and the block cache: 300 MiB is far above that and far below
  // "buffers the whole flood" for a larger one (more under ASan, see
  // FloodRssBoundMiB).
  const int64_t bound_mib = FloodRssBoundMiB();
  EXPECT_GT(hwm_kb, 0);
  EXPECT_LT(hwm_kb, bound_mib * 1024)
      << "peak RSS " << hwm_kb / 1024 << " MiB, bound " << bound_mib << " MiB";
  ExpectSizesOnce(FindQueueId(*daemon_, Qid(0xD0000000 + kConns - 1)), kWitness,
                  "the witness connection");
}

TEST_F(FlowControlTest, UdpFloodIntoATinyQueueCountsDrops) {
  constexpr int kThreads = 2, kPerThread = 50000;
  StartDaemon({"--queue-records", "64"});
  const std::string qid = Qid(0xD1000000);
  std::vector<std::thread> senders;
  std::atomic<int64_t> sent{0};
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(daemon_->udp_port());
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      for (int i = 0; i < kPerThread; ++i) {
        const std::string line = PostfixLine("udpflood", qid, t * kPerThread + i);
        if (sendto(fd, line.data(), line.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) ==
            static_cast<ssize_t>(line.size())) {
          ++sent;
        }
      }
      close(fd);
    });
  }
  for (auto& t : senders) t.join();
  // A marker sent after the flood, repeated until one is stored: once it
  // is, mlqd has read every earlier datagram (one socket, in order).
  const std::string marker_qid = Qid(0xD1000001);
  int64_t markers = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        SendUdp(daemon_->udp_port(), PostfixLine("udpflood", marker_qid, markers++));
        return !FindQueueId(*daemon_, marker_qid).empty();
      },
      20s));
  json s = WaitStatus(*daemon_, [&](const json& s) {
    // Everything mlqd parsed is either stored or dropped.
    return Stored(s) + Counter(s, "listener.udp.dropped.queue_full") == Counter(s, "received.udp");
  });
  const int64_t stored = Stored(s), dropped = Counter(s, "listener.udp.dropped.queue_full");
  const int64_t total = sent + markers;
  std::printf(
      "[ figures  ] UDP flood: sent %lld, read by mlqd %lld, stored %lld, dropped "
      "(queue full) %lld, lost in the kernel %lld\n",
      static_cast<long long>(total), static_cast<long long>(Counter(s, "received.udp")),
      static_cast<long long>(stored), static_cast<long long>(dropped),
      static_cast<long long>(total - Counter(s, "received.udp")));
  EXPECT_EQ(stored + dropped, Counter(s, "received.udp")) << s.dump();
  EXPECT_LE(stored + dropped, total);
  EXPECT_GT(stored, 0);
  EXPECT_GT(dropped, 0) << "a 64-record queue took a UDP flood without dropping";
  EXPECT_EQ(Counter(s, "dropped.queue_full"), dropped) << "the global counter disagrees";
  EXPECT_TRUE(daemon_->Running());
}

// ---------------------------------------------------------------------------
// 5. A flood of short-lived connections

TEST_F(ManySendersTest, FiveThousandShortConnectionsLeaveMlqdServingWithNoneOpen) {
  constexpr int kConns = 5000, kThreads = 2;
  std::vector<std::string> args = TlsArgs(/*client_ca=*/false);
  StartDaemon(args);
  const uint16_t tcp = daemon_->tcp_port(), tls = TlsPortOf(*daemon_);
  ASSERT_NE(tls, 0);
  const std::string good_qid = Qid(0xE0000001);
  // Garbage without LF that does not start with a digit: one partial frame
  // per connection, stored flagged.
  std::string garbage = "\x01";
  for (int j = 0; j < 200; ++j) {
    char c = static_cast<char>((j * 37 + 11) & 0xff);
    garbage.push_back(c == '\n' ? ' ' : c);
  }
  std::atomic<int> tcp_conns{0}, tls_conns{0}, good{0}, garbage_sent{0}, plaintext_sent{0},
      failures{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kConns; i += kThreads) {
        TcpConn c;
        const int kind = i % 6;
        const bool to_tls = kind >= 4;
        if (!c.Connect(to_tls ? tls : tcp)) {
          ++failures;
          continue;
        }
        ++(to_tls ? tls_conns : tcp_conns);
        switch (kind) {
          case 0:  // connect, close
            break;
          case 1:  // connect, reset
            c.Reset();
            break;
          case 2:  // garbage, close
            if (c.Send(garbage)) ++garbage_sent;
            break;
          case 3:  // one good line
            if (c.Send(Lf(PostfixLine("flood", good_qid, i)))) ++good;
            break;
          case 4:  // TLS port: plaintext
            if (c.Send("<13>plain text on the TLS port\n")) ++plaintext_sent;
            break;
          case 5:  // TLS port: handshake garbage, reset
            c.Send(std::string("\x16\x03\x01\x00\x05garbage", 12));
            c.Reset();
            break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(failures, 0);
  json s = WaitStatus(
      *daemon_,
      [&](const json& s) {
        return Counter(s, "listener.tcp.connections.accepted") == tcp_conns &&
               Counter(s, "listener.tls.connections.accepted") == tls_conns &&
               Counter(s, "listener.tcp.connections.open") == 0 &&
               Counter(s, "listener.tls.connections.open") == 0 && Stored(s) >= good + garbage_sent;
      },
      30s);
  std::printf("[ figures  ] connection flood: %d connections in %.1f s\n", kConns, seconds);
  ASSERT_TRUE(daemon_->Running()) << daemon_->log();
  ASSERT_TRUE(s.is_object()) << "mlq status does not answer";
  EXPECT_EQ(Counter(s, "listener.tcp.connections.accepted"), tcp_conns) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.connections.accepted"), tls_conns);
  EXPECT_EQ(Counter(s, "listener.tcp.connections.open"), 0);
  EXPECT_EQ(Counter(s, "listener.tls.connections.open"), 0);
  EXPECT_EQ(Stored(s), good + garbage_sent);
  EXPECT_EQ(Counter(s, "listener.tcp.frames.incomplete"), garbage_sent);
  EXPECT_EQ(Counter(s, "listener.tls.plaintext_on_tls"), plaintext_sent);
  EXPECT_EQ(static_cast<int64_t>(FindQueueId(*daemon_, good_qid).size()), good.load());
  // Still serving new senders.
  ASSERT_TRUE(SendTcp(tcp, Lf(PostfixLine("after", Qid(0xE0000002), 0))));
  EXPECT_EQ(FindQueueIdUntil(*daemon_, Qid(0xE0000002), 1).size(), 1u);
}

// ---------------------------------------------------------------------------
// 6. Senders: allow lists and host claims, the per-address connection limit,
// the frame deadline (slowloris), TLS handshakes that cannot starve the
// other listeners.

namespace senders {

// One UDP datagram to 127.0.0.1:port from the local address `from`.
bool SendUdpFrom(uint16_t port, const char* from, std::string_view datagram) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, from, &local.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
            sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to),
                   sizeof to) == static_cast<ssize_t>(datagram.size());
  close(fd);
  return ok;
}

// Sends `bytes` from `from`, closes the write side, waits for mlqd's close.
bool SendTcpFrom(uint16_t port, const char* from, std::string_view bytes) {
  TcpConn c;
  if (!c.Connect(port, from) || !c.Send(bytes)) return false;
  c.ShutdownWrite();
  return c.PeerClosed(10s);
}

class SendersTest : public ::testing::Test {
 protected:
  void StartDaemon(std::vector<std::string> args) {
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data", std::move(args));
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(SendersTest, AllowListServesListedSendersOnlyAndFlagsForgedHosts) {
  std::vector<std::string> args = TlsArgs(/*client_ca=*/false);
  args.insert(args.end(), {"--allow", "all=127.0.0.2/32:mx1,mx1.example.org", "--allow",
                           "tcp=127.0.0.3", "--timezone", "UTC"});
  StartDaemon(args);
  const uint16_t tcp = daemon_->tcp_port(), udp = daemon_->udp_port();
  const uint16_t tls = TlsPortOf(*daemon_);
  ASSERT_NE(tls, 0);
  const std::string qid = Qid(0xF1000001);

  // 127.0.0.2 may claim mx1 and mx1.example.org; it claims mx1 (fine) and
  // mx9 (forged) over TCP, mx1 over UDP.
  ASSERT_TRUE(SendTcpFrom(tcp, "127.0.0.2",
                          Lf(PostfixLine("mx1", qid, 0)) + Lf(PostfixLine("mx9", qid, 1))));
  ASSERT_TRUE(SendUdpFrom(udp, "127.0.0.2", PostfixLine("MX1.example.org", qid, 2)));
  // 127.0.0.3 (tcp only, no host list) may claim anything.
  ASSERT_TRUE(SendTcpFrom(tcp, "127.0.0.3", Lf(PostfixLine("anything", qid, 3))));
  // 127.0.0.1 and 127.0.0.4 are in no entry: refused everywhere.
  TcpConn refused;
  ASSERT_TRUE(refused.Connect(tcp));  // the kernel accepts; mlqd closes at once
  refused.Send(Lf(PostfixLine("mx1", qid, 100)));
  EXPECT_TRUE(refused.PeerClosed(5s)) << "a refused TCP sender was not closed";
  ASSERT_TRUE(SendUdpFrom(udp, "127.0.0.4", PostfixLine("mx1", qid, 101)));
  ASSERT_TRUE(SendUdpFrom(udp, "127.0.0.4", PostfixLine("mx1", qid, 102)));
  TlsClientOptions o;
  o.ca_file = TestPki().ca;
  TlsClient tls_client(o);
  EXPECT_FALSE(tls_client.Connect(tls)) << "a refused TLS sender got a handshake";
  TcpConn tcp4;
  ASSERT_TRUE(tcp4.Connect(tcp, "127.0.0.4"));
  EXPECT_TRUE(tcp4.PeerClosed(5s));

  json s = WaitStatus(*daemon_, [](const json& s) {
    return Counter(s, "listener.tcp.refused_address") >= 2 &&
           Counter(s, "listener.udp.refused_address") >= 2 &&
           Counter(s, "listener.tls.refused_address") >= 1 && Stored(s) >= 4;
  });
  EXPECT_EQ(Counter(s, "listener.tcp.refused_address"), 2) << s.dump();
  EXPECT_EQ(Counter(s, "listener.udp.refused_address"), 2);
  EXPECT_EQ(Counter(s, "listener.tls.refused_address"), 1);
  EXPECT_EQ(Counter(s, "listener.tcp.host_mismatch"), 1);
  EXPECT_EQ(Counter(s, "listener.udp.host_mismatch"), 0);
  EXPECT_EQ(Counter(s, "listener.tcp.connections.accepted"), 2)
      << "refused connections are not counted as accepted";

  std::vector<json> rows = FindQueueIdUntil(*daemon_, qid, 4);
  ASSERT_EQ(rows.size(), 4u);
  std::map<int64_t, json> by_size;
  for (const json& r : rows) by_size[r.value("size", int64_t{-1})] = r;
  ASSERT_EQ(by_size.size(), 4u) << "refused senders' lines were stored";
  EXPECT_FALSE(HasFlag(by_size[0], "host-unverified")) << by_size[0].dump();
  EXPECT_TRUE(HasFlag(by_size[1], "host-unverified")) << by_size[1].dump();
  EXPECT_EQ(by_size[1].value("host", ""), "mx9");
  EXPECT_TRUE(by_size[1].value("peer", "").starts_with("127.0.0.2:")) << by_size[1].dump();
  EXPECT_FALSE(HasFlag(by_size[2], "host-unverified")) << "FQDN, any case: " << by_size[2].dump();
  EXPECT_FALSE(HasFlag(by_size[3], "host-unverified")) << by_size[3].dump();

  // The text view shows where a forged line came from, and only there.
  CommandResult text = daemon_->Mlq({"find", "--queue-id", qid, "--limit", "100"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("mx9 [forged? from 127.0.0.2]"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("mx1 [forged?"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("anything [forged?"), std::string::npos) << text.out;
}

TEST_F(SendersTest, PerAddressLimitRefusesTheExcessOfOneAddressOnly) {
  constexpr int kLimit = 3;
  StartDaemon({"--max-connections-per-address", std::to_string(kLimit)});
  const uint16_t tcp = daemon_->tcp_port();
  std::vector<TcpConn> conns(kLimit + 2);
  for (auto& c : conns) ASSERT_TRUE(c.Connect(tcp, "127.0.0.2"));
  json s = WaitStatus(*daemon_, [](const json& s) {
    return Counter(s, "listener.tcp.connections.accepted") +
               Counter(s, "listener.tcp.refused_per_address") >=
           kLimit + 2;
  });
  EXPECT_EQ(Counter(s, "listener.tcp.connections.accepted"), kLimit) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tcp.refused_per_address"), 2);
  int closed = 0;
  for (auto& c : conns) closed += c.PeerClosed(200ms) ? 1 : 0;
  EXPECT_EQ(closed, 2) << "the two over the limit are closed, the rest stay open";
  // Another address is not affected.
  const std::string qid = Qid(0xF2000001);
  EXPECT_TRUE(SendTcpFrom(tcp, "127.0.0.3", Lf(PostfixLine("other", qid, 0))));
  EXPECT_EQ(FindQueueIdUntil(*daemon_, qid, 1).size(), 1u);
  // Closing them frees the address's slots.
  for (auto& c : conns) c.Close();
  WaitStatus(*daemon_,
             [](const json& s) { return Counter(s, "listener.tcp.connections.open") == 0; });
  EXPECT_TRUE(SendTcpFrom(tcp, "127.0.0.2", Lf(PostfixLine("again", qid, 1))));
  EXPECT_EQ(FindQueueIdUntil(*daemon_, qid, 2).size(), 2u);
  s = daemon_->Status();
  EXPECT_EQ(Counter(s, "listener.tcp.refused_per_address"), 2) << s.dump();
}

TEST_F(SendersTest, SlowlorisSenderIsClosedAtTheFrameDeadlineWhileOthersAreServed) {
  // The idle timeout (600 s) never fires: the slow sender sends a byte
  // every 200 ms, and never ends its frame.
  StartDaemon({"--frame-timeout", "1"});
  const uint16_t tcp = daemon_->tcp_port();
  GoodSender good(tcp, Qid(0xF3000001));
  TcpConn slow;
  ASSERT_TRUE(slow.Connect(tcp, "127.0.0.2"));
  const auto start = Clock::now();
  const std::string endless = "<22>Jul  7 09:06:15 slow postfix/qmgr[1]: " + std::string(400, 'x');
  bool closed = false;
  for (size_t i = 0; i < endless.size() && Clock::now() - start < 15s; ++i) {
    if (!slow.Send(endless.substr(i, 1)) || slow.PeerClosed(200ms)) {
      closed = true;
      break;
    }
  }
  const auto took = Clock::now() - start;
  EXPECT_TRUE(closed) << "a frame dribbled a byte at a time kept its connection";
  EXPECT_GE(took, 900ms) << "closed before the frame deadline";
  EXPECT_LT(took, 6s);
  json s = WaitStatus(*daemon_,
                      [](const json& s) { return Counter(s, "listener.tcp.frame_timeout") >= 1; });
  EXPECT_EQ(Counter(s, "listener.tcp.frame_timeout"), 1) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tcp.connections.idle_timeout"), 0);
  // The good sender, whose frames end, was never cut off.
  ExpectGoodLinesStored(*daemon_, good);
  s = daemon_->Status();
  EXPECT_EQ(Counter(s, "listener.tcp.frame_timeout"), 1) << s.dump();
}

TEST_F(SendersTest, StalledTlsHandshakesTimeOutAndNeverStarvePlainTcp) {
  std::vector<std::string> args = TlsArgs(/*client_ca=*/false);
  args.insert(args.end(), {"--tls-handshake-timeout", "5", "--max-tls-handshakes", "4"});
  StartDaemon(args);
  const uint16_t tcp = daemon_->tcp_port(), tls = TlsPortOf(*daemon_);
  ASSERT_NE(tls, 0);
  const auto start = Clock::now();
  // Six clients open the TLS port and never finish a handshake: four take
  // the handshake slots, two are refused at once.
  std::vector<TcpConn> stalled(6);
  for (auto& c : stalled) ASSERT_TRUE(c.Connect(tls, "127.0.0.2"));
  json s = WaitStatus(
      *daemon_, [](const json& s) { return Counter(s, "listener.tls.refused_handshakes") >= 2; });
  EXPECT_EQ(Counter(s, "listener.tls.refused_handshakes"), 2) << s.dump();
  EXPECT_EQ(Counter(s, "listener.tls.connections.accepted"), 4);
  // Plain TCP is served meanwhile, at once.
  const std::string qid = Qid(0xF4000001);
  ASSERT_TRUE(SendTcpFrom(tcp, "127.0.0.3", Lf(PostfixLine("plain", qid, 0))));
  EXPECT_EQ(FindQueueIdUntil(*daemon_, qid, 1, 3s).size(), 1u)
      << "stalled TLS handshakes delayed a TCP sender";
  EXPECT_LT(Clock::now() - start, 4500ms) << "TCP was served only after the handshakes timed out";
  // The four time out after 5 s; then a real TLS client is served.
  for (auto& c : stalled) EXPECT_TRUE(c.PeerClosed(10s));
  s = WaitStatus(*daemon_, [](const json& s) {
    return Counter(s, "listener.tls.handshake_timeout") >= 4 &&
           Counter(s, "listener.tls.connections.open") == 0;
  });
  EXPECT_EQ(Counter(s, "listener.tls.handshake_timeout"), 4) << s.dump();
  EXPECT_GE(Clock::now() - start, 4900ms);
  TlsClientOptions o;
  o.ca_file = TestPki().ca;
  std::string error;
  ASSERT_TRUE(SendTls(tls, Lf(PostfixLine("tls", qid, 1)), o, &error)) << error;
  EXPECT_EQ(FindQueueIdUntil(*daemon_, qid, 2).size(), 2u);
}

}  // namespace senders

}  // namespace
}  // namespace mlq::testing
