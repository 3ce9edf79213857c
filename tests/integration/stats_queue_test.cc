// `mlq stats` and `mlq queue` end to end: real mlqd fed over TCP, the real
// CLI asked, numbers checked.
#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An RFC 5424 line, LF-framed, stamped `ago` before `now`.
std::string Line(int64_t now, int64_t ago, const std::string& host, const std::string& program,
                 const std::string& msg) {
  const int64_t us = now - ago;
  const time_t secs = static_cast<time_t>(us / kSecond);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(us % kSecond));
  return "<22>1 " + std::string(ts) + " " + host + " " + program + " 100 - - " + msg + "\n";
}

class StatsQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data");
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
    const int64_t now = NowUs();
    const auto mx1 = [&](int64_t ago, const std::string& program, const std::string& msg) {
      return Line(now, ago, "mx1", program, msg);
    };
    const std::vector<std::string> lines = {
        // Inbound through amavis: 1A1A1A1A1A is re-queued as 2B2B2B2B2B.
        mx1(3 * kHour, "postfix/smtpd", "1A1A1A1A1A: client=mail.sender.example[198.51.100.7]"),
        mx1(3 * kHour, "postfix/qmgr",
            "1A1A1A1A1A: from=<alice@sender.example>, size=1000, nrcpt=1 (queue active)"),
        mx1(3 * kHour - kSecond, "postfix/qmgr",
            "2B2B2B2B2B: from=<alice@sender.example>, size=1500, nrcpt=1 (queue active)"),
        mx1(3 * kHour - kSecond, "postfix/smtp",
            "1A1A1A1A1A: to=<bob@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.1, "
            "delays=0.1/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from "
            "MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 2B2B2B2B2B)"),
        mx1(3 * kHour - kSecond, "postfix/qmgr", "1A1A1A1A1A: removed"),
        mx1(3 * kHour - 2 * kSecond, "postfix/lmtp",
            "2B2B2B2B2B: to=<bob@example.com>, relay=mx1[private/dovecot-lmtp], delay=0.2, "
            "delays=0/0/0/0.2, dsn=2.0.0, status=sent (250 2.0.0 <bob@example.com> abcdefgh "
            "Saved)"),
        mx1(3 * kHour - 2 * kSecond, "postfix/qmgr", "2B2B2B2B2B: removed"),
        // Stuck: three deferrals.
        mx1(3 * kHour, "postfix/cleanup", "STUCK00001: message-id=<stuck@example.com>"),
        mx1(3 * kHour, "postfix/qmgr",
            "STUCK00001: from=<carol@example.com>, size=2048, nrcpt=1 (queue active)"),
        mx1(3 * kHour - kMinute, "postfix/smtp",
            "STUCK00001: to=<dave@remote.example>, relay=none, delay=60, delays=0/0/60/0, "
            "dsn=4.4.1, status=deferred (connect to mx.remote.example[192.0.2.10]:25: "
            "Connection timed out)"),
        mx1(2 * kHour, "postfix/smtp",
            "STUCK00001: to=<dave@remote.example>, relay=none, delay=3600, delays=0/0/60/0, "
            "dsn=4.4.1, status=deferred (connect to mx.remote.example[192.0.2.10]:25: "
            "Connection timed out)"),
        mx1(kHour, "postfix/smtp",
            "STUCK00001: to=<dave@remote.example>, relay=mx.remote.example[192.0.2.10]:25, "
            "delay=7200, delays=0/0/1/1, dsn=4.2.2, status=deferred (host "
            "mx.remote.example[192.0.2.10] said: 452 4.2.2 Mailbox full (in reply to RCPT TO "
            "command))"),
        // Bounced.
        mx1(2 * kHour, "postfix/qmgr",
            "4D4D4D4D4D: from=<carol@example.com>, size=900, nrcpt=1 (queue active)"),
        mx1(2 * kHour - kSecond, "postfix/smtp",
            "4D4D4D4D4D: to=<nobody@remote.example>, relay=mx.remote.example[192.0.2.10]:25, "
            "delay=1.5, delays=0.1/0/0.4/1, dsn=5.1.1, status=bounced (host "
            "mx.remote.example[192.0.2.10] said: 550 5.1.1 <nobody@remote.example>: User "
            "unknown (in reply to RCPT TO command))"),
        mx1(2 * kHour - kSecond, "postfix/qmgr", "4D4D4D4D4D: removed"),
        // Rejected before queueing, and an auth failure.
        mx1(90 * kMinute, "postfix/smtpd",
            "NOQUEUE: reject: RCPT from unknown[198.51.100.98]: 554 5.7.1 Service unavailable; "
            "Client host [198.51.100.98] blocked using zen.spamhaus.org; "
            "https://www.spamhaus.org/query/ip/198.51.100.98; from=<x@bad.example> "
            "to=<bob@example.com> proto=ESMTP helo=<bad>"),
        mx1(89 * kMinute, "postfix/smtpd",
            "NOQUEUE: reject: RCPT from unknown[198.51.100.97]: 554 5.7.1 Service unavailable; "
            "Client host [198.51.100.97] blocked using zen.spamhaus.org; "
            "https://www.spamhaus.org/query/ip/198.51.100.97; from=<y@bad.example> "
            "to=<carol@example.com> proto=ESMTP helo=<bad>"),
        mx1(80 * kMinute, "postfix/submission/smtpd",
            "warning: unknown[203.0.113.66]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, "
            "sasl_username=admin"),
        // mx2: delivered and removed.
        Line(now, 30 * kMinute, "mx2", "postfix/qmgr",
             "9Z9Z9Z9Z9Z: from=<erin@example.net>, size=300, nrcpt=1 (queue active)"),
        Line(now, 30 * kMinute - kSecond, "mx2", "postfix/smtp",
             "9Z9Z9Z9Z9Z: to=<frank@example.com>, relay=mx.example.com[192.0.2.50]:25, "
             "delay=1.5, delays=0/0/0.5/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)"),
        Line(now, 30 * kMinute - kSecond, "mx2", "postfix/qmgr", "9Z9Z9Z9Z9Z: removed"),
    };
    lines_ = lines.size();
    std::string stream;
    for (const std::string& l : lines) stream += l;
    ASSERT_TRUE(SendTcp(daemon_->tcp_port(), stream));
    // Wait until every line is stored.
    ASSERT_TRUE(WaitFor([&] {
      json s = daemon_->Status();
      return s.is_object() && s["stored"] == lines_;
    })) << daemon_->log();
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  size_t lines_ = 0;
};

TEST_F(StatsQueueTest, StatsJsonThroughTheCli) {
  CommandResult r = daemon_->Mlq({"stats", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(r.out);
  const json& t = s["totals"];
  EXPECT_EQ(t["received"], 4) << r.out;  // 1A, STUCK, 4D, 9Z; not the re-injected 2B
  EXPECT_EQ(t["delivered"], 2);          // 2B->bob, 9Z->frank; not the hand-off to amavis
  EXPECT_EQ(t["deferred"], 3);
  EXPECT_EQ(t["bounced"], 1);
  EXPECT_EQ(t["rejected"], 2);
  EXPECT_EQ(t["quarantined"], 0);
  EXPECT_EQ(t["expired"], 0);
  EXPECT_EQ(t["auth_failures"], 1);
  EXPECT_EQ(t["lines"], lines_);
  ASSERT_EQ(s["hosts"].size(), 2u);
  EXPECT_EQ(s["hosts"][0]["host"], "mx1");
  EXPECT_EQ(s["hosts"][0]["totals"]["received"], 3);
  EXPECT_EQ(s["hosts"][1]["host"], "mx2");
  EXPECT_EQ(s["hosts"][1]["totals"]["delivered"], 1);
  EXPECT_GE(s["hours"].size(), 24u);
  // --since 24h is read by mlq, until (now) by mlqd a moment later.
  const int64_t range = s["until_us"].get<int64_t>() - s["since_us"].get<int64_t>();
  EXPECT_GE(range, 24 * kHour);
  EXPECT_LT(range, 24 * kHour + kMinute);
  EXPECT_EQ(s["reject_reasons"],
            json::parse(R"([{"key":"Service unavailable; Client host blocked using )"
                        R"(zen.spamhaus.org","count":2}])"));
  EXPECT_EQ(s["defer_reasons"],
            json::parse(R"([{"key":"connect to host: Connection timed out","count":2},)"
                        R"({"key":"452 4.2.2 Mailbox full","count":1}])"));
  EXPECT_EQ(s["bounce_reasons"], json::parse(R"([{"key":"550 5.1.1 User unknown","count":1}])"));
  EXPECT_EQ(s["top_senders"], json::parse(R"([{"key":"carol@example.com","count":2},)"
                                          R"({"key":"alice@sender.example","count":1},)"
                                          R"({"key":"erin@example.net","count":1}])"));
  EXPECT_EQ(s["recipient_domains"], json::parse(R"([{"key":"example.com","count":2}])"));
  EXPECT_EQ(s["auth_failures_by_ip"], json::parse(R"([{"key":"203.0.113.66","count":1}])"));
  EXPECT_EQ(s["delays"], json::parse(R"({"count":2,"p50":0.2,"p90":1.5,"p99":1.5,"max":1.5})"));

  // --host and --top narrow it; the text report runs.
  r = daemon_->Mlq({"stats", "--json", "--host", "mx2", "--top", "1", "--since", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json m = json::parse(r.out);
  EXPECT_EQ(m["totals"]["received"], 1);
  EXPECT_EQ(m["totals"]["lines"], 3);
  EXPECT_EQ(m["hosts"].size(), 1u);
  r = daemon_->Mlq({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Grand totals"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Service unavailable; Client host blocked using zen.spamhaus.org"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(daemon_->Mlq({"stats", "--since", "bogus"}).exit_code, 2);
}

TEST_F(StatsQueueTest, QueueJsonThroughTheCli) {
  CommandResult r = daemon_->Mlq({"queue", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows = ParseJsonLines(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  const json& m = rows[0];
  EXPECT_EQ(m["host"], "mx1");
  EXPECT_EQ(m["queue_id"], "STUCK00001");
  EXPECT_EQ(m["message_id"], "stuck@example.com");
  EXPECT_EQ(m["from"], "carol@example.com");
  EXPECT_EQ(m["recipients"], json::parse(R"(["dave@remote.example"])"));
  EXPECT_EQ(m["deferrals"], 3);
  EXPECT_EQ(m["last_status"], "deferred");
  EXPECT_EQ(m["last_reply"],
            "host mx.remote.example[192.0.2.10] said: 452 4.2.2 Mailbox full (in reply to RCPT "
            "TO command)");
  EXPECT_EQ(m["size"], 2048);
  EXPECT_GE(m["age_s"].get<int64_t>(), 3 * 3600);
  EXPECT_LT(m["age_s"].get<int64_t>(), 3 * 3600 + 300);

  r = daemon_->Mlq({"queue"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("STUCK00001"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3h"), std::string::npos) << r.out;
  // Filters: too young, another host: nothing queued (exit 1).
  EXPECT_EQ(daemon_->Mlq({"queue", "--older-than", "4h"}).exit_code, 1);
  EXPECT_EQ(daemon_->Mlq({"queue", "--older-than", "2h", "--json"}).exit_code, 0);
  EXPECT_EQ(daemon_->Mlq({"queue", "--host", "mx2"}).exit_code, 1);
  EXPECT_EQ(daemon_->Mlq({"queue", "--older-than", "soon"}).exit_code, 2);
}

}  // namespace
}  // namespace mlq::testing
