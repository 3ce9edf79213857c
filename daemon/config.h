// mlqd's configuration: defaults that run without root and without a config
// file, an optional config file (INI/TOML-style `key = value`, the long flag
// names), and flags that override it.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace mlq {

struct DaemonConfig {
  std::string data_dir = "mlq-data";             // under the working directory
  std::string syslog_udp = "0.0.0.0:5514";       // "" disables
  std::string syslog_tcp = "0.0.0.0:5514";       // "" disables
  std::string grpc = "127.0.0.1:7600";
  size_t max_message = 64 * 1024;
  size_t max_connections = 4096;
  std::string timezone = "local";  // zone of zone-less timestamps: "local" or "utc"
  bool sync_writes = true;
  size_t queue_records = 200000;
};

// Parses argv. Returns the config, or an error whose message is what to
// print; a help request yields kCancelled with the help text as message.
absl::StatusOr<DaemonConfig> ParseDaemonFlags(int argc, char** argv);

}  // namespace mlq
