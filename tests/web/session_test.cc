// The web UI's logins (api/session.h, api/session_api.h) and the JSON API
// reached with a session cookie (api/json_api.h): cookie attributes, CSRF,
// logout, bad tokens, expiry and the bound on sessions, a token removed
// from the token file, and a domain-limited reader's view.
#include "api/session.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "api/json_api.h"
#include "api/session_api.h"
#include "base/token_file.h"
#include "query/access.h"
#include "query/service_fixture.h"

// Requests are written Req{.cookie = ..., .csrf = ...}: the rest default.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace mlq {
namespace {

using api::SessionStore;
using std::chrono::hours;
using std::chrono::minutes;

std::string Header(const http::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

// A fake clock the tests move by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point t{hours(1000)};
  std::function<std::chrono::steady_clock::time_point()> Fn() {
    return [this] { return t; };
  }
};

TEST(SessionStore, IdsAndCsrfTokensAreRandom256BitHex) {
  Counters counters;
  SessionStore store(&counters, {});
  auto a = store.Create("tok");
  auto b = store.Create("tok");
  ASSERT_TRUE(a.ok() && b.ok());
  for (const std::string& s : {a->id, a->csrf, b->id, b->csrf}) {
    EXPECT_EQ(s.size(), 64u);
    EXPECT_EQ(s.find_first_not_of("0123456789abcdef"), std::string::npos) << s;
  }
  EXPECT_NE(a->id, b->id);
  EXPECT_NE(a->csrf, b->csrf);
  EXPECT_NE(a->id, a->csrf);
  auto found = store.Find(a->id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->bearer, "tok");
  EXPECT_EQ(found->csrf, a->csrf);
  EXPECT_FALSE(store.Find(a->csrf).has_value()) << "the CSRF token is no id";
  EXPECT_FALSE(store.Find("").has_value());
  EXPECT_EQ(counters.Value("listener.http.sessions.created"), 2u);
  store.Remove(a->id);
  EXPECT_FALSE(store.Find(a->id).has_value());
  EXPECT_TRUE(store.Find(b->id).has_value());
}

TEST(SessionStore, IdleAndAbsoluteExpiry) {
  Counters counters;
  FakeClock clock;
  SessionStore store(&counters, {.idle = hours(8), .absolute = hours(12), .now = clock.Fn()});
  auto s = store.Create("tok");
  ASSERT_TRUE(s.ok());
  clock.t += hours(7);
  EXPECT_TRUE(store.Find(s->id).has_value()) << "used within the idle time";
  clock.t += hours(4);  // 11 h after the login, 4 h after the last use
  EXPECT_TRUE(store.Find(s->id).has_value());
  clock.t += hours(1);  // 12 h: the absolute end, though used an hour ago
  EXPECT_FALSE(store.Find(s->id).has_value());
  EXPECT_EQ(counters.Value("listener.http.sessions.expired"), 1u);
  EXPECT_EQ(store.size(), 0u);

  auto idle = store.Create("tok");
  ASSERT_TRUE(idle.ok());
  clock.t += hours(8);
  EXPECT_FALSE(store.Find(idle->id).has_value()) << "8 h unused";
  EXPECT_EQ(counters.Value("listener.http.sessions.expired"), 2u);
}

TEST(SessionStore, BoundedOldestEvicted) {
  Counters counters;
  FakeClock clock;
  SessionStore store(&counters, {.max_sessions = 2, .now = clock.Fn()});
  auto a = store.Create("a");
  auto b = store.Create("b");
  store.Find(a->id);  // use does not protect: the oldest login goes
  auto c = store.Create("c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_FALSE(store.Find(a->id).has_value());
  EXPECT_TRUE(store.Find(b->id).has_value());
  EXPECT_TRUE(store.Find(c->id).has_value());
  EXPECT_EQ(counters.Value("listener.http.sessions.evicted"), 1u);
  // Expired ones make room first, without an eviction.
  clock.t += hours(9);
  auto d = store.Create("d");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(counters.Value("listener.http.sessions.evicted"), 1u);
  EXPECT_EQ(counters.Value("listener.http.sessions.expired"), 2u);
  EXPECT_EQ(store.size(), 1u);
}

TEST(SessionCookies, CookieValueAndSecretEqual) {
  EXPECT_EQ(api::CookieValue("mlq_session=abc", "mlq_session"), "abc");
  EXPECT_EQ(api::CookieValue("a=1; mlq_session=abc; b=2", "mlq_session"), "abc");
  EXPECT_EQ(api::CookieValue("xmlq_session=abc", "mlq_session"), "");
  EXPECT_EQ(api::CookieValue("mlq_session", "mlq_session"), "");
  EXPECT_EQ(api::CookieValue("", "mlq_session"), "");
  EXPECT_TRUE(api::SecretEqual("abc", "abc"));
  EXPECT_FALSE(api::SecretEqual("abc", "abd"));
  EXPECT_FALSE(api::SecretEqual("abc", "ab"));
  EXPECT_FALSE(api::SecretEqual("", "a"));
}

// The session routes and the JSON API over a real service and store: the
// stand-in parser "<family> <event> <qid> [sender]".
class SessionFlowTest : public ServedQueryTest {
 protected:
  QueryServiceOptions ServiceOptions() override {
    QueryServiceOptions o;
    o.parse_line = StandInParseLine;
    o.flush = [this] { writer_->Flush(); };
    o.access = &access_;
    return o;
  }

  void SetUp() override {
    ServedQueryTest::SetUp();
    IngestChunks({{"postfix delivery Q1 alice@example.org", "postfix delivery Q2 bob@other.net",
                   "postfix delivery Q3 carol@mail.example.org"}},
                 "mx1", false, 0);
    access_.SetTokens(std::vector<TokenEntry>{
        {.sha256_hex = HashToken("reader"), .role = TokenRole::kRead, .name = "r"},
        {.sha256_hex = HashToken("ingester"), .role = TokenRole::kIngest, .name = "i"},
        {.sha256_hex = HashToken("limited"),
         .role = TokenRole::kRead,
         .name = "l",
         .domains = {"example.org"}}});
    sessions_ = std::make_unique<SessionStore>(&counters_, api::SessionOptions{});
    session_api_ = std::make_unique<api::SessionApi>(&access_, sessions_.get());
    api_ = std::make_unique<api::JsonApi>(service_.get(), &access_,
                                          api::JsonApiOptions{.sessions = sessions_.get()});
  }
  void TearDown() override {
    api_.reset();
    ServedQueryTest::TearDown();
  }

  struct Req {
    std::string method = "GET";
    std::string query;
    std::string authorization;
    std::string cookie;
    std::string csrf;
    bool tls = false;
  };
  http::Request Make(const Req& q, std::string_view path) {
    http::Request r;
    r.method = q.method;
    r.path = path;
    r.query = q.query;
    r.authorization = q.authorization;
    r.cookie = q.cookie;
    r.csrf = q.csrf;
    r.tls = q.tls;
    return r;
  }
  http::Response Session(const Req& q) {
    http::Response response;
    session_api_->Handle(Make(q, "/api/v1/session"), &response);
    return response;
  }
  http::Response Api(std::string_view route, const Req& q) {
    http::Response response;
    api_->Route(route)->Handle(Make(q, "/api/v1/" + std::string(route)), &response);
    return response;
  }

  struct Login {
    std::string cookie;  // "mlq_session=<id>"
    std::string csrf;
  };
  // Logs in with `token`; fails the test unless it works.
  Login LogIn(std::string_view token) {
    const http::Response r =
        Session({.method = "POST", .authorization = "Bearer " + std::string(token)});
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string set = Header(r, "Set-Cookie");
    Login l;
    l.cookie = set.substr(0, set.find(';'));
    const size_t at = r.body.find("\"csrf_token\":\"");
    if (at != std::string::npos) l.csrf = r.body.substr(at + 14, 64);
    EXPECT_EQ(l.csrf.size(), 64u) << r.body;
    return l;
  }

  int Records(const http::Response& r) {
    v1::FindResponse resp;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &resp).ok()) << r.body;
    return resp.records_size();
  }

  Access access_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<api::SessionApi> session_api_;
  std::unique_ptr<api::JsonApi> api_;
};

TEST_F(SessionFlowTest, LoginSetsAStrictHttpOnlyCookie) {
  http::Response r = Session({.method = "POST", .authorization = "Bearer reader"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const std::string set = Header(r, "Set-Cookie");
  EXPECT_TRUE(set.starts_with("mlq_session=")) << set;
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  EXPECT_NE(set.find("; Path=/"), std::string::npos) << set;
  EXPECT_EQ(set.find("Secure"), std::string::npos) << "plain HTTP: " << set;
  EXPECT_EQ(r.body.find("reader"), std::string::npos) << "the token is never sent back";
  EXPECT_NE(r.body.find("\"auth_required\":true"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"role\":\"read\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"csrf_token\":\""), std::string::npos) << r.body;
  r = Session({.method = "POST", .authorization = "Bearer reader", .tls = true});
  EXPECT_NE(Header(r, "Set-Cookie").find("; Secure"), std::string::npos);
  EXPECT_EQ(counters_.Value("listener.http.sessions.created"), 2u);
}

TEST_F(SessionFlowTest, CookieNeedsItsCsrfToken) {
  const Login a = LogIn("reader");
  const Login b = LogIn("reader");
  http::Response r = Api("find", {.cookie = a.cookie});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.body,
            api::ErrorJson(grpc::StatusCode::PERMISSION_DENIED, "missing or wrong CSRF token"));
  r = Api("find", {.cookie = a.cookie, .csrf = a.csrf});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Records(r), 3);
  EXPECT_EQ(Api("find", {.cookie = a.cookie, .csrf = b.csrf}).status, 403)
      << "another session's CSRF token";
  EXPECT_EQ(Api("find", {.cookie = a.cookie, .csrf = a.csrf.substr(0, 63)}).status, 403);
  EXPECT_EQ(Api("find", {.query = "csrf=" + a.csrf, .cookie = a.cookie}).status, 403)
      << "the query parameter counts for tail only";
  EXPECT_EQ(Api("status", {.cookie = a.cookie}).status, 403) << "also on the I/O thread's route";
  EXPECT_EQ(counters_.Value("listener.http.csrf_rejected"), 5u);
  EXPECT_EQ(Api("find", {.cookie = "mlq_session=0000"}).status, 401) << "no such session";
  EXPECT_EQ(Api("find", {}).status, 401);
  // A Bearer header works as before, with or without a cookie.
  EXPECT_EQ(Api("find", {.authorization = "Bearer reader"}).status, 200);
  EXPECT_EQ(
      Api("find", {.authorization = "Bearer wrong", .cookie = a.cookie, .csrf = a.csrf}).status,
      401)
      << "the header, when given, is what counts";
  // What the query-string form of tail sees (ResolveBearer with csrf_in_query).
  std::string bearer;
  const Req good{.query = "since=1h&csrf=" + a.csrf, .cookie = a.cookie};
  EXPECT_TRUE(api::ResolveBearer(Make(good, "/api/v1/tail"), sessions_.get(), true, &bearer).ok());
  EXPECT_EQ(bearer, "reader");
  const Req wrong{.query = "csrf=" + b.csrf, .cookie = a.cookie};
  EXPECT_EQ(
      api::ResolveBearer(Make(wrong, "/api/v1/tail"), sessions_.get(), true, &bearer).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SessionFlowTest, GetSessionTellsWhoAndTheCsrfToken) {
  EXPECT_EQ(Session({}).status, 401);
  EXPECT_NE(Session({}).body.find("\"code\":\"UNAUTHENTICATED\""), std::string::npos);
  const Login a = LogIn("reader");
  http::Response r = Session({.cookie = a.cookie});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"csrf_token\":\"" + a.csrf + "\""), std::string::npos)
      << "a reloaded page learns it again: " << r.body;
  r = Session({.authorization = "Bearer limited"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"domains\":[\"example.org\"]"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("csrf_token"), std::string::npos) << r.body;
}

TEST_F(SessionFlowTest, BadTokensAreRefused) {
  EXPECT_EQ(Session({.method = "POST"}).status, 401);
  http::Response r = Session({.method = "POST", .authorization = "Bearer wrong"});
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(Header(r, "Set-Cookie").empty());
  EXPECT_EQ(Session({.method = "POST", .authorization = "Bearer ingester"}).status, 403)
      << "a role that may not read";
  EXPECT_EQ(counters_.Value("listener.http.sessions.rejected"), 3u);
  EXPECT_EQ(sessions_->size(), 0u);
}

TEST_F(SessionFlowTest, LogoutEndsTheSession) {
  const Login a = LogIn("reader");
  http::Response r = Session({.method = "DELETE", .cookie = a.cookie});
  EXPECT_EQ(r.status, 403) << "logout needs the CSRF token too";
  r = Session({.method = "DELETE", .cookie = a.cookie, .csrf = a.csrf});
  EXPECT_EQ(r.status, 204);
  EXPECT_NE(Header(r, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Api("find", {.cookie = a.cookie, .csrf = a.csrf}).status, 401);
  EXPECT_EQ(Session({.cookie = a.cookie}).status, 401);
  EXPECT_EQ(Session({.method = "DELETE", .cookie = a.cookie, .csrf = a.csrf}).status, 204)
      << "logging out twice is fine";
}

TEST_F(SessionFlowTest, ARemovedTokenEndsItsSessions) {
  const Login a = LogIn("reader");
  ASSERT_EQ(Api("find", {.cookie = a.cookie, .csrf = a.csrf}).status, 200);
  access_.SetTokens(std::vector<TokenEntry>{
      {.sha256_hex = HashToken("other"), .role = TokenRole::kRead, .name = "o"}});
  EXPECT_EQ(Api("find", {.cookie = a.cookie, .csrf = a.csrf}).status, 401);
  EXPECT_EQ(Session({.cookie = a.cookie}).status, 401);
}

TEST_F(SessionFlowTest, ADomainLimitedSessionSeesOnlyItsDomains) {
  const Login l = LogIn("limited");
  http::Response r = Api("find", {.cookie = l.cookie, .csrf = l.csrf});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Records(r), 2) << "alice@example.org and carol@mail.example.org: " << r.body;
  EXPECT_EQ(r.body.find("bob@other.net"), std::string::npos);
  EXPECT_EQ(Api("stats", {.cookie = l.cookie, .csrf = l.csrf}).status, 403);
  r = Session({.cookie = l.cookie});
  EXPECT_NE(r.body.find("\"domains\":[\"example.org\"]"), std::string::npos) << r.body;
}

TEST_F(SessionFlowTest, WithoutTokensNoLoginIsNeeded) {
  access_.SetTokens(std::nullopt);
  http::Response r = Session({});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"auth_required\":false"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"role\":\"admin\""), std::string::npos) << r.body;
  EXPECT_EQ(Api("find", {}).status, 200);
}

}  // namespace
}  // namespace mlq
