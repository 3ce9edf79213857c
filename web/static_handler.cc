#include "web/static_handler.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "web/assets.h"

namespace mlq::web {
namespace {

// RFC 9110 If-None-Match: "*" or a list of entity tags, compared weakly.
bool NoneMatch(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

void NotFound(http::Response* response) {
  http::SetError(response, 404, "not found");
  AddPageHeaders(response);
}

}  // namespace

void AddPageHeaders(http::Response* response) {
  response->headers.emplace_back("Content-Security-Policy", std::string(kPageCsp));
  response->headers.emplace_back("X-Frame-Options", "DENY");
  response->headers.emplace_back("Referrer-Policy", "no-referrer");
}

absl::StatusOr<std::unique_ptr<StaticHandler>> StaticHandler::Create(StaticOptions options) {
  std::string root_real;
  if (!options.web_root.empty()) {
    char buf[PATH_MAX];
    struct stat st;
    if (realpath(options.web_root.c_str(), buf) == nullptr || stat(buf, &st) != 0 ||
        !S_ISDIR(st.st_mode) || access(buf, R_OK | X_OK) != 0) {
      return absl::InvalidArgumentError("--web-root: not a readable folder: " + options.web_root);
    }
    root_real = buf;
    if (root_real != "/") root_real.push_back('/');
  }
  return std::unique_ptr<StaticHandler>(new StaticHandler(std::move(options), root_real));
}

void StaticHandler::Register(http::Router* router) {
  router->Add("GET", "/", this, "web");
  for (const Asset& a : Assets()) router->Add("GET", "/" + std::string(a.path), this, "web");
  if (!root_real_.empty()) router->SetFallback("GET", this, "web");
}

bool StaticHandler::ReadFromRoot(std::string_view path, std::string* bytes) const {
  const std::string joined = root_real_ + std::string(path);
  char buf[PATH_MAX];
  if (realpath(joined.c_str(), buf) == nullptr) return false;
  const std::string_view real(buf);
  if (!real.starts_with(root_real_) || real.size() == root_real_.size()) return false;
  const int fd = open(buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<uint64_t>(st.st_size) <= options_.max_file_bytes;
  if (ok) {
    bytes->resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < bytes->size()) {
      const ssize_t n = read(fd, bytes->data() + got, bytes->size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    bytes->resize(got);  // shorter when the file shrank meanwhile
  }
  close(fd);
  return ok;
}

void StaticHandler::Handle(const http::Request& request, http::Response* response) {
  std::string_view path = request.path;
  if (path == "/") path = "/index.html";
  if (!path.starts_with('/')) return NotFound(response);
  path.remove_prefix(1);
  if (!IsAssetPath(path)) return NotFound(response);

  std::string etag;
  std::string bytes;
  std::string_view body;
  if (root_real_.empty()) {
    const Asset* asset = FindAsset(path);
    if (asset == nullptr) return NotFound(response);
    etag = asset->etag;
    body = asset->bytes;
  } else {
    if (!ReadFromRoot(path, &bytes)) return NotFound(response);
    etag = EtagOf(bytes);
    body = bytes;
  }
  AddPageHeaders(response);
  response->headers.emplace_back("ETag", etag);
  response->headers.emplace_back("Cache-Control", "no-cache");
  response->content_type = std::string(ContentTypeFor(path));
  if (NoneMatch(request.if_none_match, etag)) {
    response->status = 304;
    response->body.clear();
    return;
  }
  response->status = 200;
  response->body.assign(body);
}

}  // namespace mlq::web
