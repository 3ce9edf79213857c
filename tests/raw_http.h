// A raw HTTP/1.1 client for tests of the HTTP listener: plain sockets on
// 127.0.0.1, so tests can send exactly the bytes a hostile client would.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlq::testing {

// A connected TCP socket to 127.0.0.1:port (-1 on failure), closed on
// destruction.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Sends all bytes; false when the peer closed or reset.
  bool Send(std::string_view bytes);
  // Reads until the peer closes, one whole response (by Content-Length) has
  // arrived, or `timeout`; returns what arrived.
  std::string ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the peer closed the connection (reads EOF or reset) within
  // `timeout`.
  bool ClosedWithin(std::chrono::milliseconds timeout);
  // Reads (streamed answers) until what arrived since the last call holds
  // `needle`, the peer closes, or `timeout`; returns what arrived.
  std::string ReadUntil(std::string_view needle,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Shrinks the receive buffer (a client that stops reading fills up fast).
  void SetReceiveBuffer(int bytes);

 private:
  int fd_ = -1;
  std::string pending_;  // read past the last response
};

// One request on a fresh connection; the whole response ("" on failure).
std::string HttpRequest(uint16_t port, std::string_view raw_request);
// GET `path` with an optional bearer token.
std::string HttpGet(uint16_t port, std::string_view path, std::string_view token = "");

// The status code of a response ("HTTP/1.1 200 OK..." -> 200), 0 when none.
int StatusOf(std::string_view response);
// The body of a response (after the blank line).
std::string BodyOf(std::string_view response);

}  // namespace mlq::testing
