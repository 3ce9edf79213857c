// The systemd notify protocol of mlqd (daemon/notify.h), against a real
// AF_UNIX datagram socket given in $NOTIFY_SOCKET, as systemd gives it to a
// Type=notify service: READY=1 only once the ports listen, WATCHDOG=1 pings
// when $WATCHDOG_USEC asks for them, RELOADING=1/READY=1 around SIGHUP,
// STOPPING=1 on SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

// What systemd does for a Type=notify service: a datagram socket bound to a
// path, named in NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    path.copy(sa.sun_path, sizeof sa.sun_path - 1);
    bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) close(fd_);
  }
  bool bound() const { return bound_; }

  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, n);
  }

  // Every datagram that arrives within `window`.
  std::vector<std::string> ReceiveFor(std::chrono::milliseconds window) {
    std::vector<std::string> got;
    const auto end = std::chrono::steady_clock::now() + window;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      std::optional<std::string> d = Receive(left);
      if (!d) break;
      got.push_back(*d);
    }
    return got;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

bool Has(const std::string& datagram, const std::string& assignment) {
  return ("\n" + datagram + "\n").find("\n" + assignment + "\n") != std::string::npos;
}

int Count(const std::vector<std::string>& datagrams, const std::string& assignment) {
  int n = 0;
  for (const std::string& d : datagrams) n += Has(d, assignment) ? 1 : 0;
  return n;
}

// True when a TCP connection to 127.0.0.1:port is accepted (by the kernel:
// the socket listens, whether or not the process runs).
bool Connects(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  close(fd);
  return ok;
}

uint16_t PortOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

// Sets the variables for the mlqd started next (it inherits them) and
// removes them again, so other tests in this process run without.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(NotifyTest, ReadyAfterListeningWatchdogReloadStopping) {
  TempDir dir;
  NotifySocket sock(dir.path() + "/notify");
  ASSERT_TRUE(sock.bound());
  ScopedEnv notify("NOTIFY_SOCKET", dir.path() + "/notify");
  ScopedEnv watchdog("WATCHDOG_USEC", "200000");  // a ping every 100 ms
  unsetenv("WATCHDOG_PID");

  Daemon d(dir.path() + "/data");
  bool started = false;
  std::thread starter([&] { started = d.Start(); });
  std::optional<std::string> first = sock.Receive(std::chrono::seconds(60));
  starter.join();
  ASSERT_TRUE(started) << d.log();
  ASSERT_TRUE(first.has_value()) << "no datagram; log:\n" << d.log();
  EXPECT_TRUE(Has(*first, "READY=1")) << *first;
  EXPECT_NE(first->find("STATUS=listening "), std::string::npos) << *first;

  // Freeze mlqd: every port must already accept connections.
  ASSERT_EQ(kill(d.pid(), SIGSTOP), 0);
  EXPECT_TRUE(Connects(d.tcp_port()));
  EXPECT_TRUE(Connects(PortOf(d.grpc())));
  ASSERT_EQ(kill(d.pid(), SIGCONT), 0);
  // And it serves: a line sent now is found.
  ASSERT_TRUE(SendTcp(d.tcp_port(),
                      "<22>Nov 20 10:00:01 mx1 postfix/cleanup[1]: "
                      "4Ldr9y6wlvz3xgh: message-id=<notify-1@example.org>\n"));
  EXPECT_TRUE(WaitFor([&] {
    return d.Mlq({"find", "--message-id", "notify-1@example.org"}).exit_code == 0;
  }));

  // Pings every 100 ms: at least 5 in 1.5 s even on a loaded machine.
  std::vector<std::string> pings = sock.ReceiveFor(std::chrono::milliseconds(1500));
  EXPECT_GE(Count(pings, "WATCHDOG=1"), 5) << pings.size() << " datagrams";

  // SIGHUP: RELOADING=1, then READY=1 again (pings may come in between).
  ASSERT_EQ(kill(d.pid(), SIGHUP), 0);
  std::vector<std::string> reload;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::optional<std::string> got = sock.Receive(std::chrono::milliseconds(100));
        if (got && !Has(*got, "WATCHDOG=1")) reload.push_back(*got);
        return reload.size() >= 2;
      },
      std::chrono::seconds(30)))
      << d.log();
  EXPECT_TRUE(Has(reload[0], "RELOADING=1")) << reload[0];
  EXPECT_TRUE(Has(reload[1], "READY=1")) << reload[1];

  EXPECT_EQ(d.Stop(SIGTERM), 0);
  std::vector<std::string> rest = sock.ReceiveFor(std::chrono::milliseconds(500));
  EXPECT_EQ(Count(rest, "STOPPING=1"), 1) << d.log();
  EXPECT_EQ(Count(rest, "READY=1"), 0);
}

TEST(NotifyTest, NoPingsWithoutWatchdogUsecOrForAnotherPid) {
  TempDir dir;
  NotifySocket sock(dir.path() + "/notify");
  ASSERT_TRUE(sock.bound());
  ScopedEnv notify("NOTIFY_SOCKET", dir.path() + "/notify");
  unsetenv("WATCHDOG_USEC");
  {
    Daemon d(dir.path() + "/data");
    ASSERT_TRUE(d.Start()) << d.log();
    std::vector<std::string> got = sock.ReceiveFor(std::chrono::milliseconds(1000));
    EXPECT_EQ(Count(got, "READY=1"), 1);
    EXPECT_EQ(Count(got, "WATCHDOG=1"), 0);
    EXPECT_EQ(d.Stop(SIGTERM), 0);
    EXPECT_EQ(Count(sock.ReceiveFor(std::chrono::milliseconds(500)), "STOPPING=1"), 1);
  }
  // WATCHDOG_PID names another process (systemd sets it for the main PID):
  // the pings are not mlqd's to send.
  ScopedEnv usec("WATCHDOG_USEC", "200000");
  ScopedEnv pid("WATCHDOG_PID", std::to_string(getpid()));
  Daemon d(dir.path() + "/data");
  ASSERT_TRUE(d.Start()) << d.log();
  std::vector<std::string> got = sock.ReceiveFor(std::chrono::milliseconds(1000));
  EXPECT_EQ(Count(got, "READY=1"), 1);
  EXPECT_EQ(Count(got, "WATCHDOG=1"), 0);
  EXPECT_EQ(d.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace mlq::testing
