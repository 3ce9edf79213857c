// The web UI's files (web/static/), built into mlqd: a table generated at
// build time by web/embed.cmake from every file under web/static/.
//
// An asset's path is its name relative to web/static/ with '/' between
// folders ("index.html", "js/app.js"); it is served at "/<path>" (and
// index.html also at "/"; static_handler.h). Only paths IsAssetPath()
// accepts are embedded or served: the generator leaves other files out.
//
// The ETag is strong: the first 32 hex digits of the SHA-256 of the bytes,
// in double quotes, so it changes exactly when the content does (the same
// for a file read from --web-root: EtagOf()).
//
// Thread safety: the table is immutable; every function is pure.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mlq::web {

struct Asset {
  std::string_view path;          // "index.html", relative to web/static/
  std::string_view content_type;  // ContentTypeFor(path)
  std::string_view bytes;
  std::string_view etag;  // "\"<32 hex digits>\""
};

// Every embedded file, sorted by path.
std::span<const Asset> Assets();

// The embedded file at `path` (relative, no leading '/'); null when none.
const Asset* FindAsset(std::string_view path);

// True for a relative path whose components all match
// [A-Za-z0-9_-][A-Za-z0-9._-]* (so no "", ".", "..", hidden files, '\\',
// '%', NUL or other bytes), at most kMaxPathBytes long and kMaxDepth deep.
inline constexpr size_t kMaxPathBytes = 255;
inline constexpr size_t kMaxDepth = 8;
bool IsAssetPath(std::string_view path);

// The strong ETag of `bytes` (as the table's).
std::string EtagOf(std::string_view bytes);

// The Content-Type for a file name, by its extension (lower case only);
// "application/octet-stream" for an unknown one.
constexpr std::string_view ContentTypeFor(std::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  const std::string_view ext = path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "woff2") return "font/woff2";
  if (ext == "map") return "application/json";
  return "application/octet-stream";
}

}  // namespace mlq::web
