// Lines of the shapes that used to cost time quadratic in their length
// (issue 12, "Secure by default"; bench/worstcase measures the cost): the
// scanning that made them linear must give the same fields as before. These
// check results on big inputs, not timing.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"

namespace mlq {
namespace {

constexpr int64_t kReceived = 1795348800LL * 1000000;  // 2026-11-22T12:00:00Z

LogRecord ParseLine(std::string_view line) {
  static Counters counters;
  static const LineParser parser(&DefaultNormalizers(), &counters);
  return parser.Parse(line, 0, LineSource{.transport = Transport::kTcp, .peer_host = "192.0.2.1"},
                      kReceived);
}

std::string Rcpt(int i) { return "user" + std::to_string(i % 1000) + "@example.org"; }

TEST(BigInputTest, EximArrivalKeepsEveryRecipientInOrder) {
  std::string line =
      "<22>Nov 22 11:00:00 mx1 exim[7]: 1pABCd-000Abc-Xy <= sender@example.org "
      "H=mail.example.org [192.0.2.7] P=esmtp S=1234 id=m1@example.org for";
  for (int i = 0; i < 5000; ++i) line += " " + Rcpt(i);  // 1000 distinct, each 5 times
  LogRecord rec = ParseLine(line);
  EXPECT_EQ(rec.event, "queued");
  EXPECT_EQ(rec.client_ip, "192.0.2.7");
  ASSERT_EQ(rec.to.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(rec.to[i], Rcpt(i)) << i;
}

TEST(BigInputTest, KerioToListKeepsEveryRecipient) {
  std::string line =
      "<22>Nov 22 11:00:00 mx1 kerio: Recv: Queue-ID: 6461e3ad-00000001, Service: SMTP, From: "
      "<sender@example.org>, To: ";
  for (int i = 0; i < 5000; ++i) line += (i ? ", <" : "<") + Rcpt(i) + ">";
  line += ", Size: 1234, Sender-Host: 192.0.2.8, SSL: yes";
  LogRecord rec = ParseLine(line);
  EXPECT_EQ(rec.family, "kerio");
  EXPECT_EQ(rec.size, 1234);
  EXPECT_EQ(rec.client_ip, "192.0.2.8");
  ASSERT_EQ(rec.to.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(rec.to[i], Rcpt(i)) << i;
}

// Thousands of HELOs whose '(' never closes, then a real host: the answer
// kept from the first failing scan must agree with scanning each one.
TEST(BigInputTest, EximManyUnclosedHelosThenARealHost) {
  std::string line = "<22>Nov 22 11:00:00 mx1 exim[7]: 1pABCd-000Abc-Xy <= sender@example.org";
  for (int i = 0; i < 5000; ++i) line += " H=x (";
  line += " H=mx.example.org (helo.example.org) [192.0.2.7]:2525 P=esmtp S=100 for a@example.org";
  LogRecord rec = ParseLine(line);
  EXPECT_EQ(rec.client_name, "mx.example.org");
  EXPECT_EQ(rec.helo, "helo.example.org");
  EXPECT_EQ(rec.client_ip, "192.0.2.7");
  EXPECT_EQ(rec.Extra("client_port"), "2525");
  EXPECT_EQ(rec.size, 100);
  EXPECT_EQ(rec.to, std::vector<std::string>{"a@example.org"});
}

// A '(' the first scan left open stays open; one it saw closed still closes.
TEST(BigInputTest, EximHeloInsideAnUnclosedOneStillCloses) {
  LogRecord rec = ParseLine(
      "<22>Nov 22 11:00:00 mx1 exim[7]: 1pABCd-000Abc-Xy <= s@example.org H=a (b H=c (d) "
      "[192.0.2.1] P=esmtp for r@example.org");
  EXPECT_EQ(rec.client_name, "c");
  EXPECT_EQ(rec.helo, "d");
  EXPECT_EQ(rec.client_ip, "192.0.2.1");
  EXPECT_EQ(rec.proto, "esmtp");
  EXPECT_EQ(rec.to, std::vector<std::string>{"r@example.org"});
}

TEST(BigInputTest, EximManyUnclosedAddressBracketsThenARealHost) {
  std::string line = "<22>Nov 22 11:00:00 mx1 exim[7]: 1pABCd-000Abc-Xy <= sender@example.org";
  for (int i = 0; i < 5000; ++i) line += " H=x [";
  line += " H=mx.example.org [192.0.2.9] P=esmtp for a@example.org]";
  LogRecord rec = ParseLine(line);
  EXPECT_EQ(rec.client_name, "mx.example.org");
  EXPECT_EQ(rec.client_ip, "192.0.2.9");
  EXPECT_EQ(rec.proto, "esmtp");
}

TEST(BigInputTest, PostscreenFindsTheEndpointAfterALongBracketWord) {
  LogRecord rec = ParseLine("<22>Nov 22 11:00:00 mx1 postfix/postscreen[9]: CONNECT from x" +
                            std::string(60000, '[') + " y[a b [192.0.2.5]:4321 to [192.0.2.2]:25");
  EXPECT_EQ(rec.event, "postscreen-connect");
  EXPECT_EQ(rec.client_ip, "192.0.2.5");
  EXPECT_EQ(rec.Extra("client_port"), "4321");
}

TEST(BigInputTest, DovecotAuthRequestWithThousandsOfFields) {
  // Both separators, and '#' inside values that is no "#011".
  std::string line =
      "<22>Nov 22 11:00:00 mx1 dovecot[9]: auth: Debug: client in: AUTH\t1#011PLAIN"
      "\tservice=imap";
  for (int i = 0; i < 5000; ++i) line += (i % 2 ? "\tk=#x" : "#011k=v#01");
  line += "#011lip=::1\trip=192.0.2.9#011lport=143\trport=51954";
  LogRecord rec = ParseLine(line);
  EXPECT_EQ(rec.event, "auth-request");
  EXPECT_EQ(rec.Extra("sasl_method"), "PLAIN");
  EXPECT_EQ(rec.Extra("auth_service"), "imap");
  EXPECT_EQ(rec.client_ip, "192.0.2.9");
  EXPECT_EQ(rec.Extra("local_ip"), "::1");
  EXPECT_EQ(rec.Extra("client_port"), "51954");
}

TEST(BigInputTest, PostfixVerboseQueueSpaceWithThousandsOfPairs) {
  // Keys repeat: each keeps its first place and takes its last value, as
  // LogRecord::SetExtra does.
  std::string line = "<22>Nov 22 11:00:00 mx1 postfix/smtpd[9]: smtpd_check_queue:";
  std::vector<std::pair<std::string, std::string>> want;
  for (int i = 0; i < 6000; ++i) {
    std::string key = "k" + std::to_string(i % 4000), value = std::to_string(i);
    line += " " + key + " " + value;
    if (i < 4000) {
      want.emplace_back(key, value);
    } else {
      want[i % 4000].second = value;
    }
  }
  LogRecord rec = ParseLine(line);
  ASSERT_EQ(rec.event, "queue-space");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& kv : rec.extra) {
    if (kv.first.starts_with("k")) got.push_back(kv);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(rec.Extra("function"), "smtpd_check_queue");
}

TEST(BigInputTest, ProgramWithThousandsOfDashesFallsBackToItsFamily) {
  std::string program = "postfix";
  for (int i = 0; i < 30000; ++i) program += "-a";
  const NormalizerTable& table = DefaultNormalizers();
  EXPECT_EQ(table.Find(program + "/smtp"), table.Find("postfix/smtp"));
  EXPECT_EQ(table.Find("-" + program), nullptr);
  LogRecord rec = ParseLine("<22>1 2026-11-22T11:00:00Z mx1 " + program +
                            "/smtp 9 - - 4Ldr9y6wlvz3xgh: to=<a@example.org>, status=sent (ok)");
  EXPECT_EQ(rec.family, "postfix");
  EXPECT_EQ(rec.queue_id, "4Ldr9y6wlvz3xgh");
}

}  // namespace
}  // namespace mlq
