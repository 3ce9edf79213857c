#include "receiver/intake/syslog_parser.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

namespace mlq {
namespace {

// Microseconds since the epoch of a UTC civil time (timegm is fine in tests).
int64_t Utc(int y, int mo, int d, int h, int mi, int s, int us = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + us;
}

const int64_t kReceived = Utc(2026, 11, 22, 12, 0, 0);
constexpr std::string_view kPeer = "192.0.2.7";

LogRecord Parse(std::string_view line, int64_t received_us = kReceived, int32_t utc_offset_s = 0,
                uint32_t frame_flags = 0) {
  LogRecord rec;
  rec.raw = std::string(line);
  rec.received_us = received_us;
  rec.flags = frame_flags;
  ParseContext ctx;
  ctx.received_us = received_us;
  ctx.fallback_host = kPeer;
  ctx.utc_offset_s = utc_offset_s;
  ParseSyslogLine(rec, ctx);
  return rec;
}

struct Case {
  const char* name;
  std::string line;
  int facility;
  int severity;
  int64_t timestamp_us;
  std::string host;
  std::string program;
  std::string pid;
  std::string msg;
  uint32_t flags;
  SyslogFormat format;
  std::string msgid = "";
  std::string sd = "";
  int64_t received_us = kReceived;
  int32_t utc_offset_s = 0;
};

constexpr SyslogFormat k3164 = SyslogFormat::kRfc3164;
constexpr SyslogFormat k5424 = SyslogFormat::kRfc5424;
constexpr SyslogFormat kNone = SyslogFormat::kNone;
constexpr uint32_t kYear = kFlagYearGuessed;
constexpr uint32_t kInvalid = kFlagHeaderInvalid | kFlagNoTimestamp;

std::vector<Case> Cases() {
  return {
      // ---- Postfix lines as rsyslog/syslogd write them to files (no PRI) ----
      {"file_smtps",
       "Jul  5 17:57:08 mail postfix/smtps/smtpd[128410]: lost connection after "
       "CONNECT from unknown[185.220.101.49]",
       -1, -1, Utc(2026, 7, 5, 17, 57, 8), "mail", "postfix/smtps/smtpd", "128410",
       "lost connection after CONNECT from unknown[185.220.101.49]", kYear, k3164},
      {"file_submission",
       "Jul  5 20:52:45 mail postfix/submission/smtpd[133565]: connect from "
       "unknown[185.167.96.146]",
       -1, -1, Utc(2026, 7, 5, 20, 52, 45), "mail", "postfix/submission/smtpd", "133565",
       "connect from unknown[185.167.96.146]", kYear, k3164},
      {"file_postscreen",
       "May  5 13:35:54 mail postfix/postscreen[16736]: CONNECT from "
       "[45.117.82.48]:57224 to [45.117.82.48]:25",
       -1, -1, Utc(2026, 5, 5, 13, 35, 54), "mail", "postfix/postscreen", "16736",
       "CONNECT from [45.117.82.48]:57224 to [45.117.82.48]:25", kYear, k3164},
      {"file_dma_two_brackets",
       "Feb 14 15:05:48 host dma[1e92be2.3ccbf7647000][24326]: "
       "<afnog@mail.pc200.n2.nog-oc.org> trying delivery",
       -1, -1, Utc(2026, 2, 14, 15, 5, 48), "host", "dma", "24326",
       "<afnog@mail.pc200.n2.nog-oc.org> trying delivery", kYear, k3164},
      {"file_postfix_script",
       "May  5 13:38:07 mail /postfix-script[18521]: the Postfix mail "
       "system is running: PID: 27260",
       -1, -1, Utc(2026, 5, 5, 13, 38, 7), "mail", "/postfix-script", "18521",
       "the Postfix mail system is running: PID: 27260", kYear, k3164},
      {"file_iredapd_no_colon",
       "Dec 29 14:37:04 mail iredapd [103.69.195.21] Bypass greylisting "
       "due to SPF match (vccloud.vn)",
       -1, -1, Utc(2025, 12, 29, 14, 37, 4), "mail", "iredapd", "",
       "[103.69.195.21] Bypass greylisting due to SPF match (vccloud.vn)", kYear, k3164},
      {"file_roundcube_no_pid",
       "Dec 29 14:30:37 mail roundcube: <v5k60u4i> PHP Error: Invalid "
       "response code received from server",
       -1, -1, Utc(2025, 12, 29, 14, 30, 37), "mail", "roundcube", "",
       "<v5k60u4i> PHP Error: Invalid response code received from server", kYear, k3164},
      {"file_dovecot",
       "Jul  7 06:25:06 mail dovecot: lda(postmaster@truongvh.com)<716791>: "
       "sieve: from=root@mail.truongvh.com",
       -1, -1, Utc(2026, 7, 7, 6, 25, 6), "mail", "dovecot", "",
       "lda(postmaster@truongvh.com)<716791>: sieve: from=root@mail.truongvh.com", kYear, k3164},
      {"file_amavis",
       "Jul  7 09:06:15 mail amavis[764113]: (764113-01) Passed CLEAN "
       "{RelayedInternal}, ORIGINATING/MYNETS LOCAL [127.0.0.1]:46972",
       -1, -1, Utc(2026, 7, 7, 9, 6, 15), "mail", "amavis", "764113",
       "(764113-01) Passed CLEAN {RelayedInternal}, ORIGINATING/MYNETS LOCAL [127.0.0.1]:46972",
       kYear, k3164},
      {"file_two_spaces_after_colon", "Jul  7 09:06:15 mail tag:  two spaces", -1, -1,
       Utc(2026, 7, 7, 9, 6, 15), "mail", "tag", "", " two spaces", kYear, k3164},
      {"file_zero_padded_day", "Jul 05 17:57:08 mail postfix/smtpd[1]: x", -1, -1,
       Utc(2026, 7, 5, 17, 57, 8), "mail", "postfix/smtpd", "1", "x", kYear, k3164},
      {"file_unpadded_day", "Jul 5 17:57:08 mail postfix/smtpd[1]: x", -1, -1,
       Utc(2026, 7, 5, 17, 57, 8), "mail", "postfix/smtpd", "1", "x", kYear, k3164},

      // ---- RSYSLOG_TraditionalForwardFormat: PRI + BSD header ----
      {"traditional_forward",
       "<22>Jul  5 17:57:08 mail postfix/smtpd[123]: connect from x[1.2.3.4]", 2, 6,
       Utc(2026, 7, 5, 17, 57, 8), "mail", "postfix/smtpd", "123", "connect from x[1.2.3.4]", kYear,
       k3164},
      {"pix_tag", "<167>Mar  6 16:57:54 172.20.245.8 %PIX-7-710005: UDP request discarded", 20, 7,
       Utc(2026, 3, 6, 16, 57, 54), "172.20.245.8", "%PIX-7-710005", "", "UDP request discarded",
       kYear, k3164},
      {"paren_tag", "<38>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: session opened", 4, 6,
       Utc(2026, 3, 27, 19, 6, 53), "source_server", "sshd(pam_unix)", "12750", "session opened",
       kYear, k3164},
      {"space_after_pri", "<38> Mar  7 19:06:53 example tag: testmessage", 4, 6,
       Utc(2026, 3, 7, 19, 6, 53), "example", "tag", "", "testmessage", kYear, k3164},
      {"upper_case_month_tag_without_colon", "<6>AUG 10 22:18:24 host tag This msg", 0, 6,
       Utc(2026, 8, 10, 22, 18, 24), "host", "tag", "", "This msg", kYear, k3164},
      {"year_in_bsd_timestamp", "<175>Oct 16 2009 23:47:31 hostname tag[1234] This is a message",
       21, 7, Utc(2009, 10, 16, 23, 47, 31), "hostname", "tag", "1234", "This is a message", 0,
       k3164},
      {"colon_after_time", "<38>Mar 7 19:06:53: example tag: m", 4, 6, Utc(2026, 3, 7, 19, 6, 53),
       "example", "tag", "", "m", kYear, k3164},
      {"hostname_only", "<14>Aug 30 23:00:05 X4711", 1, 6, Utc(2026, 8, 30, 23, 0, 5), "X4711", "",
       "", "", kYear, k3164},
      {"nothing_after_timestamp", "<14>Aug 30 23:00:05 ", 1, 6, Utc(2026, 8, 30, 23, 0, 5),
       std::string(kPeer), "", "", "", kYear, k3164},

      // ---- no hostname: the word after the timestamp is the tag ----
      {"no_hostname_pid", "<13>Jul  5 17:57:08 postfix/smtpd[1]: x", 1, 5,
       Utc(2026, 7, 5, 17, 57, 8), std::string(kPeer), "postfix/smtpd", "1", "x", kYear, k3164},
      {"no_hostname_colon", "Jan 11 22:33:44 su: 'su root' failed for luser", -1, -1,
       Utc(2026, 1, 11, 22, 33, 44), std::string(kPeer), "su", "", "'su root' failed for luser",
       kYear, k3164},
      {"no_hostname_asa", "<14>May 21 2017 00:00:00: %ASA-4-102030: Deny udp", 1, 6,
       Utc(2017, 5, 21, 0, 0, 0), std::string(kPeer), "%ASA-4-102030", "", "Deny udp", 0, k3164},
      {"no_hostname_invalid_chars", "<175>Oct 16 23:47:31 #001 MSWinEventLog 0", 21, 7,
       Utc(2026, 10, 16, 23, 47, 31), std::string(kPeer), "#001", "", "MSWinEventLog 0", kYear,
       k3164},

      // ---- RSYSLOG_ForwardFormat and ISO file formats: RFC 3339 in a 3164 header ----
      {"forward_format", "<13>2026-11-22T10:11:12.123456+01:00 host tag[1]: msg", 1, 5,
       Utc(2026, 11, 22, 9, 11, 12, 123456), "host", "tag", "1", "msg", 0, k3164},
      {"iso_without_pri", "2026-11-22T10:11:12+00:00 host prog[1]: msg", -1, -1,
       Utc(2026, 11, 22, 10, 11, 12), "host", "prog", "1", "msg", 0, k3164},
      {"iso_zulu_millis", "<14>2010-08-30T23:00:05.5Z X4711 A", 1, 6,
       Utc(2010, 8, 30, 23, 0, 5, 500000), "X4711", "A", "", "", 0, k3164},
      {"iso_zone_less_is_local", "2026-11-22T10:11:12 host prog: msg", -1, -1,
       Utc(2026, 11, 22, 8, 11, 12), "host", "prog", "", "msg", 0, k3164, "", "", kReceived, 7200},

      // ---- RFC 5424 ----
      {"logger_rfc5424",
       "<13>1 2026-11-22T03:11:45.123456+00:00 myhost root 1234 - [timeQuality "
       "tzKnown=\"1\" isSynced=\"0\"] hello",
       1, 5, Utc(2026, 11, 22, 3, 11, 45, 123456), "myhost", "root", "1234", "hello", 0, k5424, "",
       "[timeQuality tzKnown=\"1\" isSynced=\"0\"]"},
      {"rfc5424_all_nil", "<1>1 - - - - - -", 0, 1, kReceived, std::string(kPeer), "", "", "",
       kFlagNoTimestamp, k5424},
      {"rfc5424_example_1",
       "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
       "\xEF\xBB\xBF'su root' failed",
       4, 2, Utc(2003, 10, 11, 22, 14, 15, 3000), "mymachine.example.com", "su", "",
       "'su root' failed", 0, k5424, "ID47"},
      {"rfc5424_offset",
       "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% "
       "It's time to make the do-nuts.",
       20, 5, Utc(2003, 8, 24, 12, 14, 15, 3), "192.0.2.1", "myproc", "8710",
       "%% It's time to make the do-nuts.", 0, k5424},
      {"rfc5424_sd_escapes",
       "<29>2 2016-01-15T01:00:43Z hn S - - [meta a=\"\\]\\\"\\\\\" "
       "b=\"x\"][other@1 c=\"]\"] msg [not sd]",
       3, 5, Utc(2016, 1, 15, 1, 0, 43), "hn", "S", "", "msg [not sd]", 0, k5424, "",
       "[meta a=\"\\]\\\"\\\\\" b=\"x\"][other@1 c=\"]\"]"},
      {"rfc5424_sd_no_msg",
       "<165>3 2003-10-11T22:14:15.003Z example.com evnts - ID27 "
       "[exampleSDID@32473 iut=\"3\"][examplePriority@32473 class=\"high\"]",
       20, 5, Utc(2003, 10, 11, 22, 14, 15, 3000), "example.com", "evnts", "", "", 0, k5424, "ID27",
       "[exampleSDID@32473 iut=\"3\"][examplePriority@32473 class=\"high\"]"},
      {"rfc5424_bom_only", "<1>8 - - - - - - \xEF\xBB\xBF", 0, 1, kReceived, std::string(kPeer), "",
       "", "", kFlagNoTimestamp, k5424},
      {"rfc5424_multiline_msg", "<1>1 - - - - - - x\ny", 0, 1, kReceived, std::string(kPeer), "",
       "", "x\ny", kFlagNoTimestamp, k5424},

      // ---- year resolution ----
      {"december_line_in_january_is_last_year", "Dec 31 23:59:58 h p: m", -1, -1,
       Utc(2026, 12, 31, 23, 59, 58), "h", "p", "", "m", kYear, k3164, "", "",
       Utc(2027, 1, 1, 0, 0, 2)},
      {"july_line_in_november_is_this_year", "Jul  5 17:57:08 h p: m", -1, -1,
       Utc(2026, 7, 5, 17, 57, 8), "h", "p", "", "m", kYear, k3164},
      {"six_days_ahead_is_this_year", "Nov 28 12:00:00 h p: m", -1, -1, Utc(2026, 11, 28, 12, 0, 0),
       "h", "p", "", "m", kYear, k3164},
      {"eight_days_ahead_is_last_year", "Nov 30 12:00:01 h p: m", -1, -1,
       Utc(2025, 11, 30, 12, 0, 1), "h", "p", "", "m", kYear, k3164},
      {"new_year_line_a_second_early_is_next_year", "Jan  1 00:00:01 h p: m", -1, -1,
       Utc(2027, 1, 1, 0, 0, 1), "h", "p", "", "m", kYear, k3164, "", "",
       Utc(2026, 12, 31, 23, 59, 59)},
      {"zone_less_local_time", "Jul  5 17:57:08 h p: m", -1, -1, Utc(2026, 7, 5, 15, 57, 8), "h",
       "p", "", "m", kYear, k3164, "", "", kReceived, 7200},
      {"local_year_differs_from_utc_year", "Jan  1 00:30:00 h p: m", -1, -1,
       Utc(2026, 12, 31, 23, 30, 0), "h", "p", "", "m", kYear, k3164, "", "",
       Utc(2026, 12, 31, 23, 45, 0), 3600},
      {"feb_29_leap_year", "Feb 29 10:00:00 h p: m", -1, -1, Utc(2028, 2, 29, 10, 0, 0), "h", "p",
       "", "m", kYear, k3164, "", "", Utc(2028, 3, 1, 0, 0, 0)},
      {"feb_29_not_a_leap_year", "Feb 29 10:00:00 h p: m", -1, -1, kReceived, "h", "p", "", "m",
       kYear | kFlagNoTimestamp, k3164},

      // ---- PRI without a timestamp (rsyslog: TAG: MSG, no hostname) ----
      {"pri_no_timestamp", "<27>xapi: [error|xen3] Connection to master died", 3, 3, kReceived,
       std::string(kPeer), "xapi", "", "[error|xen3] Connection to master died", kFlagNoTimestamp,
       k3164},

      // ---- not syslog headers ----
      {"empty", "", -1, -1, kReceived, std::string(kPeer), "", "", "", kInvalid, kNone},
      {"plain_text", "This is a message!", -1, -1, kReceived, std::string(kPeer), "", "",
       "This is a message!", kInvalid, kNone},
      {"time_only", "17:57:08 mail postfix/smtpd[1]: x", -1, -1, kReceived, std::string(kPeer), "",
       "", "17:57:08 mail postfix/smtpd[1]: x", kInvalid, kNone},
      {"pri_too_big", "<192>Jul  5 17:57:08 h p: m", -1, -1, kReceived, std::string(kPeer), "", "",
       "<192>Jul  5 17:57:08 h p: m", kInvalid, kNone},
      {"pri_leading_zero", "<013>Jul  5 17:57:08 h p: m", -1, -1, kReceived, std::string(kPeer), "",
       "", "<013>Jul  5 17:57:08 h p: m", kInvalid, kNone},
      {"pri_empty", "<>1 - - - - - -", -1, -1, kReceived, std::string(kPeer), "", "",
       "<>1 - - - - - -", kInvalid, kNone},
      {"pri_unterminated", "<13", -1, -1, kReceived, std::string(kPeer), "", "", "<13", kInvalid,
       kNone},
      {"rfc5424_bad_timestamp_keeps_pri", "<1>5 A - - - - -", 0, 1, kReceived, std::string(kPeer),
       "", "", "<1>5 A - - - - -", kInvalid, kNone},
      {"rfc5424_day_out_of_range", "<1>1 2003-09-31T22:14:15Z h a - - - m", 0, 1, kReceived,
       std::string(kPeer), "", "", "<1>1 2003-09-31T22:14:15Z h a - - - m", kInvalid, kNone},
      {"rfc5424_truncated", "<1>1 2003-09-30T22:14:15Z h a", 0, 1, kReceived, std::string(kPeer),
       "", "", "<1>1 2003-09-30T22:14:15Z h a", kInvalid, kNone},
      {"rfc5424_unterminated_sd", "<1>1 - h a - - [id x=\"1\" msg", 0, 1, kReceived,
       std::string(kPeer), "", "", "<1>1 - h a - - [id x=\"1\" msg", kInvalid, kNone},
  };
}

TEST(SyslogParserTest, TableOfRealLines) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const LogRecord rec = Parse(c.line, c.received_us, c.utc_offset_s);
    EXPECT_EQ(rec.raw, c.line);
    EXPECT_EQ(rec.facility, c.facility);
    EXPECT_EQ(rec.severity, c.severity);
    EXPECT_EQ(rec.timestamp_us, c.timestamp_us)
        << "off by " << (rec.timestamp_us - c.timestamp_us) / 1000000 << " s";
    EXPECT_EQ(rec.host, c.host);
    EXPECT_EQ(rec.program, c.program);
    EXPECT_EQ(rec.pid, c.pid);
    EXPECT_EQ(rec.msgid, c.msgid);
    EXPECT_EQ(rec.structured_data, c.sd);
    EXPECT_EQ(rec.message(), c.msg);
    EXPECT_EQ(rec.flags, c.flags) << "flags";
    EXPECT_EQ(rec.format, c.format);
    if (c.flags & kFlagHeaderInvalid) {
      EXPECT_EQ(rec.msg_offset, 0u);
    }
  }
}

// The same file lines with a PRI in front parse to the same fields.
TEST(SyslogParserTest, FileLinesWithPriPrefixed) {
  for (const Case& c : Cases()) {
    if (std::string_view(c.name).substr(0, 5) != "file_") continue;
    SCOPED_TRACE(c.name);
    const LogRecord plain = Parse(c.line);
    const LogRecord with_pri = Parse("<22>" + c.line);
    EXPECT_EQ(with_pri.facility, 2);
    EXPECT_EQ(with_pri.severity, 6);
    EXPECT_EQ(with_pri.timestamp_us, plain.timestamp_us);
    EXPECT_EQ(with_pri.host, plain.host);
    EXPECT_EQ(with_pri.program, plain.program);
    EXPECT_EQ(with_pri.pid, plain.pid);
    EXPECT_EQ(with_pri.message(), plain.message());
    EXPECT_EQ(with_pri.flags, plain.flags);
  }
}

TEST(SyslogParserTest, FramerFlagsAreKept) {
  const LogRecord rec =
      Parse("<13>Jul  5 17:57:08 h p: m", kReceived, 0, kFlagTruncated | kFlagFramingError);
  EXPECT_EQ(rec.flags, kFlagTruncated | kFlagFramingError | kFlagYearGuessed);
}

TEST(SyslogParserTest, ReparsingResetsOwnFlags) {
  LogRecord rec = Parse("bad\xff line");
  EXPECT_TRUE(rec.flags & kFlagInvalidUtf8);
  rec.raw = "<13>Jul  5 17:57:08 h p: m";
  ParseContext ctx;
  ctx.received_us = kReceived;
  ParseSyslogLine(rec, ctx);
  EXPECT_EQ(rec.flags, kFlagYearGuessed);
}

TEST(SyslogParserTest, NulBytesFlagged) {
  const LogRecord rec = Parse(std::string("<13>Jul  5 17:57:08 h p: a\0b", 28));
  EXPECT_EQ(rec.flags, kFlagNulBytes | kFlagYearGuessed);
  EXPECT_EQ(rec.message(), std::string_view("a\0b", 3));
}

TEST(SyslogParserTest, Utf8Validation) {
  struct Utf8Case {
    std::string bytes;
    bool valid;
  };
  const Utf8Case cases[] = {
      {"plain ascii, long enough for the 8-byte fast path", true},
      {"\xC3\xA4\xC3\xB6\xC3\xBC greek \xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", true},
      {"gothic \xF0\x90\x8C\xBC and \xE2\x82\xA1", true},
      {"max \xF4\x8F\xBF\xBF", true},
      {"\xEF\xBB\xBF"
       "bom",
       true},
      {"latin1 \xE4\xF6\xFC", false},
      {"overlong \xC0\x80", false},
      {"overlong \xE0\x80\xAF", false},
      {"overlong \xF0\x80\x80\xAF", false},
      {"surrogate \xED\xA0\x80", false},
      {"too big \xF4\x90\x80\x80", false},
      {"F5 \xF5\x80\x80\x80", false},
      {"lone continuation \x80", false},
      {"truncated at end \xE2\x82", false},
      {"truncated in middle \xE2\x82 x", false},
  };
  for (const Utf8Case& c : cases) {
    const LogRecord rec = Parse("<13>Jul  5 17:57:08 h p: " + c.bytes);
    EXPECT_EQ((rec.flags & kFlagInvalidUtf8) == 0, c.valid) << c.bytes;
  }
}

// Random bytes, truncations and mutations of real lines: never crash, never
// read out of bounds, always a consistent record.
TEST(SyslogParserTest, FuzzNeverCrashes) {
  std::vector<std::string> seeds;
  for (const Case& c : Cases()) seeds.push_back(c.line);
  std::mt19937 rng(1234);
  const std::string specials = "<>[]: -T.Z+0123456789\"\\\n\xEF\xBB\xBF\x80\xff";
  auto check = [](const std::string& line) {
    // A copy sized exactly to the line, so reading past it is a heap overflow
    // that ASan builds report.
    const LogRecord rec = Parse(line);
    ASSERT_EQ(rec.raw, line);
    ASSERT_LE(rec.msg_offset, rec.raw.size());
    ASSERT_GE(rec.facility, -1);
    ASSERT_LE(rec.facility, 23);
    ASSERT_GE(rec.severity, -1);
    ASSERT_LE(rec.severity, 7);
    ASSERT_EQ(rec.facility < 0, rec.severity < 0);
    if (rec.flags & kFlagHeaderInvalid) {
      ASSERT_EQ(rec.msg_offset, 0u);
      ASSERT_EQ(rec.host, kPeer);
      ASSERT_TRUE(rec.program.empty());
      ASSERT_EQ(rec.timestamp_us, kReceived);
    }
    if (rec.flags & kFlagNoTimestamp) {
      ASSERT_EQ(rec.timestamp_us, kReceived);
    }
    ASSERT_TRUE(rec.host == kPeer || rec.raw.find(rec.host) != std::string::npos);
    ASSERT_NE(rec.raw.find(rec.program), std::string::npos);
    ASSERT_NE(rec.raw.find(rec.pid), std::string::npos);
    ASSERT_NE(rec.raw.find(rec.structured_data), std::string::npos);
  };
  for (const std::string& s : seeds) {
    for (size_t n = 0; n <= s.size(); ++n) check(s.substr(0, n));
  }
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    if (i % 2 == 0) {
      line.resize(rng() % 80);
      for (char& c : line) c = static_cast<char>(rng());
      if (i % 4 == 0 && !line.empty()) line[0] = '<';
    } else {
      line = seeds[rng() % seeds.size()];
      const int edits = 1 + rng() % 4;
      for (int e = 0; e < edits && !line.empty(); ++e) {
        const size_t pos = rng() % line.size();
        switch (rng() % 3) {
          case 0:
            line[pos] = specials[rng() % specials.size()];
            break;
          case 1:
            line.erase(pos, 1 + rng() % 3);
            break;
          default:
            line.insert(pos, 1, specials[rng() % specials.size()]);
        }
      }
    }
    check(line);
  }
}

TEST(SyslogParserTest, LastMessageRepeatedHasNoTag) {
  for (std::string_view line : {"<13>Nov 22 10:00:00 mx1 last message repeated 3 times",
                                "Nov 22 10:00:00 mx1 --- last message repeated 2 times ---"}) {
    LogRecord rec = Parse(line);
    EXPECT_EQ(rec.host, "mx1") << line;
    EXPECT_EQ(rec.program, "") << line;
    EXPECT_TRUE(rec.message().find("last message repeated") != std::string_view::npos) << line;
  }
}

TEST(SyslogParserTest, SolarisMessageIdIsNotPartOfTheMessage) {
  LogRecord rec = Parse(
      "<22>Nov 22 10:00:00 sol1 sendmail[4242]: [ID 801593 mail.info] q1MA00h0004242: "
      "from=<a@b>, size=10");
  EXPECT_EQ(rec.program, "sendmail");
  EXPECT_EQ(rec.pid, "4242");
  EXPECT_EQ(rec.message(), "q1MA00h0004242: from=<a@b>, size=10");
  // Only a real ID block is skipped.
  rec = Parse("<22>Nov 22 10:00:00 h app[1]: [ID x] text");
  EXPECT_EQ(rec.message(), "[ID x] text");
}

}  // namespace
}  // namespace mlq
