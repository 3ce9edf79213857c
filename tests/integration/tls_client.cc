#include "tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

namespace mlq::testing {
namespace {

void SetTimeouts(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = t.count() / 1000;
  tv.tv_usec = (t.count() % 1000) * 1000;
  if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1000;  // 0 would mean "forever"
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string OpenSslErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace

TlsClient::TlsClient(TlsClientOptions options) : options_(std::move(options)) {
  // Writes to a socket the server closed must fail, not kill the test.
  static std::once_flag once;
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
}

TlsClient::~TlsClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
}

void TlsClient::SetError(const std::string& what) {
  error_ = what;
  std::string ssl = OpenSslErrors();
  if (!ssl.empty()) error_ += ": " + ssl;
}

bool TlsClient::Connect(uint16_t port) {
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return SetError("SSL_CTX_new"), false;
  if (options_.max_version != 0 && options_.max_version < TLS1_2_VERSION) {
    // OpenSSL 3 allows TLS 1.0/1.1 only at security level 0: an old client
    // must really offer them, so that the refusal is the server's.
    SSL_CTX_set_security_level(ctx_, 0);
  }
  if (options_.min_version != 0) SSL_CTX_set_min_proto_version(ctx_, options_.min_version);
  if (options_.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options_.max_version);
  if (!options_.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx_, options_.ca_file.c_str(), nullptr) != 1) {
      return SetError("CA " + options_.ca_file), false;
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  if (!options_.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, options_.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return SetError("client certificate " + options_.cert_file), false;
    }
  }

  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return SetError(std::string("socket: ") + strerror(errno)), false;
  SetTimeouts(fd_, options_.timeout);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    return SetError(std::string("connect: ") + strerror(errno)), false;
  }

  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr) return SetError("SSL_new"), false;
  if (!options_.ca_file.empty()) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
  }
  SSL_set_fd(ssl_, fd_);
  int rc = SSL_connect(ssl_);
  if (rc != 1) {
    int err = SSL_get_error(ssl_, rc);
    return SetError("handshake failed (SSL error " + std::to_string(err) +
                    (errno != 0 ? std::string(", ") + strerror(errno) : std::string()) + ")"),
           false;
  }
  return true;
}

bool TlsClient::Send(std::string_view bytes) {
  if (ssl_ == nullptr) return SetError("not connected"), false;
  size_t sent = 0;
  while (sent < bytes.size()) {
    ERR_clear_error();
    const int chunk = static_cast<int>(std::min<size_t>(bytes.size() - sent, 1 << 20));
    int n = SSL_write(ssl_, bytes.data() + sent, chunk);
    if (n <= 0) {
      return SetError("SSL_write failed (SSL error " + std::to_string(SSL_get_error(ssl_, n)) +
                      ")"),
             false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool TlsClient::PeerClosed(std::chrono::milliseconds wait) {
  if (ssl_ == nullptr || fd_ < 0) return true;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    SetTimeouts(fd_, left);
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) continue;
    int err = SSL_get_error(ssl_, n);
    if ((err == SSL_ERROR_WANT_READ || err == SSL_ERROR_SYSCALL) &&
        (errno == EAGAIN || errno == EWOULDBLOCK)) {
      continue;  // timed out this round: the deadline check ends the loop
    }
    ERR_clear_error();
    return true;  // EOF, reset, close_notify or an alert
  }
}

void TlsClient::Close() {
  if (ssl_ != nullptr && fd_ >= 0) {
    SSL_shutdown(ssl_);  // our close_notify
    shutdown(fd_, SHUT_WR);
    PeerClosed(options_.timeout);
  }
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::string TlsClient::version() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : ""; }

bool SendTls(uint16_t port, std::string_view bytes, const TlsClientOptions& options,
             std::string* error) {
  TlsClient c(options);
  bool ok = c.Connect(port) && c.Send(bytes);
  c.Close();
  if (!ok && error != nullptr) *error = c.error();
  return ok;
}

}  // namespace mlq::testing
