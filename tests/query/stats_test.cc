// The Stats report: StatsBuilder over records that the real receiver made
// from real-shaped Postfix, amavis, Dovecot and Exim lines; reason
// normalization; the RPC over a real store.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "query/reasons.h"
#include "query/service.h"
#include "query/stats_builder.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kHour = 3600 * kSecond;
// 2026-11-22T12:00:00Z: the lines below ("Nov 22 10:00:01", zone-less) are
// read as UTC on that day.
constexpr int64_t kReceived = 1795348800LL * kSecond;
constexpr int64_t kTen = kReceived - 2 * kHour;  // 2026-11-22T10:00:00Z
constexpr int64_t kEleven = kReceived - kHour;

std::vector<LogRecord> Parse(const std::vector<std::string>& lines) {
  static Counters counters;
  LineParser parser(&ReportNormalizers(), &counters);
  LineSource src;
  src.transport = Transport::kTcp;
  src.utc_offset_s = 0;
  std::vector<LogRecord> out;
  for (const std::string& l : lines) out.push_back(parser.Parse(l, 0, src, kReceived));
  return out;
}

// A day of two mail servers. mx1: inbound through amavis (re-queued),
// outbound deferred then sent (qmgr logs the queued line again at the
// retry), a bounce with its non-delivery notice, NOQUEUE rejects, a
// milter-reject, SASL and Dovecot auth failures, an expiry, and a queue ID
// reused after "removed". mx2: a virus blocked by amavis (the hand-off is not
// a delivery), a greylisted deferral still queued, an Exim message.
const std::vector<std::string> kDay = {
    // -- mx1, A: inbound, amavis re-queues 1A1A1A1A1A as 2B2B2B2B2B.
    "Nov 22 10:00:01 mx1 postfix/smtpd[100]: 1A1A1A1A1A: client=mail.sender.example[198.51.100.7]",
    "Nov 22 10:00:01 mx1 postfix/cleanup[101]: 1A1A1A1A1A: message-id=<a1@sender.example>",
    "Nov 22 10:00:01 mx1 postfix/qmgr[102]: 1A1A1A1A1A: from=<Alice@Sender.Example>, size=1000, "
    "nrcpt=1 (queue active)",
    "Nov 22 10:00:02 mx1 postfix/10025/smtpd[103]: 2B2B2B2B2B: client=localhost[127.0.0.1]",
    "Nov 22 10:00:02 mx1 postfix/cleanup[101]: 2B2B2B2B2B: message-id=<a1@sender.example>",
    "Nov 22 10:00:02 mx1 postfix/qmgr[102]: 2B2B2B2B2B: from=<Alice@Sender.Example>, size=1500, "
    "nrcpt=1 (queue active)",
    "Nov 22 10:00:02 mx1 amavis[200]: (00200-01) Passed CLEAN {RelayedInbound}, "
    "[198.51.100.7]:4321 [198.51.100.7] <Alice@Sender.Example> -> <bob@example.com>, Queue-ID: "
    "1A1A1A1A1A, Message-ID: <a1@sender.example>, mail_id: abcdefABCDEF, Hits: -1.0, size: 1000, "
    "queued_as: 2B2B2B2B2B, 850 ms",
    "Nov 22 10:00:02 mx1 postfix/smtp[104]: 1A1A1A1A1A: to=<bob@example.com>, "
    "relay=127.0.0.1[127.0.0.1]:10024, delay=1.1, delays=0.1/0/0/1, dsn=2.0.0, status=sent (250 "
    "2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 2B2B2B2B2B)",
    "Nov 22 10:00:02 mx1 postfix/qmgr[102]: 1A1A1A1A1A: removed",
    "Nov 22 10:00:03 mx1 postfix/lmtp[105]: 2B2B2B2B2B: to=<bob@example.com>, "
    "relay=mx1.example.com[private/dovecot-lmtp], delay=0.2, delays=0/0/0/0.2, dsn=2.0.0, "
    "status=sent (250 2.0.0 <bob@example.com> nXxYzAbCdEf Saved)",
    "Nov 22 10:00:03 mx1 postfix/qmgr[102]: 2B2B2B2B2B: removed",
    // -- mx1, B: outbound, one recipient deferred then sent an hour later.
    "Nov 22 10:05:00 mx1 postfix/submission/smtpd[110]: 3C3C3C3C3C: client=unknown[203.0.113.5], "
    "sasl_method=PLAIN, sasl_username=carol@example.com",
    "Nov 22 10:05:00 mx1 postfix/cleanup[101]: 3C3C3C3C3C: message-id=<c1@example.com>",
    "Nov 22 10:05:00 mx1 postfix/qmgr[102]: 3C3C3C3C3C: from=<carol@example.com>, size=2000, "
    "nrcpt=2 (queue active)",
    "Nov 22 10:05:31 mx1 postfix/smtp[111]: 3C3C3C3C3C: to=<dave@remote.example>, relay=none, "
    "delay=31, delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to "
    "mx.remote.example[192.0.2.10]:25: Connection timed out)",
    "Nov 22 10:05:32 mx1 postfix/smtp[112]: 3C3C3C3C3C: to=<erin@other.example>, "
    "relay=mx.other.example[192.0.2.20]:25, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent "
    "(250 2.0.0 Ok: queued as 9XY)",
    "Nov 22 11:10:00 mx1 postfix/qmgr[102]: 3C3C3C3C3C: from=<carol@example.com>, size=2000, "
    "nrcpt=2 (queue active)",
    "Nov 22 11:10:05 mx1 postfix/smtp[113]: 3C3C3C3C3C: to=<dave@remote.example>, "
    "relay=mx.remote.example[192.0.2.10]:25, delay=3905, delays=3900/0/1/4, dsn=2.0.0, "
    "status=sent (250 ok)",
    "Nov 22 11:10:05 mx1 postfix/qmgr[102]: 3C3C3C3C3C: removed",
    // -- mx1, C: a bounce and its notice to the sender (null sender, delivered locally).
    "Nov 22 10:20:00 mx1 postfix/pickup[120]: 4D4D4D4D4D: uid=1000 from=<carol>",
    "Nov 22 10:20:00 mx1 postfix/cleanup[101]: 4D4D4D4D4D: message-id=<d1@example.com>",
    "Nov 22 10:20:00 mx1 postfix/qmgr[102]: 4D4D4D4D4D: from=<carol@example.com>, size=900, "
    "nrcpt=1 (queue active)",
    "Nov 22 10:20:01 mx1 postfix/smtp[121]: 4D4D4D4D4D: to=<nobody@remote.example>, "
    "relay=mx.remote.example[192.0.2.10]:25, delay=1.5, delays=0.1/0/0.4/1, dsn=5.1.1, "
    "status=bounced (host mx.remote.example[192.0.2.10] said: 550 5.1.1 <nobody@remote.example>... "
    "User unknown (in reply to RCPT TO command))",
    "Nov 22 10:20:01 mx1 postfix/cleanup[101]: 5E5E5E5E5E: "
    "message-id=<20261122102001.5E5E5E5E5E@mx1.example.com>",
    "Nov 22 10:20:01 mx1 postfix/bounce[122]: 4D4D4D4D4D: sender non-delivery notification: "
    "5E5E5E5E5E",
    "Nov 22 10:20:01 mx1 postfix/qmgr[102]: 5E5E5E5E5E: from=<>, size=3000, nrcpt=1 (queue "
    "active)",
    "Nov 22 10:20:01 mx1 postfix/qmgr[102]: 4D4D4D4D4D: removed",
    "Nov 22 10:20:02 mx1 postfix/local[123]: 5E5E5E5E5E: to=<carol@example.com>, relay=local, "
    "delay=0.5, delays=0/0/0/0.5, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 22 10:20:02 mx1 postfix/qmgr[102]: 5E5E5E5E5E: removed",
    // -- mx1, D: rejects before queueing, and a milter reject at end of data.
    "Nov 22 10:30:00 mx1 postfix/smtpd[130]: NOQUEUE: reject: RCPT from "
    "unknown[198.51.100.99]: 450 4.7.1 Client host rejected: cannot find your hostname, "
    "[198.51.100.99]; from=<spam@bad.example> to=<bob@example.com> proto=ESMTP helo=<bad>",
    "Nov 22 10:30:01 mx1 postfix/smtpd[130]: NOQUEUE: reject: RCPT from "
    "unknown[198.51.100.98]: 554 5.7.1 Service unavailable; Client host [198.51.100.98] blocked "
    "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.98; "
    "from=<x@bad.example> to=<bob@example.com> proto=ESMTP helo=<bad>",
    "Nov 22 10:30:02 mx1 postfix/smtpd[130]: NOQUEUE: reject: RCPT from "
    "unknown[198.51.100.97]: 554 5.7.1 Service unavailable; Client host [198.51.100.97] blocked "
    "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.97; "
    "from=<y@bad.example> to=<carol@example.com> proto=ESMTP helo=<bad>",
    "Nov 22 10:30:03 mx1 postfix/submission/smtpd[131]: NOQUEUE: reject: RCPT from "
    "mail.truongvh.com[127.0.0.1]: 554 5.7.1 <truongvh@vccloud.vn>: Recipient address rejected: "
    "Blacklisted; from=<truongvh1@truongvh.com> to=<truongvh@vccloud.vn> proto=ESMTP "
    "helo=<mail.truongvh.com>",
    "Nov 22 10:31:00 mx1 postfix/cleanup[101]: 6F6F6F6F6F: milter-reject: END-OF-MESSAGE from "
    "unknown[198.51.100.96]: 5.7.1 Spam message rejected; from=<z@bad.example> "
    "to=<bob@example.com> proto=ESMTP helo=<bad>",
    // -- mx1, F: authentication failures (Postfix SASL and Dovecot).
    "Nov 22 10:40:00 mx1 postfix/submission/smtpd[140]: warning: unknown[203.0.113.66]: SASL "
    "LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin",
    "Nov 22 10:40:05 mx1 postfix/submission/smtpd[140]: warning: unknown[203.0.113.66]: SASL "
    "PLAIN authentication failed: authentication failure, sasl_username=admin",
    "Nov 22 10:41:00 mx1 postfix/submission/smtpd[141]: warning: unknown[203.0.113.67]: SASL "
    "LOGIN authentication failed: UGFzc3dvcmQ6",
    "Nov 22 10:42:00 mx1 dovecot: imap-login: Disconnected (auth failed, 1 attempts): "
    "user=<admin>, method=PLAIN, rip=203.0.113.66, lip=10.0.0.1, TLS, session=<abc001>",
    // -- mx1, G: an old message expires (its queued line is before the range).
    "Nov 22 10:50:00 mx1 postfix/qmgr[102]: 7A7A7A7A7A: from=<old@example.com>, status=expired, "
    "returned to sender",
    "Nov 22 10:50:00 mx1 postfix/qmgr[102]: 7A7A7A7A7A: removed",
    // -- mx1: queue ID 1A1A1A1A1A reused: a new message.
    "Nov 22 11:20:00 mx1 postfix/qmgr[102]: 1A1A1A1A1A: from=<henry@example.org>, size=100, "
    "nrcpt=1 (queue active)",
    "Nov 22 11:20:01 mx1 postfix/local[123]: 1A1A1A1A1A: to=<root@mx1.example.com>, "
    "relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 22 11:20:01 mx1 postfix/qmgr[102]: 1A1A1A1A1A: removed",
    // -- mx2, H: a virus: amavis blocks it, the hand-off to amavis is no delivery.
    "Nov 22 11:00:00 mx2 postfix/smtpd[300]: 8B8B8B8B8B: client=mail.evil.example[198.51.100.50]",
    "Nov 22 11:00:00 mx2 postfix/qmgr[302]: 8B8B8B8B8B: from=<evil@evil.example>, size=5000, "
    "nrcpt=1 (queue active)",
    "Nov 22 11:00:01 mx2 amavis[400]: (00400-01) Blocked INFECTED (Eicar-Signature) "
    "{DiscardedInbound,Quarantined}, [198.51.100.50]:1234 [198.51.100.50] <evil@evil.example> -> "
    "<bob@example.com>, Queue-ID: 8B8B8B8B8B, Message-ID: <e1@evil.example>, mail_id: "
    "zzzzzzzzzzzz, Hits: -, size: 5000, 120 ms",
    "Nov 22 11:00:01 mx2 postfix/smtp[303]: 8B8B8B8B8B: to=<bob@example.com>, "
    "relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.7.0, status=sent (250 "
    "2.7.0 Ok, discarded, id=00400-01 - INFECTED: Eicar-Signature)",
    "Nov 22 11:00:01 mx2 postfix/qmgr[302]: 8B8B8B8B8B: removed",
    // -- mx2: greylisted, still in the queue at the end of the range.
    "Nov 22 11:10:00 mx2 postfix/qmgr[302]: 9C9C9C9C9C: from=<frank@example.net>, size=700, "
    "nrcpt=1 (queue active)",
    "Nov 22 11:10:01 mx2 postfix/smtp[304]: 9C9C9C9C9C: to=<gina@grey.example>, "
    "relay=mx.grey.example[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.2.0, "
    "status=deferred (host mx.grey.example[192.0.2.30] said: 450 4.2.0 <gina@grey.example>: "
    "Recipient address rejected: Greylisted, see "
    "http://postgrey.schweikert.ch/help/grey.example.html (in reply to RCPT TO command))",
    // -- mx2: an Exim message, arrival, delivery, completion.
    "Nov 22 11:30:00 mx2 exim[500]: 1qAbcD-0001Xy-Zz <= ivan@Exim.Example H=mail.exim.example "
    "[192.0.2.40]:4000 P=esmtps S=1234 id=x1@exim.example",
    "Nov 22 11:30:01 mx2 exim[501]: 1qAbcD-0001Xy-Zz => judy@example.com R=local_user "
    "T=mail_spool QT=1s",
    "Nov 22 11:30:01 mx2 exim[501]: 1qAbcD-0001Xy-Zz Completed",
};

// The line's normalization is what the test relies on.
TEST(StatsInputTest, TheLinesNormalizeAsExpected) {
  std::map<std::string, int> events;
  for (const LogRecord& r : Parse(kDay)) {
    events[r.family + "/" + r.event + "/" + r.status]++;
    EXPECT_GE(r.timestamp_us, kTen) << r.raw;
    EXPECT_LT(r.timestamp_us, kReceived) << r.raw;
  }
  EXPECT_EQ(events["postfix/queued/"], 9);
  EXPECT_EQ(events["postfix/delivery/sent"], 7);
  EXPECT_EQ(events["postfix/delivery/deferred"], 2);
  EXPECT_EQ(events["postfix/delivery/bounced"], 1);
  EXPECT_EQ(events["postfix/reject/reject"], 4);
  EXPECT_EQ(events["postfix/milter-reject/milter-reject"], 1);
  EXPECT_EQ(events["postfix/auth-failure/"], 3);
  EXPECT_EQ(events["dovecot/auth-failure/"], 1);
  EXPECT_EQ(events["postfix/expired/expired"], 1);
  EXPECT_EQ(events["amavis/filter-result/passed"], 1);
  EXPECT_EQ(events["amavis/filter-result/blocked"], 1);
  EXPECT_EQ(events["exim/queued/"], 1);
  EXPECT_EQ(events["exim/delivery/sent"], 1);
  EXPECT_EQ(events["exim/removed/"], 1);
}

// The builder over `records` in time order, as a store scan gives them.
v1::StatsResponse Build(std::vector<LogRecord> records, StatsOptions o) {
  std::stable_sort(records.begin(), records.end(), [](const LogRecord& a, const LogRecord& b) {
    return a.timestamp_us < b.timestamp_us;
  });
  StatsBuilder b(std::move(o));
  for (const LogRecord& r : records) b.Add(r);
  return b.Finish();
}

StatsOptions DayOptions() {
  StatsOptions o;
  o.since_us = kTen;
  o.until_us = kReceived;
  return o;
}

// (key, count) pairs of a top list.
std::vector<std::pair<std::string, uint64_t>> Pairs(
    const google::protobuf::RepeatedPtrField<v1::Count>& counts) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const v1::Count& c : counts) out.emplace_back(c.key(), c.count());
  return out;
}

using P = std::vector<std::pair<std::string, uint64_t>>;

struct T {
  uint64_t received, delivered, deferred, bounced, rejected, quarantined, expired, auth, lines;
};

void ExpectTotals(const v1::Totals& t, const T& want, const std::string& what) {
  EXPECT_EQ(t.received(), want.received) << what;
  EXPECT_EQ(t.delivered(), want.delivered) << what;
  EXPECT_EQ(t.deferred(), want.deferred) << what;
  EXPECT_EQ(t.bounced(), want.bounced) << what;
  EXPECT_EQ(t.rejected(), want.rejected) << what;
  EXPECT_EQ(t.quarantined(), want.quarantined) << what;
  EXPECT_EQ(t.expired(), want.expired) << what;
  EXPECT_EQ(t.auth_failures(), want.auth) << what;
  EXPECT_EQ(t.lines(), want.lines) << what;
}

TEST(StatsBuilderTest, TotalsPerHostAndPerHourOfADay) {
  const v1::StatsResponse s = Build(Parse(kDay), DayOptions());
  // received: mx1 1A, 3C (once, though qmgr logged it twice), 4D, 5E (the
  // bounce notice), 1A again (reused); not 2B (amavis's re-injection). mx2:
  // 8B, 9C (still queued), the Exim arrival.
  // delivered: 2B->bob, 3C->erin, 3C->dave, 5E->carol, 1A->root, Exim->judy;
  // not the hand-offs to amavis (1A->bob, 8B->bob).
  ExpectTotals(s.totals(), {8, 6, 2, 1, 5, 1, 1, 4, kDay.size()}, "totals");
  ASSERT_EQ(s.hosts_size(), 2);
  EXPECT_EQ(s.hosts(0).host(), "mx1");
  ExpectTotals(s.hosts(0).totals(), {5, 5, 1, 1, 5, 0, 1, 4, 43}, "mx1");
  EXPECT_EQ(s.hosts(1).host(), "mx2");
  ExpectTotals(s.hosts(1).totals(), {3, 1, 1, 0, 0, 1, 0, 0, 10}, "mx2");
  ASSERT_EQ(s.hours_size(), 2);
  EXPECT_EQ(s.hours(0).hour_us(), kTen);
  ExpectTotals(s.hours(0).totals(), {4, 3, 1, 1, 5, 0, 1, 4, 37}, "10:00");
  EXPECT_EQ(s.hours(1).hour_us(), kEleven);
  ExpectTotals(s.hours(1).totals(), {4, 3, 1, 0, 0, 1, 0, 0, 16}, "11:00");
  EXPECT_EQ(s.since_us(), kTen);
  EXPECT_EQ(s.until_us(), kReceived);
}

TEST(StatsBuilderTest, PerHostLastLineUnparsedAndHours) {
  std::vector<std::string> lines = kDay;
  lines.push_back("Nov 22 11:45:00 mx2 kernel: [12.5] eth0: link up, 1000 Mbps");
  const v1::StatsResponse s = Build(Parse(lines), DayOptions());
  ASSERT_EQ(s.hosts_size(), 2);
  const v1::HostStats& mx1 = s.hosts(0);
  const v1::HostStats& mx2 = s.hosts(1);
  EXPECT_EQ(mx1.last_us(), kEleven + (20 * 60 + 1) * kSecond);  // 11:20:01
  EXPECT_EQ(mx2.last_us(), kEleven + 45 * 60 * kSecond);        // the kernel line
  EXPECT_EQ(mx1.unparsed(), 0u);
  EXPECT_EQ(mx2.unparsed(), 1u);  // the kernel line: no mail normalizer knows it
  ASSERT_EQ(mx1.hours_size(), 2);
  EXPECT_EQ(mx1.hours(0).hour_us(), kTen);
  EXPECT_EQ(mx1.hours(1).hour_us(), kEleven);
  EXPECT_EQ(mx1.hours(0).totals().lines() + mx1.hours(1).totals().lines(), 43u);
  EXPECT_EQ(mx1.hours(0).totals().rejected(), 5u);
  ASSERT_EQ(mx2.hours_size(), 1);  // only hours with a line
  EXPECT_EQ(mx2.hours(0).hour_us(), kEleven);
  EXPECT_EQ(mx2.hours(0).totals().lines(), 11u);
}

TEST(StatsBuilderTest, OutcomesPerRecipientDomain) {
  const v1::StatsResponse s = Build(Parse(kDay), DayOptions());
  std::vector<std::string> got;
  for (const v1::DomainStats& d : s.recipient_domain_stats()) {
    const v1::Totals& t = d.totals();
    got.push_back(d.domain() + " " + std::to_string(t.delivered()) + "/" +
                  std::to_string(t.deferred()) + "/" + std::to_string(t.bounced()) + "/" +
                  std::to_string(t.rejected()) + "/" + std::to_string(t.quarantined()));
  }
  // example.com: delivered bob (after amavis), carol (the notice), judy
  // (Exim); rejected bob three times and carol once; bob's virus
  // quarantined. remote.example: dave deferred, then sent; nobody bounced.
  // The hand-offs to amavis are no outcome; the expiry names no recipient.
  EXPECT_EQ(got, (std::vector<std::string>{"example.com 3/0/0/4/1", "remote.example 1/1/1/0/0",
                                           "grey.example 0/1/0/0/0", "mx1.example.com 1/0/0/0/0",
                                           "other.example 1/0/0/0/0", "vccloud.vn 0/0/0/1/0"}));
  StatsOptions o = DayOptions();
  o.top = 2;
  EXPECT_EQ(Build(Parse(kDay), o).recipient_domain_stats_size(), 2);
}

TEST(StatsBuilderTest, TopListsAndReasons) {
  const v1::StatsResponse s = Build(Parse(kDay), DayOptions());
  EXPECT_EQ(Pairs(s.top_senders()), (P{{"carol@example.com", 2},
                                       {"<>", 1},
                                       {"alice@sender.example", 1},
                                       {"evil@evil.example", 1},
                                       {"frank@example.net", 1},
                                       {"henry@example.org", 1},
                                       {"ivan@exim.example", 1}}));
  EXPECT_EQ(Pairs(s.sender_domains()), (P{{"example.com", 2},
                                          {"evil.example", 1},
                                          {"example.net", 1},
                                          {"example.org", 1},
                                          {"exim.example", 1},
                                          {"sender.example", 1}}));
  EXPECT_EQ(Pairs(s.top_recipients()), (P{{"bob@example.com", 1},
                                          {"carol@example.com", 1},
                                          {"dave@remote.example", 1},
                                          {"erin@other.example", 1},
                                          {"judy@example.com", 1},
                                          {"root@mx1.example.com", 1}}));
  EXPECT_EQ(
      Pairs(s.recipient_domains()),
      (P{{"example.com", 3}, {"mx1.example.com", 1}, {"other.example", 1}, {"remote.example", 1}}));
  EXPECT_EQ(Pairs(s.reject_reasons()),
            (P{{"Service unavailable; Client host blocked using zen.spamhaus.org", 2},
               {"Client host rejected: cannot find your hostname", 1},
               {"Recipient address rejected: Blacklisted", 1},
               {"Spam message rejected", 1}}));
  EXPECT_EQ(Pairs(s.defer_reasons()), (P{{"450 4.2.0 Recipient address rejected: Greylisted", 1},
                                         {"connect to host: Connection timed out", 1}}));
  EXPECT_EQ(Pairs(s.bounce_reasons()), (P{{"550 5.1.1 User unknown", 1}}));
  EXPECT_EQ(Pairs(s.auth_failures_by_ip()), (P{{"203.0.113.66", 3}, {"203.0.113.67", 1}}));
  EXPECT_EQ(Pairs(s.auth_failures_by_user()), (P{{"admin", 3}}));
}

TEST(StatsBuilderTest, DelaysOfFinalDeliveries) {
  const v1::StatsResponse s = Build(Parse(kDay), DayOptions());
  // 0.1 (root), 0.2 (bob, after amavis), 0.5 (carol), 1 (judy, Exim QT=1s),
  // 2 (erin), 3905 (dave); not the 1.1 and 1 of the hand-offs to amavis.
  EXPECT_EQ(s.delays().count(), 6u);
  EXPECT_DOUBLE_EQ(s.delays().p50(), 0.5);   // rank 3 of 6
  EXPECT_DOUBLE_EQ(s.delays().p90(), 3905);  // rank 6
  EXPECT_DOUBLE_EQ(s.delays().p99(), 3905);
  EXPECT_DOUBLE_EQ(s.delays().max(), 3905);
}

LogRecord Delivery(int64_t ts, std::string to, std::string delay, std::string status = "sent") {
  LogRecord r;
  r.timestamp_us = ts;
  r.host = "mx1";
  r.family = "postfix";
  r.event = "delivery";
  r.queue_id = "ABC123";
  r.to = {std::move(to)};
  r.relay = "mx.example.net[192.0.2.1]:25";
  r.status = std::move(status);
  r.delay = std::move(delay);
  return r;
}

TEST(StatsBuilderTest, DelayPercentilesAreNearestRank) {
  std::vector<LogRecord> records;
  // 200 deliveries with delays 1..200 s, in shuffled order.
  for (int i = 0; i < 200; ++i) {
    const int d = (i * 7) % 200 + 1;
    records.push_back(Delivery(kTen + i * kSecond, "u@x.example", std::to_string(d)));
  }
  const v1::StatsResponse s = Build(records, DayOptions());
  EXPECT_EQ(s.delays().count(), 200u);
  EXPECT_DOUBLE_EQ(s.delays().p50(), 100);
  EXPECT_DOUBLE_EQ(s.delays().p90(), 180);
  EXPECT_DOUBLE_EQ(s.delays().p99(), 198);
  EXPECT_DOUBLE_EQ(s.delays().max(), 200);

  // Beyond max_delays the sample is a reservoir; the max stays exact.
  StatsOptions small = DayOptions();
  small.max_delays = 50;
  const v1::StatsResponse r = Build(records, small);
  EXPECT_EQ(r.delays().count(), 200u);
  EXPECT_DOUBLE_EQ(r.delays().max(), 200);
  EXPECT_GT(r.delays().p50(), 40);
  EXPECT_LT(r.delays().p50(), 160);
}

TEST(StatsBuilderTest, HostFilterTopCutAndEmptyHours) {
  StatsOptions o = DayOptions();
  o.host = "mx2";
  o.top = 2;
  o.since_us = kTen - 2 * kHour;  // two empty hours before the data
  const v1::StatsResponse s = Build(Parse(kDay), o);
  ExpectTotals(s.totals(), {3, 1, 1, 0, 0, 1, 0, 0, 10}, "mx2 only");
  ASSERT_EQ(s.hosts_size(), 1);
  EXPECT_EQ(s.hosts(0).host(), "mx2");
  EXPECT_EQ(Pairs(s.top_senders()), (P{{"evil@evil.example", 1}, {"frank@example.net", 1}}));
  ASSERT_EQ(s.hours_size(), 4);
  EXPECT_EQ(s.hours(0).hour_us(), kTen - 2 * kHour);
  EXPECT_EQ(s.hours(0).totals().lines(), 0u);
  EXPECT_EQ(s.hours(2).totals().lines(), 0u);  // mx2 is quiet from 10 to 11
  EXPECT_EQ(s.hours(3).totals().received(), 3u);
}

TEST(StatsBuilderTest, MapsAreCappedIntoOther) {
  StatsOptions o = DayOptions();
  o.max_keys = 2;
  const v1::StatsResponse s = Build(Parse(kDay), o);
  // The first two senders keep their keys; the rest is "(other)".
  uint64_t sum = 0;
  bool other = false;
  for (const v1::Count& c : s.top_senders()) {
    sum += c.count();
    other |= c.key() == "(other)";
  }
  EXPECT_TRUE(other);
  EXPECT_EQ(sum, 8u);
  EXPECT_EQ(s.top_senders_size(), 3);
}

TEST(StatsBuilderTest, TooManyOpenQueueEntriesAreCountedNotLost) {
  StatsOptions o = DayOptions();
  o.max_open = 1;  // every new open entry flushes (counts) the others
  const v1::StatsResponse s = Build(Parse(kDay), o);
  // Nothing is lost, and the re-injection is still recognized; the one
  // over-count: 3C3C3C3C3C was flushed before qmgr's retry line, which then
  // starts a new entry.
  EXPECT_EQ(s.totals().received(), 9u);
}

TEST(StatsBuilderTest, ReinjectionSeenBeforeItsQueuedLineIsStillNotCounted) {
  // Syslog may deliver the hand-off line before the re-injected entry's qmgr line.
  std::vector<std::string> lines = {kDay[2], kDay[7], kDay[5], kDay[8], kDay[9], kDay[10]};
  const v1::StatsResponse s = Build(Parse(lines), DayOptions());
  EXPECT_EQ(s.totals().received(), 1u);
  EXPECT_EQ(s.totals().delivered(), 1u);
}

TEST(ContentFilterTest, HandoffsAndFinalDeliveries) {
  const auto is = [](std::string relay, std::string reply = "250 2.0.0 Ok") {
    LogRecord r;
    r.relay = std::move(relay);
    r.reply = std::move(reply);
    return IsContentFilterHandoff(r);
  };
  EXPECT_TRUE(is("127.0.0.1[127.0.0.1]:10024"));
  EXPECT_TRUE(is("localhost[127.0.0.1]:10026"));
  EXPECT_TRUE(is("localhost[::1]:10025"));
  EXPECT_TRUE(is("[127.0.0.1]:10032"));
  EXPECT_TRUE(is("amavis"));
  EXPECT_TRUE(is("smtp-amavis[127.0.0.1]:10024"));
  EXPECT_TRUE(is("mail.example.com[10.0.0.5]:10024",
                 "250 2.0.0 from MTA(smtp:[10.0.0.5]:10025): 250 2.0.0 Ok: queued as 4AB"));
  EXPECT_FALSE(is("127.0.0.1[127.0.0.1]:24"));  // Dovecot LMTP
  EXPECT_FALSE(is("127.0.0.1[127.0.0.1]:25"));
  EXPECT_FALSE(is("localhost[127.0.0.1]:7025"));  // Zimbra LMTP
  EXPECT_FALSE(is("mx.example.com[192.0.2.1]:25"));
  EXPECT_FALSE(is("mail.example.com[private/dovecot-lmtp]"));
  EXPECT_FALSE(is("local"));
  EXPECT_FALSE(is("dovecot"));
  EXPECT_FALSE(is("none"));
}

TEST(DelayTest, PostfixAndEximForms) {
  EXPECT_EQ(ParseDelaySeconds("5.4"), 5.4);
  EXPECT_EQ(ParseDelaySeconds("0"), 0);
  EXPECT_EQ(ParseDelaySeconds("3905"), 3905);
  EXPECT_EQ(ParseDelaySeconds("1m2s"), 62);
  EXPECT_EQ(ParseDelaySeconds("1d2h"), 93600);
  EXPECT_EQ(ParseDelaySeconds("1w"), 604800);
  EXPECT_EQ(ParseDelaySeconds(""), std::nullopt);
  EXPECT_EQ(ParseDelaySeconds("abc"), std::nullopt);
  EXPECT_EQ(ParseDelaySeconds("5x"), std::nullopt);
  EXPECT_EQ(ParseDelaySeconds("1.2.3"), std::nullopt);
}

TEST(ReasonTest, RejectReasons) {
  const auto r = [](std::string_view s) { return NormalizeReason(s, ReasonKind::kReject); };
  EXPECT_EQ(r("554 5.7.1 <x@y>: Recipient address rejected: Blacklisted"),
            "Recipient address rejected: Blacklisted");
  EXPECT_EQ(r("450 4.7.1 Client host rejected: cannot find your hostname, [198.51.100.99]"),
            "Client host rejected: cannot find your hostname");
  EXPECT_EQ(r("450 4.7.1 Client host rejected: cannot find your reverse hostname, [2001:db8::1]"),
            "Client host rejected: cannot find your reverse hostname");
  EXPECT_EQ(r("554 5.7.1 Service unavailable; Client host [198.51.100.98] blocked using "
              "zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.98"),
            "Service unavailable; Client host blocked using zen.spamhaus.org");
  EXPECT_EQ(r("554 5.7.1 Service unavailable; Client host [198.51.100.98] blocked using "
              "b.barracudacentral.org; http://www.barracudanetworks.com/reputation/"
              "?pr=1&ip=198.51.100.98"),
            "Service unavailable; Client host blocked using b.barracudacentral.org");
  EXPECT_EQ(r("450 4.2.0 <u@example.com>: Recipient address rejected: Greylisted, see "
              "http://postgrey.schweikert.ch/help/example.com.html"),
            "Recipient address rejected: Greylisted");
  EXPECT_EQ(r("504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname"),
            "Helo command rejected: need fully-qualified hostname");
  EXPECT_EQ(r("450 4.1.8 <bob@nonexistent.tld>: Sender address rejected: Domain not found"),
            "Sender address rejected: Domain not found");
  EXPECT_EQ(r("454 4.7.1 <x@y.example>: Relay access denied"), "Relay access denied");
  EXPECT_EQ(r("5.7.1 Spam message rejected"), "Spam message rejected");
  EXPECT_EQ(r("550 5.1.1 <x@y>:"), "550 5.1.1");
  EXPECT_EQ(r(""), "");
}

TEST(ReasonTest, DeferAndBounceReasons) {
  const auto d = [](std::string_view s) { return NormalizeReason(s, ReasonKind::kDelivery); };
  EXPECT_EQ(d("connect to mx.remote.example[192.0.2.10]:25: Connection timed out"),
            "connect to host: Connection timed out");
  EXPECT_EQ(d("delivery temporarily suspended: connect to mx.example[192.0.2.1]:25: Connection "
              "refused"),
            "delivery temporarily suspended: connect to host: Connection refused");
  EXPECT_EQ(d("lost connection with mx.example[192.0.2.1] while receiving the initial server "
              "greeting"),
            "lost connection with host while receiving the initial server greeting");
  EXPECT_EQ(d("host mx.remote.example[192.0.2.10] said: 550 5.1.1 <nobody@remote.example>... "
              "User unknown (in reply to RCPT TO command)"),
            "550 5.1.1 User unknown");
  EXPECT_EQ(d("host mail.example.com[private/dovecot-lmtp] said: 550 5.1.1 <u@example.com> "
              "User doesn't exist: u@example.com (in reply to RCPT TO command)"),
            "550 5.1.1 User doesn't exist");
  EXPECT_EQ(d("host gmail-smtp-in.l.google.com[142.251.8.26] said: 550-5.7.26 Unauthenticated "
              "email from truongvh.com is not accepted due 550-5.7.26 to domain's DMARC policy. "
              "Please contact the administrator of 550-5.7.26 truongvh.com domain if this was a "
              "legitimate mail. Please 550-5.7.26 visit 550-5.7.26  "
              "https://support.google.com/mail/answer/2451690 to learn about the 550 5.7.26 "
              "DMARC initiative. j24si18976658pll.90 - gsmtp (in reply to end of DATA command)"),
            "550 5.7.26 Unauthenticated email from truongvh.com is not accepted due to domain's "
            "DMARC policy");
  EXPECT_EQ(d("Host or domain name not found. Name service error for name=example.invalid "
              "type=MX: Host not found, try again"),
            "Host or domain name not found. Name service error for type=MX: Host not found, try "
            "again");
  EXPECT_EQ(d("host mx[192.0.2.1] refused to talk to me: 554 5.7.1 Service unavailable"),
            "refused to talk to me: 554 5.7.1 Service unavailable");
  EXPECT_EQ(d("unknown user: \"bob\""), "unknown user");
  EXPECT_EQ(d("SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 5.1.1 "
              "<a@b.example>: Recipient address rejected: User unknown"),
            "550 5.1.1 Recipient address rejected: User unknown");
  // Long texts are cut at a word boundary.
  const std::string long_reply =
      "451 4.3.0 " + std::string(50, 'a') + " " + std::string(50, 'b') + " " + std::string(50, 'c');
  const std::string cut = d(long_reply);
  EXPECT_LE(cut.size(), kMaxReasonLength);
  EXPECT_EQ(cut, "451 4.3.0 " + std::string(50, 'a') + " " + std::string(50, 'b'));
}

// ---- the RPC, over a real store ----

class StatsRpcTest : public ServedQueryTest {
 protected:
  grpc::Status Stats(const v1::StatsRequest& req, v1::StatsResponse* resp) {
    grpc::ClientContext ctx;
    return stub_->Stats(&ctx, req, resp);
  }
};

TEST_F(StatsRpcTest, ScansTheRangeOfTheStore) {
  ASSERT_TRUE(store_->Write(Parse(kDay)).ok());
  v1::StatsRequest req;
  req.set_since_us(kTen);
  req.set_until_us(kReceived);
  v1::StatsResponse resp;
  ASSERT_TRUE(Stats(req, &resp).ok());
  ExpectTotals(resp.totals(), {8, 6, 2, 1, 5, 1, 1, 4, kDay.size()}, "rpc");
  EXPECT_EQ(resp.since_us(), kTen);
  EXPECT_EQ(resp.until_us(), kReceived);
  EXPECT_EQ(resp.top_senders_size(), 7);  // default top 10

  // The range bounds the scan: the 11:00 hour only.
  req.set_since_us(kEleven);
  req.set_top(1);
  ASSERT_TRUE(Stats(req, &resp).ok());
  EXPECT_EQ(resp.totals().lines(), 16u);
  // 3C3C3C3C3C's first queued line is outside the range: its retry line counts.
  EXPECT_EQ(resp.totals().received(), 5u);
  EXPECT_EQ(resp.top_senders_size(), 1);

  req.set_host("mx9");
  ASSERT_TRUE(Stats(req, &resp).ok());
  EXPECT_EQ(resp.totals().lines(), 0u);
  EXPECT_EQ(resp.hosts_size(), 0);
}

TEST_F(StatsRpcTest, DefaultRangeIsTheLastDay) {
  v1::StatsResponse resp;
  ASSERT_TRUE(Stats(v1::StatsRequest(), &resp).ok());
  EXPECT_EQ(resp.until_us() - resp.since_us(), 24 * kHour);
  EXPECT_GE(resp.hours_size(), 24);
  EXPECT_LE(resp.hours_size(), 25);
}

TEST_F(StatsRpcTest, RejectsAnEmptyRange) {
  v1::StatsRequest req;
  req.set_since_us(kReceived);
  req.set_until_us(kTen);
  v1::StatsResponse resp;
  EXPECT_EQ(Stats(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace mlq
