// The JSON API under /api/v1 (api/json_api.h) end to end: a real mlqd with
// --http 127.0.0.1:0, fed real corpus lines over TCP, asked over a real
// socket; its answers agree with `mlq find --json` and `mlq trace --json`
// over gRPC on the same store. Tokens as for gRPC; bad parameters are 400
// with a JSON body and the daemon keeps serving.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"
#include "raw_http.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

// GET `target` as JSON; fails the test unless the answer is `code` with a
// JSON body.
json Api(uint16_t port, const std::string& target, int code = 200, const std::string& token = "") {
  const std::string r = HttpGet(port, target, token);
  EXPECT_EQ(StatusOf(r), code) << target << "\n" << r.substr(0, 500);
  EXPECT_NE(r.find("Content-Type: application/json"), std::string::npos) << r.substr(0, 300);
  EXPECT_NE(r.find("Cache-Control: no-store"), std::string::npos);
  EXPECT_NE(r.find("X-Content-Type-Options: nosniff"), std::string::npos);
  json j = json::parse(BodyOf(r), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << BodyOf(r).substr(0, 300);
  return j;
}

uint64_t Stored(uint16_t port, const std::string& token = "") {
  const json s = Api(port, "/api/v1/status", 200, token);
  return s.contains("stored") ? std::stoull(s["stored"].get<std::string>()) : 0;
}

// (address, verdict) of every recipient of every trace, in order.
std::vector<std::pair<std::string, std::string>> Verdicts(const std::vector<json>& traces) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const json& t : traces) {
    if (!t.contains("recipients")) continue;
    for (const json& r : t["recipients"]) {
      out.emplace_back(r.value("address", ""), r.value("verdict", ""));
    }
  }
  return out;
}

class JsonApiTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(JsonApiTest, AgreesWithTheCliOverGrpc) {
  const std::vector<std::string> files = {kPostfixCorpus + "msimerson-postfix-parser-tests.log",
                                          kPostfixCorpus + "ppiankov-mailreceipt-harvest.log"};
  for (const std::string& f : files) MLQ_REQUIRE_CORPUS(Exists(f), "no corpus file " << f);
  Daemon d(dir_.path() + "/data", {"--http", "127.0.0.1:0", "--timezone", "UTC"});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  ASSERT_NE(port, 0) << d.log();
  std::string stream;
  size_t lines = 0;
  for (const std::string& f : files) {
    for (const std::string& line : ReadLines(f)) {
      if (line.empty()) continue;
      stream += line + "\n";
      ++lines;
    }
  }
  ASSERT_TRUE(SendTcp(d.tcp_port(), stream));
  ASSERT_TRUE(WaitFor([&] { return Stored(port) == lines; })) << Stored(port) << " of " << lines;

  // Find: the same records, in the same order.
  const CommandResult cli = d.Mlq({"find", "--json", "--all", "--since", "@1"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  std::vector<std::string> cli_keys;
  for (const json& r : ParseJsonLines(cli.out)) cli_keys.push_back(r.value("key", ""));
  ASSERT_EQ(cli_keys.size(), lines);
  const json found = Api(port, "/api/v1/find?since=%401&limit=100000");
  std::vector<std::string> api_keys;
  std::set<std::string> senders;
  for (const json& r : found["records"]) {
    api_keys.push_back(r.value("key", ""));
    if (r.contains("from") && !r["from"].get<std::string>().empty()) {
      senders.insert(r["from"].get<std::string>());
    }
  }
  EXPECT_EQ(api_keys, cli_keys);
  EXPECT_FALSE(found.contains("truncated"));
  // A filter and a page: the first record, then a token to go on.
  const json page = Api(port, "/api/v1/find?since=%401&limit=1&newest_first=true");
  ASSERT_EQ(page["records"].size(), 1u);
  EXPECT_EQ(page["records"][0]["key"], cli_keys.back());
  EXPECT_EQ(page["truncated"], true);
  EXPECT_TRUE(page.contains("next_page_token"));

  // Trace: the same messages and verdicts, for every sender seen.
  ASSERT_FALSE(senders.empty());
  size_t compared = 0;
  for (const std::string& from : senders) {
    const CommandResult t = d.Mlq({"trace", "--json", "--from", from, "--since", "@1"});
    ASSERT_TRUE(t.exit_code == 0 || t.exit_code == 1) << from << ": " << t.err;
    std::string encoded;
    for (char c : from) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') {
        encoded.push_back(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        encoded += buf;
      }
    }
    const json traced = Api(port, "/api/v1/trace?since=%401&from=" + encoded);
    std::vector<json> api_traces;
    if (traced.contains("traces"))
      api_traces.assign(traced["traces"].begin(), traced["traces"].end());
    const std::vector<json> cli_traces = ParseJsonLines(t.out);
    EXPECT_EQ(api_traces.size(), cli_traces.size()) << from;
    EXPECT_EQ(Verdicts(api_traces), Verdicts(cli_traces)) << from;
    compared += Verdicts(cli_traces).size();
  }
  EXPECT_GT(compared, 0u);

  // Stats and Queue answer; Stats counts what was stored.
  const json stats = Api(port, "/api/v1/stats?since=%401");
  ASSERT_TRUE(stats.contains("totals")) << stats.dump();
  EXPECT_GT(std::stoull(stats["totals"].value("lines", "0")), 0u) << stats.dump();
  Api(port, "/api/v1/queue?since=3650d");

  // Bad parameters: 400 with a JSON error, and mlqd keeps serving.
  for (const std::string target :
       {"/api/v1/find?bogus=1", "/api/v1/find?limit=x", "/api/v1/find?since=soon",
        "/api/v1/find?limit=1&limit=2", "/api/v1/find?queue_id=%FF", "/api/v1/trace",
        "/api/v1/find?since_us=10&until_us=5", "/api/v1/status?x=1"}) {
    const json e = Api(port, target, 400);
    EXPECT_EQ(e["code"], "INVALID_ARGUMENT") << target;
    EXPECT_TRUE(e["message"].is_string()) << target;
  }
  EXPECT_EQ(StatusOf(HttpRequest(port, "POST /api/v1/find HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")),
            405);
  EXPECT_EQ(StatusOf(HttpGet(port, "/api/v1/nosuch")), 404);
  EXPECT_EQ(Stored(port), lines);
  EXPECT_TRUE(d.Running());
}

TEST_F(JsonApiTest, TokensAsForGrpc) {
  const std::string file = dir_.path() + "/tokens";
  const std::string reader = CreateToken(file, "reader", "read");
  const std::string ingest = CreateToken(file, "importer", "ingest");
  const std::string helpdesk = CreateToken(file, "helpdesk", "read", "example.org");
  Daemon d(dir_.path() + "/data",
           {"--http", "127.0.0.1:0", "--grpc-tokens", file, "--timezone", "UTC"});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  const time_t t0 = time(nullptr) - 60;
  const std::string stream =
      "<22>" + Bsd(t0) +
      " mx1 postfix/qmgr[100]: AAAA111111: from=<alice@example.org>, size=100, nrcpt=1 (queue "
      "active)\n" +
      "<22>" + Bsd(t0) +
      " mx1 postfix/smtp[101]: AAAA111111: to=<bob@remote.example>, relay=r[192.0.2.1]:25, "
      "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n" +
      "<22>" + Bsd(t0) +
      " mx1 postfix/qmgr[100]: BBBB222222: from=<carol@other.example>, size=100, nrcpt=1 "
      "(queue active)\n" +
      "<22>" + Bsd(t0) +
      " mx1 postfix/smtp[101]: BBBB222222: to=<dave@remote.example>, relay=r[192.0.2.1]:25, "
      "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n";
  ASSERT_TRUE(SendTcp(d.tcp_port(), stream));
  ASSERT_TRUE(WaitFor([&] { return Stored(port, reader) == 4; })) << d.log();

  std::string r = HttpGet(port, "/api/v1/find?since=1h");
  EXPECT_EQ(StatusOf(r), 401) << r;
  EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_EQ(Api(port, "/api/v1/find?since=1h", 401, "mlq_not-a-token")["code"], "UNAUTHENTICATED");
  EXPECT_EQ(Api(port, "/api/v1/find?since=1h", 403, ingest)["code"], "PERMISSION_DENIED");
  EXPECT_EQ(Api(port, "/api/v1/find?bogus=1", 403, ingest)["code"], "PERMISSION_DENIED");
  EXPECT_EQ(Api(port, "/api/v1/find?bogus=1", 401)["code"], "UNAUTHENTICATED");
  EXPECT_EQ(Api(port, "/api/v1/status", 401)["code"], "UNAUTHENTICATED");

  EXPECT_EQ(Api(port, "/api/v1/find?since=1h", 200, reader)["records"].size(), 4u);
  // The helpdesk sees example.org's message only, as over gRPC.
  const json mine = Api(port, "/api/v1/find?since=1h", 200, helpdesk);
  ASSERT_EQ(mine["records"].size(), 2u) << mine.dump();
  for (const json& rec : mine["records"]) EXPECT_EQ(rec["queue_id"], "AAAA111111");
  EXPECT_FALSE(Api(port, "/api/v1/trace?queue_id=BBBB222222", 200, helpdesk).contains("traces"));
  const json own = Api(port, "/api/v1/trace?queue_id=AAAA111111", 200, helpdesk);
  ASSERT_EQ(own["traces"].size(), 1u);
  EXPECT_EQ(own["traces"][0]["recipients"][0]["address"], "bob@remote.example") << own.dump();
  EXPECT_TRUE(own["traces"][0]["recipients"][0].contains("verdict")) << own.dump();
  EXPECT_EQ(Api(port, "/api/v1/stats", 403, helpdesk)["code"], "PERMISSION_DENIED");
  EXPECT_EQ(Api(port, "/api/v1/status", 200, helpdesk)["stored"], "4");
}

}  // namespace
}  // namespace mlq::testing
