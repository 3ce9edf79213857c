// The Queue answer: QueueBuilder over records that the real receiver made
// from Postfix and Exim lines, and the RPC over a real store.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include "query/queue_builder.h"
#include "query/service.h"
#include "query/status_util.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNow = 1795348800LL * kSecond;  // 2026-11-22T12:00:00Z

// An RFC 5424 line stamped `ago` before `now`.
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
  return "<22>1 " + std::string(ts) + " " + host + " " + program + " 100 - - " + msg;
}

std::vector<LogRecord> Parse(const std::vector<std::string>& lines) {
  static Counters counters;
  LineParser parser(&ReportNormalizers(), &counters);
  LineSource src;
  src.transport = Transport::kTcp;
  std::vector<LogRecord> out;
  for (const std::string& l : lines) out.push_back(parser.Parse(l, 0, src, kNow));
  std::stable_sort(out.begin(), out.end(), [](const LogRecord& a, const LogRecord& b) {
    return a.timestamp_us < b.timestamp_us;
  });
  return out;
}

// A queue snapshot of two servers, as of `now`.
std::vector<std::string> QueueDay(int64_t now) {
  const auto mx1 = [now](int64_t ago, const std::string& program, const std::string& msg) {
    return Line(now, ago, "mx1", program, msg);
  };
  const auto mx2 = [now](int64_t ago, const std::string& program, const std::string& msg) {
    return Line(now, ago, "mx2", program, msg);
  };
  return {
      // Stuck for 5 hours: 3 deferrals of dave; erin was delivered at once.
      mx1(5 * kHour, "postfix/smtpd", "AAAA111111: client=unknown[203.0.113.5]"),
      mx1(5 * kHour, "postfix/cleanup", "AAAA111111: message-id=<stuck-1@example.com>"),
      mx1(5 * kHour, "postfix/qmgr",
          "AAAA111111: from=<carol@example.com>, size=2048, nrcpt=2 (queue active)"),
      mx1(5 * kHour - kMinute, "postfix/smtp",
          "AAAA111111: to=<dave@remote.example>, relay=none, delay=60, delays=0/0/60/0, "
          "dsn=4.4.1, status=deferred (connect to mx.remote.example[192.0.2.10]:25: Connection "
          "timed out)"),
      mx1(5 * kHour - kMinute, "postfix/smtp",
          "AAAA111111: to=<erin@other.example>, relay=mx.other.example[192.0.2.20]:25, "
          "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)"),
      mx1(4 * kHour, "postfix/qmgr",
          "AAAA111111: from=<carol@example.com>, size=2048, nrcpt=2 (queue active)"),
      mx1(4 * kHour, "postfix/smtp",
          "AAAA111111: to=<dave@remote.example>, relay=none, delay=3600, "
          "delays=3540/0/60/0, dsn=4.4.1, status=deferred (connect to "
          "mx.remote.example[192.0.2.10]:25: Connection timed out)"),
      mx1(2 * kHour, "postfix/qmgr",
          "AAAA111111: from=<carol@example.com>, size=2048, nrcpt=2 (queue active)"),
      mx1(2 * kHour, "postfix/smtp",
          "AAAA111111: to=<dave@remote.example>, relay=mx.remote.example[192.0.2.10]:25, "
          "delay=10800, delays=10790/0/5/5, dsn=4.2.2, status=deferred (host "
          "mx.remote.example[192.0.2.10] said: 452 4.2.2 <dave@remote.example>: Mailbox full "
          "(in reply to RCPT TO command))"),
      // Delivered and removed: not in the queue.
      mx1(3 * kHour, "postfix/qmgr",
          "BBBB222222: from=<frank@example.com>, size=500, nrcpt=1 (queue active)"),
      mx1(3 * kHour, "postfix/smtp",
          "BBBB222222: to=<gina@example.net>, relay=mx.example.net[192.0.2.40]:25, delay=0.5, "
          "delays=0/0/0.2/0.3, dsn=2.0.0, status=sent (250 ok)"),
      mx1(3 * kHour, "postfix/qmgr", "BBBB222222: removed"),
      // The same queue ID reused 2 hours later: a new, stuck entry.
      mx1(kHour, "postfix/cleanup", "BBBB222222: message-id=<reuse-2@example.com>"),
      mx1(kHour, "postfix/qmgr",
          "BBBB222222: from=<henry@example.com>, size=700, nrcpt=1 (queue active)"),
      mx1(kHour - kMinute, "postfix/smtp",
          "BBBB222222: to=<ivan@grey.example>, relay=mx.grey.example[192.0.2.30]:25, "
          "delay=60, delays=0/0/0.5/59.5, dsn=4.2.0, status=deferred (host "
          "mx.grey.example[192.0.2.30] said: 450 4.2.0 Greylisted (in reply to RCPT TO "
          "command))"),
      // Queued 10 minutes ago, one deferral.
      mx1(10 * kMinute, "postfix/qmgr", "CCCC333333: from=<>, size=3000, nrcpt=1 (queue active)"),
      mx1(9 * kMinute, "postfix/smtp",
          "CCCC333333: to=<judy@remote.example>, relay=none, delay=60, delays=0/0/60/0, "
          "dsn=4.4.1, status=deferred (connect to mx.remote.example[192.0.2.10]:25: Connection "
          "refused)"),
      // An aborted session (client= and nothing else): not a queued message.
      mx1(6 * kHour, "postfix/smtpd", "DDDD444444: client=unknown[198.51.100.1]"),
      // Rejected by cleanup/milter: the queue file is gone, no "removed".
      mx1(6 * kHour, "postfix/smtpd", "EEEE555555: client=unknown[198.51.100.2]"),
      mx1(6 * kHour, "postfix/cleanup",
          "EEEE555555: milter-reject: END-OF-MESSAGE from unknown[198.51.100.2]: 5.7.1 Spam; "
          "from=<s@bad.example> to=<bob@example.com> proto=ESMTP helo=<bad>"),
      // Expired and returned: gone.
      mx1(7 * kHour, "postfix/qmgr",
          "FFFF666666: from=<old@example.com>, size=100, nrcpt=1 (queue active)"),
      mx1(6 * kHour, "postfix/qmgr",
          "FFFF666666: from=<old@example.com>, status=expired, returned to sender"),
      // Held by a header check: in the hold queue.
      mx1(8 * kHour, "postfix/cleanup",
          "ABAB777777: hold: header Subject: invoice from unknown[198.51.100.3]; "
          "from=<kim@example.org> to=<leo@example.com> proto=ESMTP helo=<x>: Held for review"),
      // mx2: a frozen Exim message and a completed one; a Postfix entry deleted by postsuper.
      mx2(2 * kDay, "exim",
          "1qAbcD-0001Xy-Zz <= mallory@example.org H=mail.example.org [192.0.2.50]:4000 "
          "P=esmtps S=4321 id=frozen-3@example.org for nina@example.com"),
      mx2(2 * kDay - kMinute, "exim",
          "1qAbcD-0001Xy-Zz == nina@example.com R=dnslookup T=remote_smtp defer (-44): SMTP "
          "error from remote mail server after RCPT TO:<nina@example.com>: 451 4.3.0 Try later"),
      mx2(2 * kDay - 2 * kMinute, "exim", "1qAbcD-0001Xy-Zz Frozen"),
      mx2(kHour, "exim",
          "1qEfgH-0002Ab-Cd <= oscar@example.org H=mail.example.org [192.0.2.50]:4001 "
          "P=esmtps S=100 id=done-4@example.org for pat@example.com"),
      mx2(kHour, "exim", "1qEfgH-0002Ab-Cd => pat@example.com R=local_user T=mail_spool"),
      mx2(kHour, "exim", "1qEfgH-0002Ab-Cd Completed"),
      mx2(3 * kHour, "postfix/qmgr",
          "ACAC888888: from=<quinn@example.com>, size=10, nrcpt=1 (queue active)"),
      mx2(2 * kHour, "postfix/postsuper", "ACAC888888: removed"),
  };
}

v1::QueueResponse Build(const std::vector<LogRecord>& records, QueueOptions o) {
  QueueBuilder b(std::move(o));
  for (const LogRecord& r : records) b.Add(r);
  return b.Finish();
}

QueueOptions At(int64_t now) {
  QueueOptions o;
  o.now_us = now;
  return o;
}

std::vector<std::string> Ids(const v1::QueueResponse& r) {
  std::vector<std::string> ids;
  for (const v1::QueuedMessage& m : r.messages()) ids.push_back(m.host() + "/" + m.queue_id());
  return ids;
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& f) {
  return {f.begin(), f.end()};
}

TEST(QueueBuilderTest, WhatIsStillQueuedOldestFirst) {
  const v1::QueueResponse r = Build(Parse(QueueDay(kNow)), At(kNow));
  EXPECT_EQ(Ids(r),
            (std::vector<std::string>{"mx2/1qAbcD-0001Xy-Zz", "mx1/ABAB777777", "mx1/AAAA111111",
                                      "mx1/BBBB222222", "mx1/CCCC333333"}));
}

TEST(QueueBuilderTest, StuckMessageWithThreeDeferrals) {
  const v1::QueueResponse r = Build(Parse(QueueDay(kNow)), At(kNow));
  ASSERT_EQ(r.messages_size(), 5);
  const v1::QueuedMessage& m = r.messages(2);
  ASSERT_EQ(m.queue_id(), "AAAA111111");
  EXPECT_EQ(m.host(), "mx1");
  EXPECT_EQ(m.message_id(), "stuck-1@example.com");
  EXPECT_EQ(m.from(), "carol@example.com");
  EXPECT_EQ(Strings(m.recipients()), std::vector<std::string>{"dave@remote.example"});
  EXPECT_EQ(m.queued_us(), kNow - 5 * kHour);  // the first queued line, not the retries
  EXPECT_EQ(m.age_us(), 5 * kHour);
  EXPECT_EQ(m.deferrals(), 3u);
  EXPECT_EQ(m.last_status(), "deferred");
  EXPECT_EQ(m.last_reply(),
            "host mx.remote.example[192.0.2.10] said: 452 4.2.2 <dave@remote.example>: Mailbox "
            "full (in reply to RCPT TO command)");
  EXPECT_EQ(m.last_relay(), "mx.remote.example[192.0.2.10]:25");
  EXPECT_EQ(m.size(), 2048);
}

TEST(QueueBuilderTest, ReusedQueueIdIsANewEntry) {
  const v1::QueueResponse r = Build(Parse(QueueDay(kNow)), At(kNow));
  ASSERT_EQ(r.messages_size(), 5);
  const v1::QueuedMessage& m = r.messages(3);
  ASSERT_EQ(m.queue_id(), "BBBB222222");
  EXPECT_EQ(m.message_id(), "reuse-2@example.com");
  EXPECT_EQ(m.from(), "henry@example.com");
  EXPECT_EQ(Strings(m.recipients()), std::vector<std::string>{"ivan@grey.example"});
  EXPECT_EQ(m.queued_us(), kNow - kHour);
  EXPECT_EQ(m.deferrals(), 1u);
  EXPECT_EQ(m.size(), 700);
}

TEST(QueueBuilderTest, HeldFrozenAndNullSender) {
  const v1::QueueResponse r = Build(Parse(QueueDay(kNow)), At(kNow));
  ASSERT_EQ(r.messages_size(), 5);
  const v1::QueuedMessage& frozen = r.messages(0);
  EXPECT_EQ(frozen.last_status(), "frozen");
  EXPECT_EQ(frozen.from(), "mallory@example.org");
  EXPECT_EQ(frozen.message_id(), "frozen-3@example.org");
  EXPECT_EQ(Strings(frozen.recipients()), std::vector<std::string>{"nina@example.com"});
  EXPECT_EQ(frozen.deferrals(), 1u);
  EXPECT_EQ(frozen.age_us(), 2 * kDay);
  const v1::QueuedMessage& held = r.messages(1);
  EXPECT_EQ(held.last_status(), "hold");
  EXPECT_EQ(held.from(), "kim@example.org");
  EXPECT_EQ(Strings(held.recipients()), std::vector<std::string>{"leo@example.com"});
  EXPECT_EQ(held.deferrals(), 0u);
  const v1::QueuedMessage& bounce = r.messages(4);
  EXPECT_EQ(bounce.from(), "");
  EXPECT_EQ(bounce.last_reply(), "connect to mx.remote.example[192.0.2.10]:25: Connection refused");
}

TEST(QueueBuilderTest, OlderThanHostAndLimit) {
  QueueOptions o = At(kNow);
  o.older_than_us = kHour;
  // CCCC333333 (10 minutes) is too young; BBBB222222 (exactly an hour) is not.
  EXPECT_EQ(Ids(Build(Parse(QueueDay(kNow)), o)),
            (std::vector<std::string>{"mx2/1qAbcD-0001Xy-Zz", "mx1/ABAB777777", "mx1/AAAA111111",
                                      "mx1/BBBB222222"}));
  o.older_than_us = 3 * kHour;
  EXPECT_EQ(Ids(Build(Parse(QueueDay(kNow)), o)),
            (std::vector<std::string>{"mx2/1qAbcD-0001Xy-Zz", "mx1/ABAB777777", "mx1/AAAA111111"}));
  o = At(kNow);
  o.host = "mx1";
  o.limit = 2;
  EXPECT_EQ(Ids(Build(Parse(QueueDay(kNow)), o)),
            (std::vector<std::string>{"mx1/ABAB777777", "mx1/AAAA111111"}));
}

TEST(QueueBuilderTest, MtasWithoutRemovalLinesUsePendingRecipients) {
  // Kerio logs "Recv" and "Sent" but never a removal.
  const auto rec = [](std::string qid, std::string event, std::string status, int64_t ago,
                      std::vector<std::string> to) {
    LogRecord r;
    r.timestamp_us = kNow - ago;
    r.host = "kerio1";
    r.family = "kerio";
    r.event = std::move(event);
    r.status = std::move(status);
    r.queue_id = std::move(qid);
    r.from = "a@example.com";
    r.to = std::move(to);
    return r;
  };
  std::vector<LogRecord> records = {
      rec("K1", "queued", "", 3 * kHour, {"x@example.net", "y@example.net"}),
      rec("K2", "queued", "", 3 * kHour, {"z@example.net"}),
      rec("K1", "delivery", "sent", 3 * kHour - kMinute, {"x@example.net"}),
      rec("K2", "delivery", "sent", 3 * kHour - kMinute, {"z@example.net"}),
  };
  const v1::QueueResponse r = Build(records, At(kNow));
  ASSERT_EQ(Ids(r), std::vector<std::string>{"kerio1/K1"});
  EXPECT_EQ(Strings(r.messages(0).recipients()), std::vector<std::string>{"y@example.net"});
  EXPECT_EQ(r.messages(0).last_status(), "sent");
}

TEST(QueueBuilderTest, CompanionsQuotingAQueueIdDoNotMakeEntries) {
  LogRecord amavis;
  amavis.timestamp_us = kNow - kHour;
  amavis.host = "mx1";
  amavis.family = "amavis";
  amavis.event = "filter-result";
  amavis.status = "passed";
  amavis.queue_id = "ZZZZ999999";
  EXPECT_EQ(Build({amavis}, At(kNow)).messages_size(), 0);
}

// ---- the RPC, over a real store ----

class QueueRpcTest : public ServedQueryTest {
 protected:
  grpc::Status Queue(const v1::QueueRequest& req, v1::QueueResponse* resp) {
    grpc::ClientContext ctx;
    return stub_->Queue(&ctx, req, resp);
  }
};

TEST_F(QueueRpcTest, ScansThirtyDaysByDefault) {
  const int64_t now = NowUs();
  std::vector<std::string> lines = QueueDay(now);
  // Queued 40 days ago and never removed: beyond the default look-back.
  lines.push_back(Line(now, 40 * kDay, "mx1", "postfix/qmgr",
                       "ADAD999999: from=<ancient@example.com>, size=1, nrcpt=1 (queue active)"));
  ASSERT_TRUE(store_->Write(Parse(lines)).ok());

  v1::QueueResponse resp;
  ASSERT_TRUE(Queue(v1::QueueRequest(), &resp).ok());
  EXPECT_EQ(Ids(resp),
            (std::vector<std::string>{"mx2/1qAbcD-0001Xy-Zz", "mx1/ABAB777777", "mx1/AAAA111111",
                                      "mx1/BBBB222222", "mx1/CCCC333333"}));
  const v1::QueuedMessage& m = resp.messages(2);
  EXPECT_EQ(m.deferrals(), 3u);
  EXPECT_GE(m.age_us(), 5 * kHour);
  EXPECT_LT(m.age_us(), 5 * kHour + kMinute);

  v1::QueueRequest req;
  req.set_since_us(now - 50 * kDay);
  req.set_older_than_us(3 * kHour);
  req.set_host("mx1");
  ASSERT_TRUE(Queue(req, &resp).ok());
  EXPECT_EQ(Ids(resp),
            (std::vector<std::string>{"mx1/ADAD999999", "mx1/ABAB777777", "mx1/AAAA111111"}));
  req.set_limit(1);
  ASSERT_TRUE(Queue(req, &resp).ok());
  EXPECT_EQ(Ids(resp), std::vector<std::string>{"mx1/ADAD999999"});

  req.set_older_than_us(-1);
  EXPECT_EQ(Queue(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace mlq
