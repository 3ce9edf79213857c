#include "cli/client_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace mlq::cli {
namespace {

TEST(ClientConfigPathTest, MlqConfigThenXdgThenHome) {
  bool required = false;
  EXPECT_EQ(ClientConfigPath("/etc/x.conf", "/xdg", "/home/u", &required), "/etc/x.conf");
  EXPECT_TRUE(required);
  EXPECT_EQ(ClientConfigPath(nullptr, "/xdg", "/home/u", &required), "/xdg/mlq/config");
  EXPECT_FALSE(required);
  EXPECT_EQ(ClientConfigPath("", "", "/home/u", &required), "/home/u/.config/mlq/config");
  // A relative XDG_CONFIG_HOME is invalid (XDG Base Directory) and ignored.
  EXPECT_EQ(ClientConfigPath(nullptr, "rel", "/home/u", &required), "/home/u/.config/mlq/config");
  EXPECT_EQ(ClientConfigPath(nullptr, nullptr, nullptr, &required), "");
}

TEST(ClientConfigTest, ParsesEveryKey) {
  absl::StatusOr<ClientConfig> c = ParseClientConfig(
      "# helpdesk\n"
      "server = \"mlq.example.org:7600\"\n"
      "  token=mlq_abc  \r\n"
      "ca = ca.pem\n"
      "cert = ~/certs/me.pem\n"
      "key = /etc/me.key\n"
      "; another comment\n"
      "\n"
      "tls = yes\n"
      "utc = false\n"
      "timeout = 2.5\n",
      "/home/u/.config/mlq/config", "/home/u");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "mlq.example.org:7600");
  EXPECT_EQ(c->token, "mlq_abc");
  EXPECT_EQ(c->ca, "/home/u/.config/mlq/ca.pem");
  EXPECT_EQ(c->cert, "/home/u/certs/me.pem");
  EXPECT_EQ(c->key, "/etc/me.key");
  EXPECT_EQ(c->tls, true);
  EXPECT_EQ(c->utc, false);
  EXPECT_EQ(c->timeout_s, 2.5);
  EXPECT_TRUE(c->warnings.empty());
}

TEST(ClientConfigTest, UnsetKeysStayUnset) {
  absl::StatusOr<ClientConfig> c = ParseClientConfig("server = a:1\n", "/c", "/h");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->token.has_value());
  EXPECT_FALSE(c->tls.has_value());
  EXPECT_FALSE(c->timeout_s.has_value());
}

TEST(ClientConfigTest, ErrorsNameFileAndLine) {
  absl::StatusOr<ClientConfig> c = ParseClientConfig("server = a:1\nsever = b:2\n", "/c", "/h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/c:2: unknown key 'sever'"), std::string::npos)
      << c.status();
  EXPECT_FALSE(ParseClientConfig("server\n", "/c", "/h").ok());
  EXPECT_FALSE(ParseClientConfig("server =\n", "/c", "/h").ok());
  EXPECT_FALSE(ParseClientConfig("tls = maybe\n", "/c", "/h").ok());
  EXPECT_FALSE(ParseClientConfig("timeout = 0\n", "/c", "/h").ok());
  EXPECT_FALSE(ParseClientConfig("timeout = 5s\n", "/c", "/h").ok());
}

class LoadClientConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/client_config_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Write(const std::string& text, mode_t mode) {
    const std::string path = dir_ + "/config";
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
  }
  std::string dir_;
};

TEST_F(LoadClientConfigTest, MissingFileIsEmptyUnlessRequired) {
  absl::StatusOr<ClientConfig> c = LoadClientConfig(dir_ + "/none", false, "/h");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->server.has_value());
  EXPECT_EQ(LoadClientConfig(dir_ + "/none", true, "/h").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(LoadClientConfig("", false, "/h").ok());
}

TEST_F(LoadClientConfigTest, TokenReadableByOthersWarns) {
  absl::StatusOr<ClientConfig> c = LoadClientConfig(Write("token = t\n", 0644), false, "/h");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_NE(c->warnings[0].find("mode 0644"), std::string::npos) << c->warnings[0];
  EXPECT_NE(c->warnings[0].find("chmod 600"), std::string::npos);
  c = LoadClientConfig(Write("token = t\n", 0640), false, "/h");
  EXPECT_EQ(c->warnings.size(), 1u) << "group-readable counts too";
  c = LoadClientConfig(Write("token = t\n", 0600), false, "/h");
  EXPECT_TRUE(c->warnings.empty());
  // Without a token the file holds nothing secret.
  c = LoadClientConfig(Write("server = a:1\n", 0644), false, "/h");
  EXPECT_TRUE(c->warnings.empty());
}

}  // namespace
}  // namespace mlq::cli
