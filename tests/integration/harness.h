// Integration-test harness: runs the real mlqd and mlq binaries and real
// senders (logger, raw sockets) on 127.0.0.1 with port 0.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mlq::testing {

// The real Postfix logs of ../shared/corpus (with a trailing '/').
inline const std::string kPostfixCorpus =
    std::string(MLQ_SOURCE_DIR) + "/../shared/corpus/mail/postfix/";

struct CommandResult {
  int exit_code = -1;  // -1 when it could not run or timed out
  std::string out;
  std::string err;
};

// Runs argv[0] (a path or a name on PATH) with `input` on stdin; waits at
// most `timeout`; kills it after that.
CommandResult RunCommand(const std::vector<std::string>& argv, std::string_view input = "",
                         std::chrono::seconds timeout = std::chrono::seconds(60));

// `npm ci` in `dir` (tests/node, tests/browser: a package-lock.json pins
// what it installs) unless its node_modules already holds every one of
// `packages` and its .package-lock.json names `version`. The folder itself
// is an exclusive lock (flock), so parallel test processes do not run npm
// in it at once. Scripts of the packages never run (--ignore-scripts).
// Returns "" when the packages are there, else what failed.
std::string NpmCiOnce(const std::string& dir, const std::vector<std::string>& packages,
                      std::string_view version);

// `mlq token create --file FILE --name NAME --role ROLE [--domain DOMAIN]`;
// returns the token it printed. EXPECTs that it succeeded and said the token
// is shown only now.
std::string CreateToken(const std::string& file, const std::string& name, const std::string& role,
                        const std::string& domain = "");

// A running mlqd on a temporary data folder (or the one given), with every
// listener on 127.0.0.1 port 0. Stopped with SIGTERM when destroyed.
class Daemon {
 public:
  explicit Daemon(std::string data_dir, std::vector<std::string> extra_args = {});
  ~Daemon();

  // Starts mlqd and waits for its "ready" line; false (with log()) on failure.
  bool Start();
  // Sends `sig`, waits for exit, returns the exit code (or 128+signal).
  int Stop(int sig = 15);
  bool Running();
  int pid() const { return pid_; }

  const std::string& udp() const { return udp_; }  // "127.0.0.1:port"
  const std::string& tcp() const { return tcp_; }
  const std::string& grpc() const { return grpc_; }
  // The HTTP listener ("" unless started with --http ADDR:0).
  const std::string& http() const { return http_; }
  uint16_t udp_port() const;
  uint16_t tcp_port() const;
  uint16_t http_port() const;
  std::string log() const;  // what mlqd wrote to stderr so far

  // Runs the real `mlq` with --server pointing at this daemon.
  CommandResult Mlq(std::vector<std::string> args) const;
  // `mlq status --json`, parsed.
  nlohmann::json Status() const;

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  int pid_ = -1;
  int err_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string log_;
  std::string udp_, tcp_, grpc_, http_;
};

// Sends bytes over one TCP connection to 127.0.0.1:port and closes it
// cleanly (shutdown write, wait for the peer's close or 5 s).
bool SendTcp(uint16_t port, std::string_view bytes);
// Sends one UDP datagram to 127.0.0.1:port.
bool SendUdp(uint16_t port, std::string_view datagram);

// Polls `pred` every 20 ms until true or `timeout`; returns its last value.
bool WaitFor(const std::function<bool()>& pred,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));

// "Nov 20 10:00:01"-style RFC 3164 time of `t` in UTC (for tests that run
// mlqd with --timezone UTC).
std::string Bsd(time_t t);

// `--json` output of mlq find: one JSON object per line.
std::vector<nlohmann::json> ParseJsonLines(const std::string& out);

}  // namespace mlq::testing
