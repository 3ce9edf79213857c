// Tests of the Kerio Connect normalizer: table-driven cases
// (tests/data/kerio/cases.txt), recognition rates over copies of the corpus
// files (tests/data/kerio/corpus/, and the full shared corpus when present),
// agreement with fail2ban's expected fields
// (tests/data/kerio/expected-fields.tsv), and robustness against truncated
// and random input.

#include "receiver/normalizers/kerio.h"

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

// More probes of a text for Poke.
void Probe(std::string_view view) {
  LogRecord m;
  m.program = "mailserver";
  NormalizeKerio(view, m);
}

const testing::FamilyHarness& H() {
  static const testing::FamilyHarness h(testing::LogFileFamily(
      "kerio", RegisterKerio, NormalizeKerio, SniffKerio, "kerio", nullptr, Probe));
  return h;
}

TEST(KerioTest, Cases) { H().RunCases(20u); }

// ---- registration and contracts ----

TEST(KerioTest, RegistersProgramsAndSniffer) {
  const NormalizerTable& t = H().Table();
  for (std::string_view p : {"kerio", "kerioconnect", "keriomailserver", "mailserver"}) {
    EXPECT_EQ(t.Find(p), &NormalizeKerio) << p;
  }
}

// A security.log text quoted without its time (ngocnd02/thuctap
// MailServer_Kerio/Kerio_Log.md @ 0cf6fa7e) as it arrives through syslog.
TEST(KerioTest, SecurityTextWithoutTime) {
  LogRecord rec;
  rec.program = "kerio";
  EXPECT_TRUE(NormalizeKerio(
      "HTTP/WebMail: Invalid password for user ngocnd@nguyenducngoc.com. Attempt from IP address "
      "192.168.249.1.",
      rec));
  EXPECT_EQ(rec.family, "kerio");
  EXPECT_EQ(rec.event, "auth-failure");
  EXPECT_EQ(rec.sasl_user, "ngocnd@nguyenducngoc.com");
  EXPECT_EQ(rec.client_ip, "192.168.249.1");
  EXPECT_EQ(rec.reply, "Invalid password for user ngocnd@nguyenducngoc.com");
  EXPECT_EQ(rec.Extra("service"), "HTTP/WebMail");
}

// "mailserver" is a generic name: its lines must look like Kerio's
// (constructed line of an unrelated daemon).
TEST(KerioTest, UnrelatedMailserverProgramIsRefused) {
  LogRecord rec = ParseLine("Nov 22 10:00:00 mx mailserver[9]: starting up, version 2.1");
  EXPECT_EQ(rec.family, "");
  rec = ParseLine(
      "Nov 22 10:00:00 mx mailserver[9]: [22/Nov/2026 10:00:00] Failed SMTP login from 192.0.2.7 "
      "with SASL method PLAIN.");
  EXPECT_EQ(rec.family, "kerio");
  EXPECT_EQ(rec.event, "auth-failure");
  EXPECT_EQ(testing::IsoTime(rec.timestamp_us),
            "2026-11-22T10:00:00");  // the syslog time, not the inner one
}

// ---- corpus coverage ----

// Only blank lines do not count; every corpus file of mail/kerio is Kerio's.
TEST(KerioTest, CorpusCopiesCoverage) { H().ExpectCorpusCopiesCoverage(3u); }

TEST(KerioTest, FullCorpusCoverage) { H().ExpectFullCorpusCoverage(); }

// ---- agreement with other parsers' expected fields ----

TEST(KerioTest, ExpectedFieldsAgreement) { H().ExpectFieldsAgreement(45u); }

// ---- robustness ----

TEST(KerioTest, TruncatedLinesAreSafe) { H().PokeTruncatedLines(); }

TEST(KerioTest, RandomInputIsSafe) {
  static constexpr std::string_view kPieces[] = {"[22/Nov/2026 10:11:12] ",
                                                 "[22/Nov/2026 10:11:12.5] ",
                                                 "[",
                                                 "]",
                                                 " ",
                                                 " ",
                                                 ", ",
                                                 ": ",
                                                 "Recv: ",
                                                 "Sent: ",
                                                 "Queue-ID: ",
                                                 "Service: ",
                                                 "From: ",
                                                 "To: ",
                                                 "Size: ",
                                                 "Subject: ",
                                                 "Msg-Id: ",
                                                 "Recipient: ",
                                                 "Result: ",
                                                 "Status: ",
                                                 "Remote-Host: ",
                                                 "Sender-Host: ",
                                                 "<",
                                                 ">",
                                                 "<<",
                                                 ">>",
                                                 "a@b",
                                                 "192.0.2.1",
                                                 "IP address ",
                                                 "Attempt to deliver to unknown recipient ",
                                                 "found in DNS blacklist ",
                                                 "Relay attempt from IP address ",
                                                 "Failed SMTP login from ",
                                                 " login from ",
                                                 ". Attempt from IP address ",
                                                 "for user ",
                                                 "SPF check failed: ",
                                                 "'",
                                                 "Found virus in mail ",
                                                 "Message from ",
                                                 " rejected",
                                                 "{MOVE} ",
                                                 "{",
                                                 "}",
                                                 "Destination Folder: ",
                                                 " - ",
                                                 "SMTP: From: ",
                                                 "\t",
                                                 "\xff",
                                                 std::string_view("\0", 1)};
  H().PokeRandomPieces(kPieces);
}

}  // namespace
}  // namespace mlq
