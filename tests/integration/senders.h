// Support for the integration tests with real syslog senders: runs rsyslogd
// and syslog-ng (from Debian packages, see deploy/install-test-senders.sh)
// with their own config in a temporary folder, on 127.0.0.1, and checks that
// what they forwarded arrived in mlqd exactly once with the right fields.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {

// --- files and text ---------------------------------------------------------

// The project's deploy/ folder (found from MLQ_TEST_DATA).
std::string DeployDir();
// A file of deploy/, e.g. "rsyslog-client.conf"; fails the test when missing.
std::string DeployFile(std::string_view name);

// Replaces every `from` by `to`; fails the current test (naming `what`) when
// `from` does not occur, so a changed deploy file cannot slip past the tests.
void ReplaceAll(std::string& text, std::string_view from, std::string_view to,
                std::string_view what = "config");
// Removes every line that contains `needle`; fails the test when none does.
void RemoveLinesWith(std::string& text, std::string_view needle, std::string_view what = "config");
void WriteFile(const std::string& path, std::string_view text);

// Makes a test CA, a server certificate for `server_name` (also valid for
// 127.0.0.1) and a client certificate for CN=`client_name` in `dir` with
// deploy/make-test-ca.sh. Fails the test (false) when that does not work.
bool MakeTestCa(const std::string& dir, const std::string& server_name,
                const std::string& client_name);

// A parameterized suite whose tests share one test CA, made once per suite
// by MakeTestCa in certs_->path(): the server certificate names
// mlq.example.org (the shipped client configs' permitted peer) and
// 127.0.0.1, the client certificate CN=mail-client.
template <typename Param>
class TestCaSuite : public ::testing::TestWithParam<Param> {
 public:
  static void SetUpTestSuite() {
    certs_ = new TempDir();
    MakeTestCa(certs_->path(), "mlq.example.org", "mail-client");
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

 protected:
  static inline TempDir* certs_ = nullptr;
};

// --- mlqd ---------------------------------------------------------------------

// mlqd's TLS port from its "listening tls 127.0.0.1:PORT" line; 0 if none.
uint16_t TlsPort(const Daemon& daemon);
// mlqd's port for `transport` ("tls", "relp", ...) from its
// "listening TRANSPORT ADDR:PORT" line; 0 if none.
uint16_t ListenerPort(const Daemon& daemon, std::string_view transport);
// A TCP port on 127.0.0.1 that was free a moment ago (for senders that
// cannot listen on port 0 and report the port).
uint16_t FreeTcpPort();
// The machine's host name as gethostname() gives it.
std::string HostName();

// --- child processes -----------------------------------------------------------

// A long-running child with stdout and stderr appended to `log_path`, in its
// own process group, killed with the test process should that die. Stopped
// (SIGTERM, then SIGKILL after `timeout`) when destroyed.
class Process {
 public:
  Process() = default;
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // `env` entries ("NAME=value") are added to the test's environment.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path,
             const std::vector<std::string>& env = {});
  bool Running();
  // SIGTERM (or `sig`), waits at most `timeout`, then SIGKILLs the process
  // group. Returns the exit code (128+signal when killed), -1 if not running.
  int Stop(int sig = 15, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  std::string log() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// rsyslogd (8.x) with `-n -f DIR/rsyslog.conf -i DIR/rsyslogd.pid`: the
// config is a header written here (work directory DIR/work, an imtcp input
// on 127.0.0.1 port 0 bound to the default ruleset, its port written to a
// file, rsyslog's own messages to DIR/internal.log) followed by `body`.
// Never reads /etc/rsyslog.conf, loads no imuxsock/imklog, so it neither
// listens on /dev/log nor becomes the system logger.
class Rsyslog {
 public:
  explicit Rsyslog(std::string dir) : dir_(std::move(dir)) {}
  // Checks the config with `rsyslogd -N1`, starts rsyslogd and waits (15 s at
  // most) until its input listens. False with log() on failure.
  //
  // With $MLQ_RSYSLOG_DEBUG set (to anything), rsyslogd also writes its
  // debug log (RSYSLOG_DEBUG="Debug NoStdOut") to DIR/debug.log; log()
  // then ends with its last 64 KiB.
  bool Start(const std::string& body);
  uint16_t input_port() const { return input_port_; }
  int Stop() { return proc_.Stop(); }
  bool Running() { return proc_.Running(); }
  // The config check output, rsyslogd's stderr, its internal messages, the
  // last lines of its statistics (when the body has StatsModule()) and of
  // its debug log (when on).
  std::string log() const;
  std::string config_path() const { return dir_ + "/rsyslog.conf"; }
  // A config line loading impstats: every queue's size, enqueued, full and
  // discarded counts (the disk part of a disk-assisted queue as "NAME[DA]")
  // and every action's suspensions, each second, to DIR/stats.log, which
  // log() shows. For a body that wants to see where messages wait.
  std::string StatsModule() const;

  static std::string Binary();  // $MLQ_RSYSLOGD or /usr/sbin/rsyslogd

 private:
  std::string dir_;
  std::string check_;
  uint16_t input_port_ = 0;
  Process proc_;
};

// syslog-ng 3.38 unpacked (not installed) under SyslogNg::Root(), run in the
// foreground with its own config, persist file, pid file, control socket and
// module path in DIR. The config is a header written here (version, options,
// `source s_src`: network() on 127.0.0.1 TCP with keep-hostname(yes))
// followed by `body`.
class SyslogNg {
 public:
  explicit SyslogNg(std::string dir) : dir_(std::move(dir)) {}
  bool Start(const std::string& body);
  uint16_t input_port() const { return input_port_; }
  int Stop() { return proc_.Stop(); }
  bool Running() { return proc_.Running(); }
  std::string log() const;
  std::string dir() const { return dir_; }

  // $MLQ_SYSLOG_NG_ROOT or /opt/mlq-test/syslog-ng.
  static std::string Root();
  // The command line prefix (binary and --module-path) and environment
  // (LD_LIBRARY_PATH) that run it from Root().
  static std::vector<std::string> Command();
  static std::vector<std::string> Env();

 private:
  std::string dir_;
  std::string check_;
  uint16_t input_port_ = 0;
  Process proc_;
};

// --- what is sent and what must arrive ---------------------------------------

// N Postfix qmgr lines, each with its own queue ID and all with the sender
// address TAG@example.org, from one host/program/pid at one time.
struct Batch {
  std::string tag;
  std::string host = "mx-test";
  std::string program = "postfix/qmgr";
  std::string pid = "4242";
  int64_t time_s = 0;  // header timestamp (whole seconds, local time)
  std::vector<std::string> queue_ids;
  std::vector<std::string> messages;  // the MSG part ("QID: from=<...>, ...")
  std::vector<std::string> lines;     // full RFC 3164 lines, without LF

  std::string address() const { return tag + "@example.org"; }
  // All lines, each followed by LF.
  std::string Stream() const;
};
// `n` lines at `time_s` with facility mail, severity info (<22>).
Batch MakeBatch(const std::string& tag, int n, int64_t time_s);
// Now minus `seconds`, whole seconds.
int64_t SecondsAgo(int seconds);

// What each stored record must carry.
struct Expect {
  std::string host;
  std::string program;
  std::string pid;
  std::string transport;              // "udp", "tcp", "tls"
  int64_t min_time_s = 0;             // the record's timestamp, to the second, in
  int64_t max_time_s = 0;             // [min_time_s, max_time_s]
  std::string peer_subject_contains;  // non-empty: the TLS client subject
};

// Polls `mlq find --json --address ADDRESS` (20 s at most) until it returns
// at least `want` rows; returns the last answer's rows.
std::vector<nlohmann::json> FindByAddress(
    const Daemon& daemon, const std::string& address, size_t want,
    std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Checks (with EXPECTs) that `rows` hold each queue ID of `batch` exactly
// once and nothing else, each with the expected fields and its message.
void ExpectExactlyOnce(const std::vector<nlohmann::json>& rows, const Batch& batch,
                       const Expect& expect);

// A JSON scalar as text: "4242" for both 4242 and "4242"; "" for null.
std::string AsText(const nlohmann::json& v);

}  // namespace mlq::testing
