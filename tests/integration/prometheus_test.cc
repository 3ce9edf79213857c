// A real Prometheus 2.42 (Debian's /usr/bin/prometheus) scraping a real
// mlqd (--http 127.0.0.1:0) every second and evaluating the shipped rules
// (deploy/prometheus/mlq-rules.yml) every second, while mlqd is fed real
// log lines over TCP: a slice of a real Postfix maillog from the shared
// corpus (old lines of host server1), and delivery lines of a live host,
// mx-live, made from real corpus lines with the time of now, a queue ID and
// a recipient of their own each, and one real message stuck in host
// xxxxxxxx's queue, moved to 30 hours ago. Then Prometheus's HTTP API is asked what
// it stored (/api/v1/query) and which alerts are pending or firing
// (/api/v1/alerts).
//
// The lines come in two rounds: rate() and increase() count what a counter
// gained between samples, so the first round makes the series exist in
// Prometheus (a host or domain gets its series only after a few lines,
// metrics/label_admission.h), and the second one is what the rules see.
//
// Rules with a long `for:` can only be pending within the few seconds the
// test runs; MailOwnIpBlocklisted has no `for:` and fires.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

const std::string kPrometheus = "/usr/bin/prometheus";
const std::string kRules = std::string(MLQ_SOURCE_DIR) + "/deploy/prometheus/mlq-rules.yml";
const std::string kMaillog = kPostfixCorpus + "infohtreasure-Postfix-Maillog-Dump-maillog.log";

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// GET `target` from 127.0.0.1:port as HTTP/1.0 (so Go answers without
// chunking and closes the connection); the body, "" on any failure.
std::string Get(uint16_t port, const std::string& target) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    const std::string req = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[16384];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, n);
    }
  }
  close(fd);
  if (!response.starts_with("HTTP/1.0 200") && !response.starts_with("HTTP/1.1 200")) return "";
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// Polls every 250 ms (Prometheus scrapes and evaluates once a second).
bool Eventually(const std::function<bool()>& pred, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

// A Prometheus server of its own: a temporary storage folder, a config
// generated here, 127.0.0.1 on a free port.
class PrometheusServer {
 public:
  explicit PrometheusServer(std::string dir) : dir_(std::move(dir)) {}

  bool Start(const std::string& config) {
    WriteFile(dir_ + "/prometheus.yml", config);
    // promtool is not needed here; the server checks the config itself.
    port_ = FreeTcpPort();
    if (port_ == 0) return false;
    if (!proc_.Start({kPrometheus, "--config.file=" + dir_ + "/prometheus.yml",
                      "--storage.tsdb.path=" + dir_ + "/tsdb",
                      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                      "--storage.tsdb.retention.time=1d"},
                     dir_ + "/prometheus.log")) {
      return false;
    }
    return Eventually([&] { return !Get(port_, "/-/ready").empty() || !proc_.Running(); },
                      std::chrono::seconds(20)) &&
           proc_.Running();
  }

  // The result vector of an instant query (empty on any failure).
  json Query(const std::string& promql) const {
    const std::string body = Get(port_, "/api/v1/query?query=" + UrlEncode(promql));
    const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || j.value("status", "") != "success") return json::array();
    return j["data"]["result"];
  }
  // The single value of an instant query; -1 when it has no or several results.
  double Value(const std::string& promql) const {
    const json r = Query(promql);
    if (r.size() != 1) return -1;
    return std::stod(r[0]["value"][1].get<std::string>());
  }
  // Pending and firing alerts.
  json Alerts() const {
    const json j = json::parse(Get(port_, "/api/v1/alerts"), nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return json::array();
    return j["data"]["alerts"];
  }
  std::string log() const { return proc_.log(); }
  uint16_t port() const { return port_; }

 private:
  std::string dir_;
  uint16_t port_ = 0;
  Process proc_;
};

// "<state> <alertname>{label=value,...}" of an alert, labels of `keys` only.
std::string Describe(const json& alert) {
  std::string s =
      alert.value("state", "?") + " " + alert["labels"].value("alertname", std::string("?")) + "{";
  bool first = true;
  for (const auto& [k, v] : alert["labels"].items()) {
    if (k == "alertname" || k == "job" || k == "severity") continue;
    s += (first ? "" : ",") + k + "=" + v.get<std::string>();
    first = false;
  }
  return s + "}";
}

// True when `alerts` hold `name` in `state` with every label of `labels`.
bool HasAlert(const json& alerts, const std::string& name, const std::string& state,
              const std::map<std::string, std::string>& labels) {
  for (const json& a : alerts) {
    if (a["labels"].value("alertname", "") != name || a.value("state", "") != state) continue;
    bool match = true;
    for (const auto& [k, v] : labels) match = match && a["labels"].value(k, "") == v;
    if (match) return true;
  }
  return false;
}

bool HasAlertNamed(const json& alerts, const std::string& name,
                   const std::map<std::string, std::string>& labels = {}) {
  return HasAlert(alerts, name, "pending", labels) || HasAlert(alerts, name, "firing", labels);
}

class PrometheusTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(PrometheusTest, ScrapesMlqdAndEvaluatesTheShippedRules) {
  MLQ_REQUIRE_CORPUS(Exists(kMaillog), "no corpus file " << kMaillog);
  if (!Exists(kPrometheus)) {
    const std::string why =
        kPrometheus + " missing (Debian package prometheus; deploy/install-deps.sh --test)";
    if (UnderCi()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  ASSERT_TRUE(Exists(kRules)) << kRules;

  // The queue view behind mlq_queue_* rebuilt every second, not every minute.
  Daemon d(dir_.path() + "/data",
           {"--http", "127.0.0.1:0", "--timezone", "UTC", "--metrics-queue-interval", "1"});
  ASSERT_TRUE(d.Start()) << d.log();
  ASSERT_NE(d.http_port(), 0) << d.log();
  const std::string live = "127.0.0.1:" + std::to_string(d.http_port());
  // A second target of the same job where nothing listens: an mlqd that is down.
  const std::string dead = "127.0.0.1:" + std::to_string(FreeTcpPort());

  PrometheusServer prom(dir_.path() + "/prometheus");
  ASSERT_EQ(mkdir((dir_.path() + "/prometheus").c_str(), 0700), 0);
  ASSERT_TRUE(
      prom.Start("global:\n"
                 "  scrape_interval: 1s\n"
                 "  evaluation_interval: 1s\n"
                 "rule_files:\n"
                 "  - " +
                 kRules +
                 "\n"
                 "scrape_configs:\n"
                 "  - job_name: mlq\n"
                 "    static_configs:\n"
                 "      - targets: ['" +
                 live + "', '" + dead + "']\n"))
      << prom.log();

  // --- the lines ---
  // server1's real maillog, lines 1401-1800 (all server1: qmgr, smtpd,
  // smtp, cleanup; Feb 25, so months old): 100 in the first round, 300 in
  // the second.
  const std::vector<std::string> maillog = ReadLines(kMaillog);
  ASSERT_GE(maillog.size(), 1800u);
  std::string round1, round2;
  size_t lines1 = 0, lines2 = 0;
  for (size_t i = 1400; i < 1800; ++i) {
    if (maillog[i].empty()) continue;
    (i < 1500 ? round1 : round2) += maillog[i] + "\n";
    ++(i < 1500 ? lines1 : lines2);
  }
  // mx-live: bounces to ymail.com, each a message of its own, made from the
  // maillog's real bounce line (its time, host, queue ID and recipient
  // replaced):
  //   Feb 25 15:36:31 server1 postfix/smtp[25298]: D4748404B37D:
  //   to=<myemail@ymail.com>, relay=mta7.am0.yahoodns.net[67.195.204.72]:25,
  //   ... dsn=5.0.0, status=bounced (host ... said: 552 1 Requested mail
  //   action aborted, mailbox not found (in reply to end of DATA command))
  // 12 in the first round (a domain gets a series of its own after 10
  // recipients), 15 in the second: a bounce spike on a domain with no
  // history, above the volume guard of 10.
  std::string bounce_line;
  for (const std::string& l : maillog) {
    if (l.find("D4748404B37D: to=<myemail@ymail.com>") != std::string::npos &&
        l.find("status=bounced") != std::string::npos) {
      bounce_line = l.substr(l.find(" postfix/smtp["));
      break;
    }
  }
  ASSERT_FALSE(bounce_line.empty()) << "no ymail.com bounce in " << kMaillog;
  const time_t now = time(nullptr);
  int serial = 0;
  auto bounce = [&](time_t t) {
    char qid[16];
    snprintf(qid, sizeof qid, "D4748404B%03X", ++serial);
    std::string l = bounce_line;
    ReplaceAll(l, "D4748404B37D", qid, "bounce line");
    ReplaceAll(l, "myemail@ymail.com", "user" + std::to_string(serial) + "@ymail.com",
               "bounce line");
    return "<22>" + Bsd(t) + " mx-live" + l + "\n";
  };
  // Outlook's answer to a sender on Spamhaus's list (the shared corpus holds
  // no remote reply naming a block list; the answer's text is what
  // Microsoft's servers send, "blocked using Spamhaus"): 1 in the first
  // round, 3 in the second; the rule wants 2 in an hour.
  auto listed = [&](time_t t) {
    char qid[16];
    snprintf(qid, sizeof qid, "4E74613F%03X", ++serial);
    return "<22>" + Bsd(t) + " mx-live postfix/smtp[25299]: " + qid + ": to=<user" +
           std::to_string(serial) +
           "@hotmail.com>, relay=hotmail-com.olc.protection.outlook.com[104.47.58.33]:25, "
           "delay=1.9, delays=0.05/0/1.1/0.71, dsn=5.7.1, status=bounced (host "
           "hotmail-com.olc.protection.outlook.com[104.47.58.33] said: 550 5.7.1 Service "
           "unavailable, Client host [198.51.100.77] blocked using Spamhaus. To request "
           "removal from this list see https://www.spamhaus.org/query/ip/198.51.100.77 "
           "(AS3130). (in reply to RCPT TO command))\n";
  };
  // Host xxxxxxxx's message 12A313E2928 from the start of the same maillog:
  // picked up, queued, deferred three times ("unknown mail transport
  // error"), never removed; its 8 lines moved to 30 hours ago (their
  // spacing kept), where the queue view (the last 3 days) sees them: mail
  // stuck in a queue for more than a day.
  const time_t stuck = now - 30 * 3600;
  int first_s = -1;
  size_t stuck_lines = 0;
  for (size_t i = 0; i < 100 && i < maillog.size(); ++i) {
    const std::string& l = maillog[i];
    if (l.find(" 12A313E2928: ") == std::string::npos || l.size() < 16) continue;
    const int s = std::stoi(l.substr(7, 2)) * 3600 + std::stoi(l.substr(10, 2)) * 60 +
                  std::stoi(l.substr(13, 2));
    if (first_s < 0) first_s = s;
    round1 += "<22>" + Bsd(stuck + (s - first_s)) + l.substr(15) + "\n";
    ++stuck_lines;
  }
  ASSERT_EQ(stuck_lines, 8u) << "message 12A313E2928 not found in " << kMaillog;
  lines1 += stuck_lines;
  const time_t t1 = now - 5;
  for (int i = 0; i < 12; ++i) round1 += bounce(t1);
  round1 += listed(t1);
  lines1 += 13;
  const time_t t2 = now;
  for (int i = 0; i < 15; ++i) round2 += bounce(t2);
  for (int i = 0; i < 3; ++i) round2 += listed(t2);
  lines2 += 18;

  // --- round 1: the series appear in Prometheus ---
  ASSERT_TRUE(SendTcp(d.tcp_port(), round1));
  ASSERT_TRUE(Eventually(
      [&] {
        return prom.Value("mlq_lines_stored_total") == static_cast<double>(lines1) &&
               prom.Query("mlq_dnsbl_listings_total{host=\"mx-live\"}").size() == 1 &&
               prom.Query("mlq_domain_deliveries_total{domain=\"ymail.com\",outcome=\"bounced\"}")
                       .size() == 1 &&
               prom.Query("mlq_host_lines_total{host=\"server1\"}").size() >= 1;
      },
      std::chrono::seconds(20)))
      << "round 1 not in Prometheus\n"
      << Get(d.http_port(), "/metrics") << "\n"
      << prom.log();

  // --- round 2: what the rules see ---
  ASSERT_TRUE(SendTcp(d.tcp_port(), round2));
  const double total = static_cast<double>(lines1 + lines2);
  ASSERT_TRUE(Eventually([&] { return prom.Value("mlq_lines_stored_total") == total; },
                         std::chrono::seconds(20)))
      << prom.Value("mlq_lines_stored_total") << " of " << total << "\n"
      << prom.log();

  // Stored series: delivery outcomes as `mlq stats` counts them from the
  // store (the mail metrics count on a thread of their own: wait for them).
  CommandResult st = d.Mlq({"stats", "--json", "--since", "3000d"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  const json totals = json::parse(st.out)["totals"];
  for (const char* outcome :
       {"delivered", "deferred", "bounced", "rejected", "quarantined", "expired"}) {
    const std::string q = std::string("sum(mlq_deliveries_total{outcome=\"") + outcome + "\"})";
    const double want = totals.value(outcome, 0);
    EXPECT_TRUE(
        Eventually([&] { return prom.Value(q) == want || (want == 0 && prom.Value(q) < 0); },
                   std::chrono::seconds(10)))
        << outcome << ": Prometheus " << prom.Value(q) << ", mlq stats " << want;
  }
  EXPECT_GE(totals.value("bounced", 0), 31);  // 27 to ymail.com, 4 to hotmail.com
  EXPECT_EQ(
      prom.Value("mlq_domain_deliveries_total{domain=\"ymail.com\",outcome=\"bounced\"}") +
          prom.Value("sum(mlq_domain_deliveries_total{domain=\"other\",outcome=\"bounced\"})"),
      totals.value("bounced", 0));
  EXPECT_EQ(prom.Value("mlq_dnsbl_listings_total{host=\"mx-live\"}"), 4);
  EXPECT_EQ(prom.Value("sum(mlq_lines_received_total)"), total);
  EXPECT_EQ(prom.Value("sum(mlq_lines_dropped_total)"), 0);
  // Last line seen: mx-live's now; server1's on Feb 25 (of this year, or
  // of the last one early in a year): more than a day ago.
  EXPECT_EQ(prom.Value("mlq_host_last_line_timestamp_seconds{host=\"mx-live\"}"),
            static_cast<double>(t2));
  const double server1_last = prom.Value("mlq_host_last_line_timestamp_seconds{host=\"server1\"}");
  EXPECT_GT(server1_last, static_cast<double>(now - 400 * 86400));
  EXPECT_LT(server1_last, static_cast<double>(now - 86400));
  // The stuck message: one in xxxxxxxx's queue, queued 30 hours ago (the
  // age grows between the queue view's rebuilds, once a second here).
  EXPECT_TRUE(Eventually([&] { return prom.Value("mlq_queue_messages{host=\"xxxxxxxx\"}") == 1; },
                         std::chrono::seconds(10)))
      << prom.Query("mlq_queue_messages").dump();
  const double age = prom.Value("mlq_queue_oldest_age_seconds{host=\"xxxxxxxx\"}");
  EXPECT_GE(age, 30 * 3600);
  EXPECT_LT(age, 30 * 3600 + 120);
  EXPECT_EQ(prom.Value("up{instance=\"" + live + "\"}"), 1);
  EXPECT_EQ(prom.Value("up{instance=\"" + dead + "\"}"), 0);

  // Recording rules: every final outcome to ymail.com in the window bounced.
  EXPECT_TRUE(Eventually(
      [&] { return prom.Value("domain:mlq_bounce_ratio:15m{domain=\"ymail.com\"}") == 1; },
      std::chrono::seconds(10)))
      << prom.Query("domain:mlq_bounce_ratio:15m").dump();

  // --- the alerts ---
  json alerts;
  const std::map<std::string, std::string> on_live = {{"instance", live}};
  bool reached = Eventually(
      [&] {
        alerts = prom.Alerts();
        return HasAlert(alerts, "MailOwnIpBlocklisted", "firing",
                        {{"host", "mx-live"}, {"instance", live}}) &&
               HasAlert(alerts, "MailDomainBounceRateHigh", "pending",
                        {{"domain", "ymail.com"}, {"instance", live}}) &&
               HasAlert(alerts, "MailHostSilent", "pending",
                        {{"host", "server1"}, {"instance", live}}) &&
               HasAlert(alerts, "MailQueueOldMessage", "pending",
                        {{"host", "xxxxxxxx"}, {"instance", live}}) &&
               HasAlert(alerts, "MlqdDown", "pending", {{"instance", dead}});
      },
      std::chrono::seconds(20));
  std::set<std::string> seen;
  for (const json& a : alerts) seen.insert(Describe(a));
  std::string listing;
  for (const std::string& s : seen) listing += "  " + s + "\n";
  std::cout << "[ alerts   ] pending and firing in Prometheus:\n" << listing;
  RecordProperty("alerts", listing);
  EXPECT_TRUE(reached) << listing << alerts.dump(1) << "\n" << prom.log();

  // The firing alert as Alertmanager gets it: severity, text, value.
  for (const json& a : alerts) {
    if (a["labels"].value("alertname", "") != "MailOwnIpBlocklisted") continue;
    EXPECT_EQ(a["labels"].value("severity", ""), "critical");
    EXPECT_EQ(a["annotations"].value("summary", ""),
              "Remote servers say mx-live's IP is on a block list");
    // increase() over the hour: the 3 replies of round 2, extrapolated a little.
    EXPECT_GE(std::stod(a.value("value", "0")), 3) << a.dump();
  }
  // What must not be there: mx-live is not silent, the live mlqd is not
  // down, nothing was dropped, the store is fine.
  EXPECT_FALSE(HasAlertNamed(alerts, "MailHostSilent", {{"host", "mx-live"}})) << listing;
  EXPECT_FALSE(HasAlertNamed(alerts, "MlqdDown", on_live)) << listing;
  for (const char* quiet :
       {"MlqdDroppingLines", "MlqStoreReadOnly", "MlqStoreUnavailable", "MlqRocksdbWritesStopped",
        "MlqStoreOverMaxDisk", "MlqStoreSizeLimitCutsHistory", "MailHostRejectSpike",
        "MailAuthFailureFlood", "MailQueueGrowing", "MlqMailMetricsIncomplete",
        "MlqQueueViewShortened"}) {
    EXPECT_FALSE(HasAlertNamed(alerts, quiet)) << quiet << "\n" << listing;
  }
  EXPECT_TRUE(d.Running());
}

}  // namespace
}  // namespace mlq::testing
