// The Dovecot normalizer against real log lines: the expected-output table
// (tests/data/dovecot/expected.tsv) including the seeds' Dovecot line, a
// recognition rate over whole files, agreement with what crowdsec, SSHGuard
// and fail2ban extract from the same lines, constructed lines for shapes the
// corpus lacks, and garbage input.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coverage/json_line.h"
#include "receiver/normalizers/dovecot.h"
#include "receiver/normalizers/family_harness.h"
#include "test_util.h"

namespace mlq {
namespace {

namespace fs = std::filesystem;

// The table holds only Dovecot's normalizers (its programs and its sniffer).
const testing::FamilyHarness& H() {
  static const testing::FamilyHarness h({
      .family = "dovecot",
      .registers = {RegisterDovecot},
      .parse = testing::FamilyHarness::TableParse(),
      .print_width = 66,
  });
  return h;
}

LogRecord Dovecot(std::string_view msg) { return H().FromMsg("dovecot", msg); }

TEST(DovecotExpectedTable, EveryRowMatchesExactly) {
  EXPECT_GE(H().ExpectTableRows("dovecot/expected.tsv"), 95u);
}

// A line that is Dovecot's by its program (or, without a header, by what the
// sniffer accepts). Cyrus timsieved ("sieve", "timsieved", "cyrus/...") also
// sits in the corpus' dovecot folder; it is not Dovecot.
bool IsForeign(const LogRecord& rec) {
  std::string_view p = rec.program;
  return p == "sieve" || p == "timsieved" || p.starts_with("cyrus/");
}

bool IsDovecotLine(const LogRecord& rec) {
  if (rec.family == "dovecot") return true;
  std::string_view p = rec.program;
  if (p == "dovecot" || p.starts_with("dovecot-") || p.ends_with("-login")) return true;
  // A header the syslog parser could not read: judge by the text.
  return p.empty() && rec.raw.find(" dovecot: ") != std::string::npos;
}

// The founding examples must be understood in full: each of their Dovecot
// lines has a row (and so a complete expectation) in expected.tsv.
TEST(DovecotExpectedTable, HoldsEverySeedLine) {
  std::set<std::string> table;
  for (const auto& row : testing::ReadTsv(testing::TestData("dovecot/expected.tsv")))
    table.insert(row[0]);
  size_t seed_lines = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(testing::TestData("seeds"))) {
    if (e.path().extension() != ".log") continue;
    for (const std::string& line : testing::ReadLines(e.path().string())) {
      if (H().FromLine(line).program != "dovecot") continue;
      ++seed_lines;
      EXPECT_TRUE(table.count(line)) << "seed line without an expected row: " << line;
    }
  }
  EXPECT_EQ(seed_lines, 1u);
}

// ---- recognition rate over whole files ----

using Kind = testing::FamilyHarness::LineKind;

// In the family's own files every line is meant to be Dovecot's but Cyrus
// timsieved's (foreign); elsewhere only lines that look like Dovecot's count.
Kind Classify(const LogRecord& rec, bool own_file) {
  if (IsForeign(rec)) return own_file ? Kind::kForeign : Kind::kOther;
  return own_file || IsDovecotLine(rec) ? Kind::kOwn : Kind::kOther;
}

TEST(DovecotCoverage, CopiedData) {
  testing::LineCoverage total = H().CopiedDataCoverage(Classify);
  EXPECT_GE(total.lines, 150u);
  EXPECT_GE(total.Rate(), 0.98);
}

// Every Dovecot line of the shared corpus, when this checkout sits next to it
// (../shared/corpus from the project root): the whole dovecot folder and the
// Dovecot lines of mixed logs elsewhere.
TEST(DovecotCoverage, SharedCorpusWhenPresent) {
  MLQ_REQUIRE_CORPUS(H().HasSharedCorpus(), "no " << testing::CorpusDir() << "/mail/dovecot");
  testing::LineCoverage total = H().SharedCorpusCoverage(Classify);
  EXPECT_GE(total.lines, 180u);
  EXPECT_GE(total.Rate(), 0.98);
}

// ---- agreement with other parsers' expectations (coverage/agreement.h) ----

void Print(std::string_view name, const testing::Agreement& a) {
  std::printf("%-58s %4zu/%4zu fields agree (%6.2f%%)\n", std::string(name).c_str(), a.agreed,
              a.compared, a.Percent());
  for (const std::string& d : a.differences) std::printf("    differs: %s\n", d.c_str());
}

LogRecord Line(std::string_view line) { return H().FromLine(line); }

// crowdsecurity/dovecot-logs (user, remote and local IP, passdb driver) and
// SSHGuard (the attacker address of its "dovecot" section).
TEST(DovecotAgreement, CrowdsecAndSshguard) {
  testing::Agreement total;
  for (const std::string& f : testing::FilesIn(testing::TestData("dovecot/expected"), ".jsonl")) {
    if (!fs::path(f).filename().string().starts_with("crowdsec-hub-")) continue;
    testing::Agreement a = testing::CompareCrowdsec(f, Line);
    Print(fs::path(f).filename().string(), a);
    total.Merge(a);
  }
  testing::Agreement sshguard = testing::CompareSshguard(
      testing::TestData("dovecot/expected/sshguard-parser-tests-mail.jsonl"), "dovecot", Line);
  Print("sshguard-parser-tests-mail.jsonl (dovecot section)", sshguard);
  total.Merge(sshguard);
  Print("TOTAL", total);
  EXPECT_GE(total.compared, 90u);
  EXPECT_GE(total.Percent(), 95.0);
}

// fail2ban's failJSON expectations (GPL-2.0, not copied): the host it bans
// is our client IP, and every line it matches is one we flag.
TEST(DovecotAgreement, Fail2banWhenPresent) {
  fs::path path = fs::path(testing::CorpusDir()) / "expected" / "fail2ban-dovecot.jsonl";
  MLQ_REQUIRE_CORPUS(fs::exists(path), "no " << path.string());
  testing::Agreement hosts = testing::CompareFail2ban(path.string(), Line);
  size_t matched = 0, flagged = 0;
  for (const std::string& json : testing::ReadLines(path.string())) {
    std::string line, match;
    if (!testing::JsonValue(json, "line", &line)) continue;
    if (!testing::JsonValue(json, "match", &match) || match != "true") continue;
    ++matched;
    LogRecord rec = H().FromLine(line);
    if (rec.event == "auth-failure" || rec.event == "aborted-login" || rec.event == "disconnect") {
      ++flagged;
    }
  }
  Print("fail2ban-dovecot.jsonl", hosts);
  std::printf(
      "fail2ban-dovecot.jsonl: %zu/%zu matched lines are auth-failure, aborted-login or "
      "disconnect\n",
      flagged, matched);
  EXPECT_GE(hosts.compared, 50u);
  EXPECT_GE(hosts.Percent(), 95.0);
  EXPECT_EQ(flagged, matched);
}

// ---- shapes the corpus lacks, as Dovecot writes them ----

TEST(Dovecot, Lmtp22SessionIdBeforeTheText) {
  // MSG of mail/postfix/issue-mailinabox-1523-lmtp-no-date.log (user-posted):
  // the ID is the one Postfix's LMTP reply "250 2.0.0 <u> <id> Saved" quotes.
  LogRecord rec = Dovecot(
      "lmtp(user1@domain.tld): aLZLE8k3bFyNCgAA9K/kkg: sieve: msgid=<message-id>: stored mail "
      "into mailbox 'INBOX'");
  EXPECT_EQ(rec.event, "local-delivery");
  EXPECT_EQ(rec.to, (std::vector<std::string>{"user1@domain.tld"}));
  EXPECT_EQ(rec.message_id, "message-id");
  EXPECT_EQ(rec.status, "stored");
  EXPECT_EQ(rec.Extra("session"), "aLZLE8k3bFyNCgAA9K/kkg");
  EXPECT_EQ(rec.Extra("lmtp_session"), "aLZLE8k3bFyNCgAA9K/kkg");
  EXPECT_EQ(rec.Extra("sieve_action"), "store");
}

TEST(Dovecot, DeliveryFailures) {
  LogRecord rec = Dovecot(
      "lmtp(user@example.org)<4242><0HmsNzmv+WWwGQAA3yiS9g>: Error: msgid=<a@b.example>: save "
      "failed to INBOX: Quota exceeded (mailbox for user is full)");
  EXPECT_EQ(rec.event, "local-delivery");
  EXPECT_EQ(rec.status, "quota");
  EXPECT_EQ(rec.reply, "Quota exceeded (mailbox for user is full)");
  EXPECT_EQ(rec.Extra("mailbox"), "INBOX");
  EXPECT_EQ(rec.Extra("lmtp_session"), "0HmsNzmv+WWwGQAA3yiS9g");
  EXPECT_EQ(rec.Extra("mail_pid"), "4242");
  rec = Dovecot("lda(u): msgid=<a@b.example>: rejected: Quota exceeded (mailbox for user is full)");
  EXPECT_EQ(rec.status, "quota");
  rec = Dovecot(
      "lda(u)<1><s>: sieve: msgid=<a@b.example>: failed to store into mailbox 'Spam': "
      "Mailbox doesn't exist: Spam");
  EXPECT_EQ(rec.status, "failed");
  EXPECT_EQ(rec.Extra("mailbox"), "Spam");
  EXPECT_EQ(rec.reply, "Mailbox doesn't exist: Spam");
  rec = Dovecot("lda(u): sieve: msgid=<a@b.example>: sent rejection message to <x@y.example>");
  EXPECT_EQ(rec.status, "rejected");
  EXPECT_EQ(rec.Extra("sieve_action"), "reject");
  rec = Dovecot("lda(u): sieve: msgid=<a@b.example>: sent vacation response to <x@y.example>");
  EXPECT_EQ(rec.event, "local-delivery");
  EXPECT_EQ(rec.Extra("sieve_action"), "vacation");
  rec = Dovecot("lmtp(25929): Disconnect from local: Successful quit");
  EXPECT_EQ(rec.event, "disconnect");
  rec = Dovecot("lmtp(u): msgid=<a@b.example>: something new");
  EXPECT_EQ(rec.event, "local-delivery") << "a delivery line with an unknown outcome";
  EXPECT_EQ(rec.status, "");
  EXPECT_EQ(rec.reply, "something new");
}

TEST(Dovecot, PasswordsNeverReachTheReply) {
  LogRecord rec = Dovecot(
      "auth-worker(10377): conn unix:auth-worker (pid=919,uid=112): auth-worker<1>: "
      "sql(t@example.com,192.168.1.1): unknown user (given password: Password123$)");
  EXPECT_EQ(rec.event, "auth-failure");
  EXPECT_EQ(rec.reply, "unknown user");
  EXPECT_NE(rec.raw.find("Password123$"), std::string::npos) << "raw is kept verbatim";
}

TEST(Dovecot, SessionsAndLevels) {
  LogRecord rec = Dovecot(
      "pop3(u@example.org)<99><AbCd>: Disconnected: Logged out top=0/0, "
      "retr=1/2048, del=1/1, size=2048");
  EXPECT_EQ(rec.event, "session");
  EXPECT_EQ(rec.sasl_user, "u@example.org");
  EXPECT_EQ(rec.Extra("session"), "AbCd");
  EXPECT_EQ(Dovecot("imap(u): Error: Mailbox INBOX: UID=7: read() failed").event, "error");
  EXPECT_EQ(Dovecot("config: Warning: please fix this").event, "warning");
  EXPECT_EQ(Dovecot("master: Panic: oops").event, "fatal");
  EXPECT_EQ(Dovecot("ssl-params: Generating SSL parameters").event, "info");
  EXPECT_EQ(Dovecot("imap-login: Maximum number of connections from user+IP exceeded "
                    "(mail_max_userip_connections=10): user=<u>, method=PLAIN, rip=192.0.2.9")
                .event,
            "login-refused");
  EXPECT_EQ(Dovecot("").event, "info");
}

// SYNTHETIC lines (no corpus example) from the format strings of Dovecot's
// master/service-process.c ("service(%s): child %s killed with signal %d")
// and auth/passdb.c ("Unknown passdb driver '%s'").
TEST(Dovecot, ProcessEndsAndDriverErrors) {
  LogRecord rec = Dovecot(
      "master: Error: service(imap): child 1234 killed with signal 9 (core dumps disabled)");
  EXPECT_EQ(rec.event, "process-killed");
  EXPECT_EQ(rec.Extra("process"), "imap");
  EXPECT_EQ(rec.Extra("pid"), "1234");
  EXPECT_EQ(rec.Extra("signal"), "9");
  rec = Dovecot("auth: Fatal: Unknown userdb driver 'sqlx'");
  EXPECT_EQ(rec.event, "auth-driver-missing");
  EXPECT_EQ(rec.Extra("db"), "userdb");
  EXPECT_EQ(rec.Extra("driver"), "sqlx");
  // Shapes that only look alike keep their level's event.
  EXPECT_EQ(Dovecot("master: Warning: Killed with signal x").event, "warning");
  EXPECT_EQ(Dovecot("auth: Debug: Performing lookup").event, "debug");
}

TEST(Dovecot, ProgramIsTheProcess) {
  // Dovecot writing its own log file: the process name takes the tag's place.
  LogRecord rec = H().FromMsg("imap-login", "Info: Login: user=<u>, method=PLAIN, rip=192.0.2.3");
  EXPECT_EQ(rec.event, "login");
  EXPECT_EQ(rec.client_ip, "192.0.2.3");
  rec = H().FromMsg("dovecot-auth", "passwd-file(u,192.0.2.3): unknown user");
  EXPECT_EQ(rec.event, "auth-failure");
  EXPECT_EQ(rec.sasl_user, "u");
  rec = H().FromMsg("lmtp(u@example.org)", "msgid=<a@b>: saved mail to INBOX");
  EXPECT_EQ(rec.event, "local-delivery") << "taken by the sniffer";
  EXPECT_EQ(rec.to, (std::vector<std::string>{"u@example.org"}));
}

TEST(Dovecot, SnifferLeavesOtherProgramsAlone) {
  bool recognized = true;
  // PAM for sshd under the common "auth" tag.
  LogRecord rec = H().FromMsg("auth",
                              "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                              "tty=ssh ruser= rhost=192.0.2.8  user=root",
                              &recognized);
  EXPECT_FALSE(recognized);
  EXPECT_EQ(rec.family, "");
  EXPECT_TRUE(rec.extra.empty());
  H().FromMsg("auth", "Info: something else entirely", &recognized);
  EXPECT_FALSE(recognized);
  H().FromMsg("", "imap: not a dovecot line", &recognized);
  EXPECT_FALSE(recognized);
  H().FromMsg("sieve", "badlogin: example.com[1.2.3.4] PLAIN authentication failure", &recognized);
  EXPECT_FALSE(recognized) << "Cyrus timsieved";
  H().FromMsg("", "2019-10-15 08:08:52 systemd: Started", &recognized);
  EXPECT_FALSE(recognized);
}

// ---- never crash, never read out of bounds ----

TEST(DovecotRobustness, TruncatedRealLinesAndGarbage) {
  std::vector<std::string> lines;
  for (const auto& row : testing::ReadTsv(testing::TestData("dovecot/expected.tsv"))) {
    if (!row[0].starts_with("#")) lines.push_back(row[0]);
  }
  const char* programs[] = {"dovecot", "imap-login", "auth-worker(5)", "auth",
                            "",        "lmtp(u",     "dovecot-auth"};
  size_t runs = 0;
  for (const std::string& line : lines) {
    std::string msg(H().FromLine(line).message());
    for (size_t n = 0; n <= msg.size(); ++n) {
      // Copies of exactly n bytes, so that a read past the end is a read
      // past the allocation (caught under ASan).
      for (const std::string& cut : {msg.substr(0, n), msg.substr(msg.size() - n)}) {
        LogRecord rec = Dovecot(cut);
        ASSERT_EQ(rec.family, "dovecot");
        ASSERT_FALSE(rec.event.empty()) << cut;
        LogRecord sniffed;
        sniffed.raw = cut;
        if (SniffDovecot(cut, sniffed)) {
          ASSERT_EQ(sniffed.family, "dovecot");
          ASSERT_FALSE(sniffed.event.empty());
        } else {
          LogRecord untouched;
          untouched.raw = cut;
          ASSERT_TRUE(sniffed == untouched) << "a refused line is left untouched: " << cut;
        }
        runs += 2;
      }
    }
    // Whole lines cut anywhere, through the header parser.
    for (size_t n = 0; n <= line.size(); n += 3) {
      H().FromLine(line.substr(0, n));
      ++runs;
    }
  }
  std::mt19937 rng(20240707);
  const std::string alphabet = "()<>[]{},:;=-/. !\"'`\\@0123456789abcdefXYZ";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    size_t len = rng() % 200;
    for (size_t k = 0; k < len; ++k) {
      s.push_back(rng() % 4 == 0 ? static_cast<char>(rng() % 256)
                                 : alphabet[rng() % alphabet.size()]);
    }
    if (!lines.empty() && i % 2 == 0) {
      const std::string& m = lines[rng() % lines.size()];
      size_t at = rng() % (m.size() + 1);
      s = m.substr(0, at) + s + m.substr(at, rng() % (m.size() - at + 1));
    }
    const char* program = programs[rng() % std::size(programs)];
    LogRecord rec = H().FromMsg(program, s);
    if (rec.family == "dovecot") {
      ASSERT_FALSE(rec.event.empty());
    }
    ++runs;
  }
  EXPECT_GT(runs, 20000u);
}

}  // namespace
}  // namespace mlq
