// Find's filters, planning, order and paging, through a real gRPC channel
// to the service over a real store.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "query/filter.h"
#include "query/finder.h"
#include "query/service.h"
#include "service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kT = 1795341600LL * 1000000;  // 2026-11-22T10:00:00Z
constexpr int64_t kSec = 1000000;

LogRecord Rec(int64_t ts, std::string raw) {
  LogRecord r;
  r.timestamp_us = r.received_us = ts;
  r.raw = std::move(raw);
  return r;
}

class FindTest : public QueryServiceTest {
 protected:
  // Starts the service (no writer); tests may change options_ before.
  void Start() {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    Serve(options_, args);
  }

  void Write(const std::vector<LogRecord>& records) { ASSERT_TRUE(store_->Write(records).ok()); }

  // The raw lines found, in order; "ERROR <code>" when the call fails.
  std::vector<std::string> Raws(const v1::FindRequest& req) {
    v1::FindResponse resp;
    grpc::Status st = Find(req, &resp);
    if (!st.ok()) return {"ERROR " + std::to_string(st.error_code()) + " " + st.error_message()};
    std::vector<std::string> out;
    for (const auto& r : resp.records()) out.push_back(r.raw());
    return out;
  }

  // Follows page tokens to the end; returns the keys in order and the pages' sizes.
  std::vector<std::string> AllPages(v1::FindRequest req, std::vector<int>* sizes) {
    std::vector<std::string> keys;
    for (int guard = 0; guard < 10000; ++guard) {
      v1::FindResponse resp;
      grpc::Status st = Find(req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      sizes->push_back(resp.records_size());
      for (const auto& r : resp.records()) keys.push_back(r.key());
      EXPECT_EQ(resp.truncated(), !resp.next_page_token().empty());
      if (!resp.truncated()) break;
      req.set_page_token(resp.next_page_token());
    }
    return keys;
  }

  // Six records covering every filter (see the expectations in EachFilterAlone).
  void WriteSample() {
    std::vector<LogRecord> rs;
    LogRecord r = Rec(kT, "mx1 postfix/smtp[1]: Q1: to=<b@y.org>, status=sent (250 OK)");
    r.host = "mx1";
    r.program = "postfix/smtp";
    r.family = "postfix";
    r.event = "delivery";
    r.status = "sent";
    r.queue_id = "Q1";
    r.from = "A@x.org";
    r.to = {"b@y.org"};
    r.message_id = "m1@x";
    rs.push_back(r);

    r = Rec(kT + 1 * kSec,
            "mx2 postfix/smtp[2]: Q2: to=<B@Y.org>, status=deferred (Connection "
            "TIMED OUT)");
    r.host = "mx2";
    r.program = "postfix/smtp";
    r.family = "postfix";
    r.event = "delivery";
    r.status = "deferred";
    r.queue_id = "Q2";
    r.from = "c@x.org";
    r.to = {"B@Y.org"};
    r.orig_to = "d@z.org";
    rs.push_back(r);

    r = Rec(kT + 2 * kSec, "mx1 postfix/smtpd[3]: Q1: client=a[192.0.2.1], sasl_username=Alice");
    r.host = "mx1";
    r.program = "postfix/smtpd";
    r.family = "postfix";
    r.event = "client";
    r.queue_id = "Q1";
    r.client_ip = "192.0.2.1";
    r.sasl_user = "Alice";
    rs.push_back(r);

    r = Rec(kT + 3 * kSec, "mx1 postfix/submission/smtpd[4]: Q3: client=b[192.0.2.2]");
    r.host = "mx1";
    r.program = "postfix/submission/smtpd";
    r.family = "postfix";
    r.event = "client";
    r.queue_id = "Q3";
    r.client_ip = "192.0.2.2";
    r.sasl_user = "bob";
    rs.push_back(r);

    r = Rec(kT + 4 * kSec, "mx2 amavis[5]: (5-1) Passed CLEAN, <m1@x>, Queue-ID: Q1");
    r.host = "mx2";
    r.program = "amavis";
    r.family = "amavis";
    r.event = "filter-result";
    r.queue_id = "Q1";
    r.message_id = "m1@x";
    rs.push_back(r);

    r = Rec(kT + 5 * kSec, "mx1 dovecot: imap-login: Login: user=<alice>");
    r.host = "mx1";
    r.program = "dovecot";
    r.family = "dovecot";
    r.event = "login";
    rs.push_back(r);
    Write(rs);
  }

  std::vector<std::string> Sample(std::initializer_list<int> idx) {
    static const std::vector<std::string> kRaw = {
        "mx1 postfix/smtp[1]: Q1: to=<b@y.org>, status=sent (250 OK)",
        "mx2 postfix/smtp[2]: Q2: to=<B@Y.org>, status=deferred (Connection TIMED OUT)",
        "mx1 postfix/smtpd[3]: Q1: client=a[192.0.2.1], sasl_username=Alice",
        "mx1 postfix/submission/smtpd[4]: Q3: client=b[192.0.2.2]",
        "mx2 amavis[5]: (5-1) Passed CLEAN, <m1@x>, Queue-ID: Q1",
        "mx1 dovecot: imap-login: Login: user=<alice>",
    };
    std::vector<std::string> out;
    for (int i : idx) out.push_back(kRaw[i]);
    return out;
  }

  QueryServiceOptions options_;
};

v1::FindRequest Req(std::function<void(v1::FindRequest&)> set) {
  v1::FindRequest r;
  set(r);
  return r;
}

TEST_F(FindTest, EachFilterAlone) {
  WriteSample();
  Start();
  using R = v1::FindRequest;
  EXPECT_EQ(Raws(R()), Sample({0, 1, 2, 3, 4, 5})) << "no filter: everything";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_message_id("<m1@x>"); })), Sample({0, 4}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_message_id("m1@x"); })), Sample({0, 4}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_message_id("M1@x"); })), Sample({})) << "exact";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_queue_id("Q1"); })), Sample({0, 2, 4}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_host("mx2"); })), Sample({1, 4}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_host("MX2"); })), Sample({})) << "host is exact";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_address("b@Y.ORG"); })), Sample({0, 1}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_address("<D@z.org>"); })), Sample({1})) << "orig_to";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_address("a@x.org"); })), Sample({0})) << "sender";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_from("a@X.ORG"); })), Sample({0}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_from("b@y.org"); })), Sample({})) << "a recipient";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_to("B@y.org"); })), Sample({0, 1}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_to("d@z.org"); })), Sample({1})) << "orig_to";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_to("a@x.org"); })), Sample({})) << "a sender";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_client_ip("192.0.2.1"); })), Sample({2}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_sasl_user("ALICE"); })), Sample({2}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_program("smtp"); })), Sample({0, 1})) << "last component";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_program("postfix/smtp"); })), Sample({0, 1}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_program("smtpd"); })), Sample({2, 3}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_program("submission/smtpd"); })), Sample({3}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_program("tp"); })), Sample({})) << "not a component";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_program("postfix"); })), Sample({})) << "not a prefix";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_family("amavis"); })), Sample({4}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_event("client"); })), Sample({2, 3}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_status("deferred"); })), Sample({1}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_text("timed out"); })), Sample({1})) << "ignores case";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_text("LOGIN: USER"); })), Sample({5}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_text("no such text"); })), Sample({}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_since_us(kT + 1 * kSec);
              r.set_until_us(kT + 3 * kSec);
            })),
            Sample({1, 2}))
      << "since inclusive, until exclusive";
  EXPECT_EQ(Raws(Req([](R& r) { r.set_since_us(kT + 4 * kSec); })), Sample({4, 5}));
  EXPECT_EQ(Raws(Req([](R& r) { r.set_until_us(kT + 1 * kSec); })), Sample({0}));
}

TEST_F(FindTest, FiltersCombineWithAnd) {
  WriteSample();
  Start();
  using R = v1::FindRequest;
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_program("smtp");
              r.set_status("sent");
            })),
            Sample({0}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_queue_id("Q1");
              r.set_host("mx1");
            })),
            Sample({0, 2}))
      << "queue ID on one host";
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_queue_id("Q1");
              r.set_family("postfix");
            })),
            Sample({0, 2}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_message_id("m1@x");
              r.set_queue_id("Q1");
              r.set_host("mx2");
            })),
            Sample({4}))
      << "several index keys: all must match";
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_from("c@x.org");
              r.set_to("b@y.org");
            })),
            Sample({1}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_address("b@y.org");
              r.set_status("deferred");
            })),
            Sample({1}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_text("client=");
              r.set_host("mx1");
              r.set_sasl_user("bob");
            })),
            Sample({3}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_queue_id("Q1");
              r.set_since_us(kT + 1 * kSec);
            })),
            Sample({2, 4}))
      << "index lookup with a time bound";
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_client_ip("192.0.2.1");
              r.set_event("delivery");
            })),
            Sample({}));
}

TEST_F(FindTest, NewestFirstForScansAndIndexes) {
  WriteSample();
  Start();
  using R = v1::FindRequest;
  EXPECT_EQ(Raws(Req([](R& r) { r.set_newest_first(true); })), Sample({5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_newest_first(true);
              r.set_queue_id("Q1");
            })),
            Sample({4, 2, 0}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_newest_first(true);
              r.set_queue_id("Q1");
              r.set_limit(2);
            })),
            Sample({4, 2}))
      << "the newest two, not the oldest two reversed";
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_newest_first(true);
              r.set_queue_id("Q1");
              r.set_until_us(kT + 4 * kSec);
            })),
            Sample({2, 0}));
  EXPECT_EQ(Raws(Req([](R& r) {
              r.set_newest_first(true);
              r.set_program("smtpd");
              r.set_limit(1);
            })),
            Sample({3}));
}

TEST_F(FindTest, BadRequestsAreInvalidArgument) {
  WriteSample();
  Start();
  v1::FindResponse resp;
  v1::FindRequest req;
  req.set_since_us(10);
  req.set_until_us(5);
  EXPECT_EQ(Find(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req.set_until_us(10);
  EXPECT_EQ(Find(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "empty range";

  req = v1::FindRequest();
  req.set_status("sent");
  for (const char* bad : {"x", "not a token!", "AAAA", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRob"}) {
    req.set_page_token(bad);
    resp.Clear();
    EXPECT_EQ(Find(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
  }
}

TEST_F(FindTest, PageTokenOnlyContinuesItsOwnQuery) {
  std::vector<LogRecord> rs;
  for (int i = 0; i < 10; ++i) {
    LogRecord r = Rec(kT + i, "line " + std::to_string(i));
    r.status = "sent";
    r.to = {"u@x.org"};
    rs.push_back(r);
  }
  Write(rs);
  Start();
  v1::FindRequest req;
  req.set_status("sent");
  req.set_limit(3);
  v1::FindResponse first;
  ASSERT_TRUE(Find(req, &first).ok());
  ASSERT_TRUE(first.truncated());
  const std::string token = first.next_page_token();
  ASSERT_FALSE(token.empty());

  auto status_of = [&](v1::FindRequest r) {
    r.set_page_token(token);
    v1::FindResponse resp;
    return Find(r, &resp).error_code();
  };
  EXPECT_EQ(status_of(req), grpc::StatusCode::OK);
  v1::FindRequest other = req;
  other.set_limit(5);
  EXPECT_EQ(status_of(other), grpc::StatusCode::OK) << "the page size may change";
  other = req;
  other.set_status("deferred");
  EXPECT_EQ(status_of(other), grpc::StatusCode::INVALID_ARGUMENT);
  other = req;
  other.set_to("u@x.org");
  EXPECT_EQ(status_of(other), grpc::StatusCode::INVALID_ARGUMENT);
  other = req;
  other.set_since_us(1);
  EXPECT_EQ(status_of(other), grpc::StatusCode::INVALID_ARGUMENT);
  other = req;
  other.set_newest_first(true);
  EXPECT_EQ(status_of(other), grpc::StatusCode::INVALID_ARGUMENT);
  // A token with one character changed is malformed or belongs elsewhere.
  std::string changed = token;
  changed[3] = changed[3] == 'A' ? 'B' : 'A';
  req.set_page_token(changed);
  v1::FindResponse resp;
  EXPECT_EQ(Find(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(FindTest, TruncatedOnlyWhenMoreMatch) {
  WriteSample();
  Start();
  v1::FindRequest req;
  req.set_queue_id("Q1");
  req.set_limit(3);
  v1::FindResponse resp;
  ASSERT_TRUE(Find(req, &resp).ok());
  EXPECT_EQ(resp.records_size(), 3);
  EXPECT_FALSE(resp.truncated()) << "exactly three match";
  EXPECT_TRUE(resp.next_page_token().empty());
  req.set_limit(2);
  resp.Clear();
  ASSERT_TRUE(Find(req, &resp).ok());
  EXPECT_TRUE(resp.truncated());
  req.clear_queue_id();
  req.set_program("smtp");
  req.set_limit(2);
  resp.Clear();
  ASSERT_TRUE(Find(req, &resp).ok());
  EXPECT_EQ(resp.records_size(), 2);
  EXPECT_FALSE(resp.truncated()) << "a scan learns it too";
}

// 5,000 records over four hours, every other one deferred to one address:
// 2,500 matches, paged by 1,000, in both orders, by scan and by index.
TEST_F(FindTest, PagingReturnsEveryMatchOnce) {
  std::vector<LogRecord> rs;
  std::set<std::string> want_raw;
  for (int i = 0; i < 5000; ++i) {
    // Groups of five share a microsecond, so resume keys fall inside ties.
    LogRecord r = Rec(kT + (i / 5) * 15 * kSec, "line " + std::to_string(i));
    r.to = {i % 3 == 0 ? "other@x.org" : "user@x.org"};
    r.status = i % 2 == 0 ? "deferred" : "sent";
    if (i % 2 == 0) r.to = {"user@x.org"};
    rs.push_back(r);
    if (i % 2 == 0) want_raw.insert(r.raw);
  }
  Write(rs);
  Start();
  for (bool index : {false, true}) {
    for (bool newest : {false, true}) {
      SCOPED_TRACE(std::string(index ? "index" : "scan") + (newest ? " newest first" : ""));
      v1::FindRequest req;
      req.set_status("deferred");
      if (index) req.set_to("user@x.org");
      req.set_limit(1000);
      req.set_newest_first(newest);
      std::vector<int> sizes;
      std::vector<std::string> keys = AllPages(req, &sizes);
      EXPECT_EQ(sizes, (std::vector<int>{1000, 1000, 500}));
      ASSERT_EQ(keys.size(), 2500u);
      EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 2500u) << "no duplicates";
      std::vector<std::string> sorted = keys;
      std::sort(sorted.begin(), sorted.end());
      if (newest) std::reverse(sorted.begin(), sorted.end());
      EXPECT_EQ(keys, sorted) << "in order across pages";
      // Exactly the deferred ones.
      v1::FindRequest all;
      all.set_status("deferred");
      all.set_limit(100000);
      v1::FindResponse resp;
      ASSERT_TRUE(Find(all, &resp).ok());
      std::set<std::string> got_raw;
      for (const auto& r : resp.records()) got_raw.insert(r.raw());
      EXPECT_EQ(got_raw, want_raw);
      std::set<std::string> all_keys;
      for (const auto& r : resp.records()) all_keys.insert(r.key());
      EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), all_keys);
    }
  }
}

// More entries in one microsecond than an index chunk holds.
TEST_F(FindTest, PagingThroughOneCrowdedMicrosecond) {
  std::vector<LogRecord> rs;
  for (int i = 0; i < 300; ++i) {
    LogRecord r = Rec(kT, "same " + std::to_string(i));
    r.client_ip = "192.0.2.9";
    rs.push_back(r);
  }
  rs.push_back(Rec(kT - kSec, "before"));
  rs.back().client_ip = "192.0.2.9";
  rs.push_back(Rec(kT + kSec, "after"));
  rs.back().client_ip = "192.0.2.9";
  Write(rs);
  Start();
  for (bool newest : {false, true}) {
    v1::FindRequest req;
    req.set_client_ip("192.0.2.9");
    req.set_limit(7);
    req.set_newest_first(newest);
    std::vector<int> sizes;
    std::vector<std::string> keys = AllPages(req, &sizes);
    ASSERT_EQ(keys.size(), 302u) << newest;
    std::vector<std::string> sorted = keys;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    EXPECT_EQ(sorted.size(), 302u);
    if (newest) std::reverse(sorted.begin(), sorted.end());
    EXPECT_EQ(keys, sorted);
  }
}

// Index reads newest first over a sparse term spread across years, plus a
// line from the future.
TEST_F(FindTest, NewestFirstIndexOverSparseYears) {
  std::vector<LogRecord> rs;
  const int64_t year = 365LL * 24 * 3600 * kSec;
  for (int i = 0; i < 6; ++i) {
    rs.push_back(Rec(kT - (5 - i) * year + i * 7, "y" + std::to_string(i)));
    rs.back().sasl_user = "carol";
  }
  rs.push_back(Rec(kT + 50 * year, "future"));
  rs.back().sasl_user = "carol";
  for (int i = 0; i < 100; ++i) rs.push_back(Rec(kT + i, "noise"));
  Write(rs);
  Start();
  v1::FindRequest req;
  req.set_sasl_user("Carol");
  req.set_newest_first(true);
  EXPECT_EQ(Raws(req), (std::vector<std::string>{"future", "y5", "y4", "y3", "y2", "y1", "y0"}));
  req.set_limit(2);
  std::vector<int> sizes;
  EXPECT_EQ(AllPages(req, &sizes).size(), 7u);
  EXPECT_EQ(sizes, (std::vector<int>{2, 2, 2, 1}));
}

// A scan that examines at most 100 records per page still finds every
// match by following the tokens, even pages with nothing in them.
TEST_F(FindTest, ScanBudgetEndsPagesWithUsableTokens) {
  std::vector<LogRecord> rs;
  for (int i = 0; i < 1000; ++i) {
    LogRecord r = Rec(kT + i, "line " + std::to_string(i));
    r.status = (i == 50 || i == 999 || i == 998) ? "bounced" : "sent";
    r.to = {"u@x.org"};
    rs.push_back(r);
  }
  Write(rs);
  options_.find_scan_budget = 100;
  Start();
  for (bool newest : {false, true}) {
    v1::FindRequest req;
    req.set_status("bounced");
    req.set_newest_first(newest);
    v1::FindResponse first;
    ASSERT_TRUE(Find(req, &first).ok());
    EXPECT_TRUE(first.truncated());
    EXPECT_FALSE(first.next_page_token().empty());
    EXPECT_LE(first.records_size(), 2);
    std::vector<int> sizes;
    std::vector<std::string> keys = AllPages(req, &sizes);
    EXPECT_EQ(keys.size(), 3u);
    EXPECT_GE(sizes.size(), 10u) << "about 100 examined per page";
    EXPECT_LE(sizes.size(), 11u);
  }
  // The budget also bounds index post-filtering.
  v1::FindRequest req;
  req.set_to("u@x.org");
  req.set_text("line 99");  // lines 99, 990..999
  v1::FindResponse resp;
  ASSERT_TRUE(Find(req, &resp).ok());
  EXPECT_TRUE(resp.truncated());
  std::vector<int> sizes;
  EXPECT_EQ(AllPages(req, &sizes).size(), 11u);
}

TEST_F(FindTest, LimitDefaultsAndCap) {
  std::vector<LogRecord> rs;
  for (int i = 0; i < 60; ++i) rs.push_back(Rec(kT + i, "l"));
  Write(rs);
  options_.default_limit = 20;
  options_.max_limit = 50;
  Start();
  v1::FindRequest req;
  req.set_text("l");
  v1::FindResponse resp;
  ASSERT_TRUE(Find(req, &resp).ok());
  EXPECT_EQ(resp.records_size(), 20);
  req.set_limit(1000);
  resp.Clear();
  ASSERT_TRUE(Find(req, &resp).ok());
  EXPECT_EQ(resp.records_size(), 50);
  EXPECT_TRUE(resp.truncated());
}

TEST(FilterTest, ContainsIgnoreCase) {
  EXPECT_TRUE(ContainsIgnoreCase("Hello World", "o w"));
  EXPECT_TRUE(ContainsIgnoreCase("Hello World", ""));
  EXPECT_TRUE(ContainsIgnoreCase("abc", "abc"));
  EXPECT_FALSE(ContainsIgnoreCase("ab", "abc"));
  EXPECT_FALSE(ContainsIgnoreCase("aab", "abb"));
  EXPECT_TRUE(ContainsIgnoreCase("xxABB", "abb"));
}

TEST(FilterTest, IndexChoiceIsTheMostSelectiveKey) {
  v1::FindRequest req;
  req.set_address("a@b");
  req.set_status("sent");
  EXPECT_EQ(RecordFilter::FromRequest(req).IndexLookup()->kind, keys::IndexKind::kAddress);
  req.set_client_ip("192.0.2.1");
  EXPECT_EQ(RecordFilter::FromRequest(req).IndexLookup()->kind, keys::IndexKind::kClientIp);
  req.set_queue_id("Q");
  req.set_host("mx");
  auto q = RecordFilter::FromRequest(req).IndexLookup();
  EXPECT_EQ(q->kind, keys::IndexKind::kQueueId);
  EXPECT_EQ(q->host, "mx");
  req.set_message_id("<m@x>");
  q = RecordFilter::FromRequest(req).IndexLookup();
  EXPECT_EQ(q->kind, keys::IndexKind::kMessageId);
  EXPECT_EQ(q->term, "m@x");
  v1::FindRequest scan;
  scan.set_host("mx");
  scan.set_text("x");
  EXPECT_FALSE(RecordFilter::FromRequest(scan).IndexLookup().has_value());
}

TEST(FilterTest, FingerprintCoversEveryFilterButNotTheLimit) {
  v1::FindRequest base;
  const uint64_t fp = QueryFingerprint(base);
  base.set_limit(5);
  base.set_page_token("x");
  EXPECT_EQ(QueryFingerprint(base), fp);
  std::set<uint64_t> seen = {fp};
  for (int field = 1; field <= 17; ++field) {
    if (field == 7) continue;  // limit
    v1::FindRequest r;
    const auto* d = r.GetDescriptor()->FindFieldByNumber(field);
    ASSERT_NE(d, nullptr);
    const auto* refl = r.GetReflection();
    switch (d->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
        refl->SetString(&r, d, "v");
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
        refl->SetInt64(&r, d, 7);
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
        refl->SetBool(&r, d, true);
        break;
      default:
        FAIL() << field;
    }
    EXPECT_TRUE(seen.insert(QueryFingerprint(r)).second) << "field " << field;
  }
  EXPECT_EQ(DecodePageToken(EncodePageToken(fp, std::string(16, 'k')), fp).value(),
            std::string(16, 'k'));
  EXPECT_FALSE(DecodePageToken(EncodePageToken(fp, std::string(16, 'k')), fp + 1).ok());
}

}  // namespace
}  // namespace mlq
