#include "cli/rpc.h"

#include <gtest/gtest.h>

namespace mlq::cli {
namespace {

TEST(ChannelTargetTest, AddressLiteralsSkipTheResolver) {
  EXPECT_EQ(ChannelTarget("127.0.0.1:7600"), "ipv4:127.0.0.1:7600");
  EXPECT_EQ(ChannelTarget("10.1.2.3:1"), "ipv4:10.1.2.3:1");
  EXPECT_EQ(ChannelTarget("[::1]:7600"), "ipv6:[::1]:7600");
  EXPECT_EQ(ChannelTarget("[2001:db8::5]:65535"), "ipv6:[2001:db8::5]:65535");
}

TEST(ChannelTargetTest, EverythingElseAsGiven) {
  for (const char* server :
       {"localhost:7600", "mlq.example.net:7600", "127.0.0.1", "127.0.0.1:", "127.0.0.1:port",
        "127.0.0.1:65536", "127.0.0.1:123456", "127.1:7600", "1.2.3.4.5:7600", "::1:7600", "[::1]",
        "[localhost]:7600", "[]:7600", "dns:127.0.0.1:7600", "ipv4:127.0.0.1:7600",
        "unix:/run/mlq.sock", ""}) {
    EXPECT_EQ(ChannelTarget(server), server) << server;
  }
}

}  // namespace
}  // namespace mlq::cli
