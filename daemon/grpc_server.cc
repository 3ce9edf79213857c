#include "daemon/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <map>
#include <sstream>

#include "base/token_file.h"

namespace mlq {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(std::string(flag) + ": cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(std::string(flag) + ": " + path + " is not a PEM file");
  }
  return text.str();
}

}  // namespace

absl::StatusOr<GrpcServer> StartGrpcServer(const DaemonConfig& config, grpc::Service* service) {
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (!config.grpc_tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(config.grpc_tls_cert, "--grpc-tls-cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(config.grpc_tls_key, "--grpc-tls-key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!config.grpc_client_ca.empty()) {
      absl::StatusOr<std::string> ca = ReadPem(config.grpc_client_ca, "--grpc-client-ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    creds = grpc::SslServerCredentials(ssl);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.grpc, creds, &port);
  builder.RegisterService(service);
  // mlq import sends at most 1 MiB of lines plus one line of up to 2 MiB.
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_ingest_bytes));
  GrpcServer out;
  out.server = builder.BuildAndStart();
  if (!out.server || port == 0) {
    return absl::UnavailableError("cannot listen for gRPC on " + config.grpc +
                                  " (address in use, or a certificate and key that do not match)");
  }
  out.address = config.grpc.substr(0, config.grpc.rfind(':')) + ":" + std::to_string(port);
  return out;
}

absl::StatusOr<std::string> LoadTokens(const DaemonConfig& config, Access* access) {
  if (config.grpc_tokens.empty()) {
    access->SetTokens(std::nullopt);
    return std::string("off (no --grpc-tokens)");
  }
  absl::StatusOr<std::vector<TokenEntry>> entries = ReadTokenFile(config.grpc_tokens);
  if (!entries.ok()) return entries.status();
  std::map<std::string, int> by_role;
  for (const TokenEntry& e : *entries) {
    ++by_role[std::string(TokenRoleName(e.role)) + (e.domains.empty() ? "" : " (domains)")];
  }
  std::string what = std::to_string(entries->size()) + " tokens from " + config.grpc_tokens;
  if (!by_role.empty()) {
    what += " (";
    bool first = true;
    for (const auto& [role, n] : by_role) {
      what += (first ? "" : ", ") + role + " " + std::to_string(n);
      first = false;
    }
    what += ")";
  }
  access->SetTokens(*std::move(entries));
  return what;
}

}  // namespace mlq
