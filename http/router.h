// Routing of the HTTP listener (server.h): which handler answers a request,
// by method and exact path. The listener knows nothing of what is served;
// /metrics (metrics/metrics_handler.h) and, later, the JSON API and the web
// UI each register their routes here.
//
// A request the router cannot place is answered by the router itself: 404
// for an unknown path, 405 (with "Allow") for a known path and another
// method. Each route has a fixed name ("metrics", ...) for the per-route
// request counters (mlq_http_requests_total{route}); unplaced requests are
// counted under "unmatched", so clients cannot grow the label set.
//
// Thread safety: Add() before the listener starts; Find() and the handlers
// from any thread afterwards (handlers must be thread-safe themselves).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlq::http {

// One request as the handlers see it: the request line and the few headers
// they need. Views into the listener's buffers, valid during Handle().
struct Request {
  std::string_view method;         // "GET", as sent (methods are case-sensitive)
  std::string_view path;           // "/metrics" (the target before any '?')
  std::string_view query;          // after '?', "" when none
  std::string_view authorization;  // the Authorization header, "" when absent
  std::string_view accept;         // the Accept header, "" when absent
  std::string_view cookie;         // the Cookie header, "" when absent
  std::string_view csrf;           // the X-MLQ-CSRF header, "" when absent
  std::string_view last_event_id;  // the Last-Event-ID header (SSE), "" when absent
  std::string_view if_none_match;  // the If-None-Match header, "" when absent
  std::string_view host;           // the Host header, "" when absent
  std::string_view peer;           // "ip:port" of the client
  bool tls = false;                // it came over TLS
  // True once the client hung up while its answer was pending (the
  // listener watches the connection until the handler answers); a handler
  // answering later (Handler::Start) may copy it and stop its work early.
  // Never null. Thread safe.
  std::function<bool()> cancelled = [] { return false; };
};

// A streamed answer's body (Server-Sent Events): the producer, on a thread
// of its own, writes chunks; the listener sends them in order. Bounded:
// when more than the listener's max_stream_buffer_bytes wait unsent the
// stream is closed (the client is too slow), and a chunk must be taken
// within its request_timeout. Thread safe.
class Stream {
 public:
  virtual ~Stream() = default;
  // Queues `bytes`; false when the stream is closed (nothing is queued).
  virtual bool Write(std::string bytes) = 0;
  // True once the client went away, was cut, or the listener stopped: the
  // producer should end.
  virtual bool Closed() const = 0;
  // Ends the stream after what is queued (the connection closes).
  virtual void Finish() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set for a streamed answer: the listener sends the status and headers
  // without Content-Length (the body ends when the connection closes), then
  // calls `stream` once, on its I/O thread, with the Stream to write the
  // body to (`body` is ignored), or with null when it refused the stream
  // (503, more than max_streams open) or the connection is gone. It may
  // also never be called when the listener stops first; the function is
  // then destroyed (holders of a promise should see its destruction).
  std::function<void(std::shared_ptr<Stream>)> stream;
};

// What answers one route. Handle() runs on the listener's I/O thread: it
// must be quick (no store scans; precompute in the background instead) and
// must not throw.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(const Request& request, Response* response) = 0;

  // How the listener calls a handler. A handler whose answer takes time (the
  // JSON API's queries scan the store) overrides it to answer later, off
  // the I/O thread: it must call `done` exactly once, from any thread (the
  // listener posts the answer back to its I/O thread); `request` is valid
  // only during Start() (copy what is needed). By default it calls Handle()
  // and `done` at once.
  using Done = std::function<void(Response)>;
  virtual void Start(const Request& request, Done done) {
    Response response;
    Handle(request, &response);
    done(std::move(response));
  }
};

// A plain-text answer: status and a one-line explanation.
void SetError(Response* response, int status, std::string_view message);

class Router {
 public:
  // The route's counter name for requests that matched no route.
  static constexpr std::string_view kUnmatched = "unmatched";

  // Serves `method` on `path` (exact match) with `handler` (not owned; must
  // outlive the router), counted as `route_name` (a fixed, short name).
  // Re-adding a method and path replaces the handler.
  void Add(std::string method, std::string path, Handler* handler, std::string route_name);

  // Serves `method` on every path no route has (the web UI's files under
  // mlqd --web-root, which may be added while it runs) with `handler`,
  // counted as `route_name`. Other methods on such paths stay 404, and a
  // path with routes for other methods only stays 405.
  void SetFallback(std::string method, Handler* handler, std::string route_name);

  // The handler for `request` and its route name; when there is none,
  // handler is null and `response` already holds the 404 or 405.
  struct Match {
    Handler* handler = nullptr;
    std::string_view route = kUnmatched;
  };
  Match Find(const Request& request, Response* response) const;

  // Every route name, sorted (for counters created at zero).
  std::vector<std::string> RouteNames() const;

 private:
  struct Route {
    Handler* handler;
    std::string name;
  };
  // path -> method -> route
  std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> routes_;
  std::string fallback_method_;
  Route fallback_{nullptr, ""};
};

}  // namespace mlq::http
