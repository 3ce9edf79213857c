#include "cli/status_output.h"

#include <gtest/gtest.h>

#include <string>

namespace mlq::cli {
namespace {

constexpr int64_t kStarted = 1795341600LL * 1000000;  // 2026-11-22T10:00:00Z

mlq::v1::StatusResponse Sample() {
  mlq::v1::StatusResponse s;
  s.set_stored(1234567);
  (*s.mutable_received())["udp"] = 1000;
  (*s.mutable_received())["tcp"] = 2000;
  (*s.mutable_received())["tls"] = 0;
  s.set_parsed(2990);
  s.set_unparsed(10);
  s.set_normalized(2800);
  (*s.mutable_dropped())["queue_full"] = 3;
  s.set_store_bytes(1536);
  (*s.mutable_counters())["b"] = 2;
  (*s.mutable_counters())["a"] = 1;
  s.set_started_us(kStarted);
  s.set_version("0.1.0");
  auto* l = s.add_listeners();
  l->set_transport("udp");
  l->set_address("0.0.0.0:5514");
  (*l->mutable_counters())["datagrams.oversize"] = 4;
  l = s.add_listeners();
  l->set_transport("grpc");
  l->set_address("127.0.0.1:7600");
  return s;
}

TEST(StatusToJsonTest, AllFieldsAsNumbers) {
  EXPECT_EQ(StatusToJson(Sample(), true),
            R"({"stored":1234567,"received":{"tcp":2000,"tls":0,"udp":1000},"parsed":2990,)"
            R"("unparsed":10,"normalized":2800,"dropped":{"queue_full":3},"store_bytes":1536,)"
            R"("store_unavailable":"","store_read_only":false,"oldest_us":0,"expired_before_us":0,)"
            R"("retention_us":0,"max_disk_bytes":0,"disk_free_bytes":0,"disk_reserve_bytes":0,)"
            R"("counters":{"a":1,"b":2},"listeners":[{"transport":"udp","address":"0.0.0.0:5514",)"
            R"("counters":{"datagrams.oversize":4}},)"
            R"({"transport":"grpc","address":"127.0.0.1:7600","counters":{}}],"version":"0.1.0",)"
            R"("started":"2026-11-22T10:00:00.000000Z","started_us":1795341600000000})");
}

TEST(StatusToJsonTest, EmptyMapsStayObjects) {
  EXPECT_EQ(StatusToJson(mlq::v1::StatusResponse(), true),
            R"({"stored":0,"received":{},"parsed":0,"unparsed":0,"normalized":0,"dropped":{},)"
            R"("store_bytes":0,"store_unavailable":"","store_read_only":false,"oldest_us":0,)"
            R"("expired_before_us":0,"retention_us":0,"max_disk_bytes":0,"disk_free_bytes":0,)"
            R"("disk_reserve_bytes":0,"counters":{},"listeners":[],"version":""})");
}

TEST(StatusToTextTest, Report) {
  const int64_t now = kStarted + (3 * 86400 + 2 * 3600) * 1000000LL;
  EXPECT_EQ(StatusToText(Sample(), "127.0.0.1:7600", true, now),
            "Server      127.0.0.1:7600 (mlqd 0.1.0)\n"
            "Started     2026-11-22 10:00:00Z (up 3d 2h)\n"
            "Stored      1,234,567 records, 1.5 KiB on disk\n"
            "Intake      accepting\n"
            "Disk        0 B free, intake pauses below 0 B\n"
            "Oldest      none\n"
            "Retention   forever\n"
            "Received    3,000 lines: tcp 2,000, udp 1,000\n"
            "Parsed      2,990\n"
            "Unparsed    10\n"
            "Normalized  2,800\n"
            "Dropped     3: queue_full 3\n"
            "Listeners   udp 0.0.0.0:5514\n"
            "            grpc 127.0.0.1:7600\n");
}

TEST(StatusToTextTest, NothingDropped) {
  mlq::v1::StatusResponse s;
  (*s.mutable_dropped())["queue_full"] = 0;
  (*s.mutable_received())["udp"] = 0;
  const std::string text = StatusToText(s, "h:1", true, 0);
  EXPECT_NE(text.find("Received    0 lines\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Dropped     none\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Listeners   none\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Started"), std::string::npos) << text;
}

TEST(StatusToTextTest, PausedIntakeRetentionAndDiskLimit) {
  mlq::v1::StatusResponse s = Sample();
  s.set_store_bytes(150ull << 30);
  s.set_max_disk_bytes(200ull << 30);
  s.set_store_unavailable("disk nearly full: 10 MiB free on /var/lib/mlq\x1b[2J");
  s.set_store_unavailable_since_us(kStarted + 3600 * 1000000LL);
  s.set_store_read_only(true);
  s.set_disk_free_bytes(10ull << 20);
  s.set_disk_reserve_bytes(16ull << 20);
  s.set_oldest_us(kStarted - 86400 * 1000000LL);
  s.set_retention_us(30 * 86400 * 1000000LL);
  s.set_expired_before_us(kStarted - 30 * 86400 * 1000000LL);
  const std::string text = StatusToText(s, "h:1", true, kStarted);
  EXPECT_NE(text.find("Stored      1,234,567 records, 150 GiB on disk of --max-disk 200 GiB "
                      "(75 %)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Intake      PAUSED since 2026-11-22 11:00:00Z: disk nearly full"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "escape sequences reach the terminal";
  EXPECT_NE(text.find("Store       read-only"), std::string::npos) << text;
  EXPECT_NE(text.find("Disk        10 MiB free, intake pauses below 16 MiB\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Oldest      2026-11-21 10:00:00Z\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Retention   30d, at most 200 GiB; lines before 2026-10-23 10:00:00Z "
                      "deleted\n"),
            std::string::npos)
      << text;
  const std::string json = StatusToJson(s, true);
  EXPECT_NE(json.find(R"("retention_us":2592000000000,"max_disk_bytes":214748364800)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("store_read_only":true)"), std::string::npos) << json;
}

}  // namespace
}  // namespace mlq::cli
