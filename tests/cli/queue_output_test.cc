#include "cli/queue_output.h"

#include <gtest/gtest.h>

#include <string>

namespace mlq::cli {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kNow = 1795348800LL * kSecond;  // 2026-11-22T12:00:00Z

mlq::v1::QueueResponse Sample() {
  mlq::v1::QueueResponse r;
  auto* m = r.add_messages();
  m->set_host("mx1");
  m->set_queue_id("AAAA111111");
  m->set_message_id("stuck-1@example.com");
  m->set_from("carol@example.com");
  m->add_recipients("dave@remote.example");
  m->set_queued_us(kNow - 5 * 3600 * kSecond);
  m->set_age_us(5 * 3600 * kSecond + 12 * 60 * kSecond);
  m->set_last_status("deferred");
  m->set_last_reply("connect to mx.remote.example[192.0.2.10]:25: Connection timed out");
  m->set_last_relay("none");
  m->set_deferrals(3);
  m->set_size(2048);
  m = r.add_messages();
  m->set_host("mx2");
  m->set_queue_id("ABAB777777");
  for (const char* a :
       {"a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example"}) {
    m->add_recipients(a);
  }
  m->set_queued_us(kNow - 90 * kSecond);
  m->set_age_us(90 * kSecond);
  m->set_last_status("hold");
  m->set_size(-1);
  return r;
}

TEST(QueueOutputTest, JsonHasEveryFieldAndNumbers) {
  const mlq::v1::QueueResponse r = Sample();
  EXPECT_EQ(QueuedMessageToJson(r.messages(0), true),
            R"({"host":"mx1","queue_id":"AAAA111111","message_id":"stuck-1@example.com",)"
            R"("from":"carol@example.com","recipients":["dave@remote.example"],)"
            R"("queued":"2026-11-22T07:00:00.000000Z","queued_us":1795330800000000,)"
            R"("age_us":18720000000,"age_s":18720,"last_status":"deferred",)"
            R"("last_reply":"connect to mx.remote.example[192.0.2.10]:25: Connection timed out",)"
            R"("last_relay":"none","deferrals":3,"size":2048})");
  // Unknown size is left out; empty strings stay.
  const std::string second = QueuedMessageToJson(r.messages(1), true);
  EXPECT_EQ(second.find("\"size\""), std::string::npos) << second;
  EXPECT_NE(second.find(R"("from":"")"), std::string::npos) << second;
}

TEST(QueueOutputTest, Table) {
  EXPECT_EQ(QueueTable(Sample()),
            "   AGE  HOST  QUEUE ID    FROM               RECIPIENTS"
            "                                     DEFERRALS  LAST REASON\n"
            "5h 12m  mx1   AAAA111111  carol@example.com  dave@remote.example"
            "                                    3  connect to mx.remote.example[192.0.2.10]:25: "
            "Connection timed out\n"
            "1m 30s  mx2   ABAB777777  <>                 a@x.example, b@x.example, c@x.example "
            "+2 more          0  on hold\n");
}

TEST(QueueOutputTest, OlderThanTakesDurationsAndTimes) {
  std::string error;
  EXPECT_EQ(ParseOlderThan("1h", kNow, true, &error), 3600 * kSecond);
  EXPECT_EQ(ParseOlderThan("30m", kNow, true, &error), 1800 * kSecond);
  EXPECT_EQ(ParseOlderThan("2d", kNow, true, &error), 2 * 86400 * kSecond);
  EXPECT_EQ(ParseOlderThan("2026-11-22 10:00", kNow, true, &error), 2 * 3600 * kSecond);
  EXPECT_EQ(ParseOlderThan("bogus", kNow, true, &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(ParseOlderThan("2026-11-23", kNow, true, &error), std::nullopt);
  EXPECT_NE(error.find("future"), std::string::npos) << error;
}

}  // namespace
}  // namespace mlq::cli
