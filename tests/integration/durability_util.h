// Support for the durability tests (durability_test.cc, disk_full_test.cc,
// backup_reload_test.cc): an mlqd that can be SIGKILLed and started again on
// the same data folder and ports, numbered syslog lines and a TCP sender of
// them, counting the numbered lines a store holds, and a tmpfs mounted by
// the test.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "senders.h"

namespace mlq::testing {

// mlqd run with exactly `args` (plus --data DIR), its stderr appended to
// `log_path`, in its own process group. Unlike Daemon it keeps the data
// folder and ports across Kill()/Start(), and syncs writes (the default).
class Mlqd {
 public:
  Mlqd(std::string data_dir, std::vector<std::string> args, std::string log_path);
  ~Mlqd();

  // Starts mlqd and waits (`timeout`) for its next "mlqd: ready" line; reads
  // the bound addresses from its "listening" lines. False when it exited or
  // did not get ready (see log()).
  bool Start(std::chrono::seconds timeout = std::chrono::seconds(60));
  // SIGKILL, waits for the exit.
  void Kill();
  // `sig` (SIGTERM), waits at most `timeout`; the exit code (128+signal).
  int Stop(int sig = 15, std::chrono::seconds timeout = std::chrono::seconds(90));
  bool Running() { return proc_.Running(); }
  pid_t pid() const { return proc_.pid(); }
  void Signal(int sig) const;

  std::string log() const;  // the whole log file
  const std::string& grpc() const { return grpc_; }
  // The bound address of listener `transport` (tcp, udp, relp) of the last start.
  std::string Address(const std::string& transport) const;
  uint16_t Port(const std::string& transport) const;

  CommandResult Mlq(const std::vector<std::string>& args,
                    std::chrono::seconds timeout = std::chrono::seconds(60)) const;
  // `mlq status --json`; null when it did not answer.
  nlohmann::json Status() const;

 private:
  std::string data_dir_;
  std::vector<std::string> args_;
  Process proc_;
  std::string log_path_;
  std::string grpc_;
  std::vector<std::pair<std::string, std::string>> bound_;
};

// A counter of a status (`counters` map); -1 when absent.
int64_t Counter(const nlohmann::json& status, const std::string& name);
// Top-level integer field of a status; -1 when absent.
int64_t Field(const nlohmann::json& status, const std::string& name);

// A Postfix queue ID: `prefix` (2 uppercase hex digits) and `n` as 8
// uppercase hex digits, e.g. Qid("DA", 26) == "DA0000001A".
std::string Qid(const std::string& prefix, uint32_t n);

// Numbered line `n`: an RFC 3164 Postfix line whose MSG starts with
// Qid(prefix, n) + ": " and is otherwise `text`; dated `t` (UTC: run mlqd
// with --timezone UTC). `syslog` adds "<22>" in front.
std::string NumberedLine(const std::string& prefix, uint32_t n, time_t t, const std::string& text,
                         bool syslog = true, const std::string& host = "mx-dur");

// The numbered lines (of `prefix`, below `limit`) that `mlq find --all`
// prints for --since `since` (and --until `until` when not empty): how
// often each occurs. Fails the test when find fails.
struct Census {
  std::vector<uint32_t> count;               // count[n]: times line n is stored
  uint64_t rows = 0;                         // rows printed (every line, numbered or not)
  uint64_t distinct = 0;                     // numbered lines stored at least once
  uint64_t duplicates = 0;                   // extra copies of numbered lines
  uint64_t missing_below(uint32_t n) const;  // lines < n not stored
  std::string MissingExamples(uint32_t n, size_t max = 5) const;
};
Census TakeCensus(const std::string& server, const std::string& prefix, uint32_t limit,
                  const std::string& since = "30d", const std::string& until = "");

// Writes numbered lines (Qid prefix `prefix`, numbers from 0) to 127.0.0.1
// `port` over TCP on a thread of its own, reconnecting whenever the
// connection breaks or cannot be made (every 50 ms). Lines written into a
// connection that then broke are not re-sent (mlqd may have lost them). At
// most `rate` lines per second (0 = flat out), stops after `total` lines
// (0 = until Stop()).
class NumberedSender {
 public:
  struct Options {
    std::string prefix = "DA";
    uint32_t total = 0;
    uint32_t rate = 0;
    size_t pad = 0;  // extra random characters per line
    std::string host = "mx-dur";
  };
  NumberedSender(uint16_t port, Options options);
  ~NumberedSender();
  void Stop();
  // Lines fully handed to the kernel so far.
  uint32_t sent() const { return sent_.load(); }
  // Line numbers used so far (sent, or written into a connection that broke).
  uint32_t used() const { return used_.load(); }
  bool done() const { return done_.load(); }
  uint64_t reconnects() const { return reconnects_.load(); }
  // True when every line up to `total` was written on a connection that
  // never broke afterwards (no line can have been lost on the way).
  bool never_broke() const { return breaks_.load() == 0; }
  uint64_t breaks() const { return breaks_.load(); }

 private:
  void Run();
  uint16_t port_;
  Options options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint32_t> sent_{0};
  std::atomic<uint32_t> used_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint64_t> breaks_{0};
  std::thread thread_;
};

// A tmpfs of `size` (e.g. "64m") mounted on a fresh folder; unmounted (and
// the folder removed) when destroyed. Needs root: ok() is false otherwise,
// with why().
class Tmpfs {
 public:
  explicit Tmpfs(const std::string& size);
  ~Tmpfs();
  bool ok() const { return mounted_; }
  const std::string& why() const { return why_; }
  const std::string& path() const { return path_; }
  bool Resize(const std::string& size);
  uint64_t FreeBytes() const;

 private:
  std::string path_;
  bool mounted_ = false;
  std::string why_;
};

// Fills the filesystem of `dir` with a file `path` until it is full (ENOSPC).
// Returns the bytes written.
uint64_t FillDisk(const std::string& path);

// A uniform random integer in [lo, hi].
int RandomInt(int lo, int hi);

}  // namespace mlq::testing
