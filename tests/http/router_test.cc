#include "http/router.h"

#include <gtest/gtest.h>

namespace mlq::http {
namespace {

class Fixed : public Handler {
 public:
  explicit Fixed(std::string body) : body_(std::move(body)) {}
  void Handle(const Request&, Response* r) override { r->body = body_; }

 private:
  std::string body_;
};

Request Req(std::string_view method, std::string_view path) {
  Request r;
  r.method = method;
  r.path = path;
  return r;
}

TEST(RouterTest, FindsTheHandlerOfMethodAndPath) {
  Fixed metrics("m"), other("o");
  Router router;
  router.Add("GET", "/metrics", &metrics, "metrics");
  router.Add("GET", "/api/v1/status", &other, "status");
  Response res;
  Router::Match m = router.Find(Req("GET", "/metrics"), &res);
  ASSERT_EQ(m.handler, &metrics);
  EXPECT_EQ(m.route, "metrics");
  m = router.Find(Req("GET", "/api/v1/status"), &res);
  EXPECT_EQ(m.handler, &other);
  EXPECT_EQ(m.route, "status");
}

TEST(RouterTest, UnknownPathIs404AndUnmatched) {
  Fixed metrics("m");
  Router router;
  router.Add("GET", "/metrics", &metrics, "metrics");
  for (std::string_view path : {"/", "/metrics/", "/METRICS", "/metricsx", ""}) {
    Response res;
    Router::Match m = router.Find(Req("GET", path), &res);
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_EQ(m.route, Router::kUnmatched);
    EXPECT_EQ(res.status, 404);
  }
}

TEST(RouterTest, OtherMethodIs405WithAllow) {
  Fixed metrics("m"), head("h");
  Router router;
  router.Add("GET", "/metrics", &metrics, "metrics");
  router.Add("HEAD", "/metrics", &head, "metrics");
  for (std::string_view method : {"POST", "PUT", "DELETE", "get", "OPTIONS"}) {
    Response res;
    Router::Match m = router.Find(Req(method, "/metrics"), &res);
    EXPECT_EQ(m.handler, nullptr);
    EXPECT_EQ(res.status, 405) << method;
    ASSERT_EQ(res.headers.size(), 1u);
    EXPECT_EQ(res.headers[0].first, "Allow");
    EXPECT_EQ(res.headers[0].second, "GET, HEAD");
  }
}

TEST(RouterTest, RouteNamesAreSortedAndUnique) {
  Fixed h("x");
  Router router;
  router.Add("GET", "/metrics", &h, "metrics");
  router.Add("HEAD", "/metrics", &h, "metrics");
  router.Add("GET", "/api/v1/find", &h, "api_find");
  EXPECT_EQ(router.RouteNames(), (std::vector<std::string>{"api_find", "metrics"}));
}

}  // namespace
}  // namespace mlq::http
