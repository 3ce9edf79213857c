// The web UI in a real mlqd (web/static_handler.h, api/session_api.h): GET /
// answers the built-in index.html with its strict policy; a token traded
// for a session cookie works with the CSRF header and not without it;
// --web-root serves a folder read on every request and nothing outside it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "harness.h"
#include "raw_http.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

const std::string kPageCsp =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'\r\n";

// The value of header `name` in a raw response, "" when absent.
std::string HeaderOf(const std::string& response, const std::string& name) {
  const size_t end = response.find("\r\n\r\n");
  size_t at = response.find("\r\n" + name + ": ");
  if (at == std::string::npos || at > end) return "";
  at += name.size() + 4;
  return response.substr(at, response.find("\r\n", at) - at);
}

std::string Request(uint16_t port, const std::string& method, const std::string& target,
                    const std::string& headers = "") {
  return HttpRequest(port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
                               "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

class WebUiTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(WebUiTest, ServesTheBuiltInPageWithItsPolicy) {
  Daemon d(dir_.path() + "/data", {"--http", "127.0.0.1:0"});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  const std::string r = HttpGet(port, "/");
  ASSERT_EQ(StatusOf(r), 200) << r.substr(0, 500);
  EXPECT_EQ(BodyOf(r), ReadFile(std::string(MLQ_SOURCE_DIR) + "/web/static/index.html"))
      << "(rebuild mlqd after editing web/static)";
  EXPECT_NE(r.find(kPageCsp), std::string::npos) << r.substr(0, 800);
  EXPECT_EQ(r.find("unsafe-"), std::string::npos);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");
  EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(r, "Strict-Transport-Security"), "") << "plain HTTP";
  const std::string etag = HeaderOf(r, "ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;
  const std::string again = Request(port, "GET", "/", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(StatusOf(again), 304) << again.substr(0, 300);
  EXPECT_TRUE(BodyOf(again).empty());
  EXPECT_EQ(StatusOf(HttpGet(port, "/nosuch.js")), 404);
  EXPECT_EQ(StatusOf(HttpGet(port, "/../etc/passwd")), 404);
  // The JSON API's answers have the policy of something that is no page.
  const std::string api = HttpGet(port, "/api/v1/status");
  ASSERT_EQ(StatusOf(api), 200);
  EXPECT_EQ(HeaderOf(api, "Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
  // Tokens off (loopback only): no login needed.
  const std::string session = HttpGet(port, "/api/v1/session");
  ASSERT_EQ(StatusOf(session), 200);
  EXPECT_NE(BodyOf(session).find("\"auth_required\":false"), std::string::npos) << session;
}

// DNS rebinding: a page on rebound.example, resolved to 127.0.0.1, makes
// its visitor's browser ask mlqd with "Host: rebound.example". Without
// tokens a loopback mlqd refuses such names; with tokens they do no harm
// (the browser has no cookie for them and cannot send the bearer).
TEST_F(WebUiTest, WithoutTokensOnlyLoopbackNamesAreServed) {
  Daemon d(dir_.path() + "/data", {"--http", "127.0.0.1:0"});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  for (const std::string& host :
       {std::string("rebound.example"), "rebound.example:" + std::to_string(port)}) {
    for (const std::string path : {"/", "/api/v1/find?limit=1", "/api/v1/status"}) {
      const std::string r =
          HttpRequest(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
      EXPECT_EQ(StatusOf(r), 421) << host << path << ": " << r.substr(0, 300);
    }
  }
  for (const std::string& host :
       {"localhost:" + std::to_string(port), std::string("127.0.0.1"), std::string("[::1]")}) {
    const std::string r =
        HttpRequest(port, "GET /api/v1/status HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    EXPECT_EQ(StatusOf(r), 200) << host << ": " << r.substr(0, 300);
  }
  const std::string metrics = BodyOf(HttpGet(port, "/metrics"));
  EXPECT_NE(metrics.find("mlq_events_total{event=\"listener.http.requests.host_refused\"} 6\n"),
            std::string::npos)
      << metrics;
}

TEST_F(WebUiTest, LoginGivesACookieThatNeedsItsCsrfToken) {
  const std::string file = dir_.path() + "/tokens";
  const std::string reader = CreateToken(file, "reader", "read");
  Daemon d(dir_.path() + "/data", {"--http", "127.0.0.1:0", "--grpc-tokens", file});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  EXPECT_EQ(StatusOf(HttpGet(port, "/api/v1/session")), 401);
  EXPECT_EQ(StatusOf(Request(port, "POST", "/api/v1/session", "Authorization: Bearer nope\r\n")),
            401);
  const std::string login =
      Request(port, "POST", "/api/v1/session", "Authorization: Bearer " + reader + "\r\n");
  ASSERT_EQ(StatusOf(login), 200) << login;
  const std::string set = HeaderOf(login, "Set-Cookie");
  EXPECT_NE(set.find("HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("SameSite=Strict"), std::string::npos) << set;
  EXPECT_EQ(BodyOf(login).find(reader), std::string::npos) << "the token is not sent back";
  const std::string cookie = "Cookie: " + set.substr(0, set.find(';')) + "\r\n";
  const std::string body = BodyOf(login);
  const size_t at = body.find("\"csrf_token\":\"");
  ASSERT_NE(at, std::string::npos) << body;
  const std::string csrf = "X-MLQ-CSRF: " + body.substr(at + 14, 64) + "\r\n";

  std::string r = Request(port, "GET", "/api/v1/status", cookie);
  EXPECT_EQ(StatusOf(r), 403) << r;
  EXPECT_NE(BodyOf(r).find("missing or wrong CSRF token"), std::string::npos) << r;
  r = Request(port, "GET", "/api/v1/find?limit=1", cookie + csrf);
  EXPECT_EQ(StatusOf(r), 200) << r;
  r = Request(port, "GET", "/api/v1/session", cookie);
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_NE(BodyOf(r).find("\"role\":\"read\""), std::string::npos) << r;
  // An empty body without Content-Length is a body too.
  r = HttpRequest(port, "DELETE /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n" + cookie + csrf +
                            "Connection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 204) << r;
  EXPECT_NE(HeaderOf(r, "Set-Cookie").find("Max-Age=0"), std::string::npos) << r;
  EXPECT_EQ(StatusOf(Request(port, "GET", "/api/v1/find", cookie + csrf)), 401);
  const std::string metrics = BodyOf(HttpGet(port, "/metrics", reader));
  EXPECT_NE(metrics.find("mlq_events_total{event=\"listener.http.sessions.created\"} 1"),
            std::string::npos)
      << metrics.substr(0, 300);
  EXPECT_NE(metrics.find("mlq_events_total{event=\"listener.http.csrf_rejected\"} 1"),
            std::string::npos);
}

TEST_F(WebUiTest, WebRootServesTheFolderAndNothingOutside) {
  const std::string root = dir_.path() + "/root";
  ASSERT_EQ(mkdir(root.c_str(), 0755), 0);
  WriteFile(root + "/index.html", "<p>one</p>");
  WriteFile(dir_.path() + "/secret.txt", "SECRET");
  ASSERT_EQ(symlink((dir_.path() + "/secret.txt").c_str(), (root + "/out.txt").c_str()), 0);
  Daemon d(dir_.path() + "/data", {"--http", "127.0.0.1:0", "--web-root", root});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  std::string r = HttpGet(port, "/");
  ASSERT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), "<p>one</p>");
  EXPECT_NE(r.find(kPageCsp), std::string::npos);
  WriteFile(root + "/index.html", "<p>two</p>");
  WriteFile(root + "/added.js", "export {};");
  EXPECT_EQ(BodyOf(HttpGet(port, "/")), "<p>two</p>") << "read on every request";
  r = HttpGet(port, "/added.js");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/javascript; charset=utf-8");
  for (const std::string& target : std::vector<std::string>{
           "/../secret.txt", "/%2e%2e/secret.txt", "/..%2Fsecret.txt", "/out.txt",
           "/./index.html/../../secret.txt", "/" + std::string(3000, 'a')}) {
    r = HttpGet(port, target);
    EXPECT_EQ(StatusOf(r), 404) << target;
    EXPECT_EQ(r.find("SECRET"), std::string::npos) << target;
  }
  EXPECT_EQ(StatusOf(Request(port, "POST", "/added.js")), 404) << "only GET falls back";
  EXPECT_EQ(StatusOf(HttpGet(port, "/api/v1/status")), 200) << "routes still win";
}

TEST_F(WebUiTest, OverTlsHstsAndSecureCookies) {
  const std::string certs = dir_.path() + "/certs";
  ASSERT_EQ(mkdir(certs.c_str(), 0700), 0);
  ASSERT_TRUE(MakeTestCa(certs, "localhost", "mail-client"));
  const std::string file = dir_.path() + "/tokens";
  const std::string reader = CreateToken(file, "reader", "read");
  Daemon d(dir_.path() + "/data",
           {"--http", "127.0.0.1:0", "--grpc-tokens", file, "--http-tls-cert",
            certs + "/server.pem", "--http-tls-key", certs + "/server.key"});
  ASSERT_TRUE(d.Start()) << d.log();
  const std::string base = "https://127.0.0.1:" + std::to_string(d.http_port());
  CommandResult r = RunCommand(
      {"curl", "-sS", "--max-time", "10", "--cacert", certs + "/ca.pem", "-D", "-", base + "/"});
  MLQ_REQUIRE_CORPUS(r.exit_code != 127, "no curl on PATH");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Strict-Transport-Security: max-age="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kPageCsp), std::string::npos) << r.out.substr(0, 800);
  r = RunCommand({"curl", "-sS", "--max-time", "10", "--cacert", certs + "/ca.pem", "-D", "-", "-X",
                  "POST", "-H", "Authorization: Bearer " + reader, base + "/api/v1/session"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Set-Cookie: mlq_session="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; Secure"), std::string::npos) << r.out;
}

TEST_F(WebUiTest, AMissingWebRootIsRefusedAtStart) {
  const CommandResult r = RunCommand(
      {MLQD_BIN, "--data", dir_.path() + "/data", "--syslog-udp", "", "--syslog-tcp", "", "--grpc",
       "127.0.0.1:0", "--http", "127.0.0.1:0", "--web-root", dir_.path() + "/nosuch"},
      "", std::chrono::seconds(30));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--web-root: not a readable folder"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mlq::testing
