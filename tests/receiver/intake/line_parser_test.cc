// LineParser: one framed line to one record, as every listener and Ingest use it.
#include "receiver/intake/line_parser.h"

#include <gtest/gtest.h>

#include "receiver/normalizers/normalizer.h"

namespace mlq {
namespace {

constexpr int64_t kReceived = 1795348800LL * 1000000;  // 2026-11-22T12:00:00Z

TEST(LineParserTest, CountsAndNormalizes) {
  Counters counters;
  LineParser parser(&DefaultNormalizers(), &counters);
  LineSource src{.transport = Transport::kTcp, .peer = "192.0.2.1:4000", .peer_host = "192.0.2.1"};
  LogRecord r = parser.Parse("<22>Nov 22 11:00:00 mx1 postfix/qmgr[2]: 4JNS6h47X1z9p1k: removed", 0,
                             src, kReceived);
  EXPECT_EQ(r.host, "mx1");
  EXPECT_EQ(r.peer, "192.0.2.1:4000");
  EXPECT_EQ(r.queue_id, "4JNS6h47X1z9p1k");
  EXPECT_EQ(r.event, "removed");
  LogRecord bad = parser.Parse("\x01\x02 not syslog", 0, src, kReceived);
  EXPECT_EQ(bad.host, "192.0.2.1") << "the peer stands in for a missing hostname";
  EXPECT_EQ(counters.Value("received.tcp"), 2u);
  EXPECT_EQ(counters.Value("parsed"), 1u);
  EXPECT_EQ(counters.Value("unparsed"), 1u);
  EXPECT_EQ(counters.Value("normalized"), 1u);
}

TEST(LineParserTest, ParseIntoAReusedRecordKeepsNothingOfTheLineBefore) {
  // Found by fuzz/line_parser_fuzz.cc: an empty line parsed into a record
  // that held a Postfix delivery kept its queue ID, recipients, status and
  // links (the normalizers only set what they find).
  Counters counters;
  LineParser parser(&DefaultNormalizers(), &counters);
  LineSource src{.transport = Transport::kTcp, .peer = "192.0.2.1:4000", .peer_host = "192.0.2.1"};
  LogRecord rec = parser.Parse(
      "<22>Nov 22 11:00:00 mx1 postfix/smtp[7]: 4JNS6h47X1z9p1k: to=<a@example.org>, "
      "relay=mx.example.org[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent "
      "(250 2.0.0 Ok: queued as 4XYZabcdEFGhij)",
      kFlagTruncated, src, kReceived);
  ASSERT_EQ(rec.status, "sent");
  ASSERT_FALSE(rec.links.empty());
  for (std::string_view line : {std::string_view(), std::string_view("\x01 not syslog"),
                                std::string_view("<22>Nov 22 11:00:01 mx1 dovecot: hello")}) {
    LogRecord reused = rec;
    parser.ParseInto(line, 0, src, kReceived, reused);
    EXPECT_EQ(reused, parser.Parse(line, 0, src, kReceived)) << line;
  }
}

TEST(LineParserTest, LineEndsInsideAFrameAreNotText) {
  // syslog-ng's syslog() driver sends "LEN <msg>\n" with the LF counted.
  Counters counters;
  LineParser parser(&DefaultNormalizers(), &counters);
  LogRecord r =
      parser.Parse("<22>Nov 22 11:00:00 mx1 postfix/qmgr[2]: 4JNS6h47X1z9p1k: removed\r\n", 0,
                   LineSource{.transport = Transport::kTcp}, kReceived);
  EXPECT_EQ(r.raw.back(), 'd');
  EXPECT_EQ(r.message(), "4JNS6h47X1z9p1k: removed");
}

TEST(LineParserTest, Protocol23LeadingSpaceStillNormalizes) {
  // RSYSLOG_SyslogProtocol23Format keeps the space after "TAG:".
  Counters counters;
  LineParser parser(&DefaultNormalizers(), &counters);
  LogRecord r = parser.Parse(
      "<22>1 2026-11-22T11:00:00+00:00 mx-test postfix/qmgr 4242 - -  4JNS6h47X1z9p1k: "
      "from=<a@example.org>, size=1, nrcpt=1 (queue active)",
      0, LineSource{.transport = Transport::kTcp}, kReceived);
  EXPECT_EQ(r.program, "postfix/qmgr");
  EXPECT_EQ(r.queue_id, "4JNS6h47X1z9p1k");
  EXPECT_EQ(r.from, "a@example.org");
}

}  // namespace
}  // namespace mlq
