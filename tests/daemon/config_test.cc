// daemon/config.h: flags, the config file, and a parser used many times
// (DaemonFlagParser, as the config fuzz target uses it): one parse's
// values never leak into the next, also after a parse that failed.
#include "daemon/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "daemon_args.h"
#include "test_util.h"

namespace mlq {
namespace {

using daemon_test::Parse;

TEST(DaemonConfigTest, DefaultsNeedNoRootAndNoFile) {
  DaemonFlagParser parser;
  absl::StatusOr<DaemonConfig> c = Parse(parser, {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->data_dir, "mlq-data");
  EXPECT_EQ(c->grpc, "127.0.0.1:7600");
  EXPECT_TRUE(c->allow.empty());
  EXPECT_EQ(c->retention_us, 0);
}

TEST(DaemonConfigTest, AReusedParserStartsEachParseFromTheDefaults) {
  DaemonFlagParser parser;
  absl::StatusOr<DaemonConfig> first = Parse(
      parser, {"--data", "/srv/a", "--retention", "2d", "--allow", "udp=10.0.0.0/8", "--allow",
               "tcp=192.0.2.0/24", "--relp-tls", "--syslog-relp", "", "--max-message", "4096"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->data_dir, "/srv/a");
  EXPECT_EQ(first->retention_us, int64_t{2} * 86400 * 1000000);
  EXPECT_EQ(first->allow.size(), 2u);
  EXPECT_TRUE(first->relp_tls);
  EXPECT_EQ(first->max_message, 4096u);

  absl::StatusOr<DaemonConfig> second = Parse(parser, {"--allow", "relp=127.0.0.1/32"});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->data_dir, "mlq-data");
  EXPECT_EQ(second->retention_us, 0);
  EXPECT_EQ(second->allow, std::vector<std::string>{"relp=127.0.0.1/32"});
  EXPECT_FALSE(second->relp_tls);
  EXPECT_EQ(second->max_message, size_t{64} * 1024);
}

TEST(DaemonConfigTest, AFailedParseLeavesNothingForTheNextOne) {
  DaemonFlagParser parser;
  // --data is read, then --max-message fails its range check.
  absl::StatusOr<DaemonConfig> bad =
      Parse(parser, {"--data", "/srv/bad", "--max-message", "1", "--retention", "5d"});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("max-message"), std::string::npos)
      << bad.status();
  absl::StatusOr<DaemonConfig> unknown = Parse(parser, {"--data", "/srv/x", "--no-such-flag"});
  EXPECT_FALSE(unknown.ok());

  absl::StatusOr<DaemonConfig> good = Parse(parser, {});
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->data_dir, "mlq-data");
  EXPECT_EQ(good->max_message, size_t{64} * 1024);
  EXPECT_EQ(good->retention_us, 0);
}

TEST(DaemonConfigTest, AConfigFileIsReadAgainOnEveryParse) {
  mlq::testing::TempDir dir;
  const std::string path = dir.path() + "/mlqd.conf";
  DaemonFlagParser parser;
  { std::ofstream(path) << "data = /var/lib/mlq\nretention = 30d\nmax-disk = 2G\n"; }
  absl::StatusOr<DaemonConfig> a = Parse(parser, {"--config", path});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->data_dir, "/var/lib/mlq");
  EXPECT_EQ(a->max_disk_bytes, uint64_t{2} << 30);
  { std::ofstream(path) << "grpc = 127.0.0.1:7700\n"; }
  absl::StatusOr<DaemonConfig> b = Parse(parser, {"--config", path, "--data", "/tmp/d"});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->data_dir, "/tmp/d");
  EXPECT_EQ(b->grpc, "127.0.0.1:7700");
  EXPECT_EQ(b->max_disk_bytes, 0u);
  EXPECT_EQ(b->retention_us, 0);
}

TEST(DaemonConfigTest, IoThreadsFromFlagOrFileZeroMeansOnePerCore) {
  mlq::testing::TempDir dir;
  const std::string path = dir.path() + "/mlqd.conf";
  DaemonFlagParser parser;
  absl::StatusOr<DaemonConfig> d = Parse(parser, {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->io_threads, 0u);  // mlqd starts one per core
  absl::StatusOr<DaemonConfig> f = Parse(parser, {"--io-threads", "3"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->io_threads, 3u);
  { std::ofstream(path) << "io-threads = 5\n"; }
  absl::StatusOr<DaemonConfig> c = Parse(parser, {"--config", path});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->io_threads, 5u);
  absl::StatusOr<DaemonConfig> o = Parse(parser, {"--config", path, "--io-threads", "1"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->io_threads, 1u);  // the flag overrides the file
  EXPECT_FALSE(Parse(parser, {"--io-threads", "257"}).ok());
  EXPECT_FALSE(Parse(parser, {"--io-threads", "-1"}).ok());
}

TEST(DaemonConfigTest, NonLoopbackGrpcWithoutProtectionIsRefused) {
  DaemonFlagParser parser;
  absl::StatusOr<DaemonConfig> c = Parse(parser, {"--grpc", "0.0.0.0:7600"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("--grpc-insecure"), std::string::npos);
  EXPECT_TRUE(Parse(parser, {"--grpc", "0.0.0.0:7600", "--grpc-insecure"}).ok());
  EXPECT_TRUE(Parse(parser, {"--grpc", "127.0.0.1:0"}).ok());
}

}  // namespace
}  // namespace mlq
