// Tokens, roles and domain-limited readers on the real service through a
// real gRPC channel (query/access.h).
#include "query/access.h"

#include <gtest/gtest.h>

#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kReceived = 1795348800LL * 1000000;  // 2026-11-22T12:00:00Z

// Message A: sent by example.org to other.net. Message B: from third.net to
// carol@example.org and dave@fourth.net. Message C: nothing of example.org.
const std::vector<std::string> kLines = {
    "2026-11-22T11:00:00Z mx1 postfix/smtpd[10]: AAAA1: client=a.example[192.0.2.1]",
    "2026-11-22T11:00:01Z mx1 postfix/cleanup[11]: AAAA1: message-id=<a@example.org>",
    "2026-11-22T11:00:01Z mx1 postfix/qmgr[12]: AAAA1: from=<alice@example.org>, size=100, "
    "nrcpt=1 (queue active)",
    "2026-11-22T11:00:02Z mx1 postfix/smtp[13]: AAAA1: to=<bob@other.net>, "
    "relay=mx.other.net[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 "
    "ok)",
    "2026-11-22T11:00:02Z mx1 postfix/qmgr[12]: AAAA1: removed",
    "2026-11-22T11:01:00Z mx1 postfix/smtpd[10]: BBBB2: client=b.example[192.0.2.2]",
    "2026-11-22T11:01:01Z mx1 postfix/cleanup[11]: BBBB2: message-id=<b@third.net>",
    "2026-11-22T11:01:01Z mx1 postfix/qmgr[12]: BBBB2: from=<x@third.net>, size=100, nrcpt=2 "
    "(queue active)",
    "2026-11-22T11:01:02Z mx1 postfix/local[14]: BBBB2: to=<carol@mail.example.org>, "
    "relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "2026-11-22T11:01:02Z mx1 postfix/smtp[13]: BBBB2: to=<dave@fourth.net>, "
    "relay=mx.fourth.net[198.51.100.2]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced "
    "(user unknown)",
    "2026-11-22T11:01:03Z mx1 postfix/qmgr[12]: BBBB2: removed",
    "2026-11-22T11:02:00Z mx1 postfix/smtpd[10]: CCCC3: client=c.example[192.0.2.3]",
    "2026-11-22T11:02:01Z mx1 postfix/cleanup[11]: CCCC3: message-id=<c@else.net>",
    "2026-11-22T11:02:01Z mx1 postfix/qmgr[12]: CCCC3: from=<y@else.net>, size=100, nrcpt=1 "
    "(queue active)",
    "2026-11-22T11:02:02Z mx1 postfix/qmgr[12]: CCCC3: removed",
};

TEST(AccessRulesTest, AddressInDomains) {
  const std::vector<std::string> d = {"example.org"};
  EXPECT_TRUE(AddressInDomains("alice@example.org", d));
  EXPECT_TRUE(AddressInDomains("Alice@EXAMPLE.org", d));
  EXPECT_TRUE(AddressInDomains("carol@mail.example.org", d));
  EXPECT_TRUE(AddressInDomains("<alice@example.org>", d));
  EXPECT_FALSE(AddressInDomains("mallory@badexample.org", d));
  EXPECT_FALSE(AddressInDomains("mallory@example.org.evil.com", d));
  EXPECT_FALSE(AddressInDomains("example.org", d));
  EXPECT_FALSE(AddressInDomains("", d));
  // The domain is what follows the last '@'.
  EXPECT_FALSE(AddressInDomains("\"a@example.org\"@evil.com", d));
}

class AccessTest : public ServedQueryTest {
 protected:
  void SetUp() override {
    ServedQueryTest::SetUp();
    LineParser parser(&DefaultNormalizers(), &counters_);
    LineSource src;
    src.transport = Transport::kIngest;
    std::vector<LogRecord> batch;
    for (const auto& l : kLines) batch.push_back(parser.Parse(l, 0, src, kReceived));
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  QueryServiceOptions ServiceOptions() override {
    std::vector<TokenEntry> tokens;
    auto add = [&](const std::string& token, TokenRole role, std::vector<std::string> domains) {
      TokenEntry e;
      e.sha256_hex = HashToken(token);
      e.role = role;
      e.name = token;
      e.domains = std::move(domains);
      tokens.push_back(e);
    };
    add("t-admin", TokenRole::kAdmin, {});
    add("t-read", TokenRole::kRead, {});
    add("t-ingest", TokenRole::kIngest, {});
    add("t-helpdesk", TokenRole::kRead, {"example.org"});
    access_.SetTokens(tokens);
    QueryServiceOptions o;
    o.access = &access_;
    return o;
  }

  grpc::Status FindAs(const std::string& token, const v1::FindRequest& req,
                      v1::FindResponse* resp) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    return stub_->Find(&ctx, req, resp);
  }
  grpc::Status TraceAs(const std::string& token, const v1::TraceRequest& req,
                       v1::TraceResponse* resp) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    return stub_->Trace(&ctx, req, resp);
  }

  Access access_{&counters_};
};

v1::FindRequest ByQueue(const std::string& qid) {
  v1::FindRequest r;
  r.set_queue_id(qid);
  return r;
}

TEST_F(AccessTest, NoOrUnknownTokenIsUnauthenticated) {
  v1::FindResponse resp;
  grpc::Status st = FindAs("", ByQueue("AAAA1"), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(st.error_message().find("requires a token"), std::string::npos);
  st = FindAs("t-nope", ByQueue("AAAA1"), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(counters_.Value("auth.unauthenticated"), 2u);
  EXPECT_EQ(resp.records_size(), 0);
}

TEST_F(AccessTest, RolesCoverTheirMethodsOnly) {
  v1::FindResponse resp;
  EXPECT_TRUE(FindAs("t-read", ByQueue("AAAA1"), &resp).ok());
  EXPECT_EQ(resp.records_size(), 5);
  resp.Clear();
  EXPECT_TRUE(FindAs("t-admin", ByQueue("AAAA1"), &resp).ok());
  EXPECT_EQ(resp.records_size(), 5);
  grpc::Status st = FindAs("t-ingest", ByQueue("AAAA1"), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("may not call Find"), std::string::npos);

  // A read token may not write or back up.
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer t-read");
    v1::IngestResponse ir;
    auto w = stub_->Ingest(&ctx, &ir);
    v1::IngestRequest req;
    req.add_lines("2026-11-22T11:03:00Z mx1 postfix/smtp[1]: DDDD4: to=<z@x.org>, status=sent");
    w->Write(req);
    w->WritesDone();
    EXPECT_EQ(w->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer t-read");
    v1::BackupRequest br;
    br.set_dir(dir_.path() + "/copy");
    v1::BackupResponse bresp;
    EXPECT_EQ(stub_->Backup(&ctx, br, &bresp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(counters_.Value("auth.denied"), 3u);
}

TEST_F(AccessTest, DomainReaderSeesOnlyItsMessagesLines) {
  v1::FindResponse resp;
  // Its sender's message: every line of the queue entry, with or without addresses.
  ASSERT_TRUE(FindAs("t-helpdesk", ByQueue("AAAA1"), &resp).ok());
  EXPECT_EQ(resp.records_size(), 5);
  // Nothing of a message without example.org addresses.
  resp.Clear();
  ASSERT_TRUE(FindAs("t-helpdesk", ByQueue("CCCC3"), &resp).ok());
  EXPECT_EQ(resp.records_size(), 0);
  resp.Clear();
  v1::FindRequest by_id;
  by_id.set_message_id("c@else.net");
  ASSERT_TRUE(FindAs("t-helpdesk", by_id, &resp).ok());
  EXPECT_EQ(resp.records_size(), 0);
  // Message B involves carol@mail.example.org: its lines are shown.
  resp.Clear();
  by_id.set_message_id("b@third.net");
  ASSERT_TRUE(FindAs("t-helpdesk", by_id, &resp).ok());
  EXPECT_EQ(resp.records_size(), 1);
  // An address search for someone else's mailbox finds nothing.
  resp.Clear();
  v1::FindRequest by_addr;
  by_addr.set_address("y@else.net");
  ASSERT_TRUE(FindAs("t-helpdesk", by_addr, &resp).ok());
  EXPECT_EQ(resp.records_size(), 0);
}

TEST_F(AccessTest, DomainReaderTraceShowsOnlyItsRecipients) {
  v1::TraceRequest req;
  req.set_queue_id("BBBB2");
  v1::TraceResponse full, limited;
  ASSERT_TRUE(TraceAs("t-read", req, &full).ok());
  ASSERT_EQ(full.traces_size(), 1);
  EXPECT_EQ(full.traces(0).recipients_size(), 2);
  ASSERT_TRUE(TraceAs("t-helpdesk", req, &limited).ok());
  ASSERT_EQ(limited.traces_size(), 1);
  ASSERT_EQ(limited.traces(0).recipients_size(), 1);
  EXPECT_EQ(limited.traces(0).recipients(0).address(), "carol@mail.example.org");
  // Nor does the summary count the recipient left out.
  EXPECT_EQ(full.traces(0).summary().rfind("2 recipients", 0), 0u) << full.traces(0).summary();
  EXPECT_EQ(limited.traces(0).summary().rfind("1 recipient:", 0), 0u)
      << limited.traces(0).summary();
  for (const v1::Hop& h : limited.traces(0).hops()) {
    for (const v1::Record& r : h.lines()) {
      EXPECT_EQ(r.raw().find("dave@fourth.net"), std::string::npos) << r.raw();
    }
  }
  // The sender's domain sees its whole message, whoever it went to.
  req.set_queue_id("AAAA1");
  limited.Clear();
  ASSERT_TRUE(TraceAs("t-helpdesk", req, &limited).ok());
  ASSERT_EQ(limited.traces_size(), 1);
  EXPECT_EQ(limited.traces(0).recipients_size(), 1);
  EXPECT_EQ(limited.traces(0).recipients(0).address(), "bob@other.net");
  // A message that does not involve it: no trace at all.
  req.set_queue_id("CCCC3");
  limited.Clear();
  ASSERT_TRUE(TraceAs("t-helpdesk", req, &limited).ok());
  EXPECT_EQ(limited.traces_size(), 0);
}

TEST_F(AccessTest, DomainReaderMayNotSeeStatsButStatus) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer t-helpdesk");
  v1::StatsRequest sreq;
  v1::StatsResponse sresp;
  grpc::Status st = stub_->Stats(&ctx, sreq, &sresp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("limited to some domains"), std::string::npos);
  grpc::ClientContext ctx2;
  ctx2.AddMetadata("authorization", "Bearer t-helpdesk");
  v1::StatusResponse status;
  EXPECT_TRUE(stub_->Status(&ctx2, v1::StatusRequest(), &status).ok());
}

TEST_F(AccessTest, TokensReplacedAtOnce) {
  access_.SetTokens(std::vector<TokenEntry>{});
  v1::FindResponse resp;
  EXPECT_EQ(FindAs("t-admin", ByQueue("AAAA1"), &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  access_.SetTokens(std::nullopt);  // authentication off: anyone is admin
  EXPECT_TRUE(FindAs("", ByQueue("AAAA1"), &resp).ok());
}

}  // namespace
}  // namespace mlq
