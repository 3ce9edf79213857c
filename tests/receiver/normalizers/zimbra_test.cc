// Tests of the Zimbra normalizer: table-driven cases
// (tests/data/zimbra/cases.txt), recognition rates over copies of the corpus
// files (tests/data/zimbra/corpus/, and the full shared corpus when present),
// agreement with crowdsec's expected fields
// (tests/data/zimbra/expected-fields.tsv), and robustness against truncated
// and random input.

#include "receiver/normalizers/zimbra.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "coverage/daemon_path.h"
#include "receiver/normalizers/family_harness.h"
#include "test_util.h"

namespace mlq {
namespace {

const testing::FamilyHarness& H();

// A whole line as the receiver builds it: header parsed, normalized.
LogRecord ParseLine(std::string_view line) { return H().FromLine(line); }

// Lines of a corpus file that are not Zimbra's and do not count, besides blank lines
// (inside a quoted stack trace): three whole files of mail/zimbra that
// hold other families' lines: crowdsec-hub-cve_2022_37042.log is an nginx
// access log (the Zimbra proxy's web front), and the two issue-*.log files
// are Zimbra's Postfix lines, which the postfix normalizer handles.
bool Excluded(const std::string& file, std::string_view line) {
  return file == "crowdsec-hub-cve_2022_37042.log" ||
         file == "issue-crowdsec-hub-163-zimbra-postfix.log" ||
         file == "issue-darold-sendmailanalyzer-30-zimbra-mta.log";
}

// More probes of a text for Poke.
void Probe(std::string_view view) {
  LogRecord z;
  z.program = "zimbramon";
  EXPECT_TRUE(NormalizeZimbra(view, z));
  LogRecord s;
  s.program = "saslauthd";
  NormalizeZimbra(view, s);
}

const testing::FamilyHarness& H() {
  static const testing::FamilyHarness h(testing::LogFileFamily(
      "zimbra", RegisterZimbra, NormalizeZimbra, SniffZimbra, "mailboxd", Excluded, Probe));
  return h;
}

TEST(ZimbraTest, Cases) { H().RunCases(25u); }

// ---- registration and contracts ----

bool DummySaslauthd(std::string_view, LogRecord& rec) {
  rec.family = "auth";
  rec.event = "dummy";
  return true;
}

TEST(ZimbraTest, RegistersProgramsAndSniffer) {
  const NormalizerTable& t = H().Table();
  for (std::string_view p : {"zimbra", "mailboxd", "zimbramon", "zmmailboxdmgr", "zmconfigd",
                             "zmmtaconfig", "saslauthd"}) {
    EXPECT_EQ(t.Find(p), &NormalizeZimbra) << p;
  }
  EXPECT_EQ(t.Find("postfix"), nullptr);
  EXPECT_EQ(t.Find("amavis"), nullptr);
  // An existing saslauthd normalizer (another family's) is kept.
  NormalizerTable other;
  other.Register("saslauthd", DummySaslauthd);
  RegisterZimbra(other);
  EXPECT_EQ(other.Find("saslauthd"), &DummySaslauthd);
}

// The text of a saslauthd line that is not Zimbra's (constructed: saslauthd's
// PAM mechanism wording) is refused when saslauthd is routed here.
TEST(ZimbraTest, NonZimbraSaslauthdLineIsRefused) {
  LogRecord rec = ParseLine(
      "Nov 22 10:00:00 mx saslauthd[12]: do_auth         : auth failure: [user=x] "
      "[service=smtp] [realm=] [mech=pam] [reason=PAM auth error]");
  EXPECT_EQ(rec.family, "");
  EXPECT_EQ(rec.event, "");
}

TEST(ZimbraTest, FileTimeClearsNoTimestampFlag) {
  LogRecord rec = ParseLine(
      "2021-03-03 19:51:53,762 INFO  [qtp93314457-324:smtp://smtp.test.fr:7073/service/admin/"
      "soap/] [oip=192.168.7.15;oport=57752;oproto=smtp;soapId=688cb579;] SoapEngine - handler "
      "exception: authentication failed for [toto.tata], account not found");
  EXPECT_EQ(rec.format, SyslogFormat::kNone);
  EXPECT_EQ(rec.flags & kFlagNoTimestamp, 0u);
  EXPECT_EQ(testing::IsoTime(rec.timestamp_us), "2021-03-03T19:51:53.762");
}

// ---- corpus coverage ----

TEST(ZimbraTest, CorpusCopiesCoverage) { H().ExpectCorpusCopiesCoverage(6u); }

TEST(ZimbraTest, FullCorpusCoverage) { H().ExpectFullCorpusCoverage(); }

// ---- agreement with other parsers' expected fields ----

TEST(ZimbraTest, ExpectedFieldsAgreement) { H().ExpectFieldsAgreement(12u); }

// ---- robustness ----

TEST(ZimbraTest, TruncatedLinesAreSafe) { H().PokeTruncatedLines(); }

TEST(ZimbraTest, RandomInputIsSafe) {
  static constexpr std::string_view kPieces[] = {"2026-11-22 10:11:12,345 ",
                                                 "2026-11-22 10:11:12.345:",
                                                 "INFO ",
                                                 "WARN  ",
                                                 "FATAL ",
                                                 " ",
                                                 " ",
                                                 "[",
                                                 "]",
                                                 "[name=",
                                                 "[ip=",
                                                 "oip=",
                                                 "aname=",
                                                 ";",
                                                 ";]",
                                                 "] ",
                                                 " - ",
                                                 "lmtp",
                                                 "mailop",
                                                 "security",
                                                 "cmd=Auth; ",
                                                 "account=",
                                                 "error=",
                                                 "Delivering message: ",
                                                 "size=",
                                                 " bytes",
                                                 "nrcpts=",
                                                 "sender=",
                                                 "msgid=<",
                                                 ">",
                                                 ",",
                                                 "from=",
                                                 "to=",
                                                 "rejecting message ",
                                                 "Adding Message: ",
                                                 "Message-ID=<",
                                                 "folderName=",
                                                 "authentication failed for [",
                                                 "at ",
                                                 "(",
                                                 ")",
                                                 "Caused by:",
                                                 "... ",
                                                 " more",
                                                 "com.zimbra.x.FooException: ",
                                                 "DOS ALERT:ip=",
                                                 "auth_zimbra: ",
                                                 " auth failed: ",
                                                 "123:info: ",
                                                 "STATUS: ",
                                                 "zmstat ",
                                                 "mailbox.log:",
                                                 "\t",
                                                 "\xff",
                                                 std::string_view("\0", 1)};
  H().PokeRandomPieces(kPieces);
}

}  // namespace
}  // namespace mlq
