// rsyslog (Debian 12's rsyslogd 8.2302) forwarding to the real mlqd with the
// client config shipped in deploy/rsyslog-client.conf: each ruleset there,
// with each of its two templates, over UDP, TCP (octet counting and LF) and
// TLS (OpenSSL and GnuTLS drivers, mutual and server-only). rsyslogd gets
// 200 Postfix lines over its own imtcp input (RFC 3164 headers with host
// mx-test, postfix/qmgr[4242] and a time five minutes ago) and must deliver
// every one exactly once with that host, program, pid and time.
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
  const char* ruleset;      // the `call` in deploy/rsyslog-client.conf
  const char* template_;    // nullptr: the ruleset's own; else swapped in for the other
  const char* transport;    // what mlqd records
  bool mutual_tls = false;  // mlqd requires client certificates
  bool client_cert = true;  // keep the CertFile/KeyFile lines (TLS)
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

const char* kForward = "RSYSLOG_ForwardFormat";
const char* kProtocol23 = "RSYSLOG_SyslogProtocol23Format";

std::vector<std::string> MlqdArgs(const Case& c, const std::string& ca) {
  if (std::string(c.transport) != "tls") return {};
  std::vector<std::string> args = {"--syslog-tls",     "127.0.0.1:0", "--tls-cert",
                                   ca + "/server.pem", "--tls-key",   ca + "/server.key"};
  if (c.mutual_tls) args.insert(args.end(), {"--tls-client-ca", ca + "/ca.pem"});
  return args;
}

// deploy/rsyslog-client.conf pointed at `daemon`, with the case's ruleset
// called and template swapped in.
std::string ClientConfig(const Case& c, const Daemon& daemon, const std::string& ca) {
  std::string conf = DeployFile("rsyslog-client.conf");
  const std::string what = "deploy/rsyslog-client.conf";
  ReplaceAll(conf, "target=\"mlq.example.org\"", "target=\"127.0.0.1\"", what);
  const uint16_t port = std::string(c.transport) == "udp" ? daemon.udp_port() : daemon.tcp_port();
  ReplaceAll(conf, "port=\"5514\"", "port=\"" + std::to_string(port) + "\"", what);
  if (std::string(c.transport) == "tls") {
    const uint16_t tls_port = TlsPort(daemon);
    EXPECT_NE(tls_port, 0) << daemon.log();
    ReplaceAll(conf, "port=\"6514\"", "port=\"" + std::to_string(tls_port) + "\"", what);
    ReplaceAll(conf, "/etc/rsyslog.d/mlq/", ca + "/", what);
    if (!c.client_cert) {
      RemoveLinesWith(conf, "StreamDriver.CertFile=", what);
      RemoveLinesWith(conf, "StreamDriver.KeyFile=", what);
    }
  }
  ReplaceAll(conf, "\n  call mlq_tcp\n", std::string("\n  call ") + c.ruleset + "\n", what);
  if (c.template_ != nullptr) {
    ReplaceAll(conf, std::string(c.template_) == kForward ? kProtocol23 : kForward, c.template_,
               what);
  }
  return conf;
}

class RsyslogTest : public ::testing::TestWithParam<Case> {
 public:
  static void SetUpTestSuite() {
    certs_ = new TempDir();
    // The server certificate names mlq.example.org, as the shipped config
    // expects (StreamDriverPermittedPeers), and 127.0.0.1.
    MakeTestCa(certs_->path(), "mlq.example.org", "mail-client");
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  static TempDir* certs_;
};
TempDir* RsyslogTest::certs_ = nullptr;

TEST_P(RsyslogTest, ForwardsEveryLineExactlyOnce) {
  const Case& c = GetParam();
  const bool tls = std::string(c.transport) == "tls";
  const std::string ca = certs_->path();
  TempDir dir;
  Daemon daemon(dir.path() + "/data", MlqdArgs(c, ca));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  const std::string conf = ClientConfig(c, daemon, ca);
  ASSERT_FALSE(::testing::Test::HasFailure());

  Rsyslog rsyslog(dir.path() + "/rsyslog");
  ASSERT_TRUE(rsyslog.Start(conf)) << rsyslog.log();

  const Batch batch = MakeBatch(std::string("rsyslog-") + c.name, kLines, SecondsAgo(300));
  ASSERT_TRUE(SendTcp(rsyslog.input_port(), batch.Stream()));

  std::vector<json> rows = FindByAddress(daemon, batch.address(), kLines);
  EXPECT_EQ(rows.size(), static_cast<size_t>(kLines))
      << "mlqd status: " << daemon.Status().dump() << "\n"
      << rsyslog.log() << "\n--- mlqd:\n"
      << daemon.log();
  // Stop rsyslogd (it flushes its queues), then look again: nothing arrives
  // twice, nothing else arrives.
  EXPECT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
  rows = FindByAddress(daemon, batch.address(), kLines, std::chrono::milliseconds(0));
  Expect expect{.host = batch.host,
                .program = batch.program,
                .pid = batch.pid,
                .transport = c.transport,
                .min_time_s = batch.time_s,
                .max_time_s = batch.time_s,
                .peer_subject_contains = ""};
  if (tls && c.mutual_tls) expect.peer_subject_contains = "CN=mail-client";
  ExpectExactlyOnce(rows, batch, expect);
  json status = daemon.Status();
  EXPECT_EQ(status.value("stored", -1), kLines) << status.dump();
  if (tls && !c.mutual_tls && !rows.empty()) {
    EXPECT_EQ(AsText(rows[0].value("peer_subject", json())), "") << "no client certificate";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Deploy, RsyslogTest,
    ::testing::Values(
        // plain TCP, octet counting: the recommended ruleset, both templates
        Case{"tcp_octet_protocol23", "mlq_tcp", nullptr, "tcp"},
        Case{"tcp_octet_forward", "mlq_tcp", kForward, "tcp"},
        // plain TCP, LF framing
        Case{"tcp_lf_forward", "mlq_tcp_lf", nullptr, "tcp"},
        Case{"tcp_lf_protocol23", "mlq_tcp_lf", kProtocol23, "tcp"},
        // UDP
        Case{"udp_forward", "mlq_udp", nullptr, "udp"},
        Case{"udp_protocol23", "mlq_udp", kProtocol23, "udp"},
        // TLS, OpenSSL driver, x509/name, mutual TLS
        Case{"tls_ossl_protocol23", "mlq_tls", nullptr, "tls", true},
        Case{"tls_ossl_forward", "mlq_tls", kForward, "tls", true},
        // TLS, GnuTLS driver, x509/name, mutual TLS
        Case{"tls_gtls_protocol23", "mlq_tls_gtls", nullptr, "tls", true},
        Case{"tls_gtls_forward", "mlq_tls_gtls", kForward, "tls", true},
        // TLS without a client certificate, to an mlqd that asks for none
        Case{"tls_ossl_server_only", "mlq_tls", nullptr, "tls", false, false},
        Case{"tls_gtls_server_only", "mlq_tls_gtls", nullptr, "tls", false, false}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// x509/name really checks mlqd's certificate: with a permitted peer name the
// certificate does not carry, rsyslog delivers nothing (it keeps the lines
// queued and retries).
TEST(RsyslogTlsTest, RefusesAServerWhoseCertificateNamesAnotherPeer) {
  TempDir ca, dir;
  ASSERT_TRUE(MakeTestCa(ca.path(), "mlq.example.org", "mail-client"));
  const Case c{"tls_ossl_wrong_peer", "mlq_tls", nullptr, "tls", true};
  Daemon daemon(dir.path() + "/data", MlqdArgs(c, ca.path()));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  std::string conf = ClientConfig(c, daemon, ca.path());
  ReplaceAll(conf, "StreamDriverPermittedPeers=\"mlq.example.org\"",
             "StreamDriverPermittedPeers=\"other.example.org\"");
  // Nothing can be delivered, so on stop the action queue would wait its
  // full 10 s shutdown timeout before saving to disk; with a busy machine
  // that outlasts Stop()'s patience. Save after half a second instead.
  ReplaceAll(conf, "queue.saveOnShutdown=\"on\"",
             "queue.saveOnShutdown=\"on\" queue.timeoutShutdown=\"500\"");
  Rsyslog rsyslog(dir.path() + "/rsyslog");
  ASSERT_TRUE(rsyslog.Start(conf)) << rsyslog.log();
  const Batch batch = MakeBatch("rsyslog-wrong-peer", 20, SecondsAgo(300));
  ASSERT_TRUE(SendTcp(rsyslog.input_port(), batch.Stream()));
  // rsyslog tries at once; give it three seconds.
  json status;
  bool received = WaitFor(
      [&] {
        status = daemon.Status();
        return status.is_object() && status.value("stored", int64_t{0}) > 0;
      },
      std::chrono::seconds(3));
  EXPECT_FALSE(received) << "delivered to a server with the wrong name: " << status.dump();
  EXPECT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
}

}  // namespace
}  // namespace mlq::testing
