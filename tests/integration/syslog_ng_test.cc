// syslog-ng (Debian 12's syslog-ng-core 3.38, unpacked, not installed: it
// conflicts with rsyslog) forwarding to the real mlqd with the client config
// shipped in deploy/syslog-ng-client.conf: its network() destinations over
// TCP (LF framing) and UDP, its syslog() destination (RFC 5424, octet
// counting) over TCP and over TLS with a client certificate. syslog-ng gets
// 200 Postfix lines on its own network() source s_src (RFC 3164 headers with
// host mx-test, postfix/qmgr[4242] and a time five minutes ago; the source
// keeps the host from the line: keep-hostname(yes)) and must deliver every
// one exactly once with that host, program, pid and time.
#include <gtest/gtest.h>

#include <string>

#include "harness.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

constexpr int kLines = 200;

struct Case {
  const char* name;
  const char* destination;  // the destination in the log path
  const char* transport;    // what mlqd records
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

class SyslogNgTest : public TestCaSuite<Case> {};

TEST_P(SyslogNgTest, ForwardsEveryLineExactlyOnce) {
  const Case& c = GetParam();
  const bool tls = std::string(c.transport) == "tls";
  const std::string ca = certs_->path();
  TempDir dir;
  std::vector<std::string> mlqd_args;
  if (tls) {
    mlqd_args = {"--syslog-tls", "127.0.0.1:0",      "--tls-cert",      ca + "/server.pem",
                 "--tls-key",    ca + "/server.key", "--tls-client-ca", ca + "/ca.pem"};
  }
  Daemon daemon(dir.path() + "/data", mlqd_args);
  ASSERT_TRUE(daemon.Start()) << daemon.log();

  // The shipped config, pointed at this mlqd.
  std::string conf = DeployFile("syslog-ng-client.conf");
  ASSERT_FALSE(conf.empty());
  const std::string what = "deploy/syslog-ng-client.conf";
  const uint16_t port = std::string(c.transport) == "udp" ? daemon.udp_port() : daemon.tcp_port();
  ReplaceAll(conf, "\"mlq.example.org\" port(5514)",
             "\"127.0.0.1\" port(" + std::to_string(port) + ")", what);
  if (tls) {
    const uint16_t tls_port = TlsPort(daemon);
    ASSERT_NE(tls_port, 0) << daemon.log();
    ReplaceAll(conf, "\"mlq.example.org\" port(6514)",
               "\"127.0.0.1\" port(" + std::to_string(tls_port) + ")", what);
  }
  // syslog-ng checks that the TLS files exist even for a destination no log
  // path uses.
  ReplaceAll(conf, "/etc/syslog-ng/mlq/", ca + "/", what);
  const std::string sng_dir = dir.path() + "/syslog-ng";
  // Disk buffers in the test's folder, not /var/lib/syslog-ng.
  ReplaceAll(conf, "disk-buffer(", "disk-buffer(dir(\"" + sng_dir + "\") ", what);
  ReplaceAll(conf, "destination(d_mlq_syslog);", std::string("destination(") + c.destination + ");",
             what);

  SyslogNg syslog_ng(sng_dir);
  ASSERT_TRUE(syslog_ng.Start(conf)) << syslog_ng.log();

  const Batch batch = MakeBatch(std::string("syslog-ng-") + c.name, kLines, SecondsAgo(300));
  ASSERT_TRUE(SendTcp(syslog_ng.input_port(), batch.Stream())) << syslog_ng.log();

  std::vector<json> rows = FindByAddress(daemon, batch.address(), kLines);
  EXPECT_EQ(rows.size(), static_cast<size_t>(kLines))
      << "mlqd status: " << daemon.Status().dump() << "\n"
      << syslog_ng.log() << "\n--- mlqd:\n"
      << daemon.log();
  // Stop syslog-ng, then look again: nothing arrives twice or extra.
  EXPECT_EQ(syslog_ng.Stop(), 0) << syslog_ng.log();
  rows = FindByAddress(daemon, batch.address(), kLines, std::chrono::milliseconds(0));
  Expect expect{.host = batch.host,
                .program = batch.program,
                .pid = batch.pid,
                .transport = c.transport,
                .min_time_s = batch.time_s,
                .max_time_s = batch.time_s,
                .peer_subject_contains = tls ? "CN=mail-client" : ""};
  ExpectExactlyOnce(rows, batch, expect);
  json status = daemon.Status();
  EXPECT_EQ(status.value("stored", -1), kLines) << status.dump();
}

INSTANTIATE_TEST_SUITE_P(Deploy, SyslogNgTest,
                         ::testing::Values(Case{"syslog_tcp", "d_mlq_syslog", "tcp"},
                                           Case{"network_tcp", "d_mlq_network", "tcp"},
                                           Case{"network_udp", "d_mlq_network_udp", "udp"},
                                           Case{"syslog_tls", "d_mlq_syslog_tls", "tls"}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

// The unpacked syslog-ng runs from its folder (module path, private libraries).
TEST(SyslogNgInstall, RunsFromItsFolder) {
  std::vector<std::string> argv = {"env"};
  for (const auto& e : SyslogNg::Env()) argv.push_back(e);
  for (const auto& a : SyslogNg::Command()) argv.push_back(a);
  argv.push_back("--version");
  CommandResult r = RunCommand(argv, "", std::chrono::seconds(20));
  ASSERT_EQ(r.exit_code, 0) << "run deploy/install-test-senders.sh: " << r.out << r.err;
  EXPECT_NE(r.out.find("3.38"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace mlq::testing
