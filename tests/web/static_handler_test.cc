// The web UI's files (web/assets.h, web/static_handler.h): the table built
// from web/static/, the answers and their headers, and --web-root's folder
// with every traversal a hostile client might try.
#include "web/static_handler.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "test_util.h"
#include "web/assets.h"

namespace mlq::web {
namespace {

using mlq::testing::ReadFile;

std::string Header(const http::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

http::Response Get(http::Handler* h, std::string_view path, std::string_view if_none_match = "") {
  http::Request r;
  r.method = "GET";
  r.path = path;
  r.if_none_match = if_none_match;
  http::Response response;
  h->Handle(r, &response);
  return response;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

std::unique_ptr<StaticHandler> Make(std::string web_root = "") {
  auto h = StaticHandler::Create({.web_root = std::move(web_root)});
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *std::move(h) : nullptr;
}

TEST(WebAssets, TableHoldsTheFilesOfWebStatic) {
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  // (After editing web/static, rebuild: the table is what was built.)
  EXPECT_TRUE(index->bytes == ReadFile(std::string(MLQ_SOURCE_DIR) + "/web/static/index.html"));
  EXPECT_EQ(index->etag, EtagOf(index->bytes)) << "the generator's hash is the runtime's";
  EXPECT_EQ(index->etag.size(), 34u);
  EXPECT_EQ(index->etag.front(), '"');
  EXPECT_EQ(index->etag.back(), '"');
  std::string previous;
  for (const Asset& a : Assets()) {
    EXPECT_TRUE(IsAssetPath(a.path)) << a.path;
    EXPECT_LT(previous, a.path) << "sorted, unique";
    previous = a.path;
    EXPECT_EQ(a.content_type, ContentTypeFor(a.path));
    EXPECT_TRUE(a.bytes ==
                ReadFile(std::string(MLQ_SOURCE_DIR) + "/web/static/" + std::string(a.path)))
        << a.path;
    EXPECT_EQ(FindAsset(a.path), &a);
  }
  EXPECT_EQ(FindAsset("nosuch.html"), nullptr);
  EXPECT_EQ(FindAsset(""), nullptr);
}

TEST(WebAssets, ContentTypes) {
  EXPECT_EQ(ContentTypeFor("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x/a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("icon.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("a.d/README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("a.HTML"), "application/octet-stream") << "lower case only";
}

TEST(WebAssets, PathAllowList) {
  for (std::string_view good : {"index.html", "a", "js/app.js", "a-b_c.d.e", "x/y/z.css", "1"}) {
    EXPECT_TRUE(IsAssetPath(good)) << good;
  }
  const std::string nul("a\0b", 3);
  for (std::string_view bad : {std::string_view(""),
                               std::string_view("."),
                               std::string_view(".."),
                               std::string_view("../x"),
                               std::string_view("a/../b"),
                               std::string_view("a/./b"),
                               std::string_view("a/.."),
                               std::string_view(".hidden"),
                               std::string_view("a/.git/x"),
                               std::string_view("/abs"),
                               std::string_view("a//b"),
                               std::string_view("a/"),
                               std::string_view("%2e%2e/x"),
                               std::string_view("..%2fx"),
                               std::string_view("a%2Fb"),
                               std::string_view("a\\b"),
                               std::string_view("a b"),
                               std::string_view("a?b"),
                               std::string_view("\xc3\xa9.js"),
                               std::string_view(nul)}) {
    EXPECT_FALSE(IsAssetPath(bad)) << bad;
  }
  EXPECT_TRUE(IsAssetPath(std::string(kMaxPathBytes, 'a')));
  EXPECT_FALSE(IsAssetPath(std::string(kMaxPathBytes + 1, 'a')));
  EXPECT_FALSE(IsAssetPath("a/b/c/d/e/f/g/h/i")) << "deeper than kMaxDepth";
}

TEST(StaticHandler, ServesIndexAtSlashWithItsHeaders) {
  auto h = Make();
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  for (std::string_view path : {"/", "/index.html"}) {
    const http::Response r = Get(h.get(), path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, index->bytes);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(Header(r, "ETag"), index->etag);
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
    EXPECT_EQ(Header(r, "Content-Security-Policy"), kPageCsp);
    EXPECT_EQ(Header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
  }
}

TEST(StaticHandler, PolicyIsStrict) {
  const std::string_view csp = kPageCsp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string_view::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string_view::npos);
  EXPECT_EQ(csp.find('*'), std::string_view::npos);
  for (std::string_view d : {"default-src 'none'", "script-src 'self'", "style-src 'self'",
                             "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'",
                             "form-action 'self'", "frame-ancestors 'none'"}) {
    EXPECT_NE(csp.find(d), std::string_view::npos) << d;
  }
}

TEST(StaticHandler, IfNoneMatchGives304) {
  auto h = Make();
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  const std::string etag(index->etag);
  for (const std::string& inm :
       {etag, "W/" + etag, "\"other\", " + etag, "\"other\"," + etag + " ", std::string("*")}) {
    const http::Response r = Get(h.get(), "/", inm);
    EXPECT_EQ(r.status, 304) << inm;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(Header(r, "ETag"), etag);
    EXPECT_EQ(Header(r, "Content-Security-Policy"), kPageCsp);
  }
  for (std::string_view inm : {"\"other\"", "", "\"\"", "garbage", "W/"}) {
    EXPECT_EQ(Get(h.get(), "/", inm).status, 200) << inm;
  }
}

TEST(StaticHandler, UnknownFilesAre404WithTheHeaders) {
  auto h = Make();
  for (std::string_view path : {"/nosuch.html", "/../index.html", "/./index.html", "//index.html",
                                "/index.html/", "/%69ndex.html", "", "index.html"}) {
    const http::Response r = Get(h.get(), path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(Header(r, "Content-Security-Policy"), kPageCsp) << path;
  }
}

TEST(StaticHandler, RegistersEveryFileAndNoFallbackWithoutWebRoot) {
  auto h = Make();
  http::Router router;
  h->Register(&router);
  http::Request r;
  r.method = "GET";
  http::Response response;
  for (const Asset& a : Assets()) {
    const std::string path = "/" + std::string(a.path);
    r.path = path;
    EXPECT_EQ(router.Find(r, &response).handler, h.get()) << path;
  }
  r.path = "/";
  EXPECT_EQ(router.Find(r, &response).route, "web");
  r.path = "/nosuch.js";
  EXPECT_EQ(router.Find(r, &response).handler, nullptr);
  EXPECT_EQ(response.status, 404);
  r.method = "POST";
  r.path = "/";
  EXPECT_EQ(router.Find(r, &response).handler, nullptr);
  EXPECT_EQ(response.status, 405);
}

class WebRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root_ + "/js").c_str(), 0755), 0);
    WriteFile(root_ + "/index.html", "<p>dev</p>");
    WriteFile(root_ + "/js/app.js", "export {};");
    WriteFile(root_ + "/.hidden", "hidden");
    WriteFile(dir_.path() + "/secret.txt", "SECRET");
    ASSERT_EQ(symlink((dir_.path() + "/secret.txt").c_str(), (root_ + "/out.txt").c_str()), 0);
    ASSERT_EQ(symlink(dir_.path().c_str(), (root_ + "/up").c_str()), 0);
    ASSERT_EQ(symlink("js/app.js", (root_ + "/in.js").c_str()), 0);
    h_ = Make(root_);
    ASSERT_NE(h_, nullptr);
  }

  testing::TempDir dir_;
  std::string root_;
  std::unique_ptr<StaticHandler> h_;
};

TEST_F(WebRootTest, ServesTheFolderReadOnEveryRequest) {
  http::Response r = Get(h_.get(), "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<p>dev</p>");
  EXPECT_EQ(Header(r, "ETag"), EtagOf("<p>dev</p>"));
  EXPECT_EQ(Header(r, "Content-Security-Policy"), kPageCsp);
  EXPECT_EQ(Get(h_.get(), "/", EtagOf("<p>dev</p>")).status, 304);
  WriteFile(root_ + "/index.html", "<p>changed</p>");
  r = Get(h_.get(), "/", EtagOf("<p>dev</p>"));
  ASSERT_EQ(r.status, 200) << "a changed file has a new ETag";
  EXPECT_EQ(r.body, "<p>changed</p>");
  WriteFile(root_ + "/js/new.js", "export const x = 1;");
  r = Get(h_.get(), "/js/new.js");
  ASSERT_EQ(r.status, 200) << "files added on disk are served";
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Get(h_.get(), "/in.js").body, "export {};") << "a symlink inside the root";
  ASSERT_EQ(unlink((root_ + "/js/new.js").c_str()), 0);
  EXPECT_EQ(Get(h_.get(), "/js/new.js").status, 404);
}

TEST_F(WebRootTest, NothingOutsideTheRootIsEverRead) {
  const std::string nul = std::string("/index.html") + '\0' + "/../../secret.txt";
  const std::vector<std::string> hostile = {
      "/../secret.txt",
      "/..",
      "/js/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/..%2fsecret.txt",
      "/js%2f..%2f..%2fsecret.txt",
      "/.%2e/secret.txt",
      "/out.txt",        // symlink to a file outside
      "/up/secret.txt",  // symlink to a folder outside
      "/up/../secret.txt",
      "/.hidden",
      "/js/",
      "/js",  // a folder
      "/" + std::string(5000, 'a'),
      "/" + std::string(300, 'a') + "/../secret.txt",
      std::string("/") + std::string(200, 'a') + "/" + std::string(200, 'b'),
      nul,
      "/\\..\\secret.txt",
      "/" + dir_.path() + "/secret.txt",
  };
  for (const std::string& path : hostile) {
    const http::Response r = Get(h_.get(), path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << path;
  }
}

TEST_F(WebRootTest, RefusesAMissingRoot) {
  EXPECT_FALSE(StaticHandler::Create({.web_root = dir_.path() + "/nosuch"}).ok());
  EXPECT_FALSE(StaticHandler::Create({.web_root = dir_.path() + "/secret.txt"}).ok());
}

TEST_F(WebRootTest, BigFilesAreNotServed) {
  auto h = StaticHandler::Create({.web_root = root_, .max_file_bytes = 4});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(Get(h->get(), "/index.html").status, 404);
}

TEST_F(WebRootTest, FallbackServesNewFilesButKeeps404And405) {
  http::Router router;
  class Other : public http::Handler {
    void Handle(const http::Request&, http::Response*) override {}
  } other;
  router.Add("GET", "/metrics", &other, "metrics");
  router.Add("POST", "/api/v1/session", &other, "api_session");
  h_->Register(&router);
  http::Request r;
  http::Response response;
  r.method = "GET";
  r.path = "/js/app.js";
  http::Router::Match m = router.Find(r, &response);
  EXPECT_EQ(m.handler, h_.get()) << "not built in, but on disk";
  EXPECT_EQ(m.route, "web");
  r.path = "/metrics";
  EXPECT_EQ(router.Find(r, &response).handler, &other);
  r.path = "/api/v1/session";
  EXPECT_EQ(router.Find(r, &response).handler, nullptr);
  EXPECT_EQ(response.status, 405) << "a known path with another method";
  r.method = "POST";
  r.path = "/js/app.js";
  response = {};
  EXPECT_EQ(router.Find(r, &response).handler, nullptr);
  EXPECT_EQ(response.status, 404) << "only GET falls back";
  const std::vector<std::string> names = router.RouteNames();
  EXPECT_EQ(std::count(names.begin(), names.end(), "web"), 1);
}

}  // namespace
}  // namespace mlq::web
