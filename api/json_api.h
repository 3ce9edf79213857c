// The JSON API of mlqd's HTTP listener (http/server.h), under /api/v1:
//
//   GET /api/v1/find    -> QueryService::Find    (FindRequest  -> FindResponse)
//   GET /api/v1/trace   -> QueryService::Trace   (TraceRequest -> TraceResponse)
//   GET /api/v1/stats   -> QueryService::Stats   (StatsRequest -> StatsResponse)
//   GET /api/v1/queue   -> QueryService::Queue   (QueueRequest -> QueueResponse)
//   GET /api/v1/status  -> QueryService::Status  (StatusRequest -> StatusResponse)
//   GET /api/v1/tail    -> QueryService::Tail    (Server-Sent Events: tail_stream.h)
//
// No second implementation of any query: each route calls the same method
// body as gRPC (QueryService's Call overloads, query/service.h), so the
// limits (--query-deadline, --max-scan, --max-queries, page caps), the
// checks and the domain filtering of limited read tokens are the same.
//
// Request: the query string. A parameter is a field of the request message
// by its proto name ("message_id", "queue_id", "limit", "newest_first",
// "page_token", ...); repeated fields would take repeated parameters (the
// requests have none today), every other parameter at most once. Booleans
// are true/false/1/0. A field "<x>_us" (µs since the epoch, as on the wire)
// may be given as "<x>" instead in any form `mlq --since` takes ("2h",
// "2026-11-22T10:00:00Z", "@1700000000"; dates without a zone are UTC), and
// Queue's "older_than" as a duration ("30m", "2d") or an instant (queued
// before it). Unknown, repeated or malformed parameters, and values that are
// not UTF-8, are 400.
//
// Answer: the response message in the protobuf JSON mapping with the proto
// field names (snake_case, as the parameters), 64-bit integers as strings,
// fields at their default value left out; "Content-Type: application/json"
// (the listener adds "Cache-Control: no-store" and "X-Content-Type-Options:
// nosniff"). Errors: {"code":"INVALID_ARGUMENT","message":"..."} with
// InvalidArgument 400, Unauthenticated 401 (with "WWW-Authenticate:
// Bearer"), PermissionDenied 403, NotFound 404, ResourceExhausted 429,
// DeadlineExceeded 504, Unavailable 503, anything else 500.
//
// Auth: "Authorization: Bearer <token>" with the role the gRPC method needs
// (query/access.h); without a token file every caller is admin (mlqd then
// allows --http on loopback only).
//
// Threads: the queries run on a small pool of their own (`threads`), never
// on the listener's I/O thread; at most `max_pending` requests wait or run
// (more: 429). Status, which reads only counters, answers on the I/O thread.
// A client that hangs up before its answer cancels its query (the listener
// notices: http::Request::cancelled, counted in
// "listener.http.requests.cancelled"): Find, Stats and Queue stop with
// CANCELLED as when a gRPC client cancels; Trace runs to its end.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "http/router.h"
#include "query/service.h"

namespace mlq::api {

// One `name=value` pair of a query string as written (still
// percent-encoded); `value` is empty and `has_value` false for a bare `name`.
struct QueryPair {
  std::string_view text;
  std::string_view name;
  std::string_view value;
  bool has_value = false;
};

// The non-empty `&`-separated pairs of `query`, in order.
std::vector<QueryPair> SplitQuery(std::string_view query);

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte;
// nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view s);

// The query string `query` (already split off the path, still
// percent-encoded) into `out` as above, with `now_us` as "now" for relative
// times. InvalidArgument with a one-line message on any error.
absl::Status ParseParams(std::string_view query, int64_t now_us, google::protobuf::Message* out);

// The HTTP status code for a gRPC status code (above).
int HttpStatus(grpc::StatusCode code);

// {"code":"<NAME>","message":"<message>"} (always valid JSON).
std::string ErrorJson(grpc::StatusCode code, std::string_view message);

// Appends `s` to *out as a JSON string literal: quoted, '"' and '\\'
// escaped, control characters as \u00XX, invalid UTF-8 replaced (U+FFFD).
void AppendJsonString(std::string_view s, std::string* out);

// Makes *response the error answer for `code`: HttpStatus(code),
// ErrorJson(code, message), no other headers but "WWW-Authenticate: Bearer"
// for UNAUTHENTICATED.
void SetJsonError(http::Response* response, grpc::StatusCode code, std::string_view message);

class SessionStore;

struct JsonApiOptions {
  size_t threads = 4;
  // /api/v1/tail (tail_stream.h): streams at most, and the keep-alive
  // comment's interval.
  size_t max_tails = 32;
  std::chrono::milliseconds tail_keepalive{15000};
  size_t max_pending = 64;
  // The web UI's logins (session.h): a request with a session cookie and
  // its CSRF token runs with the session's bearer token. Null = none.
  SessionStore* sessions = nullptr;
};

class JsonApi {
 public:
  // `service` and `access` (null = authentication off) must outlive it.
  JsonApi(QueryService* service, const Access* access, JsonApiOptions options = {});
  // Waits for the queries running.
  ~JsonApi();
  JsonApi(const JsonApi&) = delete;
  JsonApi& operator=(const JsonApi&) = delete;

  // Adds the routes above to `router` (named "api_find", "api_trace", ...).
  void Register(http::Router* router);

  // The handler of one route ("find", "trace", "stats", "queue", "status",
  // "tail");
  // null for another name. For tests: Handle() answers on the calling thread.
  http::Handler* Route(std::string_view name);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlq::api
