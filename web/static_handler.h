// The HTTP handler of the web UI's files (http/router.h): GET "/" answers
// web/static/index.html, GET "/<path>" the file at <path> under
// web/static/ (assets.h) -- from the table built into the binary, or, with
// a web root (mlqd --web-root DIR, for development), read from DIR on
// every request, so an edited or added file shows at the next reload.
//
// Answers: 200 with the file's Content-Type, a strong ETag and
// "Cache-Control: no-cache" (the browser keeps the file and revalidates it
// each time); 304 without a body when If-None-Match names the current ETag;
// 404 for anything else. Every answer carries the page's security headers
// (AddPageHeaders: a strict Content-Security-Policy without 'unsafe-inline'
// or 'unsafe-eval', X-Frame-Options DENY, Referrer-Policy no-referrer; the
// listener adds nosniff, and Strict-Transport-Security over TLS).
//
// Hostile paths under a web root: only paths IsAssetPath() accepts are
// looked up (no "..", no hidden files, no percent-encoding: the target is
// compared raw, so "%2e%2e" and "%2f" are simply not names), then resolved
// with realpath() and served only when the result lies inside the root's
// realpath and is a regular file of at most kMaxFileBytes (so a symlink
// pointing outside is 404), opened with O_NOFOLLOW. A read error is 404 too;
// nothing outside the root is ever read.
//
// Thread safety: Handle() may run on any thread concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/router.h"

namespace mlq::web {

// The policy of the page and its files.
inline constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// Adds the page's security headers (above) to `response`.
void AddPageHeaders(http::Response* response);

struct StaticOptions {
  std::string web_root;  // "" = the files built in
  // Bigger files under the web root are not served (404).
  size_t max_file_bytes = size_t{32} << 20;
};

class StaticHandler : public http::Handler {
 public:
  // InvalidArgument when the web root is given but is not a readable folder.
  static absl::StatusOr<std::unique_ptr<StaticHandler>> Create(StaticOptions options);

  // GET "/" and "/<path>" of every built-in file, counted as "web"; with a
  // web root also every other GET path no route takes (Router::SetFallback),
  // since files may be added on disk.
  void Register(http::Router* router);

  void Handle(const http::Request& request, http::Response* response) override;

 private:
  StaticHandler(StaticOptions options, std::string root_real)
      : options_(std::move(options)), root_real_(std::move(root_real)) {}

  // The bytes of `path` under the web root; false when it may not or cannot
  // be served.
  bool ReadFromRoot(std::string_view path, std::string* bytes) const;

  StaticOptions options_;
  std::string root_real_;  // realpath of web_root, "" when none
};

}  // namespace mlq::web
