// A small blocking OpenSSL client for the integration tests: connect to
// 127.0.0.1:port, handshake (optionally with a client certificate), send
// bytes, close. Every blocking step is bounded by `timeout` (SO_RCVTIMEO /
// SO_SNDTIMEO), so a test never hangs on a daemon that stops answering.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace mlq::testing {

struct TlsClientOptions {
  std::string ca_file;    // verify the server's certificate (for 127.0.0.1) against it; "" = none
  std::string cert_file;  // client certificate (mutual TLS); "" = none
  std::string key_file;   // its private key
  int min_version = 0;    // e.g. TLS1_VERSION; 0 = the library's default
  int max_version = 0;    // e.g. TLS1_1_VERSION; 0 = the library's default
  std::chrono::milliseconds timeout{10000};  // bound of each blocking socket operation
};

class TlsClient {
 public:
  explicit TlsClient(TlsClientOptions options = {});
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // TCP connect to 127.0.0.1:port, then the TLS handshake. False (error()
  // says why) when either fails. With TLS 1.3 a server that rejects the
  // client certificate does so after the client's handshake has finished:
  // see PeerClosed().
  bool Connect(uint16_t port);
  // Writes all of `bytes` as TLS application data.
  bool Send(std::string_view bytes);
  // Waits at most `wait` for the server to end the connection (EOF, reset
  // or a TLS alert); true when it did. Application data read is discarded.
  bool PeerClosed(std::chrono::milliseconds wait);
  // Sends close_notify, shuts down the write side, waits (bounded) for the
  // server to close, and closes the socket.
  void Close();

  const std::string& error() const { return error_; }
  // The negotiated protocol, e.g. "TLSv1.3" ("" before a handshake).
  std::string version() const;

 private:
  void SetError(const std::string& what);

  TlsClientOptions options_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string error_;
};

// Connects, sends `bytes`, closes. False (with *error) on any failure.
bool SendTls(uint16_t port, std::string_view bytes, const TlsClientOptions& options = {},
             std::string* error = nullptr);

}  // namespace mlq::testing
