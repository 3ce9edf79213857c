// The Postfix normalizer against real log lines: the expected-output table
// (tests/data/postfix/expected.tsv), a recognition-rate check over whole
// files, and the scanning helpers it is built on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "receiver/normalizers/family_harness.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/normalizer.h"
#include "store/record.h"
#include "test_util.h"

namespace mlq {
namespace {

namespace fs = std::filesystem;

const testing::FamilyHarness& H() {
  static const testing::FamilyHarness h({.family = "postfix", .table = &DefaultNormalizers()});
  return h;
}

// A record as the receiver builds it for a line whose header parsed to
// `program` with MSG `msg`.
LogRecord Normalized(std::string_view program, std::string_view msg, bool* recognized = nullptr) {
  return H().FromMsg(program, msg, recognized);
}

TEST(PostfixExpectedTable, EveryRowMatchesExactly) {
  EXPECT_GE(H().ExpectTableRows("postfix/expected.tsv", /*program_column=*/true), 290u);
}

// ---- recognition rate over whole files ----

struct Line {
  std::string program;
  std::string msg;
};

// Splits a syslog line the simple way: "Mmm dd hh:mm:ss host tag: msg",
// "2024-08-29T01:08:59+00:00 host tag: msg" or "18:07:23 host tag: msg";
// the tag loses its "[pid]". False for anything else (continuation lines,
// docker prefixes, ...), which the test then ignores.
bool SplitSyslog(std::string_view line, Line* out) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto word = [&line]() {
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    size_t sp = line.find(' ');
    std::string_view w = line.substr(0, sp);
    line.remove_prefix(sp == std::string_view::npos ? line.size() : sp);
    return w;
  };
  std::string_view first = word();
  bool month = std::find(std::begin(kMonths), std::end(kMonths), first) != std::end(kMonths);
  if (month) {
    word();  // day
    word();  // time
  }
  if (word().empty()) return false;  // host
  std::string_view tag = word();
  if (tag.size() < 2 || tag.back() != ':') return false;
  tag.remove_suffix(1);
  if (tag.ends_with(']')) tag = tag.substr(0, tag.rfind('['));
  if (!line.empty()) line.remove_prefix(1);
  out->program = std::string(tag);
  out->msg = std::string(line);
  return true;
}

bool IsPostfixProgram(std::string_view program) {
  while (program.starts_with('/')) program.remove_prefix(1);
  return program.starts_with("postfix");
}

struct Coverage {
  size_t lines = 0;
  size_t recognized = 0;  // non-empty event
  size_t debug = 0;       // of those, verbose-logging lines
  std::vector<std::string> unrecognized;

  void Add(const Line& line) {
    if (!IsPostfixProgram(line.program)) return;
    LogRecord rec = Normalized(line.program, line.msg);
    ++lines;
    if (rec.event.empty()) {
      unrecognized.push_back(line.program + ": " + line.msg);
      return;
    }
    ++recognized;
    if (rec.event == "debug") ++debug;
  }
  void AddSyslogFile(const std::string& path) {
    for (const std::string& raw : testing::ReadLines(path)) {
      Line line;
      if (SplitSyslog(raw, &line)) Add(line);
    }
  }
  void AddTsvFile(const std::string& path) {
    for (const std::vector<std::string>& row : testing::ReadTsv(path)) {
      if (row.size() < 2 || row[0].starts_with("#")) continue;
      Add(Line{row[0], row[1]});
    }
  }
  double Rate() const { return lines == 0 ? 0 : double(recognized) / lines; }
  // The rate among lines that are not verbose logging: the normal log.
  double NonDebugRate() const {
    return lines == debug ? 0 : double(recognized - debug) / (lines - debug);
  }
  void Print(std::string_view name) const {
    std::printf(
        "%-50s %6zu postfix lines, %6.2f%% with an event (%zu debug; %6.2f%% of the rest)\n",
        std::string(name).c_str(), lines, 100 * Rate(), debug, 100 * NonDebugRate());
    for (size_t i = 0; i < unrecognized.size() && i < 20; ++i) {
      std::printf("    unrecognized: %s\n", unrecognized[i].c_str());
    }
  }
};

TEST(PostfixCoverage, SeedLinesAllRecognized) {
  Coverage c;
  for (const std::string& f : testing::FilesIn(testing::TestData("seeds"), ".log"))
    c.AddSyslogFile(f);
  c.Print("tests/data/seeds");
  EXPECT_EQ(c.lines, 150u);
  EXPECT_EQ(c.recognized, c.lines);
  EXPECT_EQ(c.debug, 0u);
}

TEST(PostfixCoverage, CopiedCorpus) {
  Coverage total;
  for (const std::string& f : testing::FilesIn(testing::TestData("postfix/corpus"), ".log")) {
    Coverage c;
    c.AddSyslogFile(f);
    c.Print(fs::path(f).filename().string());
    total.AddSyslogFile(f);
  }
  for (const char* tsv : {"postfix/grok-msgbodies.tsv", "postfix/msimerson-postfixlines.tsv"}) {
    Coverage c;
    c.AddTsvFile(testing::TestData(tsv));
    c.Print(tsv);
    total.AddTsvFile(testing::TestData(tsv));
  }
  total.Print("TOTAL tests/data/postfix");
  EXPECT_GT(total.lines, 1900u);
  EXPECT_GE(total.Rate(), 0.99);
  EXPECT_GE(total.NonDebugRate(), 0.98);
}

// The whole shared corpus, when this checkout sits next to it
// (../shared/corpus from the project root); CI may not have it.
TEST(PostfixCoverage, SharedCorpusWhenPresent) {
  fs::path dir = fs::path(testing::CorpusDir()) / "mail";
  MLQ_REQUIRE_CORPUS(fs::is_directory(dir / "postfix"), "no " << dir.string());
  Coverage total;
  for (const std::string& f : testing::FilesIn((dir / "postfix").string(), ".log")) {
    if (f.ends_with("-msgbodies.log")) continue;  // no syslog header; covered by the .tsv files
    Coverage c;
    c.AddSyslogFile(f);
    c.Print(fs::path(f).filename().string());
    total.AddSyslogFile(f);
  }
  total.Print("TOTAL ../shared/corpus/mail/postfix");
  EXPECT_GT(total.lines, 15000u);
  EXPECT_GE(total.Rate(), 0.99);
  EXPECT_GE(total.NonDebugRate(), 0.98);
}

// ---- behaviour on constructed lines (format as Postfix writes it) ----

TEST(Postfix, UnknownLineKeepsFamilyAndRaw) {
  bool recognized = false;
  LogRecord rec = Normalized("postfix/smtpd", "something Postfix never logged", &recognized);
  EXPECT_TRUE(recognized);
  EXPECT_EQ(rec.family, "postfix");
  EXPECT_EQ(rec.event, "");
  EXPECT_EQ(rec.raw, "something Postfix never logged");
}

TEST(Postfix, UnknownShapeAfterQueueIdStillSetsQueueId) {
  LogRecord rec = Normalized("postfix/smtp", "B141CE6BDD: some future message");
  EXPECT_EQ(rec.queue_id, "B141CE6BDD");
  EXPECT_EQ(rec.event, "");
  rec = Normalized("postfix/cleanup", "4Ldr9y6wlvz3xgh: another one");
  EXPECT_EQ(rec.queue_id, "4Ldr9y6wlvz3xgh");
}

TEST(Postfix, WordsAreNotQueueIds) {
  EXPECT_EQ(Normalized("postfix/smtpd", "NOQUEUE: client=x[1.2.3.4]").queue_id, "");
  EXPECT_EQ(Normalized("postfix/postdrop", "warning: uid=0: File too large").queue_id, "");
  EXPECT_EQ(Normalized("postfix/anvil", "statistics: max cache size 1 at x").queue_id, "");
  EXPECT_EQ(Normalized("postfix/smtpd", "connect from x[1.2.3.4]").queue_id, "");
}

TEST(Postfix, InstanceAndServiceNames) {
  const std::string msg = "B141CE6BDD: removed";
  for (const char* program : {"postfix/qmgr", "postfix-out/qmgr", "postfix-a-b/qmgr"}) {
    LogRecord rec = Normalized(program, msg);
    EXPECT_EQ(rec.family, "postfix") << program;
    EXPECT_EQ(rec.event, "removed") << program;
  }
  EXPECT_EQ(Normalized("postfix/postsuper", msg).event, "postsuper");
  EXPECT_EQ(Normalized("/postfix-script", "starting the Postfix mail system").event, "master");
  EXPECT_EQ(Normalized("postfix/10025/smtpd", "connect from a[127.0.0.1]").event, "connect");
}

TEST(Postfix, ClientWithOriginalQueueId) {
  // smtpd(8) receiving through XFORWARD logs where the message came from.
  LogRecord rec =
      Normalized("postfix/10025/smtpd",
                 "4Ldr9z5ktdz3yFh: client=localhost[127.0.0.1], "
                 "orig_queue_id=4Ldr9y6wlvz3xgh, orig_client=mx.example.org[192.0.2.7]");
  EXPECT_EQ(rec.event, "client");
  EXPECT_EQ(rec.client_ip, "127.0.0.1");
  EXPECT_EQ(rec.Extra("orig_queue_id"), "4Ldr9y6wlvz3xgh");
  EXPECT_EQ(rec.Extra("orig_client"), "mx.example.org[192.0.2.7]");
  ASSERT_EQ(rec.links.size(), 1u);
  EXPECT_EQ(rec.links[0], (Link{"orig_queue_id", "4Ldr9y6wlvz3xgh", ""}));
}

TEST(Postfix, DeliveryReplyWithUnbalancedParentheses) {
  LogRecord rec = Normalized("postfix/smtp",
                             "95FA2DB2C9: to=<a@b.c>, relay=mx[192.0.2.1]:25, delay=1, "
                             "delays=0/0/0/1, dsn=5.0.0, status=bounced (host mx[192.0.2.1] said: "
                             "550 no :( (in reply to end of DATA command))");
  EXPECT_EQ(rec.status, "bounced");
  EXPECT_EQ(rec.reply, "host mx[192.0.2.1] said: 550 no :( (in reply to end of DATA command)");
}

// ---- scan.h ----

TEST(Scan, PostfixQueueIds) {
  for (const char* id :
       {"B141CE6BDD", "95FA2DB2C9", "0F5383D", "ED06590130AA1C9D6D862", "4Ldr9y6wlvz3xgh",
        "4JNS6h47X1z9p1k", "3p7RMT0zrYz20p", "49WDyw5JhLz52CVr", "3mfNtc147Bz1M9pl"}) {
    EXPECT_TRUE(scan::IsPostfixQueueId(id)) << id;
  }
  for (const char* word :
       {"NOQUEUE", "warning", "connect", "statistics", "connection", "ABCDE", "b141ce6bdd",
        "4Ldr9y6wlvq3xgh", "4Ldr9y6wlvz3xgz", "4Ldr9y6wlvz3xge", "", "B141CE6BDD "}) {
    EXPECT_FALSE(scan::IsPostfixQueueId(word)) << word;
  }
}

TEST(Scan, FindFieldRespectsWordBoundaries) {
  std::string_view msg = "to=<a@b>, orig_to=<c@d>, relay=x[1.2.3.4]:25, delay=1, status=sent (ok)";
  EXPECT_EQ(scan::FieldValue(msg, "to"), "a@b");
  EXPECT_EQ(scan::FieldValue(msg, "orig_to"), "c@d");
  EXPECT_EQ(scan::FieldValue(msg, "relay"), "x[1.2.3.4]:25");
  EXPECT_EQ(scan::FieldValue(msg, "status"), "sent");
  std::string_view v = "unset";
  EXPECT_FALSE(scan::FindField(msg, "lay", &v));
  EXPECT_TRUE(scan::FindField("from=<> to=<x>", "from", &v));
  EXPECT_EQ(v, "");
  EXPECT_EQ(scan::FieldValue("proto=ESMTP helo=<h>", "proto"), "ESMTP");
  EXPECT_EQ(scan::FieldValue("a; helo=<mail-ua1. com>", "helo"), "mail-ua1. com");
}

TEST(Scan, Endpoints) {
  scan::Endpoint ep;
  std::string_view s = "mail.example.org[192.0.2.1]:25: rest";
  ASSERT_TRUE(scan::ConsumeEndpoint(s, &ep));
  EXPECT_EQ(ep.name, "mail.example.org");
  EXPECT_EQ(ep.ip, "192.0.2.1");
  EXPECT_EQ(ep.port, "25");
  EXPECT_EQ(s, ": rest");
  ASSERT_TRUE(scan::ParseEndpoint("[2001:db8::1]:4711", &ep));
  EXPECT_EQ(ep.name, "");
  EXPECT_EQ(ep.ip, "2001:db8::1");
  EXPECT_EQ(ep.port, "4711");
  EXPECT_TRUE(scan::ParseEndpoint("unknown[unknown]", &ep));
  EXPECT_TRUE(scan::ParseEndpoint("h[private/dovecot-lmtp]", &ep));
  EXPECT_FALSE(scan::ParseEndpoint("dict_ldap_get_values[1]", &ep));
  EXPECT_FALSE(scan::ParseEndpoint("two words[1.2.3.4]", &ep));
}

TEST(Scan, BracketsAndCodes) {
  std::string_view inner;
  ASSERT_TRUE(scan::ExtractBracketed("(a (b) c) d", '(', ')', &inner));
  EXPECT_EQ(inner, "a (b) c");
  EXPECT_FALSE(scan::ExtractBracketed("(a (b c", '(', ')', &inner));
  EXPECT_EQ(scan::StripAngles("<a@b>"), "a@b");
  EXPECT_EQ(scan::StripAngles("<>"), "");
  EXPECT_EQ(scan::StripAngles("a@b"), "a@b");
  EXPECT_EQ(scan::LeadingDsn("554 5.7.1 <x>: no"), "5.7.1");
  EXPECT_EQ(scan::LeadingDsn("550-5.7.26 Unauthenticated"), "5.7.26");
  EXPECT_EQ(scan::LeadingDsn("5.7.1 Blocked"), "5.7.1");
  EXPECT_EQ(scan::LeadingDsn("250 Ok"), "");
  EXPECT_EQ(scan::LeadingDsn("452 Insufficient system storage"), "");
  EXPECT_EQ(scan::ParseInt("1052"), 1052);
  EXPECT_EQ(scan::ParseInt("10x"), -1);
}

}  // namespace
}  // namespace mlq
