// Helpers shared by the syslog listeners (listeners.cc) and the RELP
// listener (relp_listener.cc): addresses, accept errors, server TLS
// contexts, TLS peer identity. Internal to receiver/intake.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "receiver/intake/listeners.h"

namespace mlq::intake {

// accept() errors that persist until something else frees resources
// (EMFILE, ENFILE, ENOBUFS, ENOMEM).
bool IsResourceShortage(const boost::system::error_code& ec);

// "ip:port", "[v6]:port" for IPv6.
std::string EndpointString(const boost::asio::ip::address& addr, uint16_t port);

// Parses a listen address ("ip:port"); InvalidArgument naming `what` when
// malformed.
absl::StatusOr<boost::asio::ip::address> ParseListenAddress(std::string_view what,
                                                            std::string_view spec, uint16_t* port);

// A TLS server context (TLS 1.2 or later) with the certificate chain and key
// of `tls`, and, with a client_ca_file, required and verified client
// certificates. InvalidArgument naming the file that is unusable.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const TlsOptions& tls);

// Subject of the peer's certificate in RFC 2253 form, "" when none.
std::string PeerSubject(SSL* ssl);

// True when a handshake failed because of the client's certificate (missing
// or not verified).
bool IsClientCertError(const boost::system::error_code& ec);

}  // namespace mlq::intake
