// The HTTP listener of mlqd (Boost.Beast, HTTP/1.1, plain or TLS) on an
// existing io_context: it accepts connections, reads requests under limits,
// asks the Router which Handler answers, and writes the answer. It knows
// nothing of what is served (router.h).
//
// Hostile clients (DESIGN.md, "Untrusted input everywhere"): every cost is
// linear in the input and bounded in memory.
//   - the request line and headers at most max_header_bytes (else 431, and
//     the connection is closed), a body at most max_body_bytes (else 413;
//     no route takes a body -- GET, and the web UI's POST and DELETE of
//     /api/v1/session, come empty -- so the default is 0);
//   - a request (headers and body), and a keep-alive connection waiting for
//     its next request, must arrive within request_timeout (slowloris), a TLS
//     handshake too, and an answer must be taken within it;
//   - at most max_connections open connections (more are closed at
//     accept), at most max_connections_per_address from one address;
//   - at most max_requests_per_connection requests on one connection (the
//     last answer says "Connection: close");
//   - streamed answers (Response::stream, Server-Sent Events): at most
//     max_streams open (more get 503); a streaming connection is exempt
//     from request_timeout as a whole, but each chunk must be taken within
//     it (else the client is cut), and at most max_stream_buffer_bytes may
//     wait unsent (else the stream is closed: the client is too slow).
// While a handler has not answered (Handler::Start), the listener watches
// the connection: when the client hangs up, Request::cancelled turns true
// and the handler's work (a query) can stop. Over TLS only a plain close is
// seen; a client that sends a close_notify alert first is noticed only when
// the answer is written.
// Malformed requests get 400 and a close; nothing a client sends ends the
// listener.
//
// Counters "listener.http.<what>" (like the syslog listeners'):
// connections.accepted, connections.open, connections.rejected_limit,
// refused_per_address, accept_errors, timeout, handshake_failed,
// requests.header_too_large (431), requests.body_too_large (413),
// requests.bad (400), requests.method_not_allowed (405),
// requests.not_found (404), closed_max_requests, requests.cancelled (the
// client hung up before its answer), streams.opened, streams.open (a
// gauge), streams.rejected_limit (503), streams.timeout (a chunk not taken
// within request_timeout), streams.overflow (too much unsent). Answers by route and
// status code: RequestCounts().
//
// Thread safety: Start() and Bound() from the control thread before the
// io_context runs; Stop() on the io_context's thread (post it);
// RequestCounts() and SetTls() from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "http/router.h"
#include "store/counters.h"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace mlq::http {

struct ServerOptions {
  std::string address = "127.0.0.1:0";  // "ip:port", "[v6]:port"; port 0 = any free port
  // TLS: every connection starts with a handshake; null = plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 0;
  std::chrono::seconds request_timeout{10};
  size_t max_connections = 256;
  size_t max_connections_per_address = 32;  // 0 = no limit
  size_t max_requests_per_connection = 1000;
  // When set, a request whose Host header it refuses is answered 421
  // (Misdirected Request) and counted in requests.host_refused; a request
  // without Host (HTTP/1.0) is not checked. mlqd sets it on a loopback
  // listener without tokens to accept loopback names only: otherwise a web
  // page on any name that resolves to 127.0.0.1 (DNS rebinding) could read
  // the stored lines through its visitor's browser.
  std::function<bool(std::string_view host)> allow_host;
  size_t max_streams = 32;                       // streamed answers open at most
  size_t max_stream_buffer_bytes = 1024 * 1024;  // unsent bytes per stream at most
};

class Server {
 public:
  // `router` and `counters` must outlive the server.
  Server(boost::asio::io_context* io, const Router* router, Counters* counters,
         ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. InvalidArgument for a malformed address,
  // Unavailable when the bind fails.
  absl::Status Start();

  // The bound address, "ip:port".
  std::string Bound() const;

  // Stops accepting and closes every connection, streams too (their
  // producers see Stream::Closed()); io_context::run() returns once they
  // are gone. On the io_context's thread.
  void Stop();

  // Replaces the TLS context for connections accepted from now on (SIGHUP
  // with renewed certificates); connections open keep theirs. Ignored by a
  // plain listener. Thread safe.
  void SetTls(std::shared_ptr<boost::asio::ssl::context> tls);

  // Answers so far, by (route, HTTP status code): routes are the router's
  // names and Router::kUnmatched, codes the few the listener and handlers
  // use. Sorted.
  std::vector<std::pair<std::pair<std::string, int>, uint64_t>> RequestCounts() const;

  class Impl;  // opaque; public so the sessions in server.cc can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mlq::http
