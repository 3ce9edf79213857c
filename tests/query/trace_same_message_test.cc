// Which queue entries that share a Message-ID a trace joins
// (query/same_message.h): different messages that reuse one Message-ID are
// separate traces, each naming the others it left out; the same message on
// another host (a relay), after a content filter, or sent again by the same
// sender is one trace.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/same_message.h"
#include "query/tracer.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "service_fixture.h"

namespace mlq {
namespace {

// 2026-12-06T12:00:00Z: "Dec  6" lines are today's.
constexpr int64_t kReceived = 1796558400LL * 1000000;

class TraceSameMessageTest : public QueryServiceTest {
 protected:
  void Load(const std::vector<std::string>& lines) { LoadLines(lines, kReceived); }

  static std::vector<std::string> Hops(const MessageTraceResult& t) {
    std::vector<std::string> out;
    for (const auto& h : t.hops) out.push_back(h.host + "/" + h.queue_id);
    return out;
  }
  static std::vector<std::string> Rows(const MessageTraceResult& t) {
    std::vector<std::string> out;
    for (const auto& r : t.recipients) out.push_back(r.address + " " + r.verdict);
    return out;
  }
};

// One Postfix entry on `host`: `qid` from `from` (empty: no qmgr line) with
// `mid`, delivered to `to` at "Dec  6 `hh:mm`:0x".
std::vector<std::string> Entry(const std::string& host, const std::string& qid,
                               const std::string& hhmm, const std::string& from,
                               const std::string& mid, const std::string& to,
                               const std::string& status = "sent (250 2.0.0 Ok)") {
  const std::string at = "Dec  6 " + hhmm + ":0";
  std::vector<std::string> lines = {
      at + "0 " + host + " postfix/smtpd[10]: " + qid + ": client=c.example.net[192.0.2.7]",
      at + "1 " + host + " postfix/cleanup[11]: " + qid + ": message-id=<" + mid + ">"};
  if (!from.empty()) {
    lines.push_back(at + "1 " + host + " postfix/qmgr[12]: " + qid + ": from=<" + from +
                    ">, size=900, nrcpt=1 (queue active)");
  }
  lines.push_back(at + "2 " + host + " postfix/smtp[13]: " + qid + ": to=<" + to +
                  ">, relay=mx.example.net[198.51.100.9]:25, delay=1, dsn=2.0.0, status=" + status);
  lines.push_back(at + "3 " + host + " postfix/qmgr[12]: " + qid + ": removed");
  return lines;
}

void Append(std::vector<std::string>& to, const std::vector<std::string>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

TEST_F(TraceSameMessageTest, UnrelatedMessagesSharingAMessageIdOnOneHostAreSeparate) {
  // Two senders' messages with one Message-ID (a client that reuses it),
  // and a third entry with no sender line at all: nothing but the ID links
  // them.
  std::vector<std::string> lines = Entry("mx1", "1A1A1A1A1A", "10:00", "alice@example.org",
                                         "reused@example.org", "x@example.net");
  Append(lines, Entry("mx1", "2B2B2B2B2B", "10:00", "bob@example.org", "reused@example.org",
                      "y@example.net", "bounced (host said: 550 5.1.1 unknown)"));
  Append(lines, Entry("mx1", "3C3C3C3C3C", "10:01", "", "reused@example.org", "z@example.net"));
  Load(lines);

  auto a = Trace({.queue_id = "1A1A1A1A1A"});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Hops(a[0]), (std::vector<std::string>{"mx1/1A1A1A1A1A"}));
  EXPECT_EQ(Rows(a[0]), (std::vector<std::string>{"x@example.net delivered"}));
  EXPECT_EQ(a[0].left_out, (std::vector<std::string>{"mx1/2B2B2B2B2B", "mx1/3C3C3C3C3C"}));
  EXPECT_NE(a[0].left_out_note.find("2 other queue entries with the same Message-ID were left "
                                    "out (mx1/2B2B2B2B2B, mx1/3C3C3C3C3C)"),
            std::string::npos)
      << a[0].left_out_note;

  auto b = Trace({.to = "y@example.net"});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(Rows(b[0]), (std::vector<std::string>{"y@example.net bounced"}));
  EXPECT_EQ(b[0].left_out, (std::vector<std::string>{"mx1/1A1A1A1A1A", "mx1/3C3C3C3C3C"}));

  // By the Message-ID: one trace per message, oldest first, each naming
  // the others.
  auto by_mid = Trace({.message_id = "<reused@example.org>"});
  ASSERT_EQ(by_mid.size(), 3u);
  EXPECT_EQ(Hops(by_mid[0]), (std::vector<std::string>{"mx1/1A1A1A1A1A"}));
  EXPECT_EQ(Hops(by_mid[1]), (std::vector<std::string>{"mx1/2B2B2B2B2B"}));
  EXPECT_EQ(Hops(by_mid[2]), (std::vector<std::string>{"mx1/3C3C3C3C3C"}));
  EXPECT_EQ(Rows(by_mid[2]), (std::vector<std::string>{"z@example.net delivered"}));
  EXPECT_EQ(by_mid[2].left_out.size(), 2u);
}

TEST_F(TraceSameMessageTest, RelayedToASecondHostWithTheSameIdAndSenderIsJoined) {
  // mx1 relays to mx2 whose reply names no queue ID (not a Postfix reply),
  // so only the Message-ID, the sender and the relay join the two hosts.
  // mx3 logs an unrelated message with the same ID the same minute.
  std::vector<std::string> lines = {
      "Dec  6 10:00:00 mx1 postfix/smtpd[10]: 4D4D4D4D4D: client=c.example.net[192.0.2.7]",
      "Dec  6 10:00:01 mx1 postfix/cleanup[11]: 4D4D4D4D4D: message-id=<hop@example.org>",
      "Dec  6 10:00:01 mx1 postfix/qmgr[12]: 4D4D4D4D4D: from=<a@example.org>, size=900, "
      "nrcpt=1 (queue active)",
      "Dec  6 10:00:02 mx1 postfix/smtp[13]: 4D4D4D4D4D: to=<b@example.net>, "
      "relay=mx2.example.org[10.0.0.2]:25, delay=1, dsn=2.0.0, status=sent (250 Accepted)",
      "Dec  6 10:00:02 mx1 postfix/qmgr[12]: 4D4D4D4D4D: removed",
      "Dec  6 10:00:02 mx2 postfix/smtpd[20]: 5E5E5E5E5E: client=mx1.example.org[10.0.0.1]",
      "Dec  6 10:00:02 mx2 postfix/cleanup[21]: 5E5E5E5E5E: message-id=<hop@example.org>",
      "Dec  6 10:00:02 mx2 postfix/qmgr[22]: 5E5E5E5E5E: from=<A@Example.org>, size=950, "
      "nrcpt=1 (queue active)",
      "Dec  6 10:00:03 mx2 postfix/lmtp[23]: 5E5E5E5E5E: to=<b@example.net>, "
      "relay=mailbox.example.net[10.0.0.9]:24, delay=1, dsn=2.0.0, status=sent (250 2.0.0 "
      "Saved)",
      "Dec  6 10:00:03 mx2 postfix/qmgr[22]: 5E5E5E5E5E: removed"};
  Append(lines,
         Entry("mx3", "6F6F6F6F6F", "10:00", "c@example.org", "hop@example.org", "d@example.net"));
  Load(lines);

  for (TraceStart start : {TraceStart{.queue_id = "4D4D4D4D4D"},
                           TraceStart{.queue_id = "5E5E5E5E5E", .host = "mx2"}}) {
    auto t = Trace(start);
    ASSERT_EQ(t.size(), 1u) << start.queue_id;
    EXPECT_EQ(Hops(t[0]), (std::vector<std::string>{"mx1/4D4D4D4D4D", "mx2/5E5E5E5E5E"}));
    EXPECT_EQ(t[0].hops[1].role, "relay");
    EXPECT_EQ(Rows(t[0]), (std::vector<std::string>{"b@example.net delivered"}));
    EXPECT_EQ(t[0].recipients[0].host, "mx2");
    EXPECT_EQ(t[0].left_out, (std::vector<std::string>{"mx3/6F6F6F6F6F"}));
  }
  auto by_mid = Trace({.message_id = "hop@example.org"});
  ASSERT_EQ(by_mid.size(), 2u);
  EXPECT_EQ(Hops(by_mid[0]), (std::vector<std::string>{"mx1/4D4D4D4D4D", "mx2/5E5E5E5E5E"}));
  EXPECT_EQ(Hops(by_mid[1]), (std::vector<std::string>{"mx3/6F6F6F6F6F"}));
}

TEST_F(TraceSameMessageTest, RelayJoinsAnotherHostEvenWhenItRewroteTheSender) {
  // mx2 rewrites the envelope sender (SRS); its client= names mx1, whose
  // relay line at that time names mx2: the same message.
  std::vector<std::string> lines = {
      "Dec  6 10:00:00 mx1 postfix/smtpd[10]: 4D4D4D4D4D: client=c.example.net[192.0.2.7]",
      "Dec  6 10:00:01 mx1 postfix/cleanup[11]: 4D4D4D4D4D: message-id=<srs@example.org>",
      "Dec  6 10:00:01 mx1 postfix/qmgr[12]: 4D4D4D4D4D: from=<a@example.org>, size=900, "
      "nrcpt=1 (queue active)",
      "Dec  6 10:00:02 mx1 postfix/smtp[13]: 4D4D4D4D4D: to=<b@example.net>, "
      "relay=mx2.example.org[10.0.0.2]:25, delay=1, dsn=2.0.0, status=sent (250 Accepted)",
      "Dec  6 10:00:02 mx2 postfix/smtpd[20]: 5E5E5E5E5E: client=mx1.example.org[10.0.0.1]",
      "Dec  6 10:00:02 mx2 postfix/cleanup[21]: 5E5E5E5E5E: message-id=<srs@example.org>",
      "Dec  6 10:00:02 mx2 postfix/qmgr[22]: 5E5E5E5E5E: from=<SRS0=ab=cd=example.org=a@"
      "example.org>, size=950, nrcpt=1 (queue active)",
      "Dec  6 10:00:03 mx2 postfix/smtp[23]: 5E5E5E5E5E: to=<b@example.net>, "
      "relay=mx.example.net[198.51.100.9]:25, delay=1, dsn=2.0.0, status=sent (250 Ok)"};
  Load(lines);
  auto t = Trace({.queue_id = "5E5E5E5E5E"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(Hops(t[0]), (std::vector<std::string>{"mx1/4D4D4D4D4D", "mx2/5E5E5E5E5E"}));
  EXPECT_TRUE(t[0].left_out.empty());
}

TEST_F(TraceSameMessageTest, AmavisRequeueIsJoined) {
  // The content filter's re-injection keeps the Message-ID and the sender;
  // with the "queued as" link it is joined by the link, without one (a
  // filter that does not report it) by the sender.
  for (bool link : {true, false}) {
    FreshStore();
    const std::string reply = link ? "250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: "
                                     "queued as 8B8B8B8B8B"
                                   : "250 2.0.0 Ok, id=12345-01, from MTA: 250 2.0.0 Ok";
    Load({"Dec  6 09:00:00 mx1 postfix/smtpd[100]: 7A7A7A7A7A: client=c.example.net[192.0.2.7]",
          "Dec  6 09:00:00 mx1 postfix/cleanup[101]: 7A7A7A7A7A: message-id=<av@example.net>",
          "Dec  6 09:00:00 mx1 postfix/qmgr[102]: 7A7A7A7A7A: from=<a@example.net>, size=100, "
          "nrcpt=1 (queue active)",
          "Dec  6 09:00:02 mx1 postfix/10025/smtpd[200]: 8B8B8B8B8B: client=localhost[127.0.0.1]",
          "Dec  6 09:00:02 mx1 postfix/cleanup[101]: 8B8B8B8B8B: message-id=<av@example.net>",
          "Dec  6 09:00:02 mx1 postfix/qmgr[102]: 8B8B8B8B8B: from=<a@example.net>, size=900, "
          "nrcpt=1 (queue active)",
          "Dec  6 09:00:03 mx1 postfix/smtp[104]: 7A7A7A7A7A: to=<b@example.org>, "
          "relay=127.0.0.1[127.0.0.1]:10024, delay=3, dsn=2.0.0, status=sent (" +
              reply + ")",
          "Dec  6 09:00:03 mx1 postfix/qmgr[102]: 7A7A7A7A7A: removed",
          "Dec  6 09:00:04 mx1 postfix/lmtp[103]: 8B8B8B8B8B: to=<b@example.org>, "
          "relay=mail.example.org[private/dovecot-lmtp], delay=0.1, dsn=2.0.0, status=sent (250 "
          "2.0.0 <b@example.org> Saved)",
          "Dec  6 09:00:04 mx1 postfix/qmgr[102]: 8B8B8B8B8B: removed"});
    SCOPED_TRACE(link ? "with queued as" : "without");
    for (TraceStart start :
         {TraceStart{.queue_id = "7A7A7A7A7A"}, TraceStart{.queue_id = "8B8B8B8B8B"},
          TraceStart{.message_id = "av@example.net"}}) {
      auto t = Trace(start);
      ASSERT_EQ(t.size(), 1u);
      EXPECT_EQ(Hops(t[0]), (std::vector<std::string>{"mx1/7A7A7A7A7A", "mx1/8B8B8B8B8B"}));
      EXPECT_EQ(Rows(t[0]), (std::vector<std::string>{"b@example.org delivered"}));
      EXPECT_TRUE(t[0].left_out.empty());
    }
  }
}

TEST_F(TraceSameMessageTest, ResendBySameSenderIsTheSameMessageWithinFiveDays) {
  // The same sender sends the message again an hour later with the same
  // Message-ID (a client's "send again", a re-queue by hand): the same
  // logical message, so one trace, with each send as its own entry (a
  // separate delivery attempt) and each recipient's strongest outcome over
  // both. Six days before, it was another message: left out, and said so.
  std::vector<std::string> lines =
      Entry("mx1", "1A1A1A1A1A", "10:00", "alice@example.org", "again@example.org", "x@example.net",
            "bounced (host said: 552 5.2.2 mailbox full)");
  Append(lines, Entry("mx1", "2B2B2B2B2B", "11:00", "Alice@Example.org", "again@example.org",
                      "x@example.net"));
  for (std::string& l : Entry("mx1", "3C3C3C3C3C", "10:00", "alice@example.org",
                              "again@example.org", "w@example.net")) {
    lines.push_back("Nov 30" + l.substr(6));
  }
  Load(lines);
  for (TraceStart start :
       {TraceStart{.queue_id = "1A1A1A1A1A"}, TraceStart{.queue_id = "2B2B2B2B2B"}}) {
    auto t = Trace(start);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(Hops(t[0]), (std::vector<std::string>{"mx1/1A1A1A1A1A", "mx1/2B2B2B2B2B"}));
    EXPECT_EQ(Rows(t[0]), (std::vector<std::string>{"x@example.net delivered"}));
    EXPECT_EQ(t[0].recipients[0].queue_id, "2B2B2B2B2B");
    EXPECT_EQ(t[0].left_out, (std::vector<std::string>{"mx1/3C3C3C3C3C"}));
  }
  auto earlier = Trace({.queue_id = "3C3C3C3C3C"});
  ASSERT_EQ(earlier.size(), 1u);
  EXPECT_EQ(Rows(earlier[0]), (std::vector<std::string>{"w@example.net delivered"}));
  EXPECT_EQ(earlier[0].left_out, (std::vector<std::string>{"mx1/1A1A1A1A1A", "mx1/2B2B2B2B2B"}));
  auto by_mid = Trace({.message_id = "again@example.org"});
  ASSERT_EQ(by_mid.size(), 2u);
  EXPECT_EQ(Hops(by_mid[0]), (std::vector<std::string>{"mx1/3C3C3C3C3C"}));
  EXPECT_EQ(Hops(by_mid[1]), (std::vector<std::string>{"mx1/1A1A1A1A1A", "mx1/2B2B2B2B2B"}));
}

TEST_F(TraceSameMessageTest, NullSenderJoinsOnlyThroughALink) {
  // Two notices with from=<> and one Message-ID (a broken generator): the
  // null sender is no evidence.
  std::vector<std::string> lines =
      Entry("mx1", "1A1A1A1A1A", "10:00", "", "notice@example.org", "x@example.net");
  lines.insert(lines.begin() + 2,
               "Dec  6 10:00:01 mx1 postfix/qmgr[12]: 1A1A1A1A1A: from=<>, size=900, nrcpt=1 "
               "(queue active)");
  std::vector<std::string> second =
      Entry("mx1", "2B2B2B2B2B", "10:00", "", "notice@example.org", "y@example.net");
  second.insert(second.begin() + 2,
                "Dec  6 10:00:01 mx1 postfix/qmgr[12]: 2B2B2B2B2B: from=<>, size=900, nrcpt=1 "
                "(queue active)");
  Append(lines, second);
  Load(lines);
  auto t = Trace({.queue_id = "1A1A1A1A1A"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(Rows(t[0]), (std::vector<std::string>{"x@example.net delivered"}));
  EXPECT_EQ(t[0].left_out, (std::vector<std::string>{"mx1/2B2B2B2B2B"}));
}

TEST(SameMessageTest, HostLabels) {
  EXPECT_EQ(HostLabel("MX2.example.org."), "mx2");
  EXPECT_EQ(HostLabel("mx2"), "mx2");
  EXPECT_EQ(HostLabel("10.0.0.2"), "10.0.0.2");
  EXPECT_EQ(HostLabel("2001:db8::2"), "2001:db8::2");
}

TEST(SameMessageTest, RelayWindowIsADayEitherWay) {
  constexpr int64_t kHourUs = 3600LL * 1000000;
  SameMessage same;
  EntryFacts mx1;
  mx1.key = {"mx1", "A"};
  mx1.first_us = 100 * kHourUs;
  mx1.last_us = mx1.first_us;
  mx1.relays.push_back({"mx2.example.org", mx1.first_us});
  same.Add(mx1);
  EntryFacts mx2;
  mx2.key = {"mx2", "B"};
  for (int64_t hours : {-23, 0, 5, 23}) {
    mx2.first_us = mx2.last_us = mx1.first_us + hours * kHourUs;
    EXPECT_EQ(same.Joins(mx2), "relayed from mx1") << hours;
  }
  for (int64_t hours : {-25, 25}) {
    mx2.first_us = mx2.last_us = mx1.first_us + hours * kHourUs;
    EXPECT_EQ(same.Joins(mx2), "") << hours;
  }
  EntryFacts mx3 = mx2;  // another host: the relay did not go there
  mx3.key = {"mx3", "C"};
  mx3.first_us = mx3.last_us = mx1.first_us;
  EXPECT_EQ(same.Joins(mx3), "");
}

}  // namespace
}  // namespace mlq
