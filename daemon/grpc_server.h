// The gRPC server of mlqd: its listening port with the credentials the
// config asks for (plain on loopback, TLS, mutual TLS), and the token file.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/support/server_interceptor.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/config.h"
#include "query/access.h"

namespace mlq {

// The gRPC server's certificate, key and client CA, replaceable while it
// runs (SIGHUP). gRPC 1.51 has no public way to hand a server new
// certificates on demand: its only reloading provider,
// grpc::experimental::FileWatcherCertificateProvider, re-reads files on a
// timer. So the server watches private copies of the files, in
// `snapshot_dir` (created 0700; its files 0600), every second, and Reload()
// replaces the copies only once the operator's files are all usable and the
// key matches the certificate: a bad file never reaches the server.
// The copies sit in one folder per generation behind the symlink
// "current", switched by one rename, so the watcher never reads a new key
// with an old certificate. New TLS handshakes see a reload within about a
// second (kRefreshSeconds); connections already open keep theirs.
//
// Thread safety: Reload() from any thread (calls are serialized).
class GrpcCertificates {
 public:
  static constexpr unsigned kRefreshSeconds = 1;

  // Reads and checks cert_file, key_file and client_ca_file ("" = no client
  // certificates) and writes the first copies. InvalidArgument or NotFound
  // naming the unusable file; PermissionDenied when the copies cannot be
  // written.
  static absl::StatusOr<std::unique_ptr<GrpcCertificates>> Create(std::string cert_file,
                                                                  std::string key_file,
                                                                  std::string client_ca_file,
                                                                  std::string snapshot_dir);

  // Server credentials that follow the copies (mutual TLS with a client CA).
  std::shared_ptr<grpc::ServerCredentials> Credentials();

  // Re-reads the three files (the paths given to Create). On any error the
  // served ones stay and the error says which file and why.
  absl::Status Reload();

 private:
  GrpcCertificates() = default;
  absl::Status Install();  // read, check, copy: a new generation

  std::string cert_file_, key_file_, ca_file_, dir_;
  std::mutex mu_;
  uint64_t generation_ = 0;  // guarded by mu_
  std::shared_ptr<grpc::experimental::FileWatcherCertificateProvider> provider_;
};

struct GrpcServer {
  std::unique_ptr<grpc::Server> server;
  std::string address;  // bound, "host:port"
  // With TLS: what SIGHUP reloads (must outlive `server`); else null.
  std::unique_ptr<GrpcCertificates> certificates;
};

// The folder of GrpcCertificates' copies under mlqd's data folder.
std::string GrpcCertificateSnapshotDir(const DaemonConfig& config);

// Starts a server for `service` on config.grpc, with TLS when
// config.grpc_tls_cert is set (and client certificates required and
// verified when config.grpc_client_ca is), reloadable through
// GrpcServer::certificates. `interceptors` (e.g. the RPC metrics') see
// every call. Errors say which file or address failed.
absl::StatusOr<GrpcServer> StartGrpcServer(
    const DaemonConfig& config, grpc::Service* service,
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors = {});

// Loads config.grpc_tokens into `access` (authentication off when the flag
// is empty). Returns what to log: "tokens: 3 (read 2, admin 1)" or "off".
// On error `access` keeps what it had.
absl::StatusOr<std::string> LoadTokens(const DaemonConfig& config, Access* access);

}  // namespace mlq
