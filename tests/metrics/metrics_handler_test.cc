#include "metrics/metrics_handler.h"

#include <gtest/gtest.h>

namespace mlq::metrics {
namespace {

class MetricsHandlerTest : public ::testing::Test {
 protected:
  MetricsHandler Handler(std::chrono::milliseconds reuse) {
    return MetricsHandler(
        &access_,
        [this](Exposition* out) {
          ++renders_;
          out->Declare("x_total", Exposition::Type::kCounter, "x");
          out->Add("x_total", {}, static_cast<double>(renders_));
        },
        reuse);
  }
  http::Response Get(MetricsHandler& h, std::string authorization = "") {
    http::Request r;
    r.method = "GET";
    r.path = "/metrics";
    r.authorization = authorization;
    http::Response res;
    h.Handle(r, &res);
    return res;
  }
  void Tokens() {
    std::vector<TokenEntry> t;
    auto add = [&](std::string token, TokenRole role, std::vector<std::string> domains) {
      t.push_back({HashToken(token), role, token, std::move(domains), 0});
    };
    add("reader", TokenRole::kRead, {});
    add("admin", TokenRole::kAdmin, {});
    add("importer", TokenRole::kIngest, {});
    add("helpdesk", TokenRole::kRead, {"example.org"});
    access_.SetTokens(t);
  }
  Counters counters_;
  Access access_{&counters_};
  int renders_ = 0;
};

TEST_F(MetricsHandlerTest, ServesTheExposition) {
  MetricsHandler h = Handler(std::chrono::milliseconds(0));
  http::Response res = Get(h);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(res.body, "# HELP x_total x\n# TYPE x_total counter\nx_total 1\n");
  EXPECT_EQ(Get(h).body.find("x_total 2\n") != std::string::npos, true);  // no reuse
}

TEST_F(MetricsHandlerTest, ReusesARenderingForAWhile) {
  MetricsHandler h = Handler(std::chrono::seconds(60));
  for (int i = 0; i < 100; ++i) EXPECT_NE(Get(h).body.find("x_total 1\n"), std::string::npos);
  EXPECT_EQ(renders_, 1);
}

TEST_F(MetricsHandlerTest, TokensAndRoles) {
  Tokens();
  MetricsHandler h = Handler(std::chrono::milliseconds(0));
  http::Response res = Get(h);
  EXPECT_EQ(res.status, 401);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(Get(h, "Bearer nope").status, 401);
  EXPECT_EQ(Get(h, "Basic cmVhZGVy").status, 401);
  EXPECT_EQ(Get(h, "Bearer importer").status, 403);
  EXPECT_EQ(Get(h, "Bearer helpdesk").status, 403);  // limited to domains
  EXPECT_EQ(Get(h, "Bearer reader").status, 200);
  EXPECT_EQ(Get(h, "bearer  admin ").status, 200);
  EXPECT_EQ(renders_, 2);  // refused requests render nothing
  EXPECT_EQ(counters_.Value("auth.unauthenticated"), 3u);
  EXPECT_EQ(counters_.Value("auth.denied"), 2u);
}

}  // namespace
}  // namespace mlq::metrics
