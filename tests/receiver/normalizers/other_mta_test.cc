// The tests over the union of the Sendmail, qmail, dma, Courier, IMAP/POP3
// (Courier, Cyrus, UW), solid-pop3d, perdition and MailScanner normalizers
// (formerly receiver/other_mta.cc): coverage of corpus/mail/other, agreement
// with fail2ban's expectations and robustness. Their thresholds are over
// the families together; each family's case file is tested in its own
// <family>_test.cc.

#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "receiver/normalizers/courier.h"
#include "receiver/normalizers/dma.h"
#include "receiver/normalizers/family_harness.h"
#include "receiver/normalizers/imap_pop.h"
#include "receiver/normalizers/mailscanner.h"
#include "receiver/normalizers/perdition.h"
#include "receiver/normalizers/qmail.h"
#include "receiver/normalizers/sendmail.h"
#include "receiver/normalizers/solid_pop3d.h"
#include "test_util.h"

namespace mlq {
namespace {

using testing::CorpusDir;
using testing::Coverage;
using testing::FileExists;
using testing::MeasureFile;

// The families in DefaultNormalizers() order.
NormalizerTable Table() {
  NormalizerTable t;
  RegisterSendmail(t);
  RegisterQmail(t);
  RegisterDma(t);
  RegisterCourier(t);
  RegisterImapPop(t);
  RegisterSolidPop3d(t);
  RegisterPerdition(t);
  RegisterMailScanner(t);
  return t;
}

const std::vector<std::string> kPrograms = {
    "sendmail",        "sm-mta",          "sm-msp-queue", "sm-acceptingconnections",
    "qmail",           "qmail-send",      "rblsmtpd",     "dma",
    "courieresmtpd",   "courierd",        "courierlocal", "imapd",
    "imapd-ssl",       "pop3d",           "ipop3d",       "imap",
    "imaps",           "cyrus/imaps",     "cyrus/pop3",   "courierpop3login",
    "solid-pop3d",     "perdition.imaps", "MailScanner",  "timsieved",
    "cyrus/timsieved",
};

std::vector<std::string> ListLogs(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 4 && n.ends_with(".log")) out.push_back(n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Coverage over corpus/mail/other: the lines whose program this table
// handles (other programs belong to other normalizers or to none; the
// report lists them).
TEST(OtherMtaTest, CorpusCoverage) {
  const std::string dir = CorpusDir() + "/mail/other/";
  MLQ_REQUIRE_CORPUS(testing::IsDir(dir), "no corpus at " << dir);
  NormalizerTable t = Table();
  auto mine = [&t](const LogRecord& r) { return !r.program.empty() && t.Find(r.program); };
  Coverage total;
  for (const std::string& f : ListLogs(dir)) total.Add(MeasureFile(t, dir + f, mine));
  const std::string seeds = CorpusDir() + "/mail/seeds/004_1436868dbbe2f0a0.log";
  if (FileExists(seeds)) total.Add(MeasureFile(t, seeds, mine));
  testing::PrintMisses(total, 40);
  std::printf("  other_mta total: %zu/%zu = %.1f%%\n", total.recognized, total.lines,
              total.Percent());
  EXPECT_GE(total.lines, 3000u);
  EXPECT_GE(total.Percent(), 98.0);
}

TEST(OtherMtaTest, Fail2banAgreement) {
  const std::string dir = CorpusDir() + "/expected/";
  MLQ_REQUIRE_CORPUS(testing::IsDir(dir), "no corpus at " << dir);
  NormalizerTable t = Table();
  auto mine = [&t](const LogRecord& r) { return !r.program.empty() && t.Find(r.program); };
  testing::Agreement total;
  for (const char* f :
       {"fail2ban-courier-auth.jsonl", "fail2ban-courier-smtp.jsonl", "fail2ban-cyrus-imap.jsonl",
        "fail2ban-uwimap-auth.jsonl", "fail2ban-sendmail-auth.jsonl",
        "fail2ban-sendmail-reject.jsonl", "fail2ban-qmail.jsonl", "fail2ban-solid-pop3d.jsonl",
        "fail2ban-perdition.jsonl"}) {
    if (!FileExists(dir + f)) continue;
    testing::Agreement a = testing::CompareFail2ban(t, dir + f, mine);
    total.compared += a.compared;
    total.agreed += a.agreed;
  }
  std::printf("  other_mta agreement: %zu/%zu = %.1f%%\n", total.agreed, total.compared,
              total.Percent());
  EXPECT_GE(total.compared, 90u);
  EXPECT_GE(total.Percent(), 95.0);
}

TEST(OtherMtaTest, RobustOnTruncatedAndRandomInput) {
  NormalizerTable t = Table();
  testing::FuzzTable(
      t,
      testing::CaseLines({"other_mta/sendmail.txt", "other_mta/qmail.txt", "other_mta/dma.txt",
                          "other_mta/imap_pop.txt", "other_mta/mailscanner.txt"}),
      kPrograms);
}

}  // namespace
}  // namespace mlq
