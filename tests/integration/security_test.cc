// The query API's protection with real processes: mlqd over gRPC TLS (and
// mutual TLS) with a token file made by the real `mlq token`, real mlq
// calls with and without tokens, a domain-limited helpdesk token, SIGHUP
// revocation, the refusal of unprotected non-loopback gRPC, and the modes
// of the data folder and the token file.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

std::string Now5424(const std::string& program, const std::string& msg) {
  return "<22>1 " + std::string("2026-12-06T10:00:00Z") + " mx1 " + program + " 42 - - " + msg +
         "\n";
}

// Message A from example.org to other.net; message B from third.net to
// carol@example.org and dave@fourth.net; message C without example.org.
std::string Traffic() {
  return Now5424("postfix/cleanup", "AAAA1: message-id=<a@example.org>") +
         Now5424("postfix/qmgr",
                 "AAAA1: from=<alice@example.org>, size=1, nrcpt=1 (queue active)") +
         Now5424("postfix/smtp",
                 "AAAA1: to=<bob@other.net>, relay=mx.other.net[198.51.100.1]:25, delay=1, "
                 "delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)") +
         Now5424("postfix/cleanup", "BBBB2: message-id=<b@third.net>") +
         Now5424("postfix/qmgr", "BBBB2: from=<x@third.net>, size=1, nrcpt=2 (queue active)") +
         Now5424("postfix/local",
                 "BBBB2: to=<carol@example.org>, relay=local, delay=1, delays=0/0/0/1, "
                 "dsn=2.0.0, status=sent (delivered to mailbox)") +
         Now5424("postfix/smtp",
                 "BBBB2: to=<dave@fourth.net>, relay=mx.fourth.net[198.51.100.2]:25, delay=1, "
                 "delays=0/0/0/1, dsn=5.1.1, status=bounced (user unknown)") +
         Now5424("postfix/cleanup", "CCCC3: message-id=<c@else.net>") +
         Now5424("postfix/qmgr", "CCCC3: from=<y@else.net>, size=1, nrcpt=1 (queue active)");
}

// The suite's test CA comes from TestCaSuite (senders.h); no parameter is used.
class GrpcSecurityTest : public TestCaSuite<int> {
 protected:
  static std::string Cert(const std::string& name) { return certs_->path() + "/" + name; }

  // mlq against `d` over TLS with `token` ("" = none).
  CommandResult As(const Daemon& d, const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {MLQ_BIN, "--server", d.grpc(), "--ca", Cert("ca.pem")};
    if (!token.empty()) argv.insert(argv.end(), {"--token", token});
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
};

TEST_F(GrpcSecurityTest, TlsTokensRolesDomainsAndRevocation) {
  TempDir dir;
  const std::string file = dir.path() + "/tokens";
  const std::string admin = CreateToken(file, "ops", "admin");
  const std::string reader = CreateToken(file, "reader", "read");
  const std::string ingest = CreateToken(file, "importer", "ingest");
  const std::string helpdesk = CreateToken(file, "helpdesk", "read", "example.org");
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (const std::string& t : {admin, reader, ingest, helpdesk}) {
    EXPECT_EQ(ReadFile(file).find(t), std::string::npos) << "the file keeps hashes only";
  }
  CommandResult list = RunCommand({MLQ_BIN, "token", "list", "--file", file});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("helpdesk"), std::string::npos);
  EXPECT_NE(list.out.find("example.org"), std::string::npos);

  Daemon d(dir.path() + "/data", {"--grpc-tls-cert", Cert("server.pem"), "--grpc-tls-key",
                                  Cert("server.key"), "--grpc-tokens", file, "--timezone", "UTC"});
  ASSERT_TRUE(d.Start()) << d.log();
  EXPECT_NE(d.log().find("gRPC: TLS; tokens 4 tokens"), std::string::npos) << d.log();
  ASSERT_TRUE(SendTcp(d.tcp_port(), Traffic()));

  // Plain gRPC to a TLS port gets nowhere; TLS without a token is refused.
  CommandResult plain = d.Mlq({"--token", reader, "find", "--queue-id", "AAAA1"});
  EXPECT_EQ(plain.exit_code, 2);
  CommandResult none = As(d, "", {"find", "--queue-id", "AAAA1"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("requires a token"), std::string::npos) << none.err;
  CommandResult wrong = As(d, "mlq_not-a-real-token", {"find", "--queue-id", "AAAA1"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("unknown or revoked token"), std::string::npos) << wrong.err;

  // read: every line; all 9 stored.
  ASSERT_TRUE(WaitFor([&] {
    return ParseJsonLines(As(d, reader, {"find", "--queue-id", "CCCC3", "--json"}).out).size() == 2;
  })) << d.log();
  EXPECT_EQ(ParseJsonLines(As(d, reader, {"find", "--queue-id", "BBBB2", "--json"}).out).size(),
            4u);
  // ingest may import but not read; read may not import.
  const std::string log = dir.path() + "/more.log";
  {
    std::ofstream(log) << "2026-12-06T10:05:00Z mx2 postfix/qmgr[1]: DDDD4: from=<q@example.org>, "
                          "size=1, nrcpt=1 (queue active)\n";
  }
  CommandResult imp = As(d, ingest, {"import", "--no-progress", log});
  EXPECT_EQ(imp.exit_code, 0) << imp.err;
  CommandResult ingest_find = As(d, ingest, {"find", "--queue-id", "DDDD4"});
  EXPECT_EQ(ingest_find.exit_code, 2);
  EXPECT_NE(ingest_find.err.find("may not call Find"), std::string::npos) << ingest_find.err;
  CommandResult read_import = As(d, reader, {"import", "--no-progress", log});
  EXPECT_EQ(read_import.exit_code, 2);
  EXPECT_NE(read_import.err.find("may not call Ingest"), std::string::npos) << read_import.err;
  CommandResult backup = As(d, reader, {"backup", dir.path() + "/copy"});
  EXPECT_EQ(backup.exit_code, 2);
  EXPECT_EQ(As(d, admin, {"backup", dir.path() + "/copy"}).exit_code, 0);

  // The helpdesk of example.org: its messages, not the others.
  EXPECT_EQ(ParseJsonLines(As(d, helpdesk, {"find", "--queue-id", "AAAA1", "--json"}).out).size(),
            3u);
  CommandResult c = As(d, helpdesk, {"find", "--queue-id", "CCCC3", "--json"});
  EXPECT_EQ(c.exit_code, 1) << c.out << c.err;  // nothing found
  CommandResult trace = As(d, helpdesk, {"trace", "--queue-id", "BBBB2", "--json"});
  EXPECT_EQ(trace.exit_code, 0) << trace.err;
  EXPECT_NE(trace.out.find("carol@example.org"), std::string::npos) << trace.out;
  EXPECT_EQ(trace.out.find("dave@fourth.net"), std::string::npos) << trace.out;
  CommandResult stats = As(d, helpdesk, {"stats"});
  EXPECT_EQ(stats.exit_code, 2);
  EXPECT_NE(stats.err.find("limited to some domains"), std::string::npos) << stats.err;

  // Revoked, then SIGHUP: the token stops working without a restart.
  CommandResult revoke = RunCommand({MLQ_BIN, "token", "revoke", "--file", file, "reader"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  EXPECT_EQ(As(d, reader, {"status"}).exit_code, 0) << "still valid until mlqd reloads";
  ASSERT_EQ(kill(d.pid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor([&] { return d.log().find("tokens: 3 tokens") != std::string::npos; }))
      << d.log();
  CommandResult revoked = As(d, reader, {"status"});
  EXPECT_EQ(revoked.exit_code, 2);
  EXPECT_NE(revoked.err.find("unknown or revoked token"), std::string::npos) << revoked.err;
  EXPECT_EQ(As(d, admin, {"status"}).exit_code, 0);
  const json s = nlohmann::json::parse(As(d, admin, {"status", "--json"}).out, nullptr, false);
  ASSERT_TRUE(s.is_object());
  EXPECT_GE(s["counters"].value("auth.unauthenticated", 0), 3);
  EXPECT_GE(s["counters"].value("auth.denied", 0), 4);
}

TEST_F(GrpcSecurityTest, MutualTlsNeedsTheClientCertificate) {
  TempDir dir;
  Daemon d(dir.path() + "/data", {"--grpc-tls-cert", Cert("server.pem"), "--grpc-tls-key",
                                  Cert("server.key"), "--grpc-client-ca", Cert("ca.pem")});
  ASSERT_TRUE(d.Start()) << d.log();
  CommandResult without = As(d, "", {"status"});
  EXPECT_EQ(without.exit_code, 2) << without.out;
  CommandResult with =
      As(d, "", {"--cert", Cert("client.pem"), "--key", Cert("client.key"), "status"});
  EXPECT_EQ(with.exit_code, 0) << with.err;
}

// Counts the "SIGHUP:" lines of mlqd's log (one per reload, done or not).
size_t Reloads(const Daemon& d) {
  const std::string log = d.log();
  size_t n = 0;
  for (size_t at = log.find("SIGHUP:"); at != std::string::npos; at = log.find("SIGHUP:", at + 1)) {
    ++n;
  }
  return n;
}

// SIGHUP, then waits until mlqd has logged what the reload did.
::testing::AssertionResult Sighup(const Daemon& d) {
  const size_t before = Reloads(d);
  if (kill(d.pid(), SIGHUP) != 0) return ::testing::AssertionFailure() << "kill failed";
  if (!WaitFor([&] { return Reloads(d) > before; })) {
    return ::testing::AssertionFailure() << "no reload logged: " << d.log();
  }
  return ::testing::AssertionSuccess();
}

uint64_t Counter(const Daemon& d, const std::string& name) {
  const json s = d.Status();
  if (!s.is_object() || !s.contains("counters")) return 0;
  return s["counters"].value(name, uint64_t{0});
}

// The allow lists of the config file follow SIGHUP: 127.0.0.1 refused,
// then allowed, then refused again; a config that no longer parses keeps
// the lists that run.
TEST_F(GrpcSecurityTest, SighupReloadsTheAllowListsOfTheConfigFile) {
  TempDir dir;
  const std::string conf = dir.path() + "/mlqd.conf";
  auto allow = [&](const std::string& list) {
    std::ofstream(conf) << "timezone = UTC\nallow = [" << list << "]\n";
  };
  allow(R"("all=127.0.0.2")");
  Daemon d(dir.path() + "/data", {"--config", conf});
  ASSERT_TRUE(d.Start()) << d.log();
  auto line = [](const std::string& qid) {
    return Now5424("postfix/qmgr", qid + ": from=<a@example.org>, size=1, nrcpt=1 (queue active)");
  };
  auto found = [&](const std::string& qid) {
    return ParseJsonLines(d.Mlq({"find", "--queue-id", qid, "--json"}).out).size();
  };

  SendTcp(d.tcp_port(), line("AA0001"));  // refused: mlqd closes it at once
  ASSERT_TRUE(SendUdp(d.udp_port(), line("AA0002")));
  ASSERT_TRUE(WaitFor([&] {
    return Counter(d, "listener.tcp.refused_address") >= 1 &&
           Counter(d, "listener.udp.refused_address") >= 1;
  })) << d.log();

  allow(R"("tcp=127.0.0.0/8", "udp=127.0.0.1")");
  ASSERT_TRUE(Sighup(d));
  EXPECT_NE(d.log().find("senders: 2 --allow entries"), std::string::npos) << d.log();
  ASSERT_TRUE(SendTcp(d.tcp_port(), line("AA0003")));
  ASSERT_TRUE(SendUdp(d.udp_port(), line("AA0004")));
  EXPECT_TRUE(WaitFor([&] { return found("AA0003") == 1 && found("AA0004") == 1; })) << d.log();
  EXPECT_EQ(found("AA0001") + found("AA0002"), 0u);

  // Back to 127.0.0.2 only: 127.0.0.1 is refused again.
  const uint64_t tcp_refused = Counter(d, "listener.tcp.refused_address");
  const uint64_t udp_refused = Counter(d, "listener.udp.refused_address");
  allow(R"("all=127.0.0.2")");
  ASSERT_TRUE(Sighup(d));
  SendTcp(d.tcp_port(), line("AA0005"));
  ASSERT_TRUE(SendUdp(d.udp_port(), line("AA0006")));
  ASSERT_TRUE(WaitFor([&] {
    return Counter(d, "listener.tcp.refused_address") > tcp_refused &&
           Counter(d, "listener.udp.refused_address") > udp_refused;
  })) << d.log();

  // A config that no longer parses: nothing changes, and that is counted.
  allow(R"("tcp=127.0.0.1/33")");
  ASSERT_TRUE(Sighup(d));
  EXPECT_NE(d.log().find("config not reloaded, keeping the running one"), std::string::npos)
      << d.log();
  EXPECT_EQ(Counter(d, "reload.failed.config"), 1u);
  const uint64_t refused = Counter(d, "listener.tcp.refused_address");
  SendTcp(d.tcp_port(), line("AA0007"));
  EXPECT_TRUE(WaitFor([&] { return Counter(d, "listener.tcp.refused_address") > refused; }));
  EXPECT_EQ(found("AA0005") + found("AA0006") + found("AA0007"), 0u);
}

// The gRPC certificate follows SIGHUP: a broken file is refused (the old
// certificate stays, counted), a certificate of another CA is served to the
// next TLS handshake.
TEST_F(GrpcSecurityTest, SighupReloadsTheGrpcCertificate) {
  TempDir dir, other_ca;
  ASSERT_TRUE(MakeTestCa(other_ca.path(), "mlq.example.org", "mail-client"));
  const std::string cert = dir.path() + "/server.pem", key = dir.path() + "/server.key";
  WriteFile(cert, ReadFile(Cert("server.pem")));
  WriteFile(key, ReadFile(Cert("server.key")));
  ASSERT_EQ(chmod(key.c_str(), 0600), 0);
  Daemon d(dir.path() + "/data", {"--grpc-tls-cert", cert, "--grpc-tls-key", key});
  ASSERT_TRUE(d.Start()) << d.log();
  auto status_with = [&](const std::string& ca) {
    return RunCommand({MLQ_BIN, "--server", d.grpc(), "--ca", ca, "status"}).exit_code;
  };
  const std::string old_ca = Cert("ca.pem"), new_ca = other_ca.path() + "/ca.pem";
  ASSERT_EQ(status_with(old_ca), 0);
  ASSERT_NE(status_with(new_ca), 0);

  // A certificate without its key (the new certificate, the old key): kept.
  WriteFile(cert, ReadFile(other_ca.path() + "/server.pem"));
  ASSERT_TRUE(Sighup(d));
  EXPECT_NE(d.log().find("grpc_tls kept: --grpc-tls-key: " + key + " is not the key of " + cert),
            std::string::npos)
      << d.log();
  const json s = json::parse(
      RunCommand({MLQ_BIN, "--server", d.grpc(), "--ca", old_ca, "status", "--json"}).out, nullptr,
      false);
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["counters"].value("reload.failed.grpc_tls", 0), 1);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // past the provider's refresh
  EXPECT_EQ(status_with(old_ca), 0) << "the old certificate stays in use";

  // Both renewed: new handshakes get the new certificate within a second or two.
  WriteFile(key, ReadFile(other_ca.path() + "/server.key"));
  ASSERT_TRUE(Sighup(d));
  EXPECT_NE(d.log().find("grpc certificates reloaded"), std::string::npos) << d.log();
  EXPECT_TRUE(WaitFor([&] { return status_with(new_ca) == 0; })) << d.log();
  EXPECT_NE(status_with(old_ca), 0);
  // The copies mlqd serves from are private.
  struct stat st {};
  ASSERT_EQ(stat((dir.path() + "/data/grpc-tls/current/key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(GrpcSecurityTest, RefusesUnprotectedGrpcBeyondLoopback) {
  TempDir dir;
  CommandResult r = RunCommand({MLQD_BIN, "--data", dir.path() + "/data", "--syslog-udp", "",
                                "--syslog-tcp", "", "--grpc", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("refusing to serve gRPC on 0.0.0.0:0 without TLS and tokens"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--grpc-insecure"), std::string::npos) << r.err;
  // TLS alone is not enough: tokens too.
  r = RunCommand({MLQD_BIN, "--data", dir.path() + "/data", "--syslog-udp", "", "--syslog-tcp", "",
                  "--grpc", "0.0.0.0:0", "--grpc-tls-cert", Cert("server.pem"), "--grpc-tls-key",
                  Cert("server.key")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(GrpcSecurityTest, InsecureFlagServesBeyondLoopbackAndSaysSo) {
  TempDir dir;
  Daemon d(dir.path() + "/data", {"--grpc", "0.0.0.0:0", "--grpc-insecure"});
  ASSERT_TRUE(d.Start()) << d.log();
  EXPECT_NE(d.log().find("gRPC: plain; tokens off"), std::string::npos) << d.log();
}

TEST_F(GrpcSecurityTest, DataFolderIsPrivate) {
  TempDir dir;
  const std::string data = dir.path() + "/deep/data";
  Daemon d(data);
  ASSERT_TRUE(d.Start()) << d.log();
  struct stat st {};
  ASSERT_EQ(stat(data.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  d.Stop();
  // An existing folder others can read is used, with a warning.
  ASSERT_EQ(chmod(data.c_str(), 0755), 0);
  Daemon again(data);
  ASSERT_TRUE(again.Start()) << again.log();
  EXPECT_NE(again.log().find("other local users can read every mail log line"), std::string::npos)
      << again.log();
}

TEST_F(GrpcSecurityTest, UserGivesUpRootAfterBindingAndStillStores) {
  if (geteuid() != 0) {
    if (UnderCi()) FAIL() << "CI runs as root; this test needs it";
    GTEST_SKIP() << "needs root";
  }
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  TempDir dir;
  const std::string data = dir.path() + "/data";
  Daemon d(data, {"--user", "nobody", "--timezone", "UTC"});
  ASSERT_TRUE(d.Start()) << d.log();
  EXPECT_NE(d.log().find("running as user nobody"), std::string::npos) << d.log();
  struct stat st {};
  ASSERT_EQ(stat(data.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody->pw_uid);
  std::ifstream status("/proc/" + std::to_string(d.pid()) + "/status");
  std::string line, uid_line;
  while (std::getline(status, line)) {
    if (line.starts_with("Uid:")) uid_line = line;
  }
  EXPECT_EQ(uid_line.find("\t0\t"), std::string::npos) << uid_line;
  ASSERT_TRUE(SendTcp(d.tcp_port(), Traffic()));
  EXPECT_TRUE(WaitFor([&] {
    return ParseJsonLines(d.Mlq({"find", "--queue-id", "AAAA1", "--json"}).out).size() == 3;
  })) << d.log();
}

}  // namespace
}  // namespace mlq::testing
