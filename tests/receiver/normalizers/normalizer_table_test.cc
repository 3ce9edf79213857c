// NormalizerTable: which normalizer a line goes to.
#include "receiver/normalizers/normalizer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "store/record.h"

namespace mlq {
namespace {

// Test normalizers record what they saw in the record itself, so they stay
// plain function pointers (NormalizeFn) without global state.
bool FamilyA(std::string_view msg, LogRecord& rec) {
  rec.family = "a";
  rec.event = std::string(msg);
  return true;
}
bool FamilyB(std::string_view msg, LogRecord& rec) {
  rec.family = "b";
  rec.event = std::string(msg);
  return true;
}
bool Declines(std::string_view, LogRecord& rec) {
  rec.SetExtra("declined", "yes");
  return false;
}
bool SniffX(std::string_view msg, LogRecord& rec) {
  rec.SetExtra("sniffed_x", "yes");
  if (!msg.starts_with("x:")) return false;
  rec.family = "x";
  return true;
}
bool SniffAny(std::string_view msg, LogRecord& rec) {
  rec.family = "any";
  return true;
}

LogRecord Record(std::string program, std::string raw, uint32_t msg_offset = 0) {
  LogRecord rec;
  rec.program = std::move(program);
  rec.raw = std::move(raw);
  rec.msg_offset = msg_offset;
  return rec;
}

TEST(NormalizerTable, FirstPathComponentSelects) {
  NormalizerTable t;
  t.Register("postfix", FamilyA);
  t.Register("dovecot", FamilyB);
  EXPECT_EQ(t.Find("postfix/smtpd"), &FamilyA);
  EXPECT_EQ(t.Find("postfix/submission/smtpd"), &FamilyA);
  EXPECT_EQ(t.Find("postfix"), &FamilyA);
  EXPECT_EQ(t.Find("/postfix-script"), &FamilyA);  // leading slash, then "-" fallback
  EXPECT_EQ(t.Find("dovecot"), &FamilyB);
  EXPECT_EQ(t.Find("smtpd"), nullptr);
  EXPECT_EQ(t.Find("postfixx/smtpd"), nullptr);
  EXPECT_EQ(t.Find(""), nullptr);
}

TEST(NormalizerTable, InstanceSuffixFallsBack) {
  NormalizerTable t;
  t.Register("postfix", FamilyA);
  EXPECT_EQ(t.Find("postfix-out/smtp"), &FamilyA);
  EXPECT_EQ(t.Find("postfix-in-2/smtpd"), &FamilyA);
  EXPECT_EQ(t.Find("-postfix/smtpd"), nullptr);
  // A registration of its own wins over the fallback.
  t.Register("postfix-out", FamilyB);
  EXPECT_EQ(t.Find("postfix-out/smtp"), &FamilyB);
  EXPECT_EQ(t.Find("postfix-out-2/smtp"), &FamilyB);
  EXPECT_EQ(t.Find("postfix-in/smtp"), &FamilyA);
}

TEST(NormalizerTable, NormalizeGivesTheMessagePart) {
  NormalizerTable t;
  t.Register("postfix", FamilyA);
  LogRecord rec =
      Record("postfix/qmgr", "<22>Jul  7 09:06:15 mail postfix/qmgr[2502]: X: removed", 45);
  ASSERT_EQ(rec.message(), "X: removed");
  EXPECT_TRUE(t.Normalize(rec));
  EXPECT_EQ(rec.family, "a");
  EXPECT_EQ(rec.event, "X: removed");
}

TEST(NormalizerTable, UnknownProgramIsNotRecognized) {
  NormalizerTable t;
  t.Register("postfix", FamilyA);
  LogRecord rec = Record("sshd", "Accepted password for root");
  EXPECT_FALSE(t.Normalize(rec));
  EXPECT_EQ(rec.family, "");
  EXPECT_EQ(rec.event, "");
  EXPECT_EQ(rec.raw, "Accepted password for root");
}

TEST(NormalizerTable, SniffersRunInOrderOnlyWithoutProgramEntry) {
  NormalizerTable t;
  t.Register("postfix", Declines);
  t.RegisterSniffer(SniffX);
  t.RegisterSniffer(SniffAny);

  LogRecord x = Record("", "x: exim-ish");
  EXPECT_TRUE(t.Normalize(x));
  EXPECT_EQ(x.family, "x");

  LogRecord other = Record("whatever", "y: something");
  EXPECT_TRUE(t.Normalize(other));
  EXPECT_EQ(other.Extra("sniffed_x"), "yes");  // tried first, declined
  EXPECT_EQ(other.family, "any");

  // A program with an entry never reaches the sniffers, even when declined.
  LogRecord declined = Record("postfix/smtpd", "x: looks sniffable");
  EXPECT_FALSE(t.Normalize(declined));
  EXPECT_EQ(declined.Extra("declined"), "yes");
  EXPECT_EQ(declined.Extra("sniffed_x"), "");
  EXPECT_EQ(declined.family, "");
}

TEST(NormalizerTable, NoSniffersNoEntries) {
  NormalizerTable t;
  LogRecord rec = Record("postfix/smtpd", "connect from a[1.2.3.4]");
  EXPECT_FALSE(t.Normalize(rec));
  EXPECT_EQ(rec.family, "");
}

TEST(NormalizerTable, RepeatedMessageIsUnwrapped) {
  NormalizerTable t;
  t.Register("postfix", FamilyA);
  LogRecord rec =
      Record("postfix/smtpd", "message repeated 3 times: [ 535721E1E6C: client=a[1.2.3.4]]");
  EXPECT_TRUE(t.Normalize(rec));
  EXPECT_EQ(rec.event, "535721E1E6C: client=a[1.2.3.4]");
  EXPECT_EQ(rec.Extra("repeated"), "3");
  EXPECT_EQ(rec.raw, "message repeated 3 times: [ 535721E1E6C: client=a[1.2.3.4]]");

  LogRecord plain = Record("postfix/smtpd", "message repeated often");
  EXPECT_TRUE(t.Normalize(plain));
  EXPECT_EQ(plain.event, "message repeated often");
  EXPECT_EQ(plain.Extra("repeated"), "");
}

TEST(DefaultNormalizers, BuiltOnceWithPostfix) {
  const NormalizerTable& a = DefaultNormalizers();
  const NormalizerTable& b = DefaultNormalizers();
  EXPECT_EQ(&a, &b);
  EXPECT_NE(a.Find("postfix/smtpd"), nullptr);
  EXPECT_EQ(a.Find("postfix/smtpd"), a.Find("postfix-out/smtp"));

  LogRecord rec = Record("postfix-out/smtp", "B141CE6BDD: removed");
  EXPECT_TRUE(a.Normalize(rec));
  EXPECT_EQ(rec.family, "postfix");
  EXPECT_EQ(rec.queue_id, "B141CE6BDD");

  LogRecord unknown = Record("nosuchdaemon", "B141CE6BDD: removed");
  EXPECT_EQ(a.Find("nosuchdaemon"), nullptr);
  a.Normalize(unknown);
  EXPECT_NE(unknown.family, "postfix");
}

}  // namespace
}  // namespace mlq

namespace mlq {
namespace {

TEST(DefaultNormalizers, LastMessageRepeatedIsItsOwnEvent) {
  LogRecord rec;
  rec.raw = "last message repeated 12 times";
  ASSERT_TRUE(DefaultNormalizers().Normalize(rec));
  EXPECT_EQ(rec.family, "syslog");
  EXPECT_EQ(rec.event, "repeated");
  EXPECT_EQ(rec.Extra("repeated"), "12");
  LogRecord other;
  other.raw = "last message repeated often";
  EXPECT_FALSE(DefaultNormalizers().Normalize(other));
}

}  // namespace
}  // namespace mlq
