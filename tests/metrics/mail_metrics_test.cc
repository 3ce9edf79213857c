#include "metrics/mail_metrics.h"

#include <gtest/gtest.h>

#include <set>

namespace mlq::metrics {
namespace {

constexpr int64_t kNowUs = int64_t{1765000000} * 1000000;

MailMetricsOptions Opts(size_t max_hosts = 500, size_t top_domains = 50) {
  MailMetricsOptions o;
  o.max_hosts = max_hosts;
  o.top_domains = top_domains;
  o.admit_host_after = 1;
  o.admit_domain_after = 1;
  o.now_us = [] { return kNowUs; };
  return o;
}

LogRecord Line(std::string host, std::string family = "postfix", std::string event = "") {
  LogRecord r;
  r.host = std::move(host);
  r.family = std::move(family);
  r.event = std::move(event);
  r.timestamp_us = kNowUs - 5000000;
  return r;
}

LogRecord Delivery(std::string host, std::string status, std::vector<std::string> to,
                   std::string reply = "") {
  LogRecord r = Line(std::move(host), "postfix", "delivery");
  r.status = std::move(status);
  r.to = std::move(to);
  r.relay = "mx.example.net[192.0.2.10]:25";
  r.reply = std::move(reply);
  return r;
}

std::string Render(const MailMetrics& m) {
  Exposition e;
  m.Render(&e);
  return e.Text();
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(MailMetricsTest, CountsOutcomesPerHostAndDomain) {
  MailMetrics m(Opts());
  std::vector<LogRecord> batch = {
      Delivery("mx1", "sent", {"a@gmail.com", "b@GMAIL.com"}),
      Delivery("mx1", "deferred", {"c@example.org"}, "connect to host: Connection timed out"),
      Delivery("mx1", "bounced", {"d@example.org"},
               "host mx[192.0.2.1] said: 554 5.7.1 Service unavailable; Client host "
               "[198.51.100.2] blocked using zen.spamhaus.org"),
      Line("mx1", ""),  // not recognized
  };
  LogRecord reject = Line("mx2", "postfix", "reject");
  reject.to = {"x@example.com"};
  reject.reply = "554 5.7.1 <x@example.com>: Relay access denied";
  batch.push_back(reject);
  LogRecord auth = Line("mx2", "dovecot", "auth-failure");
  batch.push_back(auth);
  m.Count(batch);
  const std::string t = Render(m);
  EXPECT_TRUE(Has(t, R"(mlq_deliveries_total{host="mx1",outcome="delivered"} 2)")) << t;
  EXPECT_TRUE(Has(t, R"(mlq_deliveries_total{host="mx1",outcome="deferred"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_deliveries_total{host="mx1",outcome="bounced"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_deliveries_total{host="mx2",outcome="rejected"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_domain_deliveries_total{domain="gmail.com",outcome="delivered"} 2)"));
  EXPECT_TRUE(Has(t, R"(mlq_domain_deliveries_total{domain="example.org",outcome="deferred"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_dnsbl_listings_total{host="mx1"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_rejects_total{host="mx2",class="relay_denied"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_auth_failures_total{host="mx2"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_host_lines_total{host="mx1",family="postfix"} 3)"));
  EXPECT_TRUE(Has(t, R"(mlq_host_lines_total{host="mx1",family="unknown"} 1)"));
  EXPECT_TRUE(Has(t, R"(mlq_host_last_line_timestamp_seconds{host="mx1"} 1764999995)"));
}

TEST(MailMetricsTest, LastLineTimeIsCappedAtNow) {
  MailMetrics m(Opts());
  LogRecord future = Line("mx1");
  future.timestamp_us = kNowUs + int64_t{86400} * 1000000;  // a clock a day ahead
  m.Count({future});
  EXPECT_TRUE(Has(Render(m), R"(mlq_host_last_line_timestamp_seconds{host="mx1"} 1765000000)"));
}

TEST(MailMetricsTest, TenThousandHostsGiveAtMostMaxHostsPlusOther) {
  MailMetrics m(Opts(/*max_hosts=*/100));
  std::vector<LogRecord> batch;
  for (int i = 0; i < 10000; ++i) batch.push_back(Line("host-" + std::to_string(i)));
  m.Count(batch);
  const std::string t = Render(m);
  std::set<std::string> hosts;
  const std::string key = "mlq_host_last_line_timestamp_seconds{host=\"";
  for (size_t p = t.find(key); p != std::string::npos; p = t.find(key, p + 1)) {
    const size_t s = p + key.size();
    hosts.insert(t.substr(s, t.find('"', s) - s));
  }
  EXPECT_EQ(hosts.size(), 101u);
  EXPECT_TRUE(hosts.contains("other"));
  EXPECT_TRUE(Has(t, R"(mlq_metrics_labels_overflow_total{label="host"} 9900)")) << t;
  EXPECT_TRUE(Has(t, R"(mlq_host_lines_total{host="other",family="postfix"} 9900)"));
}

TEST(MailMetricsTest, DomainsBeyondTheTopShareOther) {
  MailMetrics m(Opts(500, /*top_domains=*/2));
  std::vector<LogRecord> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(Delivery("mx1", "sent", {"u@d" + std::to_string(i) + ".example"}));
  }
  m.Count(batch);
  const std::string t = Render(m);
  int domains = 0;
  for (size_t p = t.find("mlq_domain_deliveries_total{"); p != std::string::npos;
       p = t.find("mlq_domain_deliveries_total{", p + 1)) {
    ++domains;
  }
  EXPECT_EQ(domains, 3);  // 2 + other
  EXPECT_TRUE(Has(t, R"(mlq_domain_deliveries_total{domain="other",outcome="delivered"} 48)"));
}

TEST(MailMetricsTest, HostileLabelValuesAreCleaned) {
  MailMetrics m(Opts());
  m.Count({Line("evil\"host\n\xff" + std::string(500, 'x'))});
  const std::string t = Render(m);
  EXPECT_EQ(t.find("\nx"), std::string::npos);
  EXPECT_NE(t.find(R"(host="evil\"host\n)"), std::string::npos) << t;
  EXPECT_NE(t.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(MailMetricsTest, ObserveCountsOnItsOwnThread) {
  MailMetrics m(Opts());
  std::vector<LogRecord> batch = {Delivery("mx1", "sent", {"a@b.example"})};
  m.Observe(batch);
  batch.clear();  // the writer reuses its records: Observe copied what it needs
  m.Drain();
  EXPECT_TRUE(Has(Render(m), R"(mlq_deliveries_total{host="mx1",outcome="delivered"} 1)"));
}

TEST(MailMetricsTest, HostLabelFollowsAdmission) {
  MailMetrics m(Opts(/*max_hosts=*/1));
  m.Count({Line("mx1"), Line("mx2")});
  EXPECT_EQ(m.HostLabel("mx1"), "mx1");
  EXPECT_EQ(m.HostLabel("mx2"), "other");
}

}  // namespace
}  // namespace mlq::metrics
