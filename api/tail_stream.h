// GET /api/v1/tail: QueryService::Tail (query/tail.cc, the body gRPC runs)
// as Server-Sent Events on the HTTP listener's streamed answers
// (http/router.h, Stream).
//
// Request: the filter parameters of /api/v1/find (FindRequest fields by
// proto name, api::ParseParams; since/until/limit/page_token/newest_first
// are accepted and ignored, as by gRPC Tail), "last" (first the last N
// matching stored lines, at most --max-limit), and a resume point: the
// "Last-Event-ID" header (EventSource sends it when it reconnects) or the
// "last_event_id" parameter, a record key (32 hex digits) -> TailRequest
// after_key: first every matching line stored after it (at most
// --max-limit; "last" is then ignored). "csrf" is the web UI's CSRF token
// (api/session.h); it is not a filter. Errors before the stream opens
// (token, parameters, a malformed Last-Event-ID, too many tails) are the
// JSON API's errors (api/json_api.h).
//
// Answer: "Content-Type: text/event-stream", no Content-Length (the
// connection closes at the end), then:
//   retry: 2000                       (once, first)
//   id: <Record.key>                  (one event per record)
//   event: record
//   data: <Record as protobuf JSON, proto field names, one line>
//   <blank line>
//   event: dropped / data: {"dropped":"<n>"}   the client fell behind;
//                                               n = records lost so far
//   event: truncated / data: {"truncated":true} the resume found more than
//                                               --max-limit lines; the
//                                               rest is left out
//   : keepalive                       (a comment, every `keepalive`)
// A data line is the JSON mapping's output: control characters in log text
// (CR, LF) are escaped there, so a log line cannot end an event or forge
// another. The stream ends when the client goes away, mlqd stops or the
// listener cuts a slow client (http/server.h).
//
// Threads: each open stream runs Tail on a thread of its own (at most
// `max_streams`; more: 503), never on the I/O thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "http/router.h"
#include "query/service.h"

namespace mlq::api {

// The query string (percent-encoded) and the Last-Event-ID header into
// `out` as above; InvalidArgument with a one-line message on any error.
absl::Status ParseTailParams(std::string_view query, std::string_view last_event_id, int64_t now_us,
                             v1::TailRequest* out);

// The events of one TailResponse (above), in order.
std::string SseRecords(const v1::TailResponse& resp);

struct TailStreamOptions {
  std::chrono::milliseconds keepalive{15000};
  size_t max_streams = 32;
};

class TailStream : public http::Handler {
 public:
  // The bearer token a request runs with (json_api.cc: the same function
  // as the other routes, sessions and CSRF included); an error answers.
  using Credentials = std::function<grpc::Status(const http::Request&, std::string* bearer)>;

  // `service` and `access` (null = authentication off) must outlive it.
  TailStream(QueryService* service, const Access* access, Credentials credentials,
             TailStreamOptions options = {});
  // Waits for the streams' threads; they end once their streams close
  // (http::Server::Stop) or the TailHub closes.
  ~TailStream() override;

  // Streams only: answers 500 (Start() is the handler).
  void Handle(const http::Request& request, http::Response* response) override;
  void Start(const http::Request& request, Done done) override;

 private:
  void Run(std::string bearer, std::function<bool()> cancelled, v1::TailRequest req, Done done);

  QueryService* service_;
  const Access* access_;
  Credentials credentials_;
  TailStreamOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t running_ = 0;
  bool stopping_ = false;
};

}  // namespace mlq::api
