#include "cli/stats_output.h"

#include <gtest/gtest.h>

#include <string>

namespace mlq::cli {
namespace {

constexpr int64_t kTen = 1795341600LL * 1000000;  // 2026-11-22T10:00:00Z
constexpr int64_t kHour = 3600LL * 1000000;

void SetTotals(mlq::v1::Totals* t, uint64_t received, uint64_t delivered, uint64_t rejected,
               uint64_t lines) {
  t->set_received(received);
  t->set_delivered(delivered);
  t->set_deferred(1);
  t->set_bounced(0);
  t->set_rejected(rejected);
  t->set_quarantined(0);
  t->set_expired(0);
  t->set_auth_failures(2);
  t->set_lines(lines);
}

void AddCount(google::protobuf::RepeatedPtrField<mlq::v1::Count>* f, const std::string& key,
              uint64_t n) {
  mlq::v1::Count* c = f->Add();
  c->set_key(key);
  c->set_count(n);
}

mlq::v1::StatsResponse Sample() {
  mlq::v1::StatsResponse s;
  s.set_since_us(kTen);
  s.set_until_us(kTen + 2 * kHour);
  SetTotals(s.mutable_totals(), 3, 2, 1, 1234);
  auto* h = s.add_hosts();
  h->set_host("mx1");
  SetTotals(h->mutable_totals(), 3, 2, 1, 1234);
  auto* hour = s.add_hours();
  hour->set_hour_us(kTen);
  SetTotals(hour->mutable_totals(), 2, 2, 1, 1000);
  hour = s.add_hours();
  hour->set_hour_us(kTen + kHour);
  SetTotals(hour->mutable_totals(), 1, 0, 0, 234);
  AddCount(s.mutable_top_senders(), "alice@example.org", 2);
  AddCount(s.mutable_top_senders(), "<>", 1);
  AddCount(s.mutable_reject_reasons(), "Relay access denied", 1);
  AddCount(s.mutable_auth_failures_by_ip(), "203.0.113.66", 2);
  s.mutable_delays()->set_count(2);
  s.mutable_delays()->set_p50(0.25);
  s.mutable_delays()->set_p90(5.4);
  s.mutable_delays()->set_p99(3905);
  s.mutable_delays()->set_max(3905);
  return s;
}

TEST(StatsToJsonTest, MirrorsTheResponseWithNumbers) {
  const std::string totals =
      R"({"received":3,"delivered":2,"deferred":1,"bounced":0,"rejected":1,"quarantined":0,)"
      R"("expired":0,"auth_failures":2,"lines":1234})";
  EXPECT_EQ(StatsToJson(Sample(), true),
            R"({"since":"2026-11-22T10:00:00.000000Z","since_us":1795341600000000,)"
            R"("until":"2026-11-22T12:00:00.000000Z","until_us":1795348800000000,"totals":)" +
                totals + R"(,"hosts":[{"host":"mx1","totals":)" + totals +
                R"(}],"hours":[{"hour":"2026-11-22T10:00:00.000000Z","hour_us":1795341600000000,)"
                R"("totals":{"received":2,"delivered":2,"deferred":1,"bounced":0,"rejected":1,)"
                R"("quarantined":0,"expired":0,"auth_failures":2,"lines":1000}},)"
                R"({"hour":"2026-11-22T11:00:00.000000Z","hour_us":1795345200000000,)"
                R"("totals":{"received":1,"delivered":0,"deferred":1,"bounced":0,"rejected":0,)"
                R"("quarantined":0,"expired":0,"auth_failures":2,"lines":234}}],)"
                R"("sender_domains":[],"recipient_domains":[],)"
                R"("top_senders":[{"key":"alice@example.org","count":2},{"key":"<>","count":1}],)"
                R"("top_recipients":[],"reject_reasons":[{"key":"Relay access denied","count":1}],)"
                R"("defer_reasons":[],"bounce_reasons":[],)"
                R"("auth_failures_by_ip":[{"key":"203.0.113.66","count":2}],)"
                R"("auth_failures_by_user":[],)"
                R"("delays":{"count":2,"p50":0.25,"p90":5.4,"p99":3905,"max":3905}})");
}

TEST(StatsToTextTest, ReportSections) {
  const std::string text = StatsToText(Sample(), "", true);
  EXPECT_EQ(
      text.rfind("Mail statistics 2026-11-22 10:00:00Z to 2026-11-22 12:00:00Z, all hosts\n", 0),
      0u)
      << text;
  EXPECT_NE(text.find("  Received           3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  Rejected           1  (25.0% of received + rejected)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Log lines      1,234\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nPer host\nHOST  RECEIVED  DELIVERED  DEFERRED  BOUNCED  REJECTED  "
                      "QUARANTINED  EXPIRED  AUTH FAIL  LINES\n"
                      "mx1          3          2         1        0         1            0        "
                      "0          2  1,234\n"),
            std::string::npos)
      << text;
  // Bars are scaled to the busiest hour (40 characters).
  EXPECT_NE(text.find("2026-11-22 10:00Z         2          2         1        0         1  " +
                      std::string(40, '#') + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("2026-11-22 11:00Z         1          0         1        0         0  " +
                      std::string(20, '#') + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Top senders\nCOUNT  SENDER\n    2  alice@example.org\n    1  <>\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Top recipients: none\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Reject reasons\nCOUNT  REASON\n    1  Relay access denied\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Delivery delays (2 deliveries)\n  p50 0.25s   p90 5.4s   p99 1h 5m   "
                      "max 1h 5m\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Auth failures by IP\nCOUNT  CLIENT IP\n    2  203.0.113.66\n"),
            std::string::npos)
      << text;
  EXPECT_NE(StatsToText(Sample(), "mx1", true).find(", host mx1\n"), std::string::npos);
}

TEST(StatsToTextTest, EmptyReport) {
  mlq::v1::StatsResponse s;
  s.set_since_us(kTen);
  s.set_until_us(kTen + kHour);
  const std::string text = StatsToText(s, "", true);
  EXPECT_NE(text.find("  Rejected       0  (- of received + rejected)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Delivery delays: none\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Per host"), std::string::npos) << text;
}

TEST(StatsFormatTest, SecondsAndJsonDoubles) {
  EXPECT_EQ(FormatSeconds(0), "0s");
  EXPECT_EQ(FormatSeconds(0.25), "0.25s");
  EXPECT_EQ(FormatSeconds(5.4), "5.4s");
  EXPECT_EQ(FormatSeconds(12), "12s");
  EXPECT_EQ(FormatSeconds(59.94), "59.9s");
  EXPECT_EQ(FormatSeconds(125), "2m 5s");
  EXPECT_EQ(FormatSeconds(3905), "1h 5m");
  EXPECT_EQ(JsonDouble(0), "0");
  EXPECT_EQ(JsonDouble(5.4), "5.4");
  EXPECT_EQ(JsonDouble(0.1), "0.1");
  EXPECT_EQ(JsonDouble(1e21), "1e+21");
}

}  // namespace
}  // namespace mlq::cli
