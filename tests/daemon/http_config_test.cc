// mlqd's --http flags (daemon/config.h): off by default, the same
// loopback-or-protected rule as gRPC, and the config file's `http = ...`.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "daemon_args.h"
#include "test_util.h"

namespace mlq {
namespace {

using daemon_test::ParseArgs;

TEST(HttpConfigTest, OffByDefaultWithBoundedMetricsLabels) {
  absl::StatusOr<DaemonConfig> c = ParseArgs({});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->http, "");
  EXPECT_EQ(c->metrics_max_hosts, 500u);
  EXPECT_EQ(c->metrics_top_domains, 50u);
  EXPECT_EQ(c->metrics_queue_interval_s, 60);
}

TEST(HttpConfigTest, LoopbackNeedsNothingElse) {
  for (std::string addr : {"127.0.0.1:9750", "localhost:0", "[::1]:9750"}) {
    absl::StatusOr<DaemonConfig> c = ParseArgs({"--http", addr});
    ASSERT_TRUE(c.ok()) << addr << ": " << c.status();
    EXPECT_EQ(c->http, addr);
  }
}

TEST(HttpConfigTest, LoopbackHostHeaders) {
  for (std::string_view ok : {"localhost", "localhost:9750", "localhost.", "127.0.0.1",
                              "127.0.0.1:80", "127.1.2.3:9750", "[::1]", "[::1]:9750"}) {
    EXPECT_TRUE(IsLoopbackHostHeader(ok)) << ok;
  }
  // Names that merely resolve to loopback (DNS rebinding) and malformed
  // values are not loopback names.
  for (std::string_view bad :
       {"rebound.example", "rebound.example:9750", "127.0.0.1.nip.io", "127.evil.example",
        "localhost.evil.example", "[::1", "[::1]x", "[::1]:", "::1", "10.0.0.1:9750", "",
        "[::2]:80", "localhost:80:80"}) {
    EXPECT_FALSE(IsLoopbackHostHeader(bad)) << bad;
  }
}

TEST(HttpConfigTest, BeyondLoopbackNeedsTlsAndTokensOrInsecure) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--http", "0.0.0.0:9750"},
           {"--http", ":9750"},
           {"--http", "192.0.2.1:9750", "--http-tls-cert", "c.pem", "--http-tls-key", "k.pem"},
           {"--http", "192.0.2.1:9750", "--grpc-tokens", "tokens"}}) {
    absl::StatusOr<DaemonConfig> c = ParseArgs(args);
    ASSERT_FALSE(c.ok()) << args[1];
    EXPECT_NE(c.status().message().find("refusing to serve HTTP (/metrics, /api/v1)"),
              std::string::npos)
        << c.status();
  }
  EXPECT_TRUE(ParseArgs({"--http", "0.0.0.0:9750", "--http-insecure"}).ok());
  EXPECT_TRUE(ParseArgs({"--http", "0.0.0.0:9750", "--http-tls-cert", "c.pem", "--http-tls-key",
                         "k.pem", "--grpc-tokens", "tokens"})
                  .ok());
  absl::StatusOr<DaemonConfig> half = ParseArgs({"--http-tls-cert", "c.pem"});
  EXPECT_FALSE(half.ok());
}

TEST(HttpConfigTest, ConfigFileKeys) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/mlqd.conf";
  std::ofstream(file) << "http = \"127.0.0.1:9750\"\n"
                         "metrics-max-hosts = 20\n"
                         "metrics-top-domains = 5\n"
                         "metrics-queue-interval = 5\n"
                         "http-timeout = 3\n";
  absl::StatusOr<DaemonConfig> c = ParseArgs({"--config", file});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->http, "127.0.0.1:9750");
  EXPECT_EQ(c->metrics_max_hosts, 20u);
  EXPECT_EQ(c->metrics_top_domains, 5u);
  EXPECT_EQ(c->metrics_queue_interval_s, 5);
  EXPECT_EQ(c->http_timeout_s, 3);
}

}  // namespace
}  // namespace mlq
