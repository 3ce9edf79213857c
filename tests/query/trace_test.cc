// Trace over the founding documents' flows (tests/data/seeds/), parsed by
// the real receiver, stored in a real store: every flow gets the verdict
// the documents describe.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "base/civil_time.h"
#include "query/explain.h"
#include "query/tracer.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "service_fixture.h"

namespace mlq {
namespace {

// 2026-11-22T12:00:00Z: the seeds' Jul/Aug/May/Feb lines are this year's,
// their Dec lines last year's.
constexpr int64_t kReceived = 1795348800LL * 1000000;

class TraceTest : public QueryServiceTest {
 protected:
  void Load(const std::vector<std::string>& lines, std::string_view default_host = "") {
    LoadLines(lines, kReceived, default_host);
  }
  void LoadSeeds() {
    for (const auto& e : std::filesystem::directory_iterator(testing::TestData("seeds"))) {
      if (e.path().extension() == ".log") Load(testing::ReadLines(e.path().string()));
    }
  }

  static const RecipientResult* Rcpt(const MessageTraceResult& t, std::string_view addr) {
    for (const auto& r : t.recipients) {
      if (r.address == addr) return &r;
    }
    return nullptr;
  }

  static std::vector<std::string> HopIds(const MessageTraceResult& t) {
    std::vector<std::string> ids;
    for (const auto& h : t.hops) ids.push_back(h.queue_id);
    return ids;
  }
};

TEST_F(TraceTest, OutboundThroughAmavisRequeueDeliveredToGmail) {
  LoadSeeds();
  auto traces =
      Trace({.message_id = "<1406627814.5.1651732554479.JavaMail.zimbra@tudv3.tudv.xyz>"});
  ASSERT_EQ(traces.size(), 1u);
  const auto& t = traces[0];
  // Submission, then two content-filter passes (amavis re-queues twice).
  EXPECT_EQ(HopIds(t), (std::vector<std::string>{"B141CE6BDD", "15411E6BE1", "97597E6BE4"}));
  EXPECT_EQ(t.hops[0].role, "received");
  EXPECT_EQ(t.hops[1].role, "after-filter");
  EXPECT_EQ(t.hops[0].next, (std::vector<std::string>{"mail/15411E6BE1"}));
  ASSERT_EQ(t.recipients.size(), 1u);
  const auto* r = Rcpt(t, "idinhtu1989@gmail.com");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "delivered");
  EXPECT_EQ(r->queue_id, "97597E6BE4");
  EXPECT_EQ(r->dsn, "2.0.0");
  EXPECT_NE(r->where.find("gmail-smtp-in.l.google.com"), std::string::npos) << r->where;
  // The amavis verdict lines are part of the journey.
  bool amavis = false;
  for (const auto& h : t.hops) {
    for (const auto& l : h.lines) amavis = amavis || l.record.family == "amavis";
  }
  EXPECT_TRUE(amavis);
}

TEST_F(TraceTest, SubmissionThroughAmavisDeliveredRemotely) {
  LoadSeeds();
  // Starting from the second queue ID finds the first one too.
  auto traces = Trace({.queue_id = "4Ldr9z5ktdz3yFh"});
  ASSERT_EQ(traces.size(), 1u);
  const auto& t = traces[0];
  EXPECT_EQ(HopIds(t), (std::vector<std::string>{"4Ldr9y6wlvz3xgh", "4Ldr9z5ktdz3yFh"}));
  const auto* r = Rcpt(t, "truongvh@vccloud.vn");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "delivered");
  EXPECT_NE(r->reply.find("0812D17DA34"), std::string::npos);
  // The pre-queue session (connect, TLS) of the submission is attached.
  bool connect = false;
  for (const auto& l : t.other_lines) connect = connect || l.record.event == "connect";
  EXPECT_TRUE(connect);
}

TEST_F(TraceTest, InboundThroughAmavisToZimbraLmtp) {
  LoadSeeds();
  auto traces =
      Trace({.message_id = "CAMzzhF9GpAMR6iTmZ-hzC6RriDQ=m1mao8zHY06Eky-_iry-=A@mail.gmail.com"});
  ASSERT_EQ(traces.size(), 1u);
  const auto* r = Rcpt(traces[0], "admin@tudv3.tudv.xyz");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "delivered");
  EXPECT_EQ(r->dsn, "2.1.5");
  EXPECT_EQ(r->queue_id, "B51DBE6BE7");
  EXPECT_NE(r->where.find("mailbox"), std::string::npos) << r->where;
}

TEST_F(TraceTest, InboundThroughAmavisToDovecot) {
  LoadSeeds();
  auto traces = Trace({.to = "test01@codemax.cn"});
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(HopIds(traces[0]), (std::vector<std::string>{"974C6222F6", "01373222F7"}));
  const auto* r = Rcpt(traces[0], "test01@codemax.cn");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "delivered");
  EXPECT_EQ(r->where, "mailbox (dovecot)");
  // postgrey's verdict for the same client and sender is attached.
  bool postgrey = false;
  for (const auto& l : traces[0].other_lines) postgrey = postgrey || l.record.program == "postgrey";
  EXPECT_TRUE(postgrey);
}

TEST_F(TraceTest, RejectedAsBlacklistedBeforeQueue) {
  LoadSeeds();
  auto traces = Trace({.to = "quanlh@vccloud.vn"});
  ASSERT_GE(traces.size(), 1u);
  const auto* r = Rcpt(traces[0], "quanlh@vccloud.vn");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "rejected");
  EXPECT_EQ(r->dsn, "5.7.1");
  EXPECT_NE(r->reply.find("Blacklisted"), std::string::npos);
  EXPECT_NE(r->explanation.find("lack"), std::string::npos) << r->explanation;
  EXPECT_TRUE(traces[0].hops.empty()) << "never queued";
  // Roundcube's report of the same reject is a related line of it, not a
  // message of its own.
  EXPECT_EQ(traces.size(), 1u);
  bool roundcube = false;
  for (const auto& l : traces[0].other_lines) roundcube |= l.record.family == "roundcube";
  EXPECT_TRUE(roundcube);
}

TEST_F(TraceTest, BouncedForDmarcWithNonDeliveryNotice) {
  LoadSeeds();
  auto traces = Trace({.queue_id = "4JP3kS4kV1z9p1l"});
  ASSERT_EQ(traces.size(), 1u);
  const auto& t = traces[0];
  const auto* r = Rcpt(t, "truongvh@gmail.com");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "bounced");
  EXPECT_EQ(r->dsn, "5.7.26");
  EXPECT_NE(r->explanation.find("DMARC"), std::string::npos);
  ASSERT_EQ(t.hops.size(), 2u);
  EXPECT_EQ(t.hops[1].queue_id, "4JP3kW1FHCz9p1r");
  EXPECT_EQ(t.hops[1].role, "bounce");
  EXPECT_NE(t.summary.find("non-delivery"), std::string::npos);
  EXPECT_NE(t.summary.find("1 recipient: 1 bounced"), std::string::npos) << t.summary;
  // The notice to the sender is a row of its own, not a recipient of the
  // message: only its cleanup line was logged, and no line names the
  // sender, so it is queued, for an address not known.
  ASSERT_EQ(t.recipients.size(), 2u);
  const RecipientResult& notice = t.recipients[1];
  EXPECT_EQ(notice.notice, "sender non-delivery");
  EXPECT_EQ(notice.notice_for, "mail/4JP3kS4kV1z9p1l");
  EXPECT_EQ(notice.address, "");
  EXPECT_EQ(notice.verdict, "queued");
}

TEST_F(TraceTest, DmaSubmissionDeliveredLocally) {
  LoadSeeds();
  auto traces = Trace({.message_id = "69908f4c.1e92be2.7865be02@host"});
  ASSERT_EQ(traces.size(), 1u);
  const auto* r = Rcpt(traces[0], "afnog@mail.pc200.n2.nog-oc.org");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "delivered");
  EXPECT_EQ(r->where, "mailbox (local)");
}

TEST_F(TraceTest, ReusedShortQueueIdsAreSeparateMessages) {
  Load({"Nov 20 10:00:00 mx1 postfix/pickup[1]: ABCDEF1234: uid=0 from=<root>",
        "Nov 20 10:00:00 mx1 postfix/cleanup[2]: ABCDEF1234: message-id=<first@x>",
        "Nov 20 10:00:01 mx1 postfix/qmgr[3]: ABCDEF1234: from=<root@x>, size=1, nrcpt=1 (queue "
        "active)",
        "Nov 20 10:00:02 mx1 postfix/local[4]: ABCDEF1234: to=<a@x>, relay=local, delay=1, "
        "delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
        "Nov 20 10:00:02 mx1 postfix/qmgr[3]: ABCDEF1234: removed",
        "Nov 21 10:00:00 mx1 postfix/pickup[1]: ABCDEF1234: uid=0 from=<root>",
        "Nov 21 10:00:00 mx1 postfix/cleanup[2]: ABCDEF1234: message-id=<second@x>",
        "Nov 21 10:00:01 mx1 postfix/qmgr[3]: ABCDEF1234: from=<root@x>, size=1, nrcpt=1 (queue "
        "active)",
        "Nov 21 10:00:02 mx1 postfix/smtp[4]: ABCDEF1234: to=<b@y>, relay=none, delay=1, "
        "delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to y[192.0.2.1]:25: Connection "
        "timed out)"});
  auto by_qid = Trace({.queue_id = "ABCDEF1234"});
  ASSERT_EQ(by_qid.size(), 2u);
  EXPECT_EQ(by_qid[0].message_ids, (std::vector<std::string>{"first@x"}));
  EXPECT_EQ(by_qid[0].recipients.at(0).verdict, "delivered");
  EXPECT_EQ(by_qid[1].message_ids, (std::vector<std::string>{"second@x"}));
  const auto& deferred = by_qid[1].recipients.at(0);
  EXPECT_EQ(deferred.verdict, "deferred");
  EXPECT_NE(deferred.explanation.find("did not answer"), std::string::npos) << deferred.explanation;
  auto by_mid = Trace({.message_id = "second@x"});
  ASSERT_EQ(by_mid.size(), 1u);
  EXPECT_EQ(by_mid[0].hops.at(0).lines.size(), 4u) << "only the second entry's lines";
}

TEST_F(TraceTest, RelayToAnotherFleetHostOutOfOrder) {
  // mx1 relays to mx2, which delivers; mx2's lines arrive first.
  Load({"Nov 20 10:00:05 mx2 postfix/smtpd[20]: 7D2E1C0A: client=mx1.example.org[10.0.0.1]",
        "Nov 20 10:00:05 mx2 postfix/cleanup[21]: 7D2E1C0A: message-id=<hop@example.org>",
        "Nov 20 10:00:06 mx2 postfix/qmgr[22]: 7D2E1C0A: from=<a@example.org>, size=10, nrcpt=1 "
        "(queue active)",
        "Nov 20 10:00:07 mx2 postfix/lmtp[23]: 7D2E1C0A: to=<b@example.net>, "
        "relay=mailbox.example.net[10.0.0.9]:24, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent "
        "(250 2.0.0 <b@example.net> 4Dc8Cu+WWwGQAA Saved)",
        "Nov 20 10:00:07 mx2 postfix/qmgr[22]: 7D2E1C0A: removed"});
  Load({"Nov 20 10:00:00 mx1 postfix/smtpd[10]: 4Xb3cG2Y0Zz1kH2: client=c[192.0.2.7]",
        "Nov 20 10:00:03 mx1 postfix/qmgr[12]: 4Xb3cG2Y0Zz1kH2: from=<a@example.org>, size=9, "
        "nrcpt=1 (queue active)",
        "Nov 20 10:00:05 mx1 postfix/smtp[13]: 4Xb3cG2Y0Zz1kH2: to=<b@example.net>, "
        "relay=mx2.example.org[10.0.0.2]:25, delay=5, delays=0/0/0/5, dsn=2.0.0, status=sent (250 "
        "2.0.0 Ok: queued as 7D2E1C0A)",
        "Nov 20 10:00:05 mx1 postfix/qmgr[12]: 4Xb3cG2Y0Zz1kH2: removed"});
  for (TraceStart start :
       {TraceStart{.queue_id = "4Xb3cG2Y0Zz1kH2"},
        TraceStart{.queue_id = "7D2E1C0A", .host = "mx2"}, TraceStart{.to = "b@example.net"}}) {
    auto traces = Trace(start);
    ASSERT_EQ(traces.size(), 1u);
    const auto& t = traces[0];
    ASSERT_EQ(t.hops.size(), 2u);
    EXPECT_EQ(t.hops[0].host, "mx1");
    EXPECT_EQ(t.hops[1].host, "mx2");
    EXPECT_EQ(t.hops[1].role, "relay");
    EXPECT_EQ(t.hops[0].next, (std::vector<std::string>{"mx2/7D2E1C0A"}));
    ASSERT_EQ(t.recipients.size(), 1u);
    EXPECT_EQ(t.recipients[0].verdict, "delivered");
    EXPECT_EQ(t.recipients[0].host, "mx2");
  }
}

// "Nov 20 HH:MM:SS" for `secs` seconds after midnight.
std::string At(int secs) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "Nov 20 %02d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60);
  return buf;
}

std::vector<std::string> Raws(const std::vector<StoredRecord>& recs) {
  std::vector<std::string> out;
  for (const auto& r : recs) out.push_back(r.record.raw);
  return out;
}

TEST_F(TraceTest, AmavisReinjectionAmongBusyLoopbackTraffic) {
  const int t = 9 * 3600;  // 09:00:00
  // The message: Internet -> postscreen -> smtpd -> amavis -> 10025 -> LMTP.
  const std::vector<std::string> screen = {
      At(t - 10) +
          " mx1 postfix/postscreen[50]: CONNECT from [203.0.113.5]:40000 to "
          "[192.0.2.1]:25",
      At(t - 9) + " mx1 postfix/postscreen[50]: PASS OLD [203.0.113.5]:40000",
  };
  const std::string connect =
      At(t - 9) + " mx1 postfix/smtpd[100]: connect from " + "ext.example.net[203.0.113.5]";
  const std::string disconnect = At(t - 7) + " mx1 postfix/smtpd[100]: disconnect from " +
                                 "ext.example.net[203.0.113.5] ehlo=1 mail=1 rcpt=1 data=1 " +
                                 "quit=1 commands=5";
  const std::vector<std::string> hop1 = {
      At(t - 8) + " mx1 postfix/smtpd[100]: 3C1D2E4F5A: client=ext.example.net[203.0.113.5]",
      At(t - 8) + " mx1 postfix/cleanup[101]: 3C1D2E4F5A: message-id=<loop@example.net>",
      At(t - 8) + " mx1 postfix/qmgr[102]: 3C1D2E4F5A: from=<a@example.net>, size=100, " +
          "nrcpt=1 (queue active)",
      At(t + 3) + " mx1 postfix/smtp[104]: 3C1D2E4F5A: to=<b@example.org>, " +
          "relay=127.0.0.1[127.0.0.1]:10024, delay=11, delays=0/0/0/11, dsn=2.0.0, " +
          "status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as " +
          "4A1B2C3D4E)",
      At(t + 3) + " mx1 postfix/qmgr[102]: 3C1D2E4F5A: removed",
  };
  // The re-injection: a 10025 smtpd whose one connection lives for hours
  // and carries a message every 7 s; the previous message's client= is
  // 13 s before ours, the next one's 27 s after.
  const std::string before_ours = At(t + 1) + " mx1 postfix/10025/smtpd[200]: warning: " +
                                  "connect from localhost[127.0.0.1] took 1s";
  const std::string after_ours = At(t + 4) + " mx1 postfix/10025/smtpd[200]: warning: " +
                                 "hostname localhost verification slow";
  const std::vector<std::string> hop2 = {
      At(t + 2) + " mx1 postfix/10025/smtpd[200]: 4A1B2C3D4E: client=localhost[127.0.0.1]",
      At(t + 2) + " mx1 postfix/cleanup[101]: 4A1B2C3D4E: message-id=<loop@example.net>",
      At(t + 3) + " mx1 postfix/qmgr[102]: 4A1B2C3D4E: from=<a@example.net>, size=900, " +
          "nrcpt=1 (queue active)",
      At(t + 5) + " mx1 postfix/lmtp[103]: 4A1B2C3D4E: to=<b@example.org>, " +
          "relay=mail.example.org[private/dovecot-lmtp], delay=0.1, delays=0/0/0/0.1, " +
          "dsn=2.0.0, status=sent (250 2.0.0 <b@example.org> Saved)",
      At(t + 5) + " mx1 postfix/qmgr[102]: 4A1B2C3D4E: removed",
  };
  std::vector<std::string> lines = screen;
  lines.push_back(connect);
  lines.insert(lines.end(), hop1.begin(), hop1.end());
  lines.push_back(disconnect);
  lines.push_back(before_ours);
  lines.insert(lines.end(), hop2.begin(), hop2.end());
  lines.push_back(after_ours);
  Load(lines);

  // Pid 200 from 07:00 to 11:00: one connection, ~2000 messages.
  std::vector<std::string> noise;
  noise.push_back(At(7 * 3600) + " mx1 postfix/10025/smtpd[200]: connect from " +
                  "localhost[127.0.0.1]");
  int n = 0;
  for (int s = 7 * 3600 + 1; s < 11 * 3600; s += 7) {
    if (s > t - 13 && s < t + 30) continue;
    char qid[16];
    std::snprintf(qid, sizeof qid, "F%09X", n++);
    noise.push_back(At(s) + " mx1 postfix/10025/smtpd[200]: " + qid +
                    ": client=localhost[127.0.0.1]");
  }
  noise.push_back(At(11 * 3600) + " mx1 postfix/10025/smtpd[200]: disconnect from " +
                  "localhost[127.0.0.1] ehlo=1 mail=2000 rcpt=2000 data=2000 quit=1");
  // Other loopback sessions around the message, on both hosts: other
  // re-injection smtpds, webmail submissions, postscreen whitelisting local
  // clients. None of them is about this message.
  for (int s = t - 600, i = 0; s < t + 600; ++s, ++i) {
    const std::string host = i % 2 ? " mx2" : " mx1";
    const std::string pid = std::to_string(300 + i % 7);
    char qid[16];
    std::snprintf(qid, sizeof qid, "E%09X", i);
    noise.push_back(At(s) + host + " postfix/10025/smtpd[" + pid +
                    "]: connect from localhost[127.0.0.1]");
    noise.push_back(At(s) + host + " postfix/10025/smtpd[" + pid + "]: " + qid +
                    ": client=localhost[127.0.0.1]");
    noise.push_back(At(s) + host + " postfix/10025/smtpd[" + pid +
                    "]: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1");
    noise.push_back(At(s) + host + " postfix/submission/smtpd[" + pid +
                    "]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 <x@y.z>: " +
                    "Recipient address rejected: Access denied; from=<w@example.org> " +
                    "to=<x@y.z> proto=ESMTP helo=<webmail>");
    if (i % 10 == 0) {
      noise.push_back(At(s) + host + " postfix/postscreen[51]: CONNECT from [127.0.0.1]:" +
                      std::to_string(20000 + i) + " to [127.0.0.1]:25");
      noise.push_back(At(s) + host + " postfix/postscreen[51]: WHITELISTED [127.0.0.1]:" +
                      std::to_string(20000 + i));
    }
  }
  Load(noise);

  std::vector<std::string> others = screen;
  others.push_back(connect);
  others.push_back(disconnect);
  others.push_back(before_ours);
  others.push_back(after_ours);
  std::sort(others.begin(), others.end());
  for (TraceStart start :
       {TraceStart{.message_id = "loop@example.net"},
        TraceStart{.queue_id = "4A1B2C3D4E", .host = "mx1"}, TraceStart{.to = "b@example.org"}}) {
    auto traces = Trace(start);
    ASSERT_EQ(traces.size(), 1u);
    const auto& tr = traces[0];
    ASSERT_EQ(HopIds(tr), (std::vector<std::string>{"3C1D2E4F5A", "4A1B2C3D4E"}));
    EXPECT_EQ(tr.hops[0].role, "received");
    EXPECT_EQ(tr.hops[1].role, "after-filter");
    EXPECT_EQ(Raws(tr.hops[0].lines), hop1);
    EXPECT_EQ(Raws(tr.hops[1].lines), hop2);
    std::vector<std::string> got = Raws(tr.other_lines);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, others);
    ASSERT_EQ(tr.recipients.size(), 1u);
    EXPECT_EQ(tr.recipients[0].verdict, "delivered");
    EXPECT_EQ(tr.recipients[0].queue_id, "4A1B2C3D4E");
  }
}

TEST_F(TraceTest, SessionEndsAtDisconnectOrTwoHoursAway) {
  // A re-injection session whose lines trail its message until the
  // disconnect, many lines later; and one whose connect is over 2 h back.
  std::vector<std::string> lines = {
      At(36000) + " mx1 postfix/10025/smtpd[7]: connect from localhost[127.0.0.1]",
      At(36001) + " mx1 postfix/10025/smtpd[7]: 1A2B3C4D5E: client=localhost[127.0.0.1]",
      At(36001) + " mx1 postfix/cleanup[8]: 1A2B3C4D5E: message-id=<tail@x>",
  };
  for (int i = 0; i < 40; ++i) {
    lines.push_back(At(36002 + i * 60) + " mx1 postfix/10025/smtpd[7]: warning: slow client " +
                    std::to_string(i));
  }
  lines.push_back(At(36002 + 40 * 60) +
                  " mx1 postfix/10025/smtpd[7]: disconnect from localhost[127.0.0.1]");
  lines.push_back(At(36003 + 40 * 60) +
                  " mx1 postfix/10025/smtpd[7]: connect from localhost[127.0.0.1]");
  // Another pid: connected 2 h 30 min before its only message.
  lines.push_back(At(30000) + " mx1 postfix/10025/smtpd[9]: connect from localhost[127.0.0.1]");
  lines.push_back(At(32000) + " mx1 postfix/10025/smtpd[9]: warning: idle");
  lines.push_back(At(39000) +
                  " mx1 postfix/10025/smtpd[9]: 2B3C4D5E6F: client=localhost[127.0.0.1]");
  lines.push_back(At(39000) + " mx1 postfix/cleanup[8]: 2B3C4D5E6F: message-id=<far@x>");
  lines.push_back(At(39500) + " mx1 postfix/10025/smtpd[9]: warning: idle again");
  Load(lines);

  auto tail = Trace({.message_id = "tail@x"});
  ASSERT_EQ(tail.size(), 1u);
  std::vector<std::string> want(lines.begin(), lines.begin() + 1);
  want.insert(want.end(), lines.begin() + 3, lines.begin() + 3 + 41);
  std::sort(want.begin(), want.end());
  std::vector<std::string> got = Raws(tail[0].other_lines);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);

  auto far = Trace({.message_id = "far@x"});
  ASSERT_EQ(far.size(), 1u);
  // Within [-2 h, +2 h) of the client= line: not the connect at -2.5 h.
  const std::vector<std::string> far_want = {
      At(32000) + " mx1 postfix/10025/smtpd[9]: warning: idle", lines.back()};
  got = Raws(far[0].other_lines);
  EXPECT_EQ(got, far_want);
}

TEST_F(TraceTest, NeedsAStartAndFindsNothingForUnknownIds) {
  EXPECT_FALSE(Tracer(store_.get()).Trace({}).ok());
  EXPECT_TRUE(Trace({.message_id = "nobody@nowhere"}).empty());
}

TEST(ExplainTest, KnownCodesAndTexts) {
  EXPECT_NE(Explain("5.7.26", "").find("DMARC"), std::string::npos);
  EXPECT_NE(Explain("4.4.1", "").find("No answer"), std::string::npos);
  EXPECT_NE(Explain("4.3.0", "alias database unavailable").find("postalias"), std::string::npos);
  EXPECT_NE(Explain("5.2.2", "mailbox full").find("full"), std::string::npos);
  EXPECT_NE(Explain("5.9.9", "").find("Permanent"), std::string::npos);
  EXPECT_EQ(Explain("", ""), "");
}

TEST_F(TraceTest, SaysSoWhenRetentionTookTheFirstHops) {
  Load(testing::ReadLines(testing::TestData("seeds/002_57e71bef38fd9a1d.log")));
  const TraceStart start{.message_id =
                             "<1406627814.5.1651732554479.JavaMail.zimbra@tudv3.tudv.xyz>"};
  auto full = Trace(start);
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0].expired_note, "");  // nothing deleted
  // Retention long before the message: its start is kept, no note.
  ASSERT_TRUE(store_->DeleteBefore(civil::UnixSeconds(2026, 1, 1, 0, 0, 0) * 1000000).ok());
  auto kept = Trace(start);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].expired_note, "");
  EXPECT_EQ(kept[0].hops.front().queue_id, "B141CE6BDD");
  // Retention took the submission's arrival (13:35:54): the trace says so.
  ASSERT_TRUE(store_->DeleteBefore(civil::UnixSeconds(2026, 5, 5, 13, 35, 55) * 1000000).ok());
  auto cut = Trace(start);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_NE(cut[0].expired_note.find("earlier hops may have expired"), std::string::npos)
      << cut[0].expired_note;
  EXPECT_NE(cut[0].expired_note.find("2026-05-05 13:35:55 UTC"), std::string::npos);
  for (const auto& hop : cut[0].hops) {
    for (const auto& line : hop.lines) {
      EXPECT_GE(line.record.timestamp_us, civil::UnixSeconds(2026, 5, 5, 13, 35, 55) * 1000000);
    }
  }
}

}  // namespace
}  // namespace mlq
