// util-linux logger (Debian 12's bsdutils 2.38) sending to the real mlqd:
// --rfc3164 and --rfc5424, each over --udp, --tcp (LF framing) and --tcp
// --octet-count. One logger run sends 200 Postfix lines read from stdin
// (one message per line); every one must arrive exactly once with the host
// logger put in the header (the machine's name; RFC 3164 cuts it at the
// first dot), program and pid from -t/--id, and a timestamp of the moment it
// was sent.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "harness.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

constexpr int kLines = 200;

struct Case {
  const char* name;
  const char* format;  // --rfc3164 / --rfc5424
  std::vector<std::string> transport_flags;
  const char* transport;  // what mlqd records
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

class LoggerTest : public ::testing::TestWithParam<Case> {};

TEST_P(LoggerTest, SendsEveryLineExactlyOnce) {
  const Case& c = GetParam();
  TempDir dir;
  Daemon daemon(dir.path() + "/data");
  ASSERT_TRUE(daemon.Start()) << daemon.log();

  const Batch batch = MakeBatch(std::string("logger-") + c.name, kLines, 0);
  std::string input;
  for (const auto& m : batch.messages) input += m + "\n";
  const uint16_t port = std::string(c.transport) == "udp" ? daemon.udp_port() : daemon.tcp_port();
  std::vector<std::string> argv = {"logger", "-n", "127.0.0.1", "-P", std::to_string(port)};
  argv.insert(argv.end(), c.transport_flags.begin(), c.transport_flags.end());
  argv.insert(argv.end(), {c.format, "-p", "mail.info", "-t", "postfix/qmgr", "--id=4242"});

  const int64_t before = SecondsAgo(0);
  CommandResult r = RunCommand(argv, input, std::chrono::seconds(30));
  const int64_t after = SecondsAgo(0);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  std::vector<json> rows = FindByAddress(daemon, batch.address(), kLines);
  EXPECT_EQ(rows.size(), static_cast<size_t>(kLines))
      << "mlqd status: " << daemon.Status().dump() << "\n--- mlqd:\n"
      << daemon.log();
  // Once more a little later: nothing arrives twice.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  rows = FindByAddress(daemon, batch.address(), kLines, std::chrono::milliseconds(0));

  std::string host = HostName();
  if (std::string(c.format) == "--rfc3164") host = host.substr(0, host.find('.'));
  Expect expect{.host = host,
                .program = "postfix/qmgr",
                .pid = "4242",
                .transport = c.transport,
                .min_time_s = before - 1,
                .max_time_s = after + 1,
                .peer_subject_contains = ""};
  ExpectExactlyOnce(rows, batch, expect);
  json status = daemon.Status();
  EXPECT_EQ(status.value("stored", -1), kLines) << status.dump();
}

INSTANTIATE_TEST_SUITE_P(
    Logger, LoggerTest,
    ::testing::Values(Case{"rfc3164_udp", "--rfc3164", {"--udp"}, "udp"},
                      Case{"rfc3164_tcp", "--rfc3164", {"--tcp"}, "tcp"},
                      Case{"rfc3164_tcp_octet", "--rfc3164", {"--tcp", "--octet-count"}, "tcp"},
                      Case{"rfc5424_udp", "--rfc5424", {"--udp"}, "udp"},
                      Case{"rfc5424_tcp", "--rfc5424", {"--tcp"}, "tcp"},
                      Case{"rfc5424_tcp_octet", "--rfc5424", {"--tcp", "--octet-count"}, "tcp"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace mlq::testing
