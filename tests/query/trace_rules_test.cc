// Trace verdict rules that a naive reading of a log gets wrong (issue 15):
// the notice back to the sender is a row of its own with its own verdict,
// a forwarded alias takes its expansions' verdicts, and a Roundcube report
// of a pre-queue reject joins that reject. Table tests of made-up lines in
// the shapes real logs have, and real lines from tests/data/trace/.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "query/tracer.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "service_fixture.h"

namespace mlq {
namespace {

// 2026-12-06T12:00:00Z: "Dec  6" lines are today's, Jan/Feb lines this year's.
constexpr int64_t kReceived = 1796558400LL * 1000000;

class TraceRulesTest : public QueryServiceTest {
 protected:
  void Load(const std::vector<std::string>& lines) { LoadLines(lines, kReceived); }

  // The message's own recipient row (not a notice's).
  static const RecipientResult* Rcpt(const MessageTraceResult& t, std::string_view addr) {
    for (const auto& r : t.recipients) {
      if (r.address == addr && r.notice.empty()) return &r;
    }
    return nullptr;
  }
  static const RecipientResult* Notice(const MessageTraceResult& t) {
    for (const auto& r : t.recipients) {
      if (!r.notice.empty()) return &r;
    }
    return nullptr;
  }
  static std::string Dump(const MessageTraceResult& t) {
    std::string s = t.summary + "\n";
    for (const auto& r : t.recipients) {
      s += "  " + r.address + " " + r.verdict + " [" + r.notice + "|" + r.notice_for + "] " +
           r.host + "/" + r.queue_id + " " + r.explanation + "\n";
    }
    for (const auto& h : t.hops) s += "  hop " + h.host + "/" + h.queue_id + " " + h.role + "\n";
    return s;
  }
};

// The lines: alice bounced, the notice to bob (the sender) deferred.
const std::vector<std::string> kBounceAndNotice = {
    "Dec  6 10:15:00 mx1 postfix/qmgr[104]: 1A2B3C4D5E: from=<bob@example.org>, size=1200, "
    "nrcpt=1 (queue active)",
    "Dec  6 10:15:01 mx1 postfix/smtp[101]: 1A2B3C4D5E: to=<alice@example.net>, "
    "relay=mx.example.net[192.0.2.5]:25, delay=1, dsn=5.1.1, status=bounced (host "
    "mx.example.net[192.0.2.5] said: 550 5.1.1 <alice@example.net>: user unknown (in reply to "
    "RCPT TO command))",
    "Dec  6 10:15:01 mx1 postfix/cleanup[103]: 6F7A8B9C0D: "
    "message-id=<20261206101500.6F7A8B9C0D@mx1.example.org>",
    "Dec  6 10:15:01 mx1 postfix/bounce[102]: 1A2B3C4D5E: sender non-delivery notification: "
    "6F7A8B9C0D",
    "Dec  6 10:15:01 mx1 postfix/qmgr[104]: 1A2B3C4D5E: removed",
    "Dec  6 10:15:01 mx1 postfix/qmgr[104]: 6F7A8B9C0D: from=<>, size=3000, nrcpt=1 (queue "
    "active)",
    "Dec  6 10:15:02 mx1 postfix/smtp[105]: 6F7A8B9C0D: to=<bob@example.org>, relay=none, "
    "delay=0.3, dsn=4.4.1, status=deferred (connect to example.org[198.51.100.7]:25: No route "
    "to host)",
};

TEST_F(TraceRulesTest, NoticeToTheSenderIsItsOwnRowFromEveryStart) {
  Load(kBounceAndNotice);
  for (TraceStart start :
       {TraceStart{.queue_id = "6F7A8B9C0D"}, TraceStart{.queue_id = "1A2B3C4D5E"},
        TraceStart{.to = "alice@example.net"}, TraceStart{.to = "bob@example.org"}}) {
    auto traces = Trace(start);
    ASSERT_EQ(traces.size(), 1u) << start.queue_id << start.to;
    const auto& t = traces[0];
    ASSERT_EQ(t.hops.size(), 2u) << Dump(t);
    EXPECT_EQ(t.hops[0].queue_id, "1A2B3C4D5E");
    EXPECT_EQ(t.hops[1].role, "bounce");
    EXPECT_EQ(t.hops[0].next, (std::vector<std::string>{"mx1/6F7A8B9C0D"}));
    ASSERT_EQ(t.recipients.size(), 2u) << Dump(t);
    const auto* alice = Rcpt(t, "alice@example.net");
    ASSERT_NE(alice, nullptr) << Dump(t);
    EXPECT_EQ(alice->verdict, "bounced");
    const auto* notice = Notice(t);
    ASSERT_NE(notice, nullptr) << Dump(t);
    EXPECT_EQ(notice->address, "bob@example.org");
    EXPECT_EQ(notice->notice, "sender non-delivery");
    EXPECT_EQ(notice->notice_for, "mx1/1A2B3C4D5E");
    EXPECT_EQ(notice->verdict, "deferred");
    EXPECT_EQ(notice->queue_id, "6F7A8B9C0D");
    EXPECT_EQ(notice->dsn, "4.4.1");
    EXPECT_EQ(t.recipients.back().notice, "sender non-delivery") << "notices after recipients";
    EXPECT_NE(t.summary.find("1 recipient: 1 bounced"), std::string::npos) << t.summary;
    EXPECT_NE(t.summary.find("a non-delivery notice went back to the sender (deferred)"),
              std::string::npos)
        << t.summary;
  }
}

TEST_F(TraceRulesTest, NoticeVerdictFollowsItsLaterLines) {
  struct Case {
    std::string line;
    std::string verdict;
  };
  const std::vector<Case> cases = {
      {"Dec  6 11:15:02 mx1 postfix/smtp[105]: 6F7A8B9C0D: to=<bob@example.org>, "
       "relay=mx.example.org[198.51.100.7]:25, delay=3600, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
       "queued as 99AA)",
       "delivered"},
      {"Dec  6 11:15:02 mx1 postfix/smtp[105]: 6F7A8B9C0D: to=<bob@example.org>, "
       "relay=mx.example.org[198.51.100.7]:25, delay=3600, dsn=5.1.1, status=bounced (host "
       "mx.example.org[198.51.100.7] said: 550 5.1.1 no such user (in reply to RCPT TO command))",
       "bounced"},
      {"Dec 11 10:15:02 mx1 postfix/qmgr[104]: 6F7A8B9C0D: from=<>, status=expired, returned to "
       "sender",
       "expired"},
  };
  for (const Case& c : cases) {
    FreshStore();
    std::vector<std::string> lines = kBounceAndNotice;
    lines.push_back(c.line);
    Load(lines);
    auto traces = Trace({.queue_id = "6F7A8B9C0D"});
    ASSERT_EQ(traces.size(), 1u);
    const auto* notice = Notice(traces[0]);
    ASSERT_NE(notice, nullptr) << Dump(traces[0]);
    EXPECT_EQ(notice->verdict, c.verdict) << c.line << "\n" << Dump(traces[0]);
    EXPECT_EQ(Rcpt(traces[0], "alice@example.net")->verdict, "bounced");
  }
}

TEST_F(TraceRulesTest, DelayAndPostmasterNoticesAreMarkedSo) {
  Load(
      {"Dec  6 10:00:00 mx1 postfix/qmgr[4]: 264FE1A18: from=<carol@example.org>, size=9, "
       "nrcpt=1 (queue active)",
       "Dec  6 10:00:01 mx1 postfix/smtp[5]: 264FE1A18: to=<dave@example.net>, relay=none, "
       "delay=14400, dsn=4.4.1, status=deferred (connect to example.net[192.0.2.9]:25: "
       "Connection timed out)",
       "Dec  6 10:00:01 mx1 postfix/cleanup[6]: 0A87A1A08: message-id=<d@mx1>",
       "Dec  6 10:00:01 mx1 postfix/bounce[7]: 264FE1A18: sender delay notification: 0A87A1A08",
       "Dec  6 10:00:01 mx1 postfix/qmgr[4]: 0A87A1A08: from=<>, size=900, nrcpt=1 (queue "
       "active)",
       "Dec  6 10:00:02 mx1 postfix/local[8]: 0A87A1A08: to=<carol@example.org>, relay=local, "
       "delay=0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
       "Dec  6 10:00:02 mx1 postfix/qmgr[4]: 0A87A1A08: removed",
       "Dec  6 10:30:00 mx1 postfix/qmgr[4]: 482E4404AC8: from=<eve@example.org>, size=9, "
       "nrcpt=1 (queue active)",
       "Dec  6 10:30:01 mx1 postfix/smtp[5]: 482E4404AC8: to=<frank@example.net>, relay=none, "
       "delay=1, dsn=5.4.4, status=bounced (Host or domain name not found)",
       "Dec  6 10:30:01 mx1 postfix/bounce[7]: 482E4404AC8: postmaster non-delivery "
       "notification: 47335405A44",
       "Dec  6 10:30:01 mx1 postfix/cleanup[6]: 47335405A44: message-id=<p@mx1>"});
  auto delay = Trace({.queue_id = "264FE1A18"});
  ASSERT_EQ(delay.size(), 1u);
  EXPECT_EQ(Rcpt(delay[0], "dave@example.net")->verdict, "deferred");
  const auto* n = Notice(delay[0]);
  ASSERT_NE(n, nullptr) << Dump(delay[0]);
  EXPECT_EQ(n->notice, "sender delay");
  EXPECT_EQ(n->address, "carol@example.org");
  EXPECT_EQ(n->verdict, "delivered");
  EXPECT_EQ(n->where, "mailbox (local)");
  EXPECT_EQ(Rcpt(delay[0], "carol@example.org"), nullptr) << "the sender is no recipient";

  // A notice with only its cleanup line: a row for its recipient (the
  // postmaster here; the message's sender for a sender notice), queued.
  auto pm = Trace({.queue_id = "47335405A44"});
  ASSERT_EQ(pm.size(), 1u);
  const auto* p = Notice(pm[0]);
  ASSERT_NE(p, nullptr) << Dump(pm[0]);
  EXPECT_EQ(p->notice, "postmaster non-delivery");
  EXPECT_EQ(p->notice_for, "mx1/482E4404AC8");
  EXPECT_EQ(p->address, "postmaster");
  EXPECT_EQ(p->verdict, "queued");
}

TEST_F(TraceRulesTest, RealDeliveryStatusNoticeDeliveredToRoot) {
  Load(testing::ReadLines(testing::TestData("trace/infohtreasure-dsn-notice.log")));
  for (const char* qid : {"AE11A4011B7B", "9C37E404B379"}) {
    auto traces = Trace({.queue_id = qid});
    ASSERT_EQ(traces.size(), 1u);
    const auto& t = traces[0];
    ASSERT_EQ(t.recipients.size(), 2u) << Dump(t);
    EXPECT_EQ(Rcpt(t, "info.htreasure@gmail.com")->verdict, "delivered");
    const auto* n = Notice(t);
    ASSERT_NE(n, nullptr) << Dump(t);
    EXPECT_EQ(n->address, "root@server1.alsoft.org");
    EXPECT_EQ(n->notice, "sender delivery status");
    EXPECT_EQ(n->notice_for, "server1/AE11A4011B7B");
    EXPECT_EQ(n->verdict, "delivered");
  }
}

TEST_F(TraceRulesTest, ForwardedAliasTakesItsExpansionsVerdict) {
  Load(
      {"Dec  6 10:20:00 mx1 postfix/local[201]: 2B3C4D5E6F: to=<root@mx1.example.org>, "
       "orig_to=<root>, relay=local, delay=0.04, dsn=2.0.0, status=sent (forwarded as "
       "3C4D5E6F7A)",
       "Dec  6 10:20:00 mx1 postfix/pipe[202]: 3C4D5E6F7A: to=<admin@example.org>, "
       "orig_to=<root@mx1.example.org>, relay=dovecot, delay=0.3, dsn=2.0.0, status=sent "
       "(delivered via dovecot service)"});
  auto traces = Trace({.queue_id = "2B3C4D5E6F"});
  ASSERT_EQ(traces.size(), 1u);
  const auto* root = Rcpt(traces[0], "root@mx1.example.org");
  ASSERT_NE(root, nullptr) << Dump(traces[0]);
  EXPECT_EQ(root->verdict, "delivered") << Dump(traces[0]);
  EXPECT_EQ(root->expanded_to, (std::vector<std::string>{"admin@example.org"}));
  EXPECT_EQ(root->queue_id, "3C4D5E6F7A");
  EXPECT_EQ(root->where, "forwarded to admin@example.org");
  EXPECT_NE(root->explanation.find("forwarded as 3C4D5E6F7A"), std::string::npos);
  EXPECT_EQ(Rcpt(traces[0], "admin@example.org")->verdict, "delivered");
}

// root forwarded as F1; F1 through amavis (re-queued as F2); F2 to three
// addresses. The alias's verdict for each mix of its expansions' verdicts.
TEST_F(TraceRulesTest, AliasExpandedToSeveralAddressesAfterAmavis) {
  auto delivery = [](const std::string& to, const std::string& status, const std::string& dsn) {
    return "Dec  6 10:21:05 mx1 postfix/smtp[304]: 5F1A2B3C4D: to=<" + to +
           ">, relay=mx.example.net[192.0.2.5]:25, delay=1, dsn=" + dsn + ", status=" + status +
           " (" + (status == "sent" ? "250 2.0.0 Ok" : dsn + " said no") + ")";
  };
  struct Case {
    std::vector<std::string> statuses;  // for a@, b@, c@
    std::string verdict;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"sent", "sent", "sent"}, "delivered", "to 3 addresses, all delivered."},
      {{"sent", "bounced", "sent"},
       "bounced",
       "bounced for 1 of 3 (b@example.net); delivered to 2 of 3."},
      {{"deferred", "sent", "sent"}, "deferred", "deferred for 1 of 3 (a@example.net)"},
      {{"deferred", "bounced", "sent"}, "bounced", "bounced for 1 of 3 (b@example.net); deferred"},
  };
  for (const Case& c : cases) {
    FreshStore();
    std::vector<std::string> lines = {
        "Dec  6 10:21:00 mx1 postfix/local[301]: 4E0A1B2C3D: to=<root@mx1.example.org>, "
        "orig_to=<root>, relay=local, delay=0.04, dsn=2.0.0, status=sent (forwarded as "
        "4E1A2B3C4D)",
        "Dec  6 10:21:00 mx1 postfix/qmgr[302]: 4E0A1B2C3D: removed",
        "Dec  6 10:21:00 mx1 postfix/cleanup[303]: 4E1A2B3C4D: message-id=<fw@mx1>",
        "Dec  6 10:21:00 mx1 postfix/qmgr[302]: 4E1A2B3C4D: from=<bob@example.org>, size=9, "
        "nrcpt=3 (queue active)",
    };
    for (const char* to : {"a@example.net", "b@example.net", "c@example.net"}) {
      lines.push_back(std::string("Dec  6 10:21:02 mx1 postfix/smtp[305]: 4E1A2B3C4D: to=<") + to +
                      ">, orig_to=<root@mx1.example.org>, relay=127.0.0.1[127.0.0.1]:10024, "
                      "delay=2, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:"
                      "10025): 250 2.0.0 Ok: queued as 5F1A2B3C4D)");
    }
    lines.push_back("Dec  6 10:21:02 mx1 postfix/qmgr[302]: 4E1A2B3C4D: removed");
    lines.push_back(
        "Dec  6 10:21:02 mx1 postfix/10025/smtpd[306]: 5F1A2B3C4D: client=localhost[127.0.0.1]");
    lines.push_back("Dec  6 10:21:02 mx1 postfix/cleanup[303]: 5F1A2B3C4D: message-id=<fw@mx1>");
    const char* to[] = {"a@example.net", "b@example.net", "c@example.net"};
    for (int i = 0; i < 3; ++i) {
      const std::string& st = c.statuses[i];
      lines.push_back(delivery(to[i], st,
                               st == "sent"      ? "2.0.0"
                               : st == "bounced" ? "5.1.1"
                                                 : "4.4.1"));
    }
    Load(lines);
    for (const char* qid : {"4E0A1B2C3D", "5F1A2B3C4D"}) {
      auto traces = Trace({.queue_id = qid});
      ASSERT_EQ(traces.size(), 1u);
      const auto* root = Rcpt(traces[0], "root@mx1.example.org");
      ASSERT_NE(root, nullptr) << Dump(traces[0]);
      EXPECT_EQ(root->verdict, c.verdict) << Dump(traces[0]);
      EXPECT_NE(root->explanation.find(c.says), std::string::npos) << root->explanation;
      EXPECT_EQ(root->expanded_to,
                (std::vector<std::string>{"a@example.net", "b@example.net", "c@example.net"}));
      EXPECT_EQ(root->queue_id, "5F1A2B3C4D");
    }
  }
}

TEST_F(TraceRulesTest, TwoAliasesForwardedIntoOneEntryKeepTheirOwnExpansions) {
  Load(
      {"Dec  6 10:22:00 mx1 postfix/local[1]: 6A0A1B2C3D: to=<root@mx1>, relay=local, "
       "delay=0.1, dsn=2.0.0, status=sent (forwarded as 6B0A1B2C3D)",
       "Dec  6 10:22:00 mx1 postfix/local[1]: 6A0A1B2C3D: to=<abuse@mx1>, relay=local, "
       "delay=0.1, dsn=2.0.0, status=sent (forwarded as 6B0A1B2C3D)",
       "Dec  6 10:22:01 mx1 postfix/smtp[2]: 6B0A1B2C3D: to=<ops@example.net>, "
       "orig_to=<root@mx1>, relay=mx[192.0.2.5]:25, delay=1, dsn=2.0.0, status=sent (250 ok)",
       "Dec  6 10:22:01 mx1 postfix/smtp[2]: 6B0A1B2C3D: to=<sec@example.net>, "
       "orig_to=<abuse@mx1>, relay=mx[192.0.2.5]:25, delay=1, dsn=5.1.1, status=bounced (550 "
       "no)"});
  auto traces = Trace({.queue_id = "6A0A1B2C3D"});
  ASSERT_EQ(traces.size(), 1u);
  const auto* root = Rcpt(traces[0], "root@mx1");
  const auto* abuse = Rcpt(traces[0], "abuse@mx1");
  ASSERT_TRUE(root != nullptr && abuse != nullptr) << Dump(traces[0]);
  EXPECT_EQ(root->verdict, "delivered");
  EXPECT_EQ(root->expanded_to, (std::vector<std::string>{"ops@example.net"}));
  EXPECT_EQ(abuse->verdict, "bounced");
  EXPECT_EQ(abuse->expanded_to, (std::vector<std::string>{"sec@example.net"}));
}

TEST_F(TraceRulesTest, RealAliasForwardAfterAmavisDelivered) {
  Load(testing::ReadLines(testing::TestData("trace/iredmail-156-alias-forward.log")));
  for (const char* qid : {"4JhJXC248TzgB0", "4JhJXC5ZqLzgB7"}) {
    auto traces = Trace({.queue_id = qid});
    ASSERT_EQ(traces.size(), 1u);
    const auto& t = traces[0];
    const auto* root = Rcpt(t, "root@Pixel-games.inovaperf.fr");
    ASSERT_NE(root, nullptr) << Dump(t);
    EXPECT_EQ(root->verdict, "delivered") << Dump(t);
    EXPECT_EQ(root->expanded_to, (std::vector<std::string>{"postmaster@mail.pixel-games.ovh"}));
    EXPECT_EQ(root->queue_id, "4JhJXC5ZqLzgB7");
    for (const auto& r : t.recipients) EXPECT_NE(r.verdict, "unknown") << Dump(t);
  }
}

TEST_F(TraceRulesTest, RoundcubeReportJoinsItsPrequeueReject) {
  const std::string reject =
      "Dec  6 14:30:37 mail postfix/submission/smtpd[61]: NOQUEUE: reject: RCPT from "
      "mail.example.org[127.0.0.1]: 554 5.7.1 <q@example.net>: Recipient address rejected: "
      "Blacklisted; from=<t@example.org> to=<q@example.net> proto=ESMTP helo=<localhost>";
  const std::string report =
      "Dec  6 14:30:37 mail roundcube: <v5k60u4i> SMTP Error: Failed to add recipient "
      "'q@example.net'. 5.7.1 <q@example.net>: Recipient address rejected: Blacklisted (Code: "
      "554) in /opt/www/roundcube/program/lib/Roundcube/rcube.php on line 1702 (POST "
      "/mail/?_task=mail&_action=send)";
  // Not the same event: another host, another recipient, another minute.
  const std::string other_host =
      "Dec  6 14:30:37 web2 roundcube: <aa> SMTP Error: Failed to add recipient "
      "'q@example.net'. 5.7.1 <q@example.net>: Recipient address rejected: Blacklisted (Code: "
      "554)";
  const std::string other_rcpt =
      "Dec  6 14:30:37 mail roundcube: <bb> SMTP Error: Failed to add recipient "
      "'r@example.net'. 5.7.1 <r@example.net>: Recipient address rejected: Blacklisted (Code: "
      "554)";
  const std::string later =
      "Dec  6 14:31:40 mail roundcube: <cc> SMTP Error: Failed to add recipient "
      "'q@example.net'. 5.7.1 <q@example.net>: Recipient address rejected: Blacklisted (Code: "
      "554)";
  Load({reject, report, other_host, other_rcpt, later});
  auto traces = Trace({.to = "q@example.net", .max_messages = 10});
  // The reject with its report; then the two reports that have no reject.
  ASSERT_EQ(traces.size(), 3u) << Dump(traces[0]);
  const auto& t = traces[0];
  const auto* q = Rcpt(t, "q@example.net");
  ASSERT_NE(q, nullptr) << Dump(t);
  EXPECT_EQ(q->verdict, "rejected");
  std::vector<std::string> raws;
  for (const auto& l : t.other_lines) raws.push_back(l.record.raw);
  std::sort(raws.begin(), raws.end());
  std::vector<std::string> want = {reject, report};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(raws, want);
  // Starting from the report finds the reject too.
  ASSERT_EQ(traces[1].other_lines.size(), 1u);
  ASSERT_EQ(traces[2].other_lines.size(), 1u);
  EXPECT_EQ(traces[1].other_lines[0].record.raw, other_host);
  EXPECT_EQ(traces[2].other_lines[0].record.raw, later);
}

// seeds/002 of the shared corpus: amavis's summary names the recipient with
// a space inside the address ("<ad min@...>", a wrapped line); Postfix's own
// lines name admin@. One row, delivered, shown as Postfix names it.
TEST_F(TraceRulesTest, SpaceInsideAnAddressNamesTheSameRecipient) {
  Load({
      "Dec  6 13:38:09 mail postfix/qmgr[900]: 5E5E5E5E5E: from=<s@gmail.com>, size=3463, "
      "nrcpt=1 (queue active)",
      "Dec  6 13:38:10 mail amavis[4082]: (04082-01) Passed CLEAN {RelayedInbound}, "
      "[209.85.222.51]:39854 [209.85.222.51] <s@gmail.com> -> <ad min@tudv3.example.xyz>, "
      "Queue-ID: 5E5E5E5E5E, Message-ID: <m1@mail.gmail.com>, mail_id: fbSD2R7xnBN Z, Hits: "
      "-0.549, size: 3463, queued_as: 6F6F6F6F6F, 764 ms",
      "Dec  6 13:38:10 mail postfix/smtp[901]: 5E5E5E5E5E: to=<admin@tudv3.example.xyz>, "
      "relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.0.0, status=sent (250 2.0.0 from "
      "MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 6F6F6F6F6F)",
      "Dec  6 13:38:10 mail postfix/qmgr[900]: 5E5E5E5E5E: removed",
      "Dec  6 13:38:10 mail postfix/qmgr[900]: 6F6F6F6F6F: from=<s@gmail.com>, size=4000, "
      "nrcpt=1 (queue active)",
      "Dec  6 13:38:11 mail postfix/virtual[902]: 6F6F6F6F6F: to=<admin@tudv3.example.xyz>, "
      "relay=virtual, delay=0.1, dsn=2.0.0, status=sent (delivered to maildir)",
      "Dec  6 13:38:11 mail postfix/qmgr[900]: 6F6F6F6F6F: removed",
  });
  auto traces = Trace({.queue_id = "5E5E5E5E5E", .host = "mail", .max_messages = 20});
  ASSERT_EQ(traces.size(), 1u);
  const auto& t = traces[0];
  ASSERT_EQ(t.recipients.size(), 1u) << Dump(t);
  EXPECT_EQ(t.recipients[0].address, "admin@tudv3.example.xyz") << Dump(t);
  EXPECT_EQ(t.recipients[0].verdict, "delivered") << Dump(t);
}

}  // namespace
}  // namespace mlq
