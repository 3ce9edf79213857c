// rsyslog (Debian 12's rsyslogd 8.2302) forwarding to the real mlqd with the
// client config shipped in deploy/rsyslog-client.conf: each ruleset there,
// with each of its two templates (and rsyslog's traditional one), over UDP, TCP (octet counting and
// LF) and TLS (OpenSSL and GnuTLS drivers, mutual and server-only). rsyslogd gets 200 Postfix lines
// over its own imtcp input (RFC 3164 headers with host mx-test, postfix/qmgr[4242] and a time five
// minutes ago) and must deliver every one exactly once with that host, program, pid and time.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>

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
// RFC 3164 header with a second-precision, year-less, zone-less time: mlqd
// takes the year from the receive time and the zone from the listener.
const char* kTraditional = "RSYSLOG_TraditionalForwardFormat";

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

// The server certificate names mlq.example.org, as the shipped config
// expects (StreamDriverPermittedPeers), and 127.0.0.1.
class RsyslogTest : public TestCaSuite<Case> {};

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
  // The header is the template's: an RFC 3164 "Mmm dd hh:mm:ss" time after
  // the PRI, or RFC 5424's "1 " version / ForwardFormat's RFC 3339 time.
  for (const json& row : rows) {
    const std::string raw = AsText(row.value("raw", json()));
    const size_t gt = raw.find('>');
    ASSERT_NE(gt, std::string::npos) << raw;
    const bool bsd_time =
        gt + 4 < raw.size() && std::isupper(static_cast<unsigned char>(raw[gt + 1]));
    EXPECT_EQ(bsd_time, c.template_ != nullptr && std::string(c.template_) == kTraditional) << raw;
  }
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
        Case{"tcp_lf_traditional", "mlq_tcp_lf", kTraditional, "tcp"},
        // UDP
        Case{"udp_forward", "mlq_udp", nullptr, "udp"},
        Case{"udp_protocol23", "mlq_udp", kProtocol23, "udp"},
        Case{"udp_traditional", "mlq_udp", kTraditional, "udp"},
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

// How often `needle` occurs in `text`.
size_t CountOf(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// A counter of `mlq status --json` ("counters" object); -1 when absent.
int64_t StatusCounter(const json& status, const std::string& name) {
  if (!status.is_object() || !status.contains("counters") || !status["counters"].is_object()) {
    return -1;
  }
  return status["counters"].value(name, int64_t{-1});
}

// x509/name really checks mlqd's certificate: with a permitted peer name the
// certificate does not carry, rsyslog completes the TLS handshake with mlqd,
// refuses the peer and delivers nothing; it keeps the lines queued, retries,
// and saves them to disk when stopped.
//
// The test takes mlqd away before it stops rsyslog. rsyslogd 8.2302 cannot
// stop cleanly while this action retries against a TLS server that answers:
// in immediate shutdown the action's commit-retry loop (action.c,
// actionCommit) never ends by itself -- actionDoRetry returns at once when
// shutdown is immediate and every pass reconnects with a full handshake --
// so after queue.timeoutActionCompletion rsyslog interrupts the worker
// (SIGTTIN, then pthread_cancel), usually in the middle of a handshake.
// SIGTTIN there makes nsd_ossl treat the handshake as "not complete yet,
// retry" and send the batch with the x509/name check skipped (1-2 lines
// reached mlqd in about a quarter of the stops); pthread_cancel there leaves
// a half-open TLS session, whose close (a blocking SSL_read for the
// bidirectional shutdown) waits until mlqd drops the connection at its 15 s
// handshake timeout, so rsyslogd took 16 s to exit. With mlqd gone every
// pass fails at connect(), no TLS session exists to leak through or to
// hang on, and rsyslogd exits in about 1 s.
TEST(RsyslogTlsTest, RefusesAServerWhoseCertificateNamesAnotherPeer) {
  TempDir ca, dir;
  ASSERT_TRUE(MakeTestCa(ca.path(), "mlq.example.org", "mail-client"));
  const Case c{"tls_ossl_wrong_peer", "mlq_tls", nullptr, "tls", true};
  Daemon daemon(dir.path() + "/data", MlqdArgs(c, ca.path()));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  std::string conf = ClientConfig(c, daemon, ca.path());
  ReplaceAll(conf, "StreamDriverPermittedPeers=\"mlq.example.org\"",
             "StreamDriverPermittedPeers=\"other.example.org\"");
  Rsyslog rsyslog(dir.path() + "/rsyslog");
  ASSERT_TRUE(rsyslog.Start(conf)) << rsyslog.log();
  const Batch batch = MakeBatch("rsyslog-wrong-peer", 20, SecondsAgo(300));
  ASSERT_TRUE(SendTcp(rsyslog.input_port(), batch.Stream()));

  // rsyslog connects at once and refuses the certificate after the
  // handshake, then retries at once (and every action.resumeInterval):
  // two refusals show that it got through the handshake and kept retrying.
  const std::string refusal =
      "peer name not authorized, not permitted to talk to name: /O=mlq/CN=mlq.example.org";
  json status;
  const bool refused_twice = WaitFor(
      [&] {
        status = daemon.Status();
        return CountOf(rsyslog.log(), refusal) >= 2 &&
               StatusCounter(status, "listener.tls.connections.accepted") >= 2;
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(refused_twice) << "mlqd status: " << status.dump() << "\n" << rsyslog.log();
  status = daemon.Status();
  ASSERT_TRUE(status.is_object()) << daemon.log();
  EXPECT_EQ(status.value("stored", int64_t{-1}), 0)
      << "delivered to a server with the wrong name: " << status.dump();
  EXPECT_EQ(status.contains("received") ? status["received"].value("tls", int64_t{-1}) : -1, 0)
      << status.dump();
  EXPECT_TRUE(rsyslog.Running()) << rsyslog.log();

  // mlqd first (see above), then rsyslog: it stops cleanly and saves the
  // lines it could not deliver (queue.saveOnShutdown) to its work directory.
  EXPECT_EQ(daemon.Stop(), 0) << daemon.log();
  EXPECT_EQ(rsyslog.Stop(), 0) << rsyslog.log();
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/rsyslog/work/mlq_tls.qi"))
      << "the undelivered lines were not saved\n"
      << rsyslog.log();
}

}  // namespace
}  // namespace mlq::testing
