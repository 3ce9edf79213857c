// mlqd's configuration: defaults that run without root and without a config
// file, an optional config file (INI/TOML-style `key = value`, the long flag
// names), and flags that override it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace CLI {
class App;
}  // namespace CLI

namespace mlq {

struct DaemonConfig {
  std::string data_dir = "mlq-data";        // under the working directory
  std::string syslog_udp = "0.0.0.0:5514";  // "" disables
  std::string syslog_tcp = "0.0.0.0:5514";  // "" disables
  std::string syslog_tls;                   // "" = no TLS listener
  std::string syslog_relp;                  // RELP listener, "" = none
  bool relp_tls = false;                    // the RELP port speaks TLS (tls_* files)
  std::string tls_cert;                     // PEM certificate chain
  std::string tls_key;                      // PEM private key
  std::string tls_client_ca;                // require client certificates signed by it
  std::string grpc = "127.0.0.1:7600";
  // The query API's protection (README "Security"): TLS, mutual TLS, and the
  // token file (base/token_file.h). Without TLS and tokens mlqd serves gRPC
  // only on a loopback address, unless grpc_insecure says otherwise.
  std::string grpc_tls_cert;
  std::string grpc_tls_key;
  std::string grpc_client_ca;
  std::string grpc_tokens;
  bool grpc_insecure = false;
  // The HTTP listener (/metrics; http/server.h): "" = off. Like gRPC it
  // refuses a non-loopback address without TLS and tokens (--grpc-tokens)
  // unless http_insecure says otherwise.
  std::string http;
  std::string http_tls_cert;
  std::string http_tls_key;
  bool http_insecure = false;
  size_t http_max_connections = 256;
  size_t http_max_connections_per_address = 32;
  int http_timeout_s = 10;
  size_t http_max_header_bytes = 16 * 1024;
  size_t http_max_requests_per_connection = 1000;
  // Streamed answers (GET /api/v1/tail, Server-Sent Events) open at most,
  // and how often an idle one sends a keep-alive comment.
  size_t http_max_streams = 32;
  int http_sse_keepalive_ms = 15000;
  // The web UI (web/static_handler.h): "" = the files built in, else a
  // folder to serve them from on every request (development).
  std::string web_root;
  // Logins of the web UI (api/session.h): at most this many at once, each
  // ending after this long unused (http_session_idle_us from the text).
  size_t http_max_sessions = 1000;
  std::string http_session_idle = "8h";
  int64_t http_session_idle_us = 0;
  // Label bounds and the queue view of /metrics (metrics/mail_metrics.h,
  // metrics/queue_metrics.h).
  size_t metrics_max_hosts = 500;
  size_t metrics_top_domains = 50;
  int metrics_queue_interval_s = 60;
  uint64_t metrics_queue_scan = 5'000'000;
  // A /metrics rendering is reused this long (metrics/metrics_handler.h).
  int metrics_cache_ms = 1000;
  std::string user;  // drop to this user after binding the ports ("" = stay)
  // What one query or import request may cost (query/service.h).
  int query_deadline_s = 30;
  uint64_t max_scan = 50'000'000;
  size_t max_queries = 16;
  size_t max_page_bytes = size_t{32} << 20;
  size_t max_ingest_lines = 10000;
  size_t max_ingest_bytes = size_t{8} << 20;
  int idle_timeout_s = 600;  // close silent TCP/TLS connections
  // Threads that read and parse syslog TCP/TLS connections (ListenerOptions::
  // io_threads); 0 = one per core (std::thread::hardware_concurrency).
  size_t io_threads = 0;
  size_t max_message = 64 * 1024;
  size_t max_connections = 4096;
  // Senders (receiver/intake/listeners.h, SenderLimits): allow lists
  // "LISTENER=CIDR[:HOST,...]", connections per source address and
  // listener, the deadline of a frame begun, the TLS handshake deadline and
  // the handshakes in progress per listener. 0 = no limit.
  std::vector<std::string> allow;
  size_t max_connections_per_address = 64;
  int frame_timeout_s = 60;
  int tls_handshake_timeout_s = 10;
  size_t max_tls_handshakes = 256;
  // Zone of zone-less timestamps: "local", "utc" or an IANA name; per
  // listener with "udp=Europe/Berlin" style entries in timezone_by_listener.
  std::string timezone = "local";
  std::vector<std::string> listener_timezones;
  bool sync_writes = true;
  // 50,000: the same ingest rate as 200,000 at half the RSS
  // (docs/PERFORMANCE.md, "The writer queue and RSS").
  size_t queue_records = 50000;
  // Retention (store/retention.h): as given, and parsed.
  std::string retention;     // "30d", "12h", ... ("" = forever)
  std::string max_disk;      // "200G", ... ("" = no limit)
  std::string disk_reserve;  // free space below which intake pauses ("" = automatic)
  int64_t retention_us = 0;
  uint64_t max_disk_bytes = 0;
  uint64_t disk_reserve_bytes = 0;
};

// True for 127.0.0.0/8, ::1 and "localhost" (the host part of ADDR:PORT,
// brackets allowed).
bool IsLoopbackHost(std::string_view host);

// Whether an HTTP Host header ("localhost:8080", "127.0.0.1", "[::1]:9100")
// names a loopback host (IsLoopbackHost), with or without a port.
bool IsLoopbackHostHeader(std::string_view host_header);

// Parses argv. Returns the config, or an error whose message is what to
// print; a help request yields kCancelled with the help text as message.
absl::StatusOr<DaemonConfig> ParseDaemonFlags(int argc, char** argv);

// ParseDaemonFlags for callers that parse many times (the config fuzz
// target): the flag table is built once, and each Parse starts from the
// defaults, so one result never leaks into the next. Not thread safe; one
// Parse at a time. Neither copyable nor movable (the table points into it).
class DaemonFlagParser {
 public:
  DaemonFlagParser();
  ~DaemonFlagParser();
  DaemonFlagParser(const DaemonFlagParser&) = delete;
  DaemonFlagParser& operator=(const DaemonFlagParser&) = delete;

  absl::StatusOr<DaemonConfig> Parse(int argc, char** argv);

 private:
  DaemonConfig c_;                 // the table's options write here
  std::unique_ptr<CLI::App> app_;  // built once, bound to c_
};

}  // namespace mlq
