// The global options of mlq and its exit codes, shared by every command.
#pragma once

#include <string>

namespace mlq::cli {

// Exit codes of mlq.
inline constexpr int kExitOk = 0;        // found / success
inline constexpr int kExitNotFound = 1;  // the query matched nothing
inline constexpr int kExitError = 2;     // usage error, connection or server error

inline constexpr char kDefaultServer[] = "127.0.0.1:7600";

struct GlobalOptions {
  std::string server = kDefaultServer;  // --server, or $MLQ_SERVER
  bool utc = false;                     // --utc: show and read times in UTC
  double timeout_s = 10;                // --timeout: deadline of one request
  bool json = false;                    // --json: machine-readable output
  std::string token;                    // --token, or $MLQ_TOKEN: bearer token for mlqd
  std::string ca;                       // --ca, or $MLQ_CA: PEM CA; speaks TLS when set
  bool tls = false;                     // --tls: TLS with the system's CAs
  std::string cert;                     // --cert/--key: client certificate (mutual TLS)
  std::string key;
};

}  // namespace mlq::cli
