// mlqd's web UI flags (daemon/config.h): --web-root, --http-max-sessions,
// --http-session-idle, as flags and config file keys; bad values refused.
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

constexpr int64_t kHourUs = int64_t{3600} * 1'000'000;

TEST(WebConfigTest, Defaults) {
  absl::StatusOr<DaemonConfig> c = ParseArgs({});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->web_root, "");
  EXPECT_EQ(c->http_max_sessions, 1000u);
  EXPECT_EQ(c->http_session_idle_us, 8 * kHourUs);
}

TEST(WebConfigTest, FlagsAndConfigFileKeys) {
  absl::StatusOr<DaemonConfig> c = ParseArgs(
      {"--web-root", "/srv/web", "--http-max-sessions", "5", "--http-session-idle", "30m"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->web_root, "/srv/web");
  EXPECT_EQ(c->http_max_sessions, 5u);
  EXPECT_EQ(c->http_session_idle_us, kHourUs / 2);

  testing::TempDir dir;
  const std::string file = dir.path() + "/mlqd.conf";
  std::ofstream(file) << "web-root = \"/srv/web2\"\n"
                         "http-max-sessions = 7\n"
                         "http-session-idle = \"2h\"\n";
  c = ParseArgs({"--config", file});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->web_root, "/srv/web2");
  EXPECT_EQ(c->http_max_sessions, 7u);
  EXPECT_EQ(c->http_session_idle_us, 2 * kHourUs);
}

TEST(WebConfigTest, BadValuesAreRefused) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--http-max-sessions", "0"},
                                             {"--http-max-sessions", "-1"},
                                             {"--http-session-idle", "0"},
                                             {"--http-session-idle", "soon"},
                                             {"--http-session-idle", ""}}) {
    absl::StatusOr<DaemonConfig> c = ParseArgs(args);
    EXPECT_FALSE(c.ok()) << args[0] << " " << args[1];
  }
  absl::StatusOr<DaemonConfig> c = ParseArgs({"--http-session-idle", "0"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--http-session-idle"), std::string::npos) << c.status();
}

}  // namespace
}  // namespace mlq
