// The amavis normalizer against real log lines: the expected-output table
// (tests/data/amavis/expected.tsv) including every amavis line of the seeds,
// a recognition rate over whole files, agreement with crowdsec's amavis
// parser, lines constructed from amavisd-new's log templates for shapes the
// corpus lacks, and garbage input.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "receiver/normalizers/amavis.h"
#include "receiver/normalizers/family_harness.h"
#include "test_util.h"

namespace mlq {
namespace {

namespace fs = std::filesystem;

// The table holds only Amavis's normalizers (its programs and its sniffer).
const testing::FamilyHarness& H() {
  static const testing::FamilyHarness h({
      .family = "amavis",
      .registers = {RegisterAmavis},
      .parse = testing::FamilyHarness::TableParse(),
  });
  return h;
}

LogRecord Amavis(std::string_view msg) { return H().FromMsg("amavis", msg); }

bool IsAmavisProgram(std::string_view program) {
  return program == "amavis" || program == "amavisd" || program == "amavisd-new";
}

TEST(AmavisExpectedTable, EveryRowMatchesExactly) {
  EXPECT_GE(H().ExpectTableRows("amavis/expected.tsv"), 20u);
}

// The founding examples must be understood in full: each of their amavis
// lines has a row (and so a complete expectation) in expected.tsv.
TEST(AmavisExpectedTable, HoldsEverySeedLine) {
  std::set<std::string> table;
  for (const auto& row : testing::ReadTsv(testing::TestData("amavis/expected.tsv")))
    table.insert(row[0]);
  size_t seed_lines = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(testing::TestData("seeds"))) {
    if (e.path().extension() != ".log") continue;
    for (const std::string& line : testing::ReadLines(e.path().string())) {
      if (!IsAmavisProgram(H().FromLine(line).program)) continue;
      ++seed_lines;
      EXPECT_TRUE(table.count(line)) << "seed line without an expected row: " << line;
    }
  }
  EXPECT_EQ(seed_lines, 17u);
}

// ---- recognition rate over whole files ----

using Kind = testing::FamilyHarness::LineKind;

// Only the amavis programs' lines count.
Kind Classify(const LogRecord& rec, bool own_file) {
  return IsAmavisProgram(rec.program) ? Kind::kOwn : Kind::kOther;
}

TEST(AmavisCoverage, CopiedData) {
  testing::LineCoverage total = H().CopiedDataCoverage(Classify);
  EXPECT_GE(total.lines, 40u);
  EXPECT_GE(total.Rate(), 0.98);
}

// Every amavis line of the shared corpus, when this checkout sits next to it
// (../shared/corpus from the project root): the amavis folder and the amavis
// lines of mixed logs elsewhere (seeds, postfix, other, zimbra).
TEST(AmavisCoverage, SharedCorpusWhenPresent) {
  MLQ_REQUIRE_CORPUS(H().HasSharedCorpus(), "no " << testing::CorpusDir() << "/mail/amavis");
  testing::LineCoverage total = H().SharedCorpusCoverage(Classify);
  EXPECT_GE(total.lines, 25u);
  EXPECT_GE(total.Rate(), 0.98);
}

// ---- agreement with crowdsec's amavis parser (coverage/agreement.h) ----

TEST(AmavisAgreement, CrowdsecParser) {
  testing::Agreement a =
      testing::CompareCrowdsec(testing::TestData("amavis/expected/crowdsec-hub-amavis-logs.jsonl"),
                               [](std::string_view line) { return H().FromLine(line); });
  std::printf("crowdsec-hub-amavis-logs.jsonl: %zu/%zu fields agree (%.1f%%)\n", a.agreed,
              a.compared, a.Percent());
  for (const std::string& d : a.differences) ADD_FAILURE() << d;
  EXPECT_GE(a.compared, 13u);
}

// ---- shapes the corpus lacks, written as amavisd-new's templates produce them ----

TEST(Amavis, BlockedSpamWithSeveralRecipientsAndQueueIds) {
  LogRecord rec = Amavis(
      "(12345-07) Blocked SPAM {DiscardedInbound,Quarantined}, AM.PDP-SOCK [203.0.113.9]:41000 "
      "[198.51.100.7] <spammer@example.net> -> <a@example.org>,<b@example.org>, quarantine: "
      "spam-kX1aB2cD3eF4.gz, Queue-ID: 3Fq9Yk1mXbz9sQ1, Message-ID: <x.y@example.net>, mail_id: "
      "kX1aB2cD3eF4, Hits: 18.224, size: 4321, queued_as: 4A1B2C3D4E/4A1B2C3D4F, 2345 ms");
  EXPECT_EQ(rec.event, "filter-result");
  EXPECT_EQ(rec.status, "blocked");
  EXPECT_EQ(rec.Extra("category"), "SPAM");
  EXPECT_EQ(rec.Extra("policy_bank"), "AM.PDP-SOCK");
  EXPECT_EQ(rec.client_ip, "203.0.113.9");
  EXPECT_EQ(rec.Extra("origin_ip"), "198.51.100.7");
  EXPECT_EQ(rec.from, "spammer@example.net");
  EXPECT_EQ(rec.to, (std::vector<std::string>{"a@example.org", "b@example.org"}));
  EXPECT_EQ(rec.queue_id, "3Fq9Yk1mXbz9sQ1");
  EXPECT_EQ(rec.message_id, "x.y@example.net");
  EXPECT_EQ(rec.Extra("quarantine"), "spam-kX1aB2cD3eF4.gz");
  EXPECT_EQ(rec.Extra("hits"), "18.224");
  EXPECT_EQ(rec.size, 4321);
  EXPECT_EQ(rec.Extra("elapsed_ms"), "2345");
  ASSERT_EQ(rec.links.size(), 2u);
  EXPECT_EQ(rec.links[0], (Link{"amavis_queued_as", "4A1B2C3D4E", ""}));
  EXPECT_EQ(rec.links[1], (Link{"amavis_queued_as", "4A1B2C3D4F", ""}));
}

TEST(Amavis, CategoriesWithDetails) {
  LogRecord rec = Amavis(
      "(01234-02) Blocked BANNED (multipart/mixed | application/x-msdownload,.exe,.exe-ms,a.exe) "
      "{DiscardedInbound,Quarantined}, [192.0.2.5]:4000 [192.0.2.5] <a@b.example> -> "
      "<c@d.example>, "
      "Hits: -, size: 100, 12 ms");
  EXPECT_EQ(rec.Extra("category"), "BANNED");
  EXPECT_EQ(rec.Extra("banned"), "multipart/mixed | application/x-msdownload,.exe,.exe-ms,a.exe");
  EXPECT_EQ(rec.to, (std::vector<std::string>{"c@d.example"}));
  rec = Amavis(
      "(01234-03) Passed BAD-HEADER-0 {RelayedInbound,Quarantined}, [192.0.2.5] "
      "<> -> <c@d.example>, Hits: 1.2, size: 10, 5 ms");
  EXPECT_EQ(rec.status, "passed");
  EXPECT_EQ(rec.Extra("category"), "BAD-HEADER-0");
  EXPECT_EQ(rec.from, "");
  EXPECT_EQ(rec.to, (std::vector<std::string>{"c@d.example"}));
  rec = Amavis(
      "(01234-04) Passed SPAMMY {RelayedTaggedInbound}, <a@b.example> -> <c@d.example>, "
      "Hits: 7.1, queued_as: 250 2.0.0 Ok, 9 ms");
  EXPECT_EQ(rec.Extra("category"), "SPAMMY");
  EXPECT_TRUE(rec.links.empty()) << "a reply without a queue ID gives no link";
  // Older templates log no category and no actions.
  rec = Amavis(
      "(01234-05) Passed, <a@b.example> -> <c@d.example>, Message-ID: <m@b.example>, "
      "Hits: 0.1");
  EXPECT_EQ(rec.event, "filter-result");
  EXPECT_EQ(rec.Extra("category"), "");
  EXPECT_EQ(rec.message_id, "m@b.example");
}

TEST(Amavis, ForwardAndNotificationOlderFormat) {
  LogRecord rec = Amavis(
      "(05678-01) FWD via SMTP: <a@b.example> -> <c@d.example>,BODY=8BITMIME 250 2.0.0 Ok, "
      "id=05678-01, from MTA([127.0.0.1]:10025): 250 2.0.0 Ok: queued as 9C2B91F4E3");
  EXPECT_EQ(rec.event, "forwarded");
  EXPECT_EQ(rec.relay, "[127.0.0.1]:10025");
  EXPECT_EQ(rec.dsn, "2.0.0");
  EXPECT_EQ(rec.status, "sent");
  ASSERT_EQ(rec.links.size(), 1u);
  EXPECT_EQ(rec.links[0], (Link{"queued_as", "9C2B91F4E3", ""}));
  rec = Amavis(
      "(05678-01) SEND from <> -> <a@b.example>, 250 2.0.0 from "
      "MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 1D2E3F4A5B");
  EXPECT_EQ(rec.event, "notification");
  EXPECT_EQ(rec.from, "");
  EXPECT_EQ(rec.to, (std::vector<std::string>{"a@b.example"}));
  rec = Amavis(
      "(05678-01) kX1aB2cD3eF4 FWD from <a@b.example> -> <c@d.example>, BODY=7BIT 451 "
      "4.5.0 from MTA(smtp:[127.0.0.1]:10025): 451 4.5.0 Try again");
  EXPECT_EQ(rec.status, "deferred");
  EXPECT_EQ(rec.dsn, "4.5.0");
  EXPECT_TRUE(rec.links.empty());
}

TEST(Amavis, OtherPerMessageLines) {
  LogRecord rec =
      Amavis("(02112-01) Checking: ORIGINATING [10.0.0.5] <a@b.example> -> <c@d.example>");
  EXPECT_EQ(rec.event, "checking");
  EXPECT_EQ(rec.Extra("mail_id"), "") << "a policy bank name is not a mail_id";
  EXPECT_EQ(rec.Extra("policy_bank"), "ORIGINATING");
  EXPECT_EQ(rec.client_ip, "10.0.0.5");
  rec = Amavis(
      "(02112-01) SPAM-TAG, <a@b.example> -> <c@d.example>, Yes, score=9.1 "
      "tagged_above=2 required=6.2 tests=[BAYES_99=3.5] autolearn=disabled");
  EXPECT_EQ(rec.event, "spam-tag");
  EXPECT_EQ(rec.Extra("spam"), "Yes");
  EXPECT_EQ(rec.Extra("hits"), "9.1");
  rec = Amavis(
      "(02112-01) local delivery: <> -> <virus-quarantine>, "
      "mbx=/var/lib/amavis/virusmails/virus-Ab12Cd34Ef56");
  EXPECT_EQ(rec.event, "quarantine");
  EXPECT_EQ(rec.Extra("quarantine"), "/var/lib/amavis/virusmails/virus-Ab12Cd34Ef56");
  rec = Amavis("(02112-01) TIMING [total 1077 ms] - SMTP greeting: 5 (0%)0, SMTP EHLO: 1 (0%)0");
  EXPECT_EQ(rec.event, "timing");
  EXPECT_EQ(rec.Extra("elapsed_ms"), "1077");
  rec = Amavis(
      "(02112-01) LMTP [127.0.0.1]:10024 /var/amavis/tmp/amavis-x: <a@b.example> -> "
      "<c@d.example>,<e@d.example> SIZE=42 Received: from x");
  EXPECT_EQ(rec.event, "smtp-session");
  EXPECT_EQ(rec.proto, "LMTP");
  EXPECT_EQ(rec.Extra("port"), "10024");
  EXPECT_EQ(rec.to, (std::vector<std::string>{"c@d.example", "e@d.example"}));
  EXPECT_EQ(rec.size, 42);
}

TEST(Amavis, AlertsStartupAndFallback) {
  EXPECT_EQ(Amavis("(02112-01) (!!)TROUBLE in check_mail: parts_decode_ext FAILED").event, "error");
  EXPECT_EQ(Amavis("(02112-01) (!)ClamAV-clamd: Can't connect to UNIX socket").event, "warning");
  EXPECT_EQ(Amavis("(!)Net::Server: Couldn't open pid file").event, "warning");
  EXPECT_EQ(Amavis("Found decoder for    .zip  at internal:Archive::Zip").event, "startup");
  EXPECT_EQ(Amavis("SpamControl: init_pre_chroot on SpamAssassin done").event, "startup");
  EXPECT_EQ(Amavis("(02112-01) spam_scan: score=1 autolearn=no").event, "info");
  EXPECT_EQ(Amavis("something amavis never logged").event, "info");
  EXPECT_EQ(Amavis("").event, "info");
}

TEST(Amavis, SplitLines) {
  std::string first =
      "(04083-01) Passed CLEAN {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
      "Queue-ID: B141CE6BDD, Message-ID: <" +
      std::string(900, 'x') + "...";
  LogRecord rec = Amavis(first);
  EXPECT_EQ(rec.event, "filter-result");
  EXPECT_EQ(rec.queue_id, "B141CE6BDD");
  EXPECT_EQ(rec.Extra("continued"), "1");
  rec = Amavis(
      "(04083-01) ...xxxx@example>, mail_id: WaVl27LgwIDf, Hits: -, size: 1152, "
      "queued_as: 15411E6BE1, 380 ms");
  EXPECT_EQ(rec.event, "continuation");
  EXPECT_EQ(rec.Extra("amavis_id"), "04083-01");
  EXPECT_EQ(rec.Extra("mail_id"), "WaVl27LgwIDf");
  ASSERT_EQ(rec.links.size(), 1u);
  EXPECT_EQ(rec.links[0].queue_id, "15411E6BE1");
  EXPECT_EQ(Amavis("(04083-01) (!)...rest of a long warning").event, "continuation");
}

TEST(Amavis, ProgramNames) {
  const std::string msg =
      "(01389-01) Passed CLEAN {RelayedInternal}, <a@b.example> -> <c@d.example>";
  for (const char* program : {"amavis", "amavisd", "amavisd-new"}) {
    EXPECT_EQ(H().FromMsg(program, msg).event, "filter-result") << program;
  }
  bool recognized = true;
  LogRecord rec = H().FromMsg("amavisd-milter", "(01389-01) some milter line", &recognized);
  EXPECT_FALSE(recognized) << "amavisd-milter is another program";
  EXPECT_EQ(rec.family, "");
}

// ---- never crash, never read out of bounds ----

TEST(AmavisRobustness, TruncatedRealLinesAndGarbage) {
  std::vector<std::string> msgs;
  for (const auto& row : testing::ReadTsv(testing::TestData("amavis/expected.tsv"))) {
    if (row[0].starts_with("#")) continue;
    msgs.push_back(std::string(H().FromLine(row[0]).message()));
  }
  size_t runs = 0;
  for (const std::string& msg : msgs) {
    for (size_t n = 0; n <= msg.size(); ++n) {
      // A copy of exactly n bytes, so that a read past the end is a read
      // past the allocation (caught under ASan).
      std::string cut = msg.substr(0, n);
      LogRecord rec = Amavis(cut);
      ASSERT_EQ(rec.family, "amavis");
      ASSERT_FALSE(rec.event.empty()) << cut;
      cut = msg.substr(msg.size() - n);
      rec = Amavis(cut);
      ASSERT_FALSE(rec.event.empty()) << cut;
      runs += 2;
    }
  }
  std::mt19937 rng(20240705);
  const std::string alphabet = "()<>[]{},:;=-/. !\"'\\0123456789abcXYZ";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    size_t len = rng() % 200;
    for (size_t k = 0; k < len; ++k) {
      s.push_back(rng() % 4 == 0 ? static_cast<char>(rng() % 256)
                                 : alphabet[rng() % alphabet.size()]);
    }
    // Random splices of real text with garbage.
    if (!msgs.empty() && i % 2 == 0) {
      const std::string& m = msgs[rng() % msgs.size()];
      size_t at = rng() % (m.size() + 1);
      s = m.substr(0, at) + s + m.substr(at, rng() % (m.size() - at + 1));
    }
    LogRecord rec = Amavis(s);
    ASSERT_EQ(rec.family, "amavis");
    ++runs;
  }
  EXPECT_GT(runs, 20000u);
}

}  // namespace
}  // namespace mlq
