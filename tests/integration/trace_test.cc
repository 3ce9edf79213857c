// `mlq trace` end to end with real processes: a real mlqd fed over TCP or
// by `mlq import`, asked by the real `mlq trace --json` (one JSON object per
// message: hops[{host, queue_id, program, time, lines}], recipients[{address,
// verdict, dsn, reply, host, queue_id, explanation}]).
#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool StoredAtLeast(const Daemon& d, size_t n) {
  return WaitFor([&] {
    json s = d.Status();
    return s.is_object() && s["stored"].get<size_t>() >= n;
  });
}

// `mlq trace --json args...`: the traces, one per message.
std::vector<json> Trace(const Daemon& d, std::vector<std::string> args) {
  args.insert(args.begin(), {"trace", "--json"});
  CommandResult r = d.Mlq(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<json> traces = ParseJsonLines(r.out);
  for (const auto& t : traces) EXPECT_TRUE(t.is_object()) << r.out;
  return traces;
}

std::vector<std::string> Hops(const json& t) {
  std::vector<std::string> out;
  for (const auto& h : t["hops"]) {
    out.push_back(h["host"].get<std::string>() + "/" + h["queue_id"].get<std::string>());
  }
  return out;
}

const json* Rcpt(const json& t, const std::string& address) {
  for (const auto& r : t["recipients"]) {
    if (r["address"] == address) return &r;
  }
  return nullptr;
}

size_t LineCount(const json& t) {
  size_t n = 0;
  for (const auto& h : t["hops"]) n += h["lines"].size();
  return n;
}

// Host mx-a accepts a message and relays it to mx-b; mx-b's queue ID is in
// mx-a's "queued as" reply; mx-b delivers it to a local mailbox.
struct Relay {
  std::vector<std::string> a, b;
};

Relay RelayFlow(time_t t) {
  Relay f;
  f.a = {
      "<22>" + Bsd(t) + " mx-a postfix/smtpd[100]: connect from client.example.org[192.0.2.10]",
      "<22>" + Bsd(t) +
          " mx-a postfix/smtpd[100]: 4RaA1x2Yz3Q: client=client.example.org[192.0.2.10]",
      "<22>" + Bsd(t) + " mx-a postfix/cleanup[101]: 4RaA1x2Yz3Q: message-id=<relay-1@example.org>",
      "<22>" + Bsd(t + 1) +
          " mx-a postfix/qmgr[102]: 4RaA1x2Yz3Q: from=<alice@example.org>, size=1234, nrcpt=1 "
          "(queue active)",
      "<22>" + Bsd(t + 2) +
          " mx-a postfix/smtp[103]: 4RaA1x2Yz3Q: to=<bob@dest.example>, "
          "relay=mx-b.example.net[198.51.100.20]:25, delay=1.6, delays=0.1/0/0.7/0.8, dsn=2.0.0, "
          "status=sent (250 2.0.0 Ok: queued as 4RbB9w8Vu7P)",
      "<22>" + Bsd(t + 2) + " mx-a postfix/qmgr[102]: 4RaA1x2Yz3Q: removed",
  };
  f.b = {
      "<22>" + Bsd(t + 1) + " mx-b postfix/smtpd[200]: connect from mx-a.example.net[203.0.113.5]",
      "<22>" + Bsd(t + 2) +
          " mx-b postfix/smtpd[200]: 4RbB9w8Vu7P: client=mx-a.example.net[203.0.113.5]",
      "<22>" + Bsd(t + 2) +
          " mx-b postfix/cleanup[201]: 4RbB9w8Vu7P: message-id=<relay-1@example.org>",
      "<22>" + Bsd(t + 2) +
          " mx-b postfix/qmgr[202]: 4RbB9w8Vu7P: from=<alice@example.org>, size=1500, nrcpt=1 "
          "(queue active)",
      "<22>" + Bsd(t + 3) +
          " mx-b postfix/local[203]: 4RbB9w8Vu7P: to=<bob@dest.example>, relay=local, delay=0.9, "
          "delays=0.1/0/0/0.8, dsn=2.0.0, status=sent (delivered to mailbox)",
      "<22>" + Bsd(t + 3) + " mx-b postfix/qmgr[202]: 4RbB9w8Vu7P: removed",
  };
  return f;
}

void ExpectRelayJourney(const json& t, const Relay& f) {
  EXPECT_EQ(Hops(t), (std::vector<std::string>{"mx-a/4RaA1x2Yz3Q", "mx-b/4RbB9w8Vu7P"}))
      << t.dump(1);
  ASSERT_EQ(t["hops"].size(), 2u);
  EXPECT_EQ(t["hops"][0]["program"], "postfix/smtpd") << t["hops"][0].dump();
  EXPECT_EQ(t["hops"][0]["next"], json::array({"mx-b/4RbB9w8Vu7P"})) << t["hops"][0].dump();
  // Every queued line of both hosts, in its hop, in time order.
  EXPECT_EQ(t["hops"][0]["lines"].size(), 5u) << t["hops"][0].dump();
  EXPECT_EQ(t["hops"][1]["lines"].size(), 5u) << t["hops"][1].dump();
  EXPECT_EQ(t["hops"][0]["lines"][0]["raw"], f.a[1]);
  EXPECT_EQ(t["hops"][1]["lines"][4]["raw"], f.b[5]);
  EXPECT_LE(t["hops"][0]["time_us"].get<int64_t>(), t["hops"][1]["time_us"].get<int64_t>());
  EXPECT_FALSE(t["hops"][0]["time"].get<std::string>().empty());
  ASSERT_EQ(t["recipients"].size(), 1u) << t.dump(1);
  const json& r = t["recipients"][0];
  EXPECT_EQ(r["address"], "bob@dest.example");
  EXPECT_EQ(r["verdict"], "delivered") << r.dump();
  EXPECT_EQ(r["dsn"], "2.0.0");
  EXPECT_EQ(r["host"], "mx-b") << "decided by the last hop";
  EXPECT_EQ(r["queue_id"], "4RbB9w8Vu7P");
  EXPECT_EQ(r["reply"], "delivered to mailbox");
  EXPECT_FALSE(r["explanation"].get<std::string>().empty()) << r.dump();
}

TEST(TraceEndToEndTest, TwoHostRelayFedOutOfOrder) {
  TempDir dir;
  Daemon daemon(dir.path() + "/data", {"--timezone", "UTC"});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  const Relay f = RelayFlow(time(nullptr) - 3600);
  // Each host sends its own lines over its own connection, B first.
  ASSERT_TRUE(SendTcp(daemon.tcp_port(), Lines(f.b)));
  ASSERT_TRUE(SendTcp(daemon.tcp_port(), Lines(f.a)));
  ASSERT_TRUE(StoredAtLeast(daemon, f.a.size() + f.b.size())) << daemon.Status().dump();

  auto traces = Trace(daemon, {"--message-id", "<relay-1@example.org>"});
  ASSERT_EQ(traces.size(), 1u);
  ExpectRelayJourney(traces[0], f);
  EXPECT_EQ(traces[0]["message_ids"], json::array({"relay-1@example.org"}));

  // From either queue ID (the relay's is found through "queued as").
  traces = Trace(daemon, {"--queue-id", "4RaA1x2Yz3Q", "--host", "mx-a"});
  ASSERT_EQ(traces.size(), 1u);
  ExpectRelayJourney(traces[0], f);
  traces = Trace(daemon, {"--queue-id", "4RbB9w8Vu7P"});
  ASSERT_EQ(traces.size(), 1u);
  ExpectRelayJourney(traces[0], f);
  // And by recipient.
  traces = Trace(daemon, {"--to", "bob@dest.example"});
  ASSERT_EQ(traces.size(), 1u);
  ExpectRelayJourney(traces[0], f);

  // The text form says the same.
  CommandResult text = daemon.Mlq({"trace", "--message-id", "relay-1@example.org", "--utc"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("bob@dest.example  DELIVERED"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("mx-a/4RaA1x2Yz3Q"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("-> mx-b/4RbB9w8Vu7P"), std::string::npos) << text.out;

  CommandResult none = daemon.Mlq({"trace", "--message-id", "nobody@nowhere"});
  EXPECT_EQ(none.exit_code, 1);
}

TEST(TraceEndToEndTest, JourneyAcrossAnMlqdRestart) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const time_t t = time(nullptr) - 2 * 3600;
  // The first delivery attempt is deferred; the retry after the restart
  // delivers.
  const std::vector<std::string> first = {
      "<22>" + Bsd(t) + " mx1 postfix/pickup[300]: 4RcC5d6Ef7G: uid=1000 from=<carol>",
      "<22>" + Bsd(t) +
          " mx1 postfix/cleanup[301]: 4RcC5d6Ef7G: message-id=<restart-1@mx1.example>",
      "<22>" + Bsd(t + 1) +
          " mx1 postfix/qmgr[302]: 4RcC5d6Ef7G: from=<carol@mx1.example>, size=900, nrcpt=1 (queue "
          "active)",
      "<22>" + Bsd(t + 31) +
          " mx1 postfix/smtp[303]: 4RcC5d6Ef7G: to=<dan@remote.example>, relay=none, delay=31, "
          "delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to "
          "mx.remote.example[192.0.2.99]:25: Connection timed out)",
  };
  const std::vector<std::string> second = {
      "<22>" + Bsd(t + 600) +
          " mx1 postfix/qmgr[302]: 4RcC5d6Ef7G: from=<carol@mx1.example>, size=900, nrcpt=1 (queue "
          "active)",
      "<22>" + Bsd(t + 601) +
          " mx1 postfix/smtp[304]: 4RcC5d6Ef7G: to=<dan@remote.example>, "
          "relay=mx.remote.example[192.0.2.99]:25, delay=601, delays=600/0/0.5/0.5, dsn=2.0.0, "
          "status=sent (250 2.0.0 Ok: queued as 9F00AA11)",
      "<22>" + Bsd(t + 601) + " mx1 postfix/qmgr[302]: 4RcC5d6Ef7G: removed",
  };
  {
    Daemon daemon(data, {"--timezone", "UTC"});
    ASSERT_TRUE(daemon.Start()) << daemon.log();
    ASSERT_TRUE(SendTcp(daemon.tcp_port(), Lines(first)));
    ASSERT_TRUE(StoredAtLeast(daemon, first.size()));
    auto traces = Trace(daemon, {"--message-id", "restart-1@mx1.example"});
    ASSERT_EQ(traces.size(), 1u);
    const json* r = Rcpt(traces[0], "dan@remote.example");
    ASSERT_NE(r, nullptr) << traces[0].dump(1);
    EXPECT_EQ((*r)["verdict"], "deferred") << r->dump();
    EXPECT_EQ((*r)["dsn"], "4.4.1");
    EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
  }
  {
    Daemon daemon(data, {"--timezone", "UTC"});
    ASSERT_TRUE(daemon.Start()) << daemon.log();
    EXPECT_EQ(daemon.Status()["stored"], first.size()) << "the first half survived";
    ASSERT_TRUE(SendTcp(daemon.tcp_port(), Lines(second)));
    ASSERT_TRUE(StoredAtLeast(daemon, first.size() + second.size()));
    auto traces = Trace(daemon, {"--message-id", "restart-1@mx1.example"});
    ASSERT_EQ(traces.size(), 1u);
    const json& t0 = traces[0];
    EXPECT_EQ(Hops(t0), std::vector<std::string>{"mx1/4RcC5d6Ef7G"});
    EXPECT_EQ(LineCount(t0), first.size() + second.size()) << t0.dump(1);
    EXPECT_EQ(t0["hops"][0]["program"], "postfix/pickup");
    const json* r = Rcpt(t0, "dan@remote.example");
    ASSERT_NE(r, nullptr) << t0.dump(1);
    EXPECT_EQ((*r)["verdict"], "delivered") << r->dump();
    EXPECT_EQ((*r)["dsn"], "2.0.0");
    EXPECT_NE((*r)["reply"].get<std::string>().find("queued as 9F00AA11"), std::string::npos);
    EXPECT_EQ(t0["recipients"].size(), 1u) << "one recipient, tried twice";
  }
}

// The founding documents' flows (tests/data/seeds/), imported with the real
// `mlq import`, traced with the real `mlq trace`.
class SeedsTraceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    daemon_ = new Daemon(dir_->path() + "/data", {"--timezone", "UTC"});
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
    std::vector<std::string> args = {"import", "--json"};
    for (const auto& e : std::filesystem::directory_iterator(TestData("seeds"))) {
      if (e.path().extension() == ".log") args.push_back(e.path().string());
    }
    CommandResult r = daemon_->Mlq(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    import_ = new json(json::parse(r.out, nullptr, false));
  }
  static void TearDownTestSuite() {
    delete import_;
    delete daemon_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(daemon_ != nullptr && import_ != nullptr); }

  static TempDir* dir_;
  static Daemon* daemon_;
  static json* import_;
};

TempDir* SeedsTraceTest::dir_ = nullptr;
Daemon* SeedsTraceTest::daemon_ = nullptr;
json* SeedsTraceTest::import_ = nullptr;

TEST_F(SeedsTraceTest, ImportedOnceEveryLine) {
  size_t lines = 0;
  for (const auto& e : std::filesystem::directory_iterator(TestData("seeds"))) {
    if (e.path().extension() != ".log") continue;
    for (const auto& l : ReadLines(e.path().string())) lines += !l.empty();
  }
  EXPECT_EQ((*import_)["lines"], lines);
  EXPECT_EQ((*import_)["stored"], lines);
  EXPECT_EQ((*import_)["files"].size(), 4u);
  for (const auto& f : (*import_)["files"]) EXPECT_EQ(f["format"], "syslog") << f.dump();
  EXPECT_EQ(daemon_->Status()["stored"], lines);
}

TEST_F(SeedsTraceTest, OutboundThroughAmavisRequeueDeliveredToGmail) {
  auto traces = Trace(
      *daemon_, {"--message-id", "<1406627814.5.1651732554479.JavaMail.zimbra@tudv3.tudv.xyz>"});
  ASSERT_EQ(traces.size(), 1u);
  const json& t = traces[0];
  EXPECT_EQ(Hops(t),
            (std::vector<std::string>{"mail/B141CE6BDD", "mail/15411E6BE1", "mail/97597E6BE4"}));
  ASSERT_EQ(t["recipients"].size(), 1u) << t.dump(1);
  const json* r = Rcpt(t, "idinhtu1989@gmail.com");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ((*r)["verdict"], "delivered");
  EXPECT_EQ((*r)["dsn"], "2.0.0");
  EXPECT_EQ((*r)["host"], "mail");
  EXPECT_EQ((*r)["queue_id"], "97597E6BE4");
  EXPECT_NE((*r)["where"].get<std::string>().find("gmail-smtp-in.l.google.com"), std::string::npos);
  bool amavis = false;
  for (const auto& h : t["hops"]) {
    for (const auto& l : h["lines"]) amavis = amavis || l.value("family", "") == "amavis";
  }
  EXPECT_TRUE(amavis) << "the amavis verdicts are part of the journey";
}

TEST_F(SeedsTraceTest, InboundToZimbraLmtp) {
  auto traces =
      Trace(*daemon_,
            {"--message-id", "CAMzzhF9GpAMR6iTmZ-hzC6RriDQ=m1mao8zHY06Eky-_iry-=A@mail.gmail.com"});
  ASSERT_EQ(traces.size(), 1u);
  const json* r = Rcpt(traces[0], "admin@tudv3.tudv.xyz");
  ASSERT_NE(r, nullptr) << traces[0].dump(1);
  EXPECT_EQ((*r)["verdict"], "delivered");
  EXPECT_EQ((*r)["dsn"], "2.1.5");
  EXPECT_EQ((*r)["queue_id"], "B51DBE6BE7");
  EXPECT_NE((*r)["where"].get<std::string>().find("mailbox"), std::string::npos) << r->dump();
}

TEST_F(SeedsTraceTest, InboundToDovecot) {
  auto traces = Trace(*daemon_, {"--to", "test01@codemax.cn"});
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(Hops(traces[0]), (std::vector<std::string>{"mail/974C6222F6", "mail/01373222F7"}));
  const json* r = Rcpt(traces[0], "test01@codemax.cn");
  ASSERT_NE(r, nullptr) << traces[0].dump(1);
  EXPECT_EQ((*r)["verdict"], "delivered");
  EXPECT_EQ((*r)["where"], "mailbox (dovecot)");
  EXPECT_EQ((*r)["queue_id"], "01373222F7");
}

TEST_F(SeedsTraceTest, RejectedAsBlacklistedBeforeQueue) {
  auto traces = Trace(*daemon_, {"--to", "quanlh@vccloud.vn"});
  ASSERT_GE(traces.size(), 1u);
  const json* r = Rcpt(traces[0], "quanlh@vccloud.vn");
  ASSERT_NE(r, nullptr) << traces[0].dump(1);
  EXPECT_EQ((*r)["verdict"], "rejected");
  EXPECT_EQ((*r)["dsn"], "5.7.1");
  EXPECT_NE((*r)["reply"].get<std::string>().find("Blacklisted"), std::string::npos);
  EXPECT_NE((*r)["explanation"].get<std::string>().find("lack"), std::string::npos) << r->dump();
  EXPECT_TRUE(traces[0]["hops"].empty()) << "never queued";
  // Roundcube's report of the same reject joins it.
  EXPECT_EQ(traces.size(), 1u);
  bool roundcube = false;
  for (const auto& l : traces[0]["other_lines"]) roundcube |= l.value("family", "") == "roundcube";
  EXPECT_TRUE(roundcube) << traces[0].dump(1);
}

TEST_F(SeedsTraceTest, BouncedForDmarc) {
  auto traces = Trace(*daemon_, {"--queue-id", "4JP3kS4kV1z9p1l"});
  ASSERT_EQ(traces.size(), 1u);
  const json& t = traces[0];
  // The message's recipient, then the notice to the sender (a row of its own).
  ASSERT_EQ(t["recipients"].size(), 2u) << t.dump(1);
  EXPECT_EQ(t["recipients"][1]["notice"], "sender non-delivery") << t.dump(1);
  EXPECT_EQ(t["recipients"][1]["notice_for"], "mail/4JP3kS4kV1z9p1l");
  EXPECT_EQ(t["recipients"][1]["queue_id"], "4JP3kW1FHCz9p1r");
  EXPECT_FALSE(t["recipients"][0].contains("notice"));
  const json* r = Rcpt(t, "truongvh@gmail.com");
  ASSERT_NE(r, nullptr) << t.dump(1);
  EXPECT_EQ((*r)["verdict"], "bounced");
  EXPECT_EQ((*r)["dsn"], "5.7.26");
  EXPECT_NE((*r)["explanation"].get<std::string>().find("DMARC"), std::string::npos);
  EXPECT_EQ(Hops(t), (std::vector<std::string>{"mail/4JP3kS4kV1z9p1l", "mail/4JP3kW1FHCz9p1r"}));
  EXPECT_EQ(t["hops"][1]["role"], "bounce");
  EXPECT_NE(t["summary"].get<std::string>().find("non-delivery"), std::string::npos);
}

TEST_F(SeedsTraceTest, DmaSubmissionDeliveredLocally) {
  auto traces = Trace(*daemon_, {"--message-id", "69908f4c.1e92be2.7865be02@host"});
  ASSERT_EQ(traces.size(), 1u);
  const json* r = Rcpt(traces[0], "afnog@mail.pc200.n2.nog-oc.org");
  ASSERT_NE(r, nullptr) << traces[0].dump(1);
  EXPECT_EQ((*r)["verdict"], "delivered");
  EXPECT_EQ((*r)["where"], "mailbox (local)");
  EXPECT_EQ((*r)["host"], "host");
}

TEST_F(SeedsTraceTest, ReimportingTheSeedsChangesNoTrace) {
  auto before = Trace(*daemon_, {"--queue-id", "4JP3kS4kV1z9p1l"});
  ASSERT_EQ(before.size(), 1u);
  std::vector<std::string> args = {"import", "--json"};
  for (const auto& e : std::filesystem::directory_iterator(TestData("seeds"))) {
    if (e.path().extension() == ".log") args.push_back(e.path().string());
  }
  CommandResult r = daemon_->Mlq(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json again = json::parse(r.out, nullptr, false);
  EXPECT_EQ(again["stored"], 0);
  EXPECT_EQ(again["duplicates"], (*import_)["lines"]);
  auto after = Trace(*daemon_, {"--queue-id", "4JP3kS4kV1z9p1l"});
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(LineCount(after[0]), LineCount(before[0]));
  EXPECT_EQ(after[0]["other_lines"].size(), before[0]["other_lines"].size());
  EXPECT_EQ(after[0]["recipients"].size(), 2u);  // the message's, and the notice's
}

}  // namespace
}  // namespace mlq::testing
