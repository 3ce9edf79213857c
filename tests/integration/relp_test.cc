// rsyslog (Debian 12's rsyslogd 8.2302 with omrelp from rsyslog-relp and
// librelp 1.11) forwarding to the real mlqd over RELP with the client config
// shipped in deploy/rsyslog-omrelp.conf: plain TCP, and TLS with each of
// librelp's TLS libraries (OpenSSL, GnuTLS) and mutual TLS. rsyslogd gets
// 2000 Postfix lines over its own imtcp input and must deliver every one
// exactly once, with its host, program, pid and time; every one must have
// been acknowledged by mlqd. A second test restarts mlqd while rsyslog
// keeps sending: nothing is lost.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "harness.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

constexpr int kLines = 2000;
// An action queue of this size never reaches its high watermark (90 %)
// with kLines: nothing goes to its disk part.
constexpr int kNoSpillQueueSize = 4 * kLines;

std::string OmrelpModule() {
  const char* v = std::getenv("MLQ_RSYSLOG_OMRELP");
  return v != nullptr && *v != '\0' ? v : "/usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so";
}

// rsyslogd and its omrelp module are there (else: skip, or fail under CI).
bool HaveRsyslogRelp(std::string* missing) {
  for (const std::string& path : {Rsyslog::Binary(), OmrelpModule()}) {
    if (access(path.c_str(), R_OK) != 0) {
      *missing = path;
      return false;
    }
  }
  return true;
}

#define MLQ_REQUIRE_RSYSLOG_RELP()                                                           \
  do {                                                                                       \
    std::string missing;                                                                     \
    MLQ_REQUIRE_CORPUS(HaveRsyslogRelp(&missing),                                            \
                       missing << " not found: install the test senders with "               \
                                  "deploy/install-test-senders.sh (rsyslog, rsyslog-relp)"); \
  } while (0)

// mlqd's RELP port from its "listening relp 127.0.0.1:PORT" line; 0 if none.
uint16_t RelpPort(const Daemon& daemon) { return ListenerPort(daemon, "relp"); }

// A counter of `mlq status --json`; -1 when absent.
int64_t StatusCounter(const json& status, const std::string& name) {
  if (!status.is_object() || !status.contains("counters") || !status["counters"].is_object()) {
    return -1;
  }
  return status["counters"].value(name, int64_t{-1});
}

struct Case {
  const char* name;
  bool tls = false;
  bool mutual_tls = false;
  const char* tlslib = "openssl";
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

std::vector<std::string> MlqdArgs(const Case& c, const std::string& ca,
                                  const std::string& relp_address = "127.0.0.1:0") {
  std::vector<std::string> args = {"--syslog-relp", relp_address};
  if (c.tls) {
    args.insert(args.end(),
                {"--relp-tls", "--tls-cert", ca + "/server.pem", "--tls-key", ca + "/server.key"});
    if (c.mutual_tls) args.insert(args.end(), {"--tls-client-ca", ca + "/ca.pem"});
  }
  return args;
}

// deploy/rsyslog-omrelp.conf pointed at mlqd's RELP port, with the case's
// ruleset called and TLS library chosen. `queue_size` (0: rsyslog's default,
// 1000 messages) sets the action queue's size: the shipped queue is
// disk-assisted (queue.filename), and spills to its disk part once it holds
// 90 % of that (its high watermark).
std::string ClientConfig(const Case& c, uint16_t port, const std::string& ca, int queue_size = 0) {
  std::string conf = DeployFile("rsyslog-omrelp.conf");
  const std::string what = "deploy/rsyslog-omrelp.conf";
  if (queue_size != 0) {
    ReplaceAll(conf, "queue.type=\"LinkedList\"",
               "queue.type=\"LinkedList\" queue.size=\"" + std::to_string(queue_size) + "\"", what);
  }
  ReplaceAll(conf, "target=\"mlq.example.org\"", "target=\"127.0.0.1\"", what);
  ReplaceAll(conf, "port=\"2514\"", "port=\"" + std::to_string(port) + "\"", what);
  ReplaceAll(conf, "port=\"2515\"", "port=\"" + std::to_string(port) + "\"", what);
  ReplaceAll(conf, "/etc/rsyslog.d/mlq/", ca + "/", what);
  ReplaceAll(conf, "tls.tlslib=\"openssl\"", std::string("tls.tlslib=\"") + c.tlslib + "\"", what);
  if (c.tls) {
    ReplaceAll(conf, "\n  call mlq_relp\n", "\n  call mlq_relp_tls\n", what);
    if (!c.mutual_tls) {
      RemoveLinesWith(conf, "tls.myCert=", what);
      RemoveLinesWith(conf, "tls.myPrivKey=", what);
    }
  }
  return conf;
}

// The server certificate names mlq.example.org (the shipped config's
// permitted peer) and 127.0.0.1.
class RelpTest : public TestCaSuite<Case> {};

TEST_P(RelpTest, ForwardsEveryLineExactlyOnceAcknowledged) {
  MLQ_REQUIRE_RSYSLOG_RELP();
  const Case& c = GetParam();
  const std::string ca = certs_->path();
  TempDir dir;
  Daemon daemon(dir.path() + "/data", MlqdArgs(c, ca));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  const uint16_t port = RelpPort(daemon);
  ASSERT_NE(port, 0) << daemon.log();
  // The queue holds the whole batch in memory: this test is about the
  // transport and the acknowledgements, RelpDiskQueueTest about the spill.
  const std::string conf = ClientConfig(c, port, ca, kNoSpillQueueSize);
  ASSERT_FALSE(::testing::Test::HasFailure());

  Rsyslog rsyslog(dir.path() + "/rsyslog");
  ASSERT_TRUE(rsyslog.Start(rsyslog.StatsModule() + conf)) << rsyslog.log();
  const Batch batch = MakeBatch(std::string("relp-") + c.name, kLines, SecondsAgo(300));
  ASSERT_TRUE(SendTcp(rsyslog.input_port(), batch.Stream()));

  std::vector<json> rows = FindByAddress(daemon, batch.address(), kLines, std::chrono::seconds(60));
  EXPECT_EQ(rows.size(), static_cast<size_t>(kLines))
      << "mlqd status: " << daemon.Status().dump() << "\n"
      << rsyslog.log() << "\n--- mlqd:\n"
      << daemon.log();
  // Every line was acknowledged before rsyslog stops: it then has nothing
  // left to resend or to save.
  EXPECT_TRUE(WaitFor([&] {
    return StatusCounter(daemon.Status(), "listener.relp.messages.acked") >= kLines;
  })) << daemon.Status().dump();
  EXPECT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
  rows = FindByAddress(daemon, batch.address(), kLines, std::chrono::milliseconds(0));
  Expect expect{.host = batch.host,
                .program = batch.program,
                .pid = batch.pid,
                .transport = "relp",
                .min_time_s = batch.time_s,
                .max_time_s = batch.time_s,
                .peer_subject_contains = ""};
  if (c.mutual_tls) expect.peer_subject_contains = "CN=mail-client";
  ExpectExactlyOnce(rows, batch, expect);
  const json status = daemon.Status();
  EXPECT_EQ(status.value("stored", -1), kLines) << status.dump();
  EXPECT_EQ(StatusCounter(status, "listener.relp.messages.acked"), kLines) << status.dump();
  EXPECT_EQ(StatusCounter(status, "listener.relp.frames.malformed"), 0) << status.dump();
  EXPECT_GE(StatusCounter(status, "listener.relp.connections.accepted"), 1) << status.dump();
  if (c.tls && !c.mutual_tls && !rows.empty()) {
    EXPECT_EQ(AsText(rows[0].value("peer_subject", json())), "") << "no client certificate";
  }
}

INSTANTIATE_TEST_SUITE_P(Deploy, RelpTest,
                         ::testing::Values(Case{"plain"},
                                           Case{"tls_openssl_mutual", true, true, "openssl"},
                                           Case{"tls_openssl_server_only", true, false, "openssl"},
                                           Case{"tls_gnutls_mutual", true, true, "gnutls"}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

// The largest "enqueued=N" of a disk-assisted queue's disk part in
// rsyslog's statistics (Rsyslog::StatsModule); 0 when none.
uint64_t DiskQueueEnqueued(const std::string& log) {
  uint64_t most = 0;
  for (size_t at = log.find("[DA]: origin=core.queue"); at != std::string::npos;
       at = log.find("[DA]: origin=core.queue", at + 1)) {
    const size_t end = log.find('\n', at);
    const std::string line = log.substr(at, end == std::string::npos ? end : end - at);
    const size_t e = line.find(" enqueued=");
    if (e != std::string::npos) {
      most = std::max<uint64_t>(most, std::strtoull(line.c_str() + e + 10, nullptr, 10));
    }
  }
  return most;
}

// The TCP sockets on `port` as `ss` sees them, with their queues: on a
// stall, Recv-Q on mlqd's side means mlqd stopped reading, Recv-Q on the
// sender's side that rsyslog stopped reading replies, both 0 that rsyslog
// sends nothing.
std::string SocketsOn(uint16_t port) {
  const std::string command = "ss -tanoi '( sport = :" + std::to_string(port) +
                              " or dport = :" + std::to_string(port) + " )' 2>&1";
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// True when mlqd holds nothing of the RELP sessions on `port`: every
// established socket on mlqd's side has read all it was sent (Recv-Q 0) and
// had all its replies taken by the peer's kernel (Send-Q 0), and every
// message read was answered (acked == received). Then whatever has not
// arrived is still with the sender.
bool MlqdHoldsNothing(uint16_t port, const Daemon& daemon, std::string* why) {
  const json status = daemon.Status();
  const uint64_t acked = StatusCounter(status, "listener.relp.messages.acked");
  const uint64_t received = StatusCounter(status, "received.relp");
  if (acked != received) {
    *why = "mlqd received " + std::to_string(received) + " RELP messages and acked " +
           std::to_string(acked);
    return false;
  }
  const std::string sockets = SocketsOn(port);
  const std::string local = ":" + std::to_string(port);
  size_t at = 0;
  while (at < sockets.size()) {
    const size_t end = std::min(sockets.find('\n', at), sockets.size());
    const std::string line = sockets.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with("ESTAB")) continue;
    char state[16], from[64], to[64];
    unsigned long recv_q = 0, send_q = 0;
    if (std::sscanf(line.c_str(), "%15s %lu %lu %63s %63s", state, &recv_q, &send_q, from, to) !=
        5) {
      *why = "cannot read ss line: " + line;
      return false;
    }
    if (!std::string_view(from).ends_with(local)) continue;  // the sender's end
    if (recv_q != 0 || send_q != 0) {
      *why = "mlqd's socket " + std::string(from) + " has Recv-Q " + std::to_string(recv_q) +
             ", Send-Q " + std::to_string(send_q);
      return false;
    }
  }
  return true;
}

// The shipped config's disk-assisted queue, made to spill: with a 100
// message queue, most of the 2000 lines go through its disk part (rsyslog
// then runs a second worker, with a RELP session of its own). Every line
// arrives exactly once within a bounded time; on failure the message shows
// rsyslog's queue statistics (and its debug log with $MLQ_RSYSLOG_DEBUG).
TEST(RelpDiskQueueTest, SpilledLinesArriveExactlyOnce) {
  MLQ_REQUIRE_RSYSLOG_RELP();
  TempDir dir;
  const Case c{"spill"};
  Daemon daemon(dir.path() + "/data", MlqdArgs(c, ""));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  const uint16_t port = RelpPort(daemon);
  ASSERT_NE(port, 0) << daemon.log();
  Rsyslog rsyslog(dir.path() + "/rsyslog");
  // Without the TLS ruleset, whose certificate files rsyslog would check
  // (making a test CA took over a minute on a loaded machine).
  std::string conf = ClientConfig(c, port, "/nonexistent", 100);
  const size_t tls = conf.find("ruleset(name=\"mlq_relp_tls\")");
  ASSERT_NE(tls, std::string::npos) << conf;
  conf.erase(tls, conf.find("\n}\n", tls) + 3 - tls);
  ASSERT_TRUE(rsyslog.Start(rsyslog.StatsModule() + conf)) << rsyslog.log();
  const Batch batch = MakeBatch("relp-spill", kLines, SecondsAgo(300));
  ASSERT_TRUE(SendTcp(rsyslog.input_port(), batch.Stream()));

  // rsyslog 8.2302's disk-assisted queue sometimes stops dequeuing its disk
  // part (about 1 run in 20 on this machine under load): impstats then
  // shows the [DA] queue's size constant for minutes while mlqd has read
  // and answered everything rsyslog sent. New lines do not wake it (they
  // go through the memory part); a restart does: the disk part is saved
  // (queue.saveOnShutdown) and drained at start. So on a stall the test
  // first checks that mlqd holds nothing (MlqdHoldsNothing: an mlqd that
  // stopped reading or answering fails here), then restarts rsyslog, at
  // most twice. Exactly once still holds: nothing was in flight.
  const std::string rsyslog_body = rsyslog.StatsModule() + conf;
  int restarts = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto last_progress = t0;
  std::vector<json> rows;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(90)) {
    const size_t before = rows.size();
    rows = FindByAddress(daemon, batch.address(), kLines, std::chrono::milliseconds(0));
    if (rows.size() >= static_cast<size_t>(kLines)) break;
    const auto now = std::chrono::steady_clock::now();
    if (rows.size() != before) last_progress = now;
    if (now - last_progress > std::chrono::seconds(15) && restarts < 2) {
      std::string why;
      ASSERT_TRUE(MlqdHoldsNothing(port, daemon, &why))
          << why << "\n--- sockets on the RELP port:\n"
          << SocketsOn(port) << "\n"
          << rsyslog.log();
      std::printf(
          "[ stall    ] %zu of %d lines after %.1f s; mlqd holds nothing; restarting "
          "rsyslog:\n%s\n",
          rows.size(), kLines, std::chrono::duration<double>(now - t0).count(),
          SocketsOn(port).c_str());
      ASSERT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
      ASSERT_TRUE(rsyslog.Start(rsyslog_body)) << rsyslog.log();
      ++restarts;
      last_progress = std::chrono::steady_clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kLines))
      << "after " << waited << " s\n--- sockets on the RELP port:\n"
      << SocketsOn(port) << "\nmlqd status: " << daemon.Status().dump() << "\n"
      << rsyslog.log() << "\n--- mlqd:\n"
      << daemon.log();
  EXPECT_TRUE(WaitFor([&] {
    return StatusCounter(daemon.Status(), "listener.relp.messages.acked") >= kLines;
  })) << daemon.Status().dump();
  // The disk part was used, or this test did not test it (impstats
  // reports the disk part as "... queue[DA]: origin=core.queue ...
  // enqueued=N" from the start, N 0 while nothing spilled).
  EXPECT_TRUE(WaitFor([&] { return DiskQueueEnqueued(rsyslog.log()) > 0; }))
      << "nothing went through the disk-assisted queue:\n"
      << rsyslog.log();
  EXPECT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
  ExpectExactlyOnce(rows, batch,
                    Expect{.host = batch.host,
                           .program = batch.program,
                           .pid = batch.pid,
                           .transport = "relp",
                           .min_time_s = batch.time_s,
                           .max_time_s = batch.time_s,
                           .peer_subject_contains = ""});
  std::printf(
      "[ figures  ] RELP through a spilling disk queue: %d lines in %.1f s, %d rsyslog "
      "restart(s)\n",
      kLines, waited, restarts);
}

// mlqd stops (SIGTERM) and starts again on the same port and data while
// rsyslog keeps getting lines: rsyslog holds what was not acknowledged,
// reconnects (action.resumeInterval 5 s) and resends it. Every line arrives;
// a line may arrive twice (RELP resends what was stored but not yet
// acknowledged when the session broke), none is lost.
TEST(RelpRestartTest, NothingIsLostWhileMlqdRestarts) {
  MLQ_REQUIRE_RSYSLOG_RELP();
  TempDir ca, dir;
  // The shipped config's TLS ruleset names certificate files rsyslog checks.
  ASSERT_TRUE(MakeTestCa(ca.path(), "mlq.example.org", "mail-client"));
  const std::string relp = "127.0.0.1:" + std::to_string(FreeTcpPort());
  const Case c{"restart"};
  auto daemon = std::make_unique<Daemon>(dir.path() + "/data", MlqdArgs(c, "", relp));
  ASSERT_TRUE(daemon->Start()) << daemon->log();
  const uint16_t port = RelpPort(*daemon);
  ASSERT_NE(port, 0) << daemon->log();
  Rsyslog rsyslog(dir.path() + "/rsyslog");
  ASSERT_TRUE(rsyslog.Start(rsyslog.StatsModule() + ClientConfig(c, port, ca.path())))
      << rsyslog.log();

  const Batch before = MakeBatch("relp-before", 500, SecondsAgo(300));
  const Batch during = MakeBatch("relp-during", 500, SecondsAgo(300));
  const Batch after = MakeBatch("relp-after", 500, SecondsAgo(300));
  ASSERT_TRUE(SendTcp(rsyslog.input_port(), before.Stream()));
  EXPECT_EQ(FindByAddress(*daemon, before.address(), 500).size(), 500u) << rsyslog.log();
  EXPECT_EQ(daemon->Stop(), 0) << daemon->log();
  daemon.reset();

  ASSERT_TRUE(SendTcp(rsyslog.input_port(), during.Stream()));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  daemon = std::make_unique<Daemon>(dir.path() + "/data", MlqdArgs(c, "", relp));
  ASSERT_TRUE(daemon->Start()) << daemon->log();
  ASSERT_TRUE(SendTcp(rsyslog.input_port(), after.Stream()));

  for (const Batch* b : {&before, &during, &after}) {
    // rsyslog resumes the suspended action after 5 s or more (it backs off).
    std::vector<json> rows;
    WaitFor(
        [&] {
          rows = FindByAddress(*daemon, b->address(), 500, std::chrono::milliseconds(0));
          return rows.size() >= 500;
        },
        std::chrono::seconds(90));
    std::set<std::string> ids;
    for (const json& row : rows) ids.insert(AsText(row.value("queue_id", json())));
    for (const std::string& qid : b->queue_ids) {
      EXPECT_TRUE(ids.count(qid)) << b->tag << ": " << qid << " lost\n"
                                  << rsyslog.log() << "\n--- mlqd:\n"
                                  << daemon->log();
      if (!ids.count(qid)) break;
    }
  }
  EXPECT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
}

}  // namespace
}  // namespace mlq::testing
