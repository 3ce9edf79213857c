// The JSON API (api/json_api.h): query parameters to request messages, the
// error mapping, and the handlers over a real QueryService and store (the
// same method bodies gRPC runs; tests/integration/json_api_test.cc runs them
// in mlqd).
#include "api/json_api.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "base/token_file.h"
#include "query/access.h"
#include "query/service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kNow = int64_t{1'800'000'000} * 1'000'000;  // 2027-01-15T08:00:00Z

absl::Status Parse(std::string_view query, google::protobuf::Message* out) {
  return api::ParseParams(query, kNow, out);
}

TEST(JsonApiParams, FieldsByProtoName) {
  v1::FindRequest req;
  ASSERT_TRUE(Parse("message_id=%3Cabc%40example.org%3E&queue_id=4XyZ&from=a%2Bb@example.org"
                    "&text=hello+world&limit=50&newest_first=true&page_token=tok&program=smtp",
                    &req)
                  .ok());
  EXPECT_EQ(req.message_id(), "<abc@example.org>");
  EXPECT_EQ(req.queue_id(), "4XyZ");
  EXPECT_EQ(req.from(), "a+b@example.org");
  EXPECT_EQ(req.text(), "hello world");
  EXPECT_EQ(req.limit(), 50u);
  EXPECT_TRUE(req.newest_first());
  EXPECT_EQ(req.page_token(), "tok");
  EXPECT_EQ(req.program(), "smtp");
  v1::FindRequest empty;
  EXPECT_TRUE(Parse("", &empty).ok());
  EXPECT_TRUE(Parse("&&", &empty).ok());
  EXPECT_EQ(empty.ByteSizeLong(), 0u);
}

TEST(JsonApiParams, TimesInTheCliFormsOrMicroseconds) {
  v1::FindRequest req;
  ASSERT_TRUE(Parse("since=2h&until=2027-01-15T08:00:00Z", &req).ok());
  EXPECT_EQ(req.since_us(), kNow - int64_t{2} * 3600 * 1'000'000);
  EXPECT_EQ(req.until_us(), kNow);
  req.Clear();
  ASSERT_TRUE(Parse("since=2027-01-15&until=%401800000000.5", &req).ok());
  EXPECT_EQ(req.since_us(), kNow - int64_t{8} * 3600 * 1'000'000) << "dates without zone: UTC";
  EXPECT_EQ(req.until_us(), kNow + 500'000);
  req.Clear();
  ASSERT_TRUE(Parse("since_us=123&until_us=456", &req).ok());
  EXPECT_EQ(req.since_us(), 123);
  EXPECT_EQ(req.until_us(), 456);
  v1::QueueRequest q;
  ASSERT_TRUE(Parse("older_than=30m&host=mx1&limit=5", &q).ok());
  EXPECT_EQ(q.older_than_us(), int64_t{30} * 60 * 1'000'000);
  EXPECT_EQ(q.host(), "mx1");
  q.Clear();
  ASSERT_TRUE(Parse("older_than=2027-01-15T07:00:00Z", &q).ok()) << "an instant: queued before it";
  EXPECT_EQ(q.older_than_us(), int64_t{3600} * 1'000'000);
  EXPECT_FALSE(Parse("older_than=2027-01-16", &q).ok()) << "in the future";
}

TEST(JsonApiParams, BadParametersAreInvalidArgument) {
  const std::vector<std::string> bad = {
      "nosuch=1",             // unknown
      "filter=x",             // not one of FindRequest's fields either
      "limit=1&limit=2",      // twice
      "since=1h&since_us=5",  // the same field twice
      "limit=-1",
      "limit=4294967296",
      "limit=",
      "limit=1x",
      "newest_first=yes",
      "since=yesterday",
      "since_us=1.5",
      "queue_id=%zz",
      "queue_id=%4",
      "queue_id=%FF",  // not UTF-8
      "%FF=1",
  };
  for (const std::string& query : bad) {
    v1::FindRequest req;
    const absl::Status st = Parse(query, &req);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << query;
  }
  v1::FindRequest req;
  const absl::Status st = Parse("bogus=1", &req);
  EXPECT_NE(st.message().find("\"bogus\""), std::string_view::npos) << st.message();
  EXPECT_NE(st.message().find("message_id"), std::string_view::npos) << st.message();
  v1::StatusRequest status;
  EXPECT_FALSE(Parse("x=1", &status).ok()) << "Status takes no parameters";
  v1::TraceRequest trace;
  EXPECT_FALSE(Parse("address=a@b", &trace).ok()) << "a Find field, not a Trace one";
}

TEST(JsonApiErrors, CodesAndBody) {
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::INTERNAL), 500);
  EXPECT_EQ(api::HttpStatus(grpc::StatusCode::CANCELLED), 500);
  EXPECT_EQ(
      api::ErrorJson(grpc::StatusCode::INVALID_ARGUMENT, "a \"b\"\\\n\x01\xff"),
      "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"a \\\"b\\\"\\\\\\u000a\\u0001\xef\xbf\xbd\"}"
      "\n");
}

// The handlers over a real service: StandInParseLine (service_fixture.h)
// ("<family> <event> <qid>"), lines ingested through gRPC.
class JsonApiHandlerTest : public ServedQueryTest {
 protected:
  QueryServiceOptions ServiceOptions() override {
    QueryServiceOptions o;
    o.parse_line = StandInParseLine;
    o.flush = [this] { writer_->Flush(); };
    o.access = &access_;
    return o;
  }

  http::Response Get(std::string_view route, std::string_view query,
                     std::string_view authorization = "") {
    http::Request r;
    r.method = "GET";
    r.path = route;
    r.query = query;
    r.authorization = authorization;
    http::Response response;
    api_->Route(route)->Handle(r, &response);
    return response;
  }

  void SetUp() override {
    ServedQueryTest::SetUp();
    IngestChunks({{"postfix delivery Q1", "amavis filter Q1", "postfix delivery Q2"}}, "mx1", false,
                 0);
    api_ = std::make_unique<api::JsonApi>(service_.get(), &access_);
  }
  void TearDown() override {
    api_.reset();
    ServedQueryTest::TearDown();
  }

  Access access_;
  std::unique_ptr<api::JsonApi> api_;
};

TEST_F(JsonApiHandlerTest, FindAnswersTheServiceResponseAsJson) {
  const http::Response r = Get("find", "queue_id=Q1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  v1::FindResponse resp;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &resp).ok()) << r.body;
  ASSERT_EQ(resp.records_size(), 2);
  EXPECT_EQ(resp.records(0).raw(), "postfix delivery Q1");
  EXPECT_NE(r.body.find("\"queue_id\":\"Q1\""), std::string::npos) << "proto field names";
  EXPECT_NE(r.body.find("\"timestamp_us\":\""), std::string::npos) << "64-bit as strings";

  // The same as gRPC's answer, paging included.
  v1::FindRequest req;
  req.set_limit(1);
  v1::FindResponse grpc_resp;
  ASSERT_TRUE(Find(req, &grpc_resp).ok());
  const http::Response page = Get("find", "limit=1");
  v1::FindResponse http_resp;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(page.body, &http_resp).ok());
  EXPECT_EQ(http_resp.SerializeAsString(), grpc_resp.SerializeAsString());
  ASSERT_TRUE(http_resp.truncated());
  const http::Response next = Get("find", "limit=5&page_token=" + http_resp.next_page_token());
  ASSERT_EQ(next.status, 200) << next.body;
  v1::FindResponse rest;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(next.body, &rest).ok());
  EXPECT_EQ(rest.records_size(), 2);
}

TEST_F(JsonApiHandlerTest, ServiceErrorsBecomeJsonErrors) {
  http::Response r = Get("find", "since_us=10&until_us=5");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            api::ErrorJson(grpc::StatusCode::INVALID_ARGUMENT, "since must be before until"));
  r = Get("find", "page_token=garbage");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Get("trace", "");
  EXPECT_EQ(r.status, 400) << "Trace needs a start" << r.body;
  r = Get("find", "wat=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"code\":\"INVALID_ARGUMENT\""), std::string::npos) << r.body;
  r = Get("status", "");
  ASSERT_EQ(r.status, 200) << r.body;
  v1::StatusResponse status;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &status).ok());
  EXPECT_EQ(status.stored(), 3u);
  r = Get("stats", "since=1d");
  EXPECT_EQ(r.status, 200) << r.body;
  r = Get("queue", "");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(JsonApiHandlerTest, TokensAsForGrpc) {
  access_.SetTokens(std::vector<TokenEntry>{
      {.sha256_hex = HashToken("reader"), .role = TokenRole::kRead, .name = "r"},
      {.sha256_hex = HashToken("ingester"), .role = TokenRole::kIngest, .name = "i"},
      {.sha256_hex = HashToken("limited"),
       .role = TokenRole::kRead,
       .name = "l",
       .domains = {"example.org"}}});
  http::Response r = Get("find", "");
  EXPECT_EQ(r.status, 401) << r.body;
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(Get("find", "", "Bearer wrong").status, 401);
  EXPECT_EQ(Get("find", "", "Bearer ingester").status, 403);
  EXPECT_EQ(Get("find", "wat=1", "Bearer ingester").status, 403)
      << "who may not call the method is told that first";
  EXPECT_EQ(Get("find", "wat=1").status, 401);
  EXPECT_EQ(Get("find", "wat=1", "Bearer reader").status, 400);
  r = Get("find", "", "Bearer reader");
  ASSERT_EQ(r.status, 200) << r.body;
  v1::FindResponse all;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &all).ok());
  EXPECT_EQ(all.records_size(), 3);
  // A reader limited to a domain sees none of these address-less lines.
  r = Get("find", "", "Bearer limited");
  ASSERT_EQ(r.status, 200) << r.body;
  v1::FindResponse mine;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &mine).ok());
  EXPECT_EQ(mine.records_size(), 0);
  EXPECT_EQ(Get("stats", "", "Bearer limited").status, 403) << "Stats: every domain";
  EXPECT_EQ(Get("status", "", "Bearer limited").status, 200);
}

}  // namespace
}  // namespace mlq
