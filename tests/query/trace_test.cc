// Trace over the founding documents' flows (tests/data/seeds/), parsed by
// the real receiver, stored in a real store: every flow gets the verdict
// the documents describe.
#include <gtest/gtest.h>

#include <filesystem>

#include "query/explain.h"
#include "query/tracer.h"
#include "receiver/line_parser.h"
#include "receiver/normalizer.h"
#include "test_util.h"

namespace mlq {
namespace {

// 2026-11-22T12:00:00Z: the seeds' Jul/Aug/May/Feb lines are this year's,
// their Dec lines last year's.
constexpr int64_t kReceived = 1795348800LL * 1000000;

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open({.path = dir_.path(), .sync_writes = false});
    ASSERT_TRUE(s.ok());
    store_ = *std::move(s);
  }

  void Load(const std::vector<std::string>& lines, std::string_view default_host = "") {
    LineParser parser(&DefaultNormalizers(), &counters_);
    LineSource src;
    src.transport = Transport::kIngest;
    src.peer_host = std::string(default_host);
    std::vector<LogRecord> batch;
    for (const auto& l : lines) {
      if (!l.empty()) batch.push_back(parser.Parse(l, 0, src, kReceived));
    }
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  void LoadSeeds() {
    for (const auto& e : std::filesystem::directory_iterator(testing::TestData("seeds"))) {
      if (e.path().extension() == ".log") Load(testing::ReadLines(e.path().string()));
    }
  }

  std::vector<MessageTraceResult> Trace(TraceStart start) {
    auto r = Tracer(store_.get()).Trace(start);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<MessageTraceResult>{};
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

  testing::TempDir dir_;
  Counters counters_;
  std::unique_ptr<Store> store_;
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
  EXPECT_EQ(t.recipients.size(), 1u) << "the notice to the sender is not a recipient";
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

}  // namespace
}  // namespace mlq
