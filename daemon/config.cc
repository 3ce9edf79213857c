#include "daemon/config.h"

#include <CLI/CLI.hpp>
#include <memory>

#include "receiver/intake/allow_list.h"
#include "store/retention.h"

namespace mlq {

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "::1" || host == "ip6-localhost") return true;
  if (!host.starts_with("127.")) return false;
  // 127.a.b.c with digits only: 127.evil.example.com is a name, not loopback.
  int dots = 0;
  for (char ch : host) {
    if (ch == '.') {
      ++dots;
    } else if (ch < '0' || ch > '9') {
      return false;
    }
  }
  return dots == 3;
}

bool IsLoopbackHostHeader(std::string_view host_header) {
  std::string_view host = host_header;
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || rest.size() == 1)) return false;
    host = host.substr(0, close + 1);
  } else if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    if (host.find(':', colon + 1) != std::string_view::npos) return false;  // bare IPv6
    host = host.substr(0, colon);
  }
  // A trailing dot ("localhost.") is the same name.
  if (host.ends_with('.')) host.remove_suffix(1);
  return IsLoopbackHost(host);
}

DaemonFlagParser::DaemonFlagParser()
    : app_(std::make_unique<CLI::App>(
          "mlqd: receives mail-server syslog, indexes it, answers mlq over gRPC")) {
  DaemonConfig& c = c_;
  CLI::App& app = *app_;
  app.set_config("--config", "", "config file (key = value, keys are the long flag names)");
  app.add_option("--data", c.data_dir, "data folder of the embedded store")->capture_default_str();
  app.add_option("--syslog-udp", c.syslog_udp, "syslog over UDP, ADDR:PORT (\"\" disables)")
      ->capture_default_str();
  app.add_option("--syslog-tcp", c.syslog_tcp, "syslog over TCP, ADDR:PORT (\"\" disables)")
      ->capture_default_str();
  app.add_option("--syslog-tls", c.syslog_tls, "syslog over TLS (RFC 5425), ADDR:PORT")
      ->capture_default_str();
  app.add_option("--syslog-relp", c.syslog_relp,
                 "RELP (rsyslog omrelp), acknowledged after storing, ADDR:PORT (\"\" disables)")
      ->capture_default_str();
  app.add_flag("--relp-tls", c.relp_tls,
               "the RELP port speaks TLS with --tls-cert/--tls-key (and --tls-client-ca)");
  app.add_option("--tls-cert", c.tls_cert, "PEM certificate (chain) of the TLS listener");
  app.add_option("--tls-key", c.tls_key, "PEM private key of the TLS listener");
  app.add_option("--tls-client-ca", c.tls_client_ca,
                 "PEM CA file: require and verify client certificates (mutual TLS)");
  app.add_option("--idle-timeout", c.idle_timeout_s,
                 "seconds after which a silent TCP/TLS connection is closed (0 = never)")
      ->capture_default_str();
  app.add_option("--grpc", c.grpc, "gRPC query service, ADDR:PORT (port 0 = any)")
      ->capture_default_str();
  app.add_option("--grpc-tls-cert", c.grpc_tls_cert, "PEM certificate (chain): gRPC over TLS");
  app.add_option("--grpc-tls-key", c.grpc_tls_key, "PEM private key of --grpc-tls-cert");
  app.add_option("--grpc-client-ca", c.grpc_client_ca,
                 "PEM CA file: gRPC clients must present a certificate signed by it");
  app.add_option("--grpc-tokens", c.grpc_tokens,
                 "token file (`mlq token create`): every gRPC call needs a token; re-read on "
                 "SIGHUP");
  app.add_flag("--grpc-insecure", c.grpc_insecure,
               "allow gRPC on a non-loopback address without TLS and tokens");
  app.add_option("--http", c.http,
                 "HTTP listener: Prometheus /metrics and the JSON API /api/v1, ADDR:PORT (port 0 = "
                 "any; default off)");
  app.add_option("--http-tls-cert", c.http_tls_cert, "PEM certificate (chain): HTTP over TLS");
  app.add_option("--http-tls-key", c.http_tls_key, "PEM private key of --http-tls-cert");
  app.add_flag("--http-insecure", c.http_insecure,
               "allow --http on a non-loopback address without TLS and tokens");
  app.add_option("--http-max-connections", c.http_max_connections,
                 "open HTTP connections at most (more are closed at accept)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{65536}));
  app.add_option("--http-max-connections-per-address", c.http_max_connections_per_address,
                 "open HTTP connections one address may hold (0 = no limit)")
      ->capture_default_str();
  app.add_option("--http-timeout", c.http_timeout_s,
                 "seconds an HTTP request (or a kept-alive connection's next one) may take to "
                 "arrive, and its answer to be taken")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--http-max-header-bytes", c.http_max_header_bytes,
                 "bytes of an HTTP request line and headers (more: 431)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{1} << 20));
  app.add_option("--http-max-requests-per-connection", c.http_max_requests_per_connection,
                 "requests served on one kept-alive HTTP connection")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  app.add_option("--http-max-streams", c.http_max_streams,
                 "streamed HTTP answers (GET /api/v1/tail, Server-Sent Events) open at once "
                 "(more: 503)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{4096}));
  app.add_option("--http-sse-keepalive-ms", c.http_sse_keepalive_ms,
                 "an idle /api/v1/tail stream sends a keep-alive comment this often (ms)")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600 * 1000));
  app.add_option("--web-root", c.web_root,
                 "serve the web UI's files from this folder, read on every request, instead of "
                 "the ones built in (for developing the page: web/README.md)");
  app.add_option("--http-max-sessions", c.http_max_sessions,
                 "web UI logins held at once (more: the oldest ends)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app.add_option("--http-session-idle", c.http_session_idle,
                 "a web UI login ends after this long unused (30m, 8h; at most 12h after it "
                 "began)")
      ->capture_default_str();
  app.add_option("--metrics-max-hosts", c.metrics_max_hosts,
                 "sending hosts with series of their own in /metrics (the rest: host=\"other\")")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--metrics-top-domains", c.metrics_top_domains,
                 "recipient domains with series of their own in /metrics (the rest: "
                 "domain=\"other\")")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{10000}));
  app.add_option("--metrics-queue-interval", c.metrics_queue_interval_s,
                 "seconds between rebuilds of the queue view behind mlq_queue_* metrics")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--metrics-cache-ms", c.metrics_cache_ms,
                 "milliseconds a /metrics rendering is reused for further scrapes (0 = render "
                 "every scrape)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  app.add_option("--metrics-queue-scan", c.metrics_queue_scan,
                 "lines one rebuild of the metrics' queue view may read")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1000}, uint64_t{1} << 40));
  app.add_option("--user", c.user, "after binding the ports, run as this user (when root)");
  app.add_option("--query-deadline", c.query_deadline_s,
                 "seconds a find, trace, stats or queue request may take")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--max-scan", c.max_scan, "lines a stats or queue request may read")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1000}, uint64_t{1} << 40));
  app.add_option("--max-queries", c.max_queries,
                 "find/trace/stats/queue/backup/import requests served at once")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1024}));
  app.add_option("--max-page-bytes", c.max_page_bytes,
                 "bytes of lines in one find page (a fuller page ends early, with a token)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1} << 16, size_t{1} << 30));
  app.add_option("--max-ingest-lines", c.max_ingest_lines, "lines in one Ingest (import) request")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  app.add_option("--max-ingest-bytes", c.max_ingest_bytes,
                 "bytes of one gRPC request (an Ingest message of lines)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{4} << 20, size_t{1} << 30));
  app.add_option("--max-message", c.max_message, "longest syslog message kept, in bytes")
      ->capture_default_str()
      ->check(CLI::Range(size_t{480}, size_t{16} << 20));
  app.add_option("--max-connections", c.max_connections, "concurrent TCP connections")
      ->capture_default_str();
  app.add_option("--io-threads", c.io_threads,
                 "threads that read, frame and parse syslog TCP/TLS connections, each connection "
                 "on one of them (0 = one per core)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{256}));
  app.add_option("--allow", c.allow,
                 "serve only these senders, LISTENER=CIDR[:HOST,...] (listener udp, tcp, tls, "
                 "relp or all; HOSTs: the only header hostnames they may claim), repeatable; "
                 "none for a listener = every address");
  app.add_option("--max-connections-per-address", c.max_connections_per_address,
                 "open TCP/TLS/RELP connections one address may hold per listener (0 = no limit)")
      ->capture_default_str();
  app.add_option("--frame-timeout", c.frame_timeout_s,
                 "seconds within which a syslog/RELP frame begun must end, else the connection "
                 "is closed (0 = never)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  app.add_option("--tls-handshake-timeout", c.tls_handshake_timeout_s,
                 "seconds a TLS handshake (syslog TLS, RELP TLS) may take")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--max-tls-handshakes", c.max_tls_handshakes,
                 "TLS handshakes in progress per listener; more connections are refused "
                 "(0 = no limit)")
      ->capture_default_str();
  app.add_option("--timezone", c.timezone,
                 "zone of timestamps without one: local, utc or an IANA name")
      ->capture_default_str();
  app.add_option("--listener-timezone", c.listener_timezones,
                 "per-listener zone, LISTENER=ZONE (udp, tcp, tls), repeatable");
  app.add_option("--sync-writes", c.sync_writes, "fsync the write-ahead log on every batch")
      ->capture_default_str();
  app.add_option("--queue-records", c.queue_records, "records the writer queue holds at most")
      ->capture_default_str();
  app.add_option("--retention", c.retention,
                 "delete lines older than this: 30d, 12h, 2w (default: keep forever)");
  app.add_option("--max-disk", c.max_disk,
                 "keep the store below this size, deleting the oldest lines: 200G, 1G (the least)");
  app.add_option("--disk-reserve", c.disk_reserve,
                 "free disk space below which intake pauses (default: 2 % of the filesystem, "
                 "16M..1G)");
  app.footer(
      "Examples:\n"
      "  mlqd                                   # ./mlq-data, syslog :5514 UDP+TCP, gRPC "
      "127.0.0.1:7600\n"
      "  mlqd --data /var/lib/mlq --syslog-tcp 0.0.0.0:6514 --grpc 127.0.0.1:0\n"
      "  mlqd --syslog-tls 0.0.0.0:6514 --tls-cert server.pem --tls-key server.key \\\n"
      "       --tls-client-ca ca.pem                # mutual TLS\n"
      "  mlqd --syslog-relp 0.0.0.0:2514           # RELP (rsyslog omrelp)\n"
      "  mlqd --retention 30d --max-disk 200G       # keep 30 days, at most 200 GiB\n"
      "SIGHUP re-reads the config file and flags: TLS certificates (syslog, RELP, gRPC, HTTP), the "
      "token file, --allow lists, retention.\n");
}

DaemonFlagParser::~DaemonFlagParser() = default;

absl::StatusOr<DaemonConfig> DaemonFlagParser::Parse(int argc, char** argv) {
  // Options not given leave their variable alone: start from the defaults,
  // and drop every option result of the last parse (CLI11 clears them
  // itself only after a parse that did not throw).
  c_ = DaemonConfig{};
  DaemonConfig& c = c_;
  CLI::App& app = *app_;
  app.clear();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return absl::CancelledError(app.help());
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  if (!c.syslog_tls.empty() && (c.tls_cert.empty() || c.tls_key.empty())) {
    return absl::InvalidArgumentError("--syslog-tls needs --tls-cert and --tls-key");
  }
  if (c.relp_tls && !c.syslog_relp.empty() && (c.tls_cert.empty() || c.tls_key.empty())) {
    return absl::InvalidArgumentError("--relp-tls needs --tls-cert and --tls-key");
  }
  if (absl::Status st = ParseDuration(c.retention, &c.retention_us); !st.ok()) {
    return absl::InvalidArgumentError("--retention: " + std::string(st.message()));
  }
  if (absl::Status st = ParseDuration(c.http_session_idle, &c.http_session_idle_us);
      !st.ok() || c.http_session_idle_us <= 0) {
    return absl::InvalidArgumentError(
        "--http-session-idle: " + (st.ok() ? "must be more than 0" : std::string(st.message())));
  }
  if (absl::Status st = ParseByteSize(c.max_disk, &c.max_disk_bytes); !st.ok()) {
    return absl::InvalidArgumentError("--max-disk: " + std::string(st.message()));
  }
  if (absl::Status st = ParseByteSize(c.disk_reserve, &c.disk_reserve_bytes); !st.ok()) {
    return absl::InvalidArgumentError("--disk-reserve: " + std::string(st.message()));
  }
  // Retention keeps the table files under the limit minus a headroom for
  // what RocksDB adds before deleting frees space: the WAL (256 MiB), one
  // flush (64 MiB) and two compactions (128 MiB each) -- 576 MiB
  // (store/retention.h, PlanSize). Below 1 GiB too little is left for the
  // lines themselves for the limit to be held.
  if (c.max_disk_bytes != 0 && c.max_disk_bytes < (uint64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        "--max-disk: at least 1G (retention keeps a headroom of about 576 MiB below the limit: "
        "write-ahead log 256 MiB, one flush 64 MiB, two compactions of 128 MiB)");
  }
  if (c.grpc_tls_cert.empty() != c.grpc_tls_key.empty()) {
    return absl::InvalidArgumentError("--grpc-tls-cert and --grpc-tls-key go together");
  }
  if (!c.grpc_client_ca.empty() && c.grpc_tls_cert.empty()) {
    return absl::InvalidArgumentError("--grpc-client-ca needs --grpc-tls-cert and --grpc-tls-key");
  }
  const std::string grpc_host = c.grpc.substr(0, c.grpc.rfind(':'));
  if (!IsLoopbackHost(grpc_host) && !c.grpc_insecure &&
      (c.grpc_tls_cert.empty() || c.grpc_tokens.empty())) {
    return absl::InvalidArgumentError(
        "refusing to serve gRPC on " + c.grpc +
        " without TLS and tokens: anyone who reaches it could read every mail log line and "
        "write forged ones. Give --grpc-tls-cert, --grpc-tls-key and --grpc-tokens (see README, "
        "\"Security\"), or --grpc-insecure to serve it unprotected anyway");
  }
  if (c.http_tls_cert.empty() != c.http_tls_key.empty()) {
    return absl::InvalidArgumentError("--http-tls-cert and --http-tls-key go together");
  }
  if (!c.http.empty()) {
    const std::string http_host = c.http.substr(0, c.http.rfind(':'));
    if (!IsLoopbackHost(http_host) && !c.http_insecure &&
        (c.http_tls_cert.empty() || c.grpc_tokens.empty())) {
      return absl::InvalidArgumentError(
          "refusing to serve HTTP (/metrics, /api/v1) on " + c.http +
          " without TLS and tokens: anyone who reaches it could read every mail log line "
          "through the JSON API. Give --http-tls-cert, --http-tls-key and --grpc-tokens "
          "(scrapers and API clients then send a token), or --http-insecure to serve it "
          "unprotected anyway");
    }
  }
  if (absl::StatusOr<AllowList> allow = AllowList::Parse(c.allow); !allow.ok()) {
    return allow.status();
  }
  for (const std::string& lt : c.listener_timezones) {
    size_t eq = lt.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == lt.size()) {
      return absl::InvalidArgumentError("--listener-timezone takes LISTENER=ZONE, got " + lt);
    }
  }
  return c;
}

absl::StatusOr<DaemonConfig> ParseDaemonFlags(int argc, char** argv) {
  DaemonFlagParser parser;
  return parser.Parse(argc, argv);
}

}  // namespace mlq
