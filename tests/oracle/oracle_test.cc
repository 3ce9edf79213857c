// The oracle's rules on lines shaped like the and the corpus's.
#include "oracle/oracle.h"

#include <gtest/gtest.h>

#include "oracle/raw_line.h"

namespace mlq::oracle {
namespace {

// "address verdict" per row ("notice address verdict" for notices) of the
// message whose root is `qid`; "NOT COMPLETE" when it is not complete.
std::vector<std::string> Rows(const std::vector<std::string>& lines, const std::string& qid) {
  for (const Message& m : Derive(lines)) {
    if (m.qid != qid) continue;
    if (!m.complete) return {"NOT COMPLETE"};
    std::vector<std::string> out;
    for (const Row& r : m.rows) {
      out.push_back((r.notice ? "notice " : "") + r.address + " " + r.verdict);
    }
    return out;
  }
  return {"NO MESSAGE"};
}

using V = std::vector<std::string>;

TEST(RawLine, ReadsTheHeaderShapes) {
  auto a = ReadRawLine("Jul  7 09:06:15 mail postfix/qmgr[2502]: 4Ldr9z5ktdz3yFh: removed");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "mail");
  EXPECT_EQ(a->program, "postfix/qmgr");
  EXPECT_EQ(a->pid, "2502");
  EXPECT_EQ(a->msg, "4Ldr9z5ktdz3yFh: removed");
  auto b = ReadRawLine("<22>1 2026-12-06T10:15:00.123456+01:00 mx1 postfix/smtp 101 - - X: y");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "mx1");
  EXPECT_EQ(b->program, "postfix/smtp");
  EXPECT_EQ(b->pid, "101");
  EXPECT_EQ(b->msg, "X: y");
  auto c = ReadRawLine("2026-12-06T10:15:00.123456+01:00 mx1 postfix/smtp[7]: X: y");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "mx1");
  EXPECT_EQ(c->msg, "X: y");
  auto d = ReadRawLine("2020-02-22 01:02:05 [123] 1j5IF1-0006A7-Ub Completed");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->program, "exim");
  EXPECT_EQ(d->host, "");
  EXPECT_EQ(d->pid, "123");
  EXPECT_EQ(d->msg, "1j5IF1-0006A7-Ub Completed");
  EXPECT_FALSE(ReadRawLine("not a log line"));
}

TEST(PostfixOracle, BounceNoticeIsARowOfItsOwn) {
  V log = {
      "Dec  6 10:15:00 mx1 postfix/qmgr[104]: 1A2B3C4D5E: from=<bob@example.org>, size=1, nrcpt=1 "
      "(queue active)",
      "Dec  6 10:15:01 mx1 postfix/smtp[101]: 1A2B3C4D5E: to=<alice@example.net>, "
      "relay=mx.example.net[192.0.2.5]:25, delay=1, dsn=5.1.1, status=bounced (host said: 550 "
      "5.1.1 user unknown)",
      "Dec  6 10:15:01 mx1 postfix/bounce[102]: 1A2B3C4D5E: sender non-delivery notification: "
      "6F7A8B9C0D",
      "Dec  6 10:15:01 mx1 postfix/qmgr[104]: 1A2B3C4D5E: removed",
      "Dec  6 10:15:01 mx1 postfix/qmgr[104]: 6F7A8B9C0D: from=<>, size=3000, nrcpt=1 (queue "
      "active)",
      "Dec  6 10:15:02 mx1 postfix/smtp[105]: 6F7A8B9C0D: to=<bob@example.org>, relay=none, "
      "delay=0.3, dsn=4.4.1, status=deferred (connect to example.org: No route to host)",
  };
  // The notice is still deferred and its entry open: it is no row yet.
  EXPECT_EQ(Rows(log, "1A2B3C4D5E"), V({"alice@example.net bounced"}));
  log.push_back("Dec  6 10:16:02 mx1 postfix/qmgr[104]: 6F7A8B9C0D: removed");
  EXPECT_EQ(Rows(log, "1A2B3C4D5E"),
            V({"alice@example.net bounced", "notice bob@example.org deferred"}));
  // The notice is no message of its own.
  EXPECT_EQ(Rows(log, "6F7A8B9C0D"), V({"NO MESSAGE"}));
}

TEST(PostfixOracle, AliasTakesTheWorstOfItsExpansions) {
  V log = {
      "Dec  6 10:15:00 mx1 postfix/qmgr[1]: 2B3C4D5E6F: from=<x@example.com>, size=1, nrcpt=1 "
      "(queue active)",
      "Dec  6 10:15:00 mx1 postfix/local[201]: 2B3C4D5E6F: to=<root@mx1.example.org>, "
      "orig_to=<root>, relay=local, delay=0.04, dsn=2.0.0, status=sent (forwarded as 3C4D5E6F7A)",
      "Dec  6 10:15:00 mx1 postfix/qmgr[1]: 2B3C4D5E6F: removed",
      "Dec  6 10:15:00 mx1 postfix/qmgr[1]: 3C4D5E6F7A: from=<x@example.com>, size=1, nrcpt=2 "
      "(queue active)",
      "Dec  6 10:15:01 mx1 postfix/pipe[202]: 3C4D5E6F7A: to=<admin@example.org>, "
      "orig_to=<root@mx1.example.org>, relay=dovecot, delay=0.3, dsn=2.0.0, status=sent "
      "(delivered via dovecot service)",
      "Dec  6 10:15:01 mx1 postfix/smtp[203]: 3C4D5E6F7A: to=<ops@example.net>, "
      "orig_to=<root@mx1.example.org>, relay=none, delay=0.3, dsn=5.1.1, status=bounced (no)",
      "Dec  6 10:15:01 mx1 postfix/qmgr[1]: 3C4D5E6F7A: removed",
  };
  EXPECT_EQ(Rows(log, "2B3C4D5E6F"), V({"root@mx1.example.org bounced",
                                        "admin@example.org delivered", "ops@example.net bounced"}));
}

TEST(PostfixOracle, ContentFilterRequeueAndDiscard) {
  V log = {
      "Jul  7 09:06:15 mail postfix/qmgr[2502]: AAAA111111: from=<a@x.org>, size=1, nrcpt=2 "
      "(queue active)",
      "Jul  7 09:06:15 mail postfix/10025/smtpd[1]: BBBB222222: client=localhost[127.0.0.1]",
      "Jul  7 09:06:15 mail postfix/amavis/smtp[2]: AAAA111111: to=<b@y.org>, "
      "relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.0.0, status=sent (250 2.0.0 from "
      "MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as BBBB222222)",
      "Jul  7 09:06:15 mail postfix/amavis/smtp[2]: AAAA111111: to=<c@y.org>, "
      "relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.7.0, status=sent (250 2.7.0 Ok, "
      "discarded, id=1 - spam)",
      "Jul  7 09:06:15 mail postfix/qmgr[2502]: AAAA111111: removed",
      "Jul  7 09:06:15 mail postfix/qmgr[2502]: BBBB222222: from=<a@x.org>, size=1, nrcpt=1 "
      "(queue active)",
      "Jul  7 09:06:19 mail postfix/smtp[3]: BBBB222222: to=<b@y.org>, relay=mx.y.org[1.2.3.4]:25, "
      "delay=3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 0812D17DA34)",
  };
  EXPECT_EQ(Rows(log, "AAAA111111"), V({"b@y.org delivered", "c@y.org quarantined"}));
  // The filter's entry never ended: the message is not complete.
  log.pop_back();
  EXPECT_EQ(Rows(log, "AAAA111111"), V({"NOT COMPLETE"}));
}

TEST(PostfixOracle, ExpiredAndStillDeferred) {
  V log = {
      "Feb 25 15:37:32 s postfix/smtp[1]: A94DF404B38D: to=<s@t.net>, relay=none, delay=60, "
      "dsn=4.4.1, status=deferred (connect to t.net: Connection timed out)",
  };
  EXPECT_EQ(Rows(log, "A94DF404B38D"), V({"NOT COMPLETE"}));
  log.push_back(
      "Mar  1 15:37:32 s postfix/qmgr[2]: A94DF404B38D: from=<x@y.org>, status=expired, "
      "returned to sender");
  log.push_back("Mar  1 15:37:32 s postfix/qmgr[2]: A94DF404B38D: removed");
  EXPECT_EQ(Rows(log, "A94DF404B38D"), V({"s@t.net expired"}));
}

TEST(PostfixOracle, RepeatedAndCutCopiesAreReadOnce) {
  const std::string sent =
      "Feb 25 13:58:28 s postfix/local[3267]: 9C37E404B379: to=<root@s.org>, relay=local, "
      "delay=0.03, delays=0.01/0.02/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)";
  const std::string removed = "Feb 25 13:58:28 s postfix/qmgr[18556]: 9C37E404B379: removed";
  V log = {sent, removed, sent, removed, sent.substr(0, 120) + "$", removed};
  std::vector<Message> all = Derive(log);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(Rows(log, "9C37E404B379"), V({"root@s.org delivered"}));
}

TEST(EximOracle, DeliveriesFailuresAndTheBounce) {
  V log = {
      "2020-02-22 01:01:56 1j5IF1-0006A7-Ub <= root@e.net U=root P=local S=18235693",
      "2020-02-22 01:02:05 1j5IF1-0006A7-Ub => per@r.net <root@e.net> R=dnslookup T=remote_smtp",
      "2020-02-22 01:02:05 1j5IF1-0006A7-Ub ** bad@r.net R=dnslookup T=remote_smtp: 550 no",
      "2020-02-22 01:02:05 1j5IF2-0006A8-Ub <= <> R=1j5IF1-0006A7-Ub U=Debian-exim P=local S=1",
      "2020-02-22 01:02:05 1j5IF1-0006A7-Ub Completed",
      "2020-02-22 01:02:06 1j5IF2-0006A8-Ub => root@e.net R=local T=mail_spool",
      "2020-02-22 01:02:06 1j5IF2-0006A8-Ub Completed",
  };
  EXPECT_EQ(Rows(log, "1j5IF1-0006A7-Ub"),
            V({"per@r.net delivered", "bad@r.net bounced", "notice root@e.net delivered"}));
}

TEST(EximOracle, AnIdArrivingTwiceIsNotCompared) {
  V log = {
      "1999-03-02 09:44:33 10HmaX-0005vi-00 <= a@b U=CALLER P=local S=sss",
      "1999-03-02 09:44:33 10HmaX-0005vi-00 => c <c@d> R=localuser T=local_delivery",
      "1999-03-02 09:44:33 10HmaX-0005vi-00 Completed",
      "1999-03-02 09:44:33 10HmaX-0005vi-00 <= a@b U=CALLER P=local S=sss",
      "1999-03-02 09:44:33 10HmaX-0005vi-00 == c@d R=r T=t defer (-1): no",
      "1999-03-02 09:44:33 10HmaX-0005vi-00 Completed",
  };
  for (const Message& m : Derive(log)) EXPECT_FALSE(m.complete);
}

TEST(SendmailOracle, RecipientsNoticeAndHandOffToPostfix) {
  V log = {
      "Feb 26 12:27:16 s sendmail[6005]: 21QBRGdX006005: from=root, size=30, class=0, nrcpts=2, "
      "msgid=<1@s>, relay=root@localhost",
      "Feb 26 12:27:16 s postfix/smtpd[6006]: A3EF4405DD14: client=localhost[127.0.0.1]",
      "Feb 26 12:27:16 s postfix/qmgr[4652]: A3EF4405DD14: from=<root@s.org>, size=497, nrcpt=1 "
      "(queue active)",
      "Feb 26 12:27:16 s sendmail[6005]: 21QBRGdX006005: to=This, ctladdr=root (0/0), "
      "delay=00:00:00, mailer=relay, pri=180030, relay=[127.0.0.1] [127.0.0.1], dsn=5.1.1, "
      "stat=User unknown",
      "Feb 26 12:27:16 s sendmail[6005]: 21QBRGdX006005: to=a@gmail.com, ctladdr=root (0/0), "
      "delay=00:00:00, mailer=relay, pri=180030, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, "
      "stat=Sent (Ok: queued as A3EF4405DD14)",
      "Feb 26 12:27:16 s sendmail[6005]: 21QBRGdX006005: 21QBRGdY006005: DSN: User unknown",
      "Feb 26 12:27:16 s sendmail[6005]: 21QBRGdY006005: to=root, delay=00:00:00, mailer=local, "
      "pri=31054, dsn=2.0.0, stat=Sent",
      "Feb 26 12:27:18 s postfix/smtp[6010]: A3EF4405DD14: to=<a@gmail.com>, relay=g[1.2.3.4]:25, "
      "delay=2, dsn=5.7.26, status=bounced (550 5.7.26 unauthenticated)",
      "Feb 26 12:27:18 s postfix/qmgr[4652]: A3EF4405DD14: removed",
  };
  EXPECT_EQ(Rows(log, "21QBRGdX006005"),
            V({"this bounced", "a@gmail.com bounced", "notice root delivered"}));
}

}  // namespace
}  // namespace mlq::oracle
