// The whole path, with real processes: logger and raw sockets -> mlqd ->
// store -> gRPC -> the mlq CLI.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <thread>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data");
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
  }

  // Polls `mlq find` until it returns `want` lines (or times out); returns
  // the rows of the last answer.
  std::vector<json> FindUntil(const std::vector<std::string>& args, size_t want) {
    std::vector<json> rows;
    WaitFor([&] {
      std::vector<std::string> a = {"find", "--json"};
      a.insert(a.end(), args.begin(), args.end());
      CommandResult r = daemon_->Mlq(a);
      rows = ParseJsonLines(r.out);
      return rows.size() >= want;
    });
    return rows;
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

CommandResult Logger(std::vector<std::string> args) {
  std::vector<std::string> argv = {"logger"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

TEST_F(EndToEndTest, LoggerOverUdpIsFoundByMessageIdQueueIdAndAddress) {
  const std::string port = std::to_string(daemon_->udp_port());
  ASSERT_EQ(Logger({"-n", "127.0.0.1", "-P", port, "--udp", "--rfc3164", "-t", "postfix/cleanup",
                    "--id=866357", "4Ldr9y6wlvz3xgh: message-id=<udp-1@example.org>"})
                .exit_code,
            0);
  ASSERT_EQ(Logger({"-n", "127.0.0.1", "-P", port, "--udp", "--rfc3164", "-t", "postfix/qmgr",
                    "--id=2502",
                    "4Ldr9y6wlvz3xgh: from=<Alice@Example.org>, size=1052, nrcpt=1 (queue "
                    "active)"})
                .exit_code,
            0);
  auto rows = FindUntil({"--message-id", "udp-1@example.org"}, 1);
  ASSERT_EQ(rows.size(), 1u) << daemon_->log();
  EXPECT_EQ(rows[0]["program"], "postfix/cleanup");
  EXPECT_EQ(rows[0]["pid"], "866357");
  EXPECT_EQ(rows[0]["queue_id"], "4Ldr9y6wlvz3xgh");
  EXPECT_EQ(rows[0]["transport"], "udp");
  EXPECT_NE(rows[0]["raw"].get<std::string>().find("message-id=<udp-1@example.org>"),
            std::string::npos);

  rows = FindUntil({"--queue-id", "4Ldr9y6wlvz3xgh"}, 2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["from"], "Alice@Example.org");
  // Addresses are case-insensitive; angle brackets as pasted from a log work.
  rows = FindUntil({"--address", "<alice@EXAMPLE.org>"}, 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["program"], "postfix/qmgr");
}

TEST_F(EndToEndTest, LoggerOverTcpWithOctetCountingRfc5424) {
  const std::string port = std::to_string(daemon_->tcp_port());
  CommandResult r = Logger({"-n", "127.0.0.1", "-P", port, "--tcp", "--octet-count", "--rfc5424",
                            "-t", "postfix/smtp", "--id=322145",
                            "95FA2DB2C9: to=<bob@example.net>, relay=mx.example.net[192.0.2.5]:25, "
                            "delay=5.4, delays=0.01/0.03/0.28/5, dsn=2.0.0, status=sent (250 "
                            "2.0.0 Ok: queued as 4JNS6h47X1z9p1k)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = FindUntil({"--queue-id", "95FA2DB2C9"}, 1);
  ASSERT_EQ(rows.size(), 1u) << daemon_->log();
  EXPECT_EQ(rows[0]["transport"], "tcp");
  EXPECT_EQ(rows[0]["status"], "sent");
  EXPECT_EQ(rows[0]["dsn"], "2.0.0");
  EXPECT_EQ(rows[0]["to"], json::array({"bob@example.net"}));
  // Nothing for an unknown id: exit code 1.
  EXPECT_EQ(daemon_->Mlq({"find", "--queue-id", "NOSUCHQUEUE"}).exit_code, 1);
}

TEST_F(EndToEndTest, RawTcpBothFramingsAndTimeRange) {
  // LF framing and octet counting mixed on one connection, as RFC 6587
  // allows a receiver to detect per frame.
  std::string a = "<22>Jul  7 09:06:15 mx1 postfix/qmgr[2502]: AAAA11111: removed";
  std::string b =
      "<22>Jul  7 09:06:16 mx1 postfix/qmgr[2502]: AAAA11111: from=<x@y.z>, size=1, "
      "nrcpt=1 (queue active)";
  std::string stream = a + "\n" + std::to_string(b.size()) + " " + b;
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), stream));
  auto rows = FindUntil({"--queue-id", "AAAA11111", "--host", "mx1"}, 2);
  ASSERT_EQ(rows.size(), 2u) << daemon_->log();
  EXPECT_EQ(rows[0]["raw"], a);
  EXPECT_EQ(rows[1]["raw"], b) << "the final frame ends with the connection";
  // Another host with the same queue ID is not mixed in.
  EXPECT_EQ(daemon_->Mlq({"find", "--queue-id", "AAAA11111", "--host", "mx2"}).exit_code, 1);
  // --since after both lines: nothing.
  EXPECT_EQ(daemon_->Mlq({"find", "--queue-id", "AAAA11111", "--since", "1h"}).exit_code, 1);
}

TEST_F(EndToEndTest, BadInputIsCountedAndNeverDisturbsOtherConnections) {
  const uint16_t port = daemon_->tcp_port();
  // A good sender runs while the bad ones hit the daemon.
  std::thread good([port] {
    std::string s;
    for (int i = 0; i < 2000; ++i) {
      s += "<22>Jul  7 09:06:15 good postfix/qmgr[1]: GOOD" + std::to_string(100000 + i) +
           ": from=<good@example.org>, size=1, nrcpt=1 (queue active)\n";
    }
    SendTcp(port, s);
  });
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 7919) & 0xff));
  EXPECT_TRUE(SendTcp(port, garbage));
  EXPECT_TRUE(SendTcp(port, "\n\n0 \n"));                                 // empty frames
  EXPECT_TRUE(SendTcp(port, "<13>" + std::string(1 << 20, 'x') + "\n"));  // 1 MiB line
  EXPECT_TRUE(SendTcp(port, "99999999999999999999 <13>overflowing count\n"));
  EXPECT_TRUE(SendTcp(port, "500 <13>a count that lies: the connection ends first"));
  EXPECT_TRUE(SendUdp(daemon_->udp_port(), std::string("\0\0\xff\xfe binary", 12)));
  good.join();

  auto rows = FindUntil({"--address", "good@example.org", "--limit", "5000"}, 2000);
  EXPECT_EQ(rows.size(), 2000u);
  json status;
  ASSERT_TRUE(WaitFor([&] {
    status = daemon_->Status();
    return status.is_object() && status["counters"].value("listener.tcp.frames.incomplete", 0) >= 1;
  })) << status.dump();
  const json& c = status["counters"];
  EXPECT_GE(c.value("listener.tcp.frames.empty", 0), 2);
  EXPECT_GE(c.value("listener.tcp.frames.oversize", 0), 1);
  EXPECT_GE(c.value("listener.tcp.frames.bad_octet_count", 0), 1);
  EXPECT_GE(c.value("listener.tcp.frames.incomplete", 0), 1);
  EXPECT_GE(c.value("truncated", 0), 1);
  EXPECT_GE(status["unparsed"].get<int64_t>(), 1) << "garbage is stored raw, flagged";
  EXPECT_TRUE(daemon_->Running());
  // Still serving after all that.
  EXPECT_EQ(daemon_->Mlq({"status"}).exit_code, 0);
}

TEST_F(EndToEndTest, SigtermFlushesEverythingAndRestartSeesIt) {
  std::string s;
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    s += "<22>Jul  7 09:06:15 mx1 postfix/cleanup[7]: R" + std::to_string(1000000 + i) +
         ": message-id=<restart-" + std::to_string(i) + "@example.org>\n";
  }
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), s));
  // Stop at once: whatever the connection delivered must be stored.
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->log();
  Daemon again(dir_.path() + "/data");
  ASSERT_TRUE(again.Start()) << again.log();
  json status = again.Status();
  EXPECT_EQ(status["stored"], n) << status.dump();
  CommandResult r = again.Mlq({"find", "--json", "--message-id", "restart-4999@example.org"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ParseJsonLines(r.out).size(), 1u);
}

TEST_F(EndToEndTest, StatusReportsReceivedPerTransportAndStored) {
  ASSERT_TRUE(SendUdp(daemon_->udp_port(), "<13>Nov 22 10:00:00 h app: one"));
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), "<13>Nov 22 10:00:00 h app: two\n"));
  json status;
  ASSERT_TRUE(WaitFor([&] {
    status = daemon_->Status();
    return status.is_object() && status["stored"] == 2;
  })) << status.dump();
  EXPECT_EQ(status["received"]["udp"], 1);
  EXPECT_EQ(status["received"]["tcp"], 1);
}

TEST(CliTest, UsageAndConnectionErrorsExitWithTwo) {
  EXPECT_EQ(RunCommand({MLQ_BIN, "find"}).exit_code, 2) << "no filter and no time";
  EXPECT_EQ(RunCommand({MLQ_BIN, "find", "--limit", "5", "--newest-first"}).exit_code, 2)
      << "paging options are not filters";
  CommandResult r = RunCommand({MLQ_BIN, "--server", "127.0.0.1:1", "find", "--message-id", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
  EXPECT_EQ(RunCommand({MLQ_BIN, "find", "--message-id", "x", "--since", "yesterdayish"}).exit_code,
            2);
}

}  // namespace
}  // namespace mlq::testing
