// The gRPC server of mlqd: its listening port with the credentials the
// config asks for (plain on loopback, TLS, mutual TLS), and the token file.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/config.h"
#include "query/access.h"

namespace mlq {

struct GrpcServer {
  std::unique_ptr<grpc::Server> server;
  std::string address;  // bound, "host:port"
};

// Starts a server for `service` on config.grpc, with TLS when
// config.grpc_tls_cert is set (and client certificates required and
// verified when config.grpc_client_ca is). Errors say which file or address
// failed.
absl::StatusOr<GrpcServer> StartGrpcServer(const DaemonConfig& config, grpc::Service* service);

// Loads config.grpc_tokens into `access` (authentication off when the flag
// is empty). Returns what to log: "tokens: 3 (read 2, admin 1)" or "off".
// On error `access` keeps what it had.
absl::StatusOr<std::string> LoadTokens(const DaemonConfig& config, Access* access);

}  // namespace mlq
