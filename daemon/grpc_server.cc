#include "daemon/grpc_server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> MemBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate of a PEM file, null when there is none.
std::unique_ptr<X509, X509Free> FirstCertificate(const std::string& pem) {
  auto bio = MemBio(pem);
  return std::unique_ptr<X509, X509Free>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// What gRPC would refuse at a handshake, found before it is served: a
// certificate or key that does not parse, a key of another certificate, a
// CA file without a certificate.
absl::Status CheckFiles(const std::string& cert_pem, const std::string& cert_file,
                        const std::string& key_pem, const std::string& key_file,
                        const std::string& ca_pem, const std::string& ca_file) {
  std::unique_ptr<X509, X509Free> cert = FirstCertificate(cert_pem);
  if (!cert) {
    return absl::InvalidArgumentError("--grpc-tls-cert: " + cert_file + " holds no certificate");
  }
  auto key_bio = MemBio(key_pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError("--grpc-tls-key: " + key_file +
                                      " holds no private key (or one with a passphrase)");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError("--grpc-tls-key: " + key_file + " is not the key of " +
                                      cert_file);
  }
  if (!ca_file.empty() && !FirstCertificate(ca_pem)) {
    return absl::InvalidArgumentError("--grpc-client-ca: " + ca_file + " holds no certificate");
  }
  return absl::OkStatus();
}

// Writes `data` to a new file `path`, mode 0600.
absl::Status WritePrivateFile(const std::string& path, const std::string& data) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError("cannot write " + path + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      close(fd);
      return absl::PermissionDeniedError("cannot write " + path + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  return absl::OkStatus();
}

std::string GenerationDir(uint64_t generation) { return "gen-" + std::to_string(generation); }

}  // namespace

std::string GrpcCertificateSnapshotDir(const DaemonConfig& config) {
  return (std::filesystem::path(config.data_dir) / "grpc-tls").string();
}

absl::StatusOr<std::unique_ptr<GrpcCertificates>> GrpcCertificates::Create(
    std::string cert_file, std::string key_file, std::string client_ca_file,
    std::string snapshot_dir) {
  std::unique_ptr<GrpcCertificates> c(new GrpcCertificates());
  c->cert_file_ = std::move(cert_file);
  c->key_file_ = std::move(key_file);
  c->ca_file_ = std::move(client_ca_file);
  c->dir_ = std::move(snapshot_dir);
  // The copies of an earlier run are stale: start afresh.
  std::error_code ec;
  std::filesystem::remove_all(c->dir_, ec);
  if (mkdir(c->dir_.c_str(), 0700) != 0) {
    return absl::PermissionDeniedError("cannot create " + c->dir_ + ": " + std::strerror(errno));
  }
  if (absl::Status st = c->Install(); !st.ok()) return st;
  const std::string current = c->dir_ + "/current/";
  c->provider_ = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      current + "key.pem", current + "cert.pem", c->ca_file_.empty() ? "" : current + "ca.pem",
      kRefreshSeconds);
  return c;
}

std::shared_ptr<grpc::ServerCredentials> GrpcCertificates::Credentials() {
  grpc::experimental::TlsServerCredentialsOptions options(provider_);
  options.watch_identity_key_cert_pairs();
  if (!ca_file_.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::Status GrpcCertificates::Reload() { return Install(); }

absl::Status GrpcCertificates::Install() {
  std::lock_guard lock(mu_);
  absl::StatusOr<std::string> cert = ReadPem(cert_file_, "--grpc-tls-cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(key_file_, "--grpc-tls-key");
  if (!key.ok()) return key.status();
  std::string ca;
  if (!ca_file_.empty()) {
    absl::StatusOr<std::string> read = ReadPem(ca_file_, "--grpc-client-ca");
    if (!read.ok()) return read.status();
    ca = *std::move(read);
  }
  if (absl::Status st = CheckFiles(*cert, cert_file_, *key, key_file_, ca, ca_file_); !st.ok()) {
    return st;
  }
  // A new generation folder, then "current" switched to it by one rename.
  const uint64_t generation = generation_ + 1;
  const std::string gen_dir = dir_ + "/" + GenerationDir(generation);
  std::error_code ec;
  std::filesystem::remove_all(gen_dir, ec);
  if (mkdir(gen_dir.c_str(), 0700) != 0) {
    return absl::PermissionDeniedError("cannot create " + gen_dir + ": " + std::strerror(errno));
  }
  absl::Status st = WritePrivateFile(gen_dir + "/key.pem", *key);
  if (st.ok()) st = WritePrivateFile(gen_dir + "/cert.pem", *cert);
  if (st.ok() && !ca_file_.empty()) st = WritePrivateFile(gen_dir + "/ca.pem", ca);
  const std::string link = dir_ + "/current.new";
  unlink(link.c_str());
  if (st.ok() && symlink(GenerationDir(generation).c_str(), link.c_str()) != 0) {
    st = absl::PermissionDeniedError("cannot create " + link + ": " + std::strerror(errno));
  }
  if (st.ok() && rename(link.c_str(), (dir_ + "/current").c_str()) != 0) {
    st = absl::PermissionDeniedError("cannot switch " + dir_ + "/current: " + std::strerror(errno));
  }
  if (!st.ok()) {
    std::filesystem::remove_all(gen_dir, ec);
    return st;
  }
  generation_ = generation;
  // The generation before stays for a read that began before the switch.
  if (generation > 2) std::filesystem::remove_all(dir_ + "/" + GenerationDir(generation - 2), ec);
  return absl::OkStatus();
}

absl::StatusOr<GrpcServer> StartGrpcServer(
    const DaemonConfig& config, grpc::Service* service,
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors) {
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  std::unique_ptr<GrpcCertificates> certificates;
  if (!config.grpc_tls_cert.empty()) {
    absl::StatusOr<std::unique_ptr<GrpcCertificates>> made =
        GrpcCertificates::Create(config.grpc_tls_cert, config.grpc_tls_key, config.grpc_client_ca,
                                 GrpcCertificateSnapshotDir(config));
    if (!made.ok()) return made.status();
    certificates = *std::move(made);
    creds = certificates->Credentials();
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.grpc, creds, &port);
  builder.RegisterService(service);
  // mlq import sends at most 1 MiB of lines plus one line of up to 2 MiB.
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_ingest_bytes));
  if (!interceptors.empty()) builder.experimental().SetInterceptorCreators(std::move(interceptors));
  GrpcServer out;
  out.certificates = std::move(certificates);
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
