#include "daemon/config.h"

#include <CLI/CLI.hpp>

namespace mlq {

absl::StatusOr<DaemonConfig> ParseDaemonFlags(int argc, char** argv) {
  DaemonConfig c;
  CLI::App app{"mlqd: receives mail-server syslog, indexes it, answers mlq over gRPC"};
  app.set_config("--config", "", "config file (key = value, keys are the long flag names)");
  app.add_option("--data", c.data_dir, "data folder of the embedded store")->capture_default_str();
  app.add_option("--syslog-udp", c.syslog_udp, "syslog over UDP, ADDR:PORT (\"\" disables)")
      ->capture_default_str();
  app.add_option("--syslog-tcp", c.syslog_tcp, "syslog over TCP, ADDR:PORT (\"\" disables)")
      ->capture_default_str();
  app.add_option("--grpc", c.grpc, "gRPC query service, ADDR:PORT (port 0 = any)")
      ->capture_default_str();
  app.add_option("--max-message", c.max_message, "longest syslog message kept, in bytes")
      ->capture_default_str()
      ->check(CLI::Range(size_t{480}, size_t{16} << 20));
  app.add_option("--max-connections", c.max_connections, "concurrent TCP connections")
      ->capture_default_str();
  app.add_option("--timezone", c.timezone, "zone of timestamps without one: local or utc")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "utc"}));
  app.add_option("--sync-writes", c.sync_writes, "fsync the write-ahead log on every batch")
      ->capture_default_str();
  app.add_option("--queue-records", c.queue_records, "records the writer queue holds at most")
      ->capture_default_str();
  app.footer(
      "Examples:\n"
      "  mlqd                                   # ./mlq-data, syslog :5514 UDP+TCP, gRPC "
      "127.0.0.1:7600\n"
      "  mlqd --data /var/lib/mlq --syslog-tcp 0.0.0.0:6514 --grpc 127.0.0.1:0\n");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return absl::CancelledError(app.help());
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return c;
}

}  // namespace mlq
