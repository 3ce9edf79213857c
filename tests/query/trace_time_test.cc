// Trace over the clocks real fleets have (issue 15): two hosts whose clocks
// differ by minutes, a log that crosses New Year (RFC 3164 has no year),
// and rsyslog's high-precision RFC 3339 timestamps next to RFC 3164 ones,
// also from a host whose zone-less lines mlqd reads in the wrong zone. The
// journey, its order and the verdict must not change.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "base/civil_time.h"
#include "query/tracer.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kSecond = 1000000;

int64_t Utc(int y, int mo, int d, int h, int mi, int s) {
  return civil::UnixSeconds(y, mo, d, h, mi, s) * kSecond;
}

class TraceTimeTest : public QueryServiceTest {
 protected:
  // Parses `lines` as received at received(i) (the i-th line), their
  // zone-less timestamps read `utc_offset_s` east of UTC.
  void Load(const std::vector<std::string>& lines, const std::function<int64_t(size_t)>& received,
            int32_t utc_offset_s = 0) {
    LineParser parser(&DefaultNormalizers(), &counters_);
    LineSource src;
    src.transport = Transport::kIngest;
    src.utc_offset_s = utc_offset_s;
    std::vector<LogRecord> batch;
    for (size_t i = 0; i < lines.size(); ++i) {
      batch.push_back(parser.Parse(lines[i], 0, src, received(i)));
    }
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  void LoadAt(const std::vector<std::string>& lines, int64_t received, int32_t offset = 0) {
    Load(
        lines, [&](size_t) { return received; }, offset);
  }

  // mx1 relays a message to mx2, which delivers it: its hops in order, the
  // roles, and the verdict from mx2, from every start.
  void ExpectRelay(const std::string& mx2_qid) {
    for (TraceStart start :
         {TraceStart{.queue_id = "4Xb3cG2Y0Zz1kH2"}, TraceStart{.queue_id = mx2_qid, .host = "mx2"},
          TraceStart{.to = "b@example.net"}}) {
      auto traces = Trace(start);
      ASSERT_EQ(traces.size(), 1u) << start.queue_id << start.to;
      const auto& t = traces[0];
      ASSERT_EQ(t.hops.size(), 2u) << start.queue_id << start.to;
      EXPECT_EQ(t.hops[0].host, "mx1");
      EXPECT_EQ(t.hops[0].role, "received");
      EXPECT_EQ(t.hops[1].host, "mx2");
      EXPECT_EQ(t.hops[1].role, "relay");
      EXPECT_EQ(t.hops[0].next, (std::vector<std::string>{"mx2/" + mx2_qid}));
      ASSERT_EQ(t.recipients.size(), 1u);
      EXPECT_EQ(t.recipients[0].verdict, "delivered");
      EXPECT_EQ(t.recipients[0].host, "mx2");
    }
  }
};

// "Nov 20 HH:MM:SS" for `secs` seconds after midnight (may be negative:
// Nov 19).
std::string Bsd(int secs) {
  char buf[32];
  const int day = secs < 0 ? 19 : 20;
  secs = (secs + 86400) % 86400;
  std::snprintf(buf, sizeof buf, "Nov %d %02d:%02d:%02d", day, secs / 3600, secs / 60 % 60,
                secs % 60);
  return buf;
}

std::vector<std::string> Mx1(const std::vector<std::string>& stamps) {
  return {stamps[0] + " mx1 postfix/smtpd[10]: 4Xb3cG2Y0Zz1kH2: client=c.example.org[192.0.2.7]",
          stamps[0] + " mx1 postfix/cleanup[11]: 4Xb3cG2Y0Zz1kH2: message-id=<skew@example.org>",
          stamps[1] + " mx1 postfix/qmgr[12]: 4Xb3cG2Y0Zz1kH2: from=<a@example.org>, size=9, " +
              "nrcpt=1 (queue active)",
          stamps[2] + " mx1 postfix/smtp[13]: 4Xb3cG2Y0Zz1kH2: to=<b@example.net>, " +
              "relay=mx2.example.org[10.0.0.2]:25, delay=5, delays=0/0/0/5, dsn=2.0.0, " +
              "status=sent (250 2.0.0 Ok: queued as 7D2E1C0A)",
          stamps[2] + " mx1 postfix/qmgr[12]: 4Xb3cG2Y0Zz1kH2: removed"};
}

// mx2's lines; without its cleanup line (lost), so only the "queued as"
// link joins the two hosts.
std::vector<std::string> Mx2(const std::vector<std::string>& stamps) {
  return {stamps[0] + " mx2 postfix/smtpd[20]: 7D2E1C0A: client=mx1.example.org[10.0.0.1]",
          stamps[1] + " mx2 postfix/qmgr[22]: 7D2E1C0A: from=<a@example.org>, size=10, " +
              "nrcpt=1 (queue active)",
          stamps[2] + " mx2 postfix/lmtp[23]: 7D2E1C0A: to=<b@example.net>, " +
              "relay=mailbox.example.net[10.0.0.9]:24, delay=2, delays=0/0/0/2, dsn=2.0.0, " +
              "status=sent (250 2.0.0 <b@example.net> Saved)",
          stamps[2] + " mx2 postfix/qmgr[22]: 7D2E1C0A: removed"};
}

constexpr int64_t kNov20 = 1795132800LL * kSecond;  // 2026-11-20T00:00:00Z

TEST_F(TraceTimeTest, HostsWhoseClocksDifferByMinutes) {
  const int t = 10 * 3600;
  // mx2's clock behind by 7 and 3 minutes, ahead by 10.
  for (int skew : {-420, -180, 600}) {
    FreshStore();
    LoadAt(Mx1({Bsd(t), Bsd(t + 1), Bsd(t + 5)}), kNov20 + 86400 * kSecond);
    LoadAt(Mx2({Bsd(t + 5 + skew), Bsd(t + 6 + skew), Bsd(t + 7 + skew)}),
           kNov20 + 86400 * kSecond);
    SCOPED_TRACE("skew " + std::to_string(skew));
    ExpectRelay("7D2E1C0A");
  }
}

TEST_F(TraceTimeTest, HighPrecisionTimestampsNextToRfc3164) {
  // mx1 sends rsyslog's RSYSLOG_FileFormat (RFC 3339, microseconds, its
  // zone +01:00); mx2 sends RFC 3164, read in mlqd's zone.
  const std::vector<std::string> mx1 =
      Mx1({"2026-11-20T11:00:00.104211+01:00", "2026-11-20T11:00:01.000017+01:00",
           "2026-11-20T11:00:05.523000+01:00"});
  struct Case {
    std::string name;
    int32_t mx2_zone;  // mx2's real offset east of UTC
    int32_t read_as;   // the offset mlqd reads its lines in
  };
  for (const Case& c :
       {Case{"right zone", 3600, 3600}, Case{"UTC", 0, 0}, Case{"-05:00 read as UTC", -5 * 3600, 0},
        Case{"+09:00 read as UTC", 9 * 3600, 0}, Case{"UTC read as -08:00", 0, -8 * 3600}}) {
    FreshStore();
    SCOPED_TRACE(c.name);
    LoadAt(mx1, kNov20 + 86400 * kSecond);
    const int t = 10 * 3600 + c.mx2_zone;  // 10:00 UTC on mx2's wall clock
    LoadAt(Mx2({Bsd(t + 6), Bsd(t + 6), Bsd(t + 7)}), kNov20 + 86400 * kSecond, c.read_as);
    ExpectRelay("7D2E1C0A");
    auto traces = Trace({.queue_id = "4Xb3cG2Y0Zz1kH2"});
    ASSERT_EQ(traces.size(), 1u);
    EXPECT_EQ(traces[0].hops[0].first_us, Utc(2026, 11, 20, 10, 0, 0) + 104211);
  }
}

// A message queued on Dec 31, deferred across midnight, delivered on Jan 1.
const std::vector<std::string> kNewYear = {
    "Dec 31 23:59:58 mx1 postfix/pickup[1]: 1A1A1A1A1A: uid=0 from=<root>",
    "Dec 31 23:59:58 mx1 postfix/cleanup[2]: 1A1A1A1A1A: message-id=<ny@mx1.example.org>",
    "Dec 31 23:59:59 mx1 postfix/qmgr[3]: 1A1A1A1A1A: from=<root@mx1.example.org>, size=1, "
    "nrcpt=1 (queue active)",
    "Jan  1 00:00:02 mx1 postfix/smtp[4]: 1A1A1A1A1A: to=<x@example.net>, relay=none, delay=4, "
    "delays=0/0/4/0, dsn=4.4.1, status=deferred (connect to example.net[192.0.2.5]:25: "
    "Connection timed out)",
    "Jan  1 00:30:02 mx1 postfix/smtp[4]: 1A1A1A1A1A: to=<x@example.net>, "
    "relay=mx.example.net[192.0.2.5]:25, delay=1804, delays=1800/0/2/2, dsn=2.0.0, status=sent "
    "(250 2.0.0 Ok)",
    "Jan  1 00:30:02 mx1 postfix/qmgr[3]: 1A1A1A1A1A: removed",
};

TEST_F(TraceTimeTest, LogThatCrossesNewYear) {
  struct Case {
    std::string name;
    std::function<int64_t(size_t)> received;
    int year;  // of the Dec 31 lines
  };
  const std::vector<Case> cases = {
      // Live: each line a second after it was written.
      {"live",
       [](size_t i) {
         return i < 3 ? Utc(2026, 12, 31, 23, 59, 59) + 2 * kSecond * static_cast<int64_t>(i)
                      : Utc(2027, 1, 1, 0, 30, 3);
       },
       2026},
      // Imported weeks later, and imported in the last days of the next December.
      {"imported in February", [](size_t) { return Utc(2027, 2, 10, 9, 0, 0); }, 2026},
      {"imported the next Christmas", [](size_t) { return Utc(2027, 12, 27, 9, 0, 0); }, 2027},
  };
  for (const Case& c : cases) {
    FreshStore();
    SCOPED_TRACE(c.name);
    Load(kNewYear, c.received);
    for (TraceStart start :
         {TraceStart{.queue_id = "1A1A1A1A1A"}, TraceStart{.message_id = "ny@mx1.example.org"},
          TraceStart{.to = "x@example.net"}}) {
      auto traces = Trace(start);
      ASSERT_EQ(traces.size(), 1u);
      const auto& t = traces[0];
      ASSERT_EQ(t.hops.size(), 1u);
      EXPECT_EQ(t.hops[0].lines.size(), 6u);
      EXPECT_EQ(t.hops[0].first_us, Utc(c.year, 12, 31, 23, 59, 58));
      EXPECT_EQ(t.hops[0].last_us - t.hops[0].first_us, (30 * 60 + 4) * kSecond);
      ASSERT_EQ(t.recipients.size(), 1u);
      EXPECT_EQ(t.recipients[0].verdict, "delivered");
      EXPECT_EQ(t.recipients[0].time_us, Utc(c.year + 1, 1, 1, 0, 30, 2));
    }
  }
}

}  // namespace
}  // namespace mlq
