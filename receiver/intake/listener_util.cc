#include "receiver/intake/listener_util.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <cerrno>

namespace mlq::intake {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

bool IsResourceShortage(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  switch (ec.value()) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return true;
    default:
      return false;
  }
}

std::string EndpointString(const asio::ip::address& addr, uint16_t port) {
  std::string ip = addr.to_string();
  return addr.is_v6() ? "[" + ip + "]:" + std::to_string(port) : ip + ":" + std::to_string(port);
}

absl::StatusOr<asio::ip::address> ParseListenAddress(std::string_view what, std::string_view spec,
                                                     uint16_t* port) {
  std::string host;
  boost::system::error_code ec;
  if (!SplitHostPort(spec, &host, port)) {
    return absl::InvalidArgumentError("bad " + std::string(what) +
                                      " listen address: " + std::string(spec));
  }
  asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError("bad " + std::string(what) +
                                      " listen address: " + std::string(spec));
  }
  return addr;
}

absl::StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(const TlsOptions& t) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->use_certificate_chain_file(t.cert_file, ec);
  if (ec) return absl::InvalidArgumentError("TLS certificate " + t.cert_file + ": " + ec.message());
  ctx->use_private_key_file(t.key_file, ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError("TLS key " + t.key_file + ": " + ec.message());
  if (!t.client_ca_file.empty()) {
    ctx->load_verify_file(t.client_ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError("TLS client CA " + t.client_ca_file + ": " + ec.message());
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  return ctx;
}

std::string PeerSubject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
  }
  X509_free(cert);
  return out;
}

bool IsClientCertError(const boost::system::error_code& ec) {
  if (ec.category() != asio::error::get_ssl_category()) return false;
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  return reason == SSL_R_CERTIFICATE_VERIFY_FAILED ||
         reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE;
}

}  // namespace mlq::intake
