// mlqd: receiver -> writer -> store, and the gRPC query service, in one
// process. SIGTERM/SIGINT stop it cleanly: listeners stop, every line
// already received is stored, the WAL is synced. SIGHUP re-reads the config
// file and flags and applies what can change while running: TLS
// certificates (syslog, RELP, gRPC), the token file, the --allow lists and
// retention; it never stops mlqd. Under systemd
// (Type=notify) it reports READY/RELOADING/STOPPING and pings the watchdog
// (daemon/notify.h).
#include <grpcpp/grpcpp.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "api/json_api.h"
#include "api/session.h"
#include "api/session_api.h"
#include "daemon/config.h"
#include "daemon/grpc_server.h"
#include "daemon/notify.h"
#include "daemon/privileges.h"
#include "http/router.h"
#include "http/server.h"
#include "metrics/daemon_metrics.h"
#include "metrics/mail_metrics.h"
#include "metrics/metrics_handler.h"
#include "metrics/queue_metrics.h"
#include "metrics/rpc_metrics.h"
#include "query/service.h"
#include "receiver/intake/line_parser.h"
#include "receiver/intake/listener_util.h"  // MakeServerTlsContext, for --http-tls-cert
#include "receiver/intake/listeners.h"
#include "receiver/intake/relp_listener.h"  // RELP listener
#include "receiver/intake/time_zone.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"
#include "store/retention.h"
#include "store/store.h"
#include "store/writer.h"
#include "web/static_handler.h"

namespace {

void Log(const std::string& line) {
  std::fprintf(stderr, "mlqd: %s\n", line.c_str());
  std::fflush(stderr);
}

// Many senders mean many sockets: use the hard limit on open files.
void RaiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// glibc returns freed memory to the kernel as soon as the top of a heap is
// free, and maps big blocks (memtable arenas) fresh each time; at full
// ingest speed the re-faulting of those pages cost a fifth of mlqd's CPU.
// Keep freed memory for reuse instead: memory stays bounded by the queue
// and memtable limits, it just is not handed back between bursts.
void TuneMalloc() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

// SIGHUP: re-reads the config file and flags. Retention changes at once;
// `reload_tls` re-reads the certificates, tokens and allow lists and returns
// what it did. A config that no longer parses changes nothing (counter
// "reload.failed.config").
void Reload(int argc, char** argv, mlq::Retention* retention, mlq::Counters* counters,
            const std::function<std::vector<std::string>(const mlq::DaemonConfig&)>& reload_tls) {
  counters->Get("reload.requests").fetch_add(1, std::memory_order_relaxed);
  absl::StatusOr<mlq::DaemonConfig> fresh = mlq::ParseDaemonFlags(argc, argv);
  if (!fresh.ok()) {
    counters->Get("reload.failed.config").fetch_add(1, std::memory_order_relaxed);
    Log("SIGHUP: config not reloaded, keeping the running one: " +
        std::string(fresh.status().message()));
    return;
  }
  retention->Update(fresh->retention_us, fresh->max_disk_bytes);
  std::string what = "SIGHUP: retention " +
                     (fresh->retention.empty() ? std::string("forever") : fresh->retention) +
                     ", max-disk " + (fresh->max_disk.empty() ? "none" : fresh->max_disk);
  for (const std::string& line : reload_tls(*fresh)) what += "; " + line;
  Log(what);
}

// Logs a failed sd_notify (a service manager that stopped listening); mlqd
// goes on either way.
void LogNotify(const absl::Status& st) {
  if (!st.ok()) Log(std::string(st.message()));
}

// WATCHDOG=1 every `interval` from the I/O thread: when its event loop
// wedges, the pings stop and systemd restarts mlqd. Cancel `timer` to stop.
// Only the first failed ping is logged (not one line per interval).
void PingWatchdog(boost::asio::steady_timer* timer, std::chrono::microseconds interval) {
  static bool failure_logged = false;
  if (absl::Status st = mlq::NotifyWatchdog(); !st.ok() && !failure_logged) {
    failure_logged = true;
    Log(std::string(st.message()) + " (further failed pings are not logged)");
  }
  timer->expires_after(interval);
  timer->async_wait([timer, interval](const boost::system::error_code& ec) {
    if (!ec) PingWatchdog(timer, interval);
  });
}

int Run(const mlq::DaemonConfig& config, int argc, char** argv) {
  TuneMalloc();
  RaiseFileLimit();
  // Signals are taken by sigwait in this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const int64_t started_us = mlq::NowMicros();
  absl::StatusOr<std::string> dir_warning = mlq::PrepareDataDir(config.data_dir);
  if (!dir_warning.ok()) {
    Log(std::string(dir_warning.status().message()));
    return 1;
  }
  if (!dir_warning->empty()) Log("WARNING: " + *dir_warning);
  auto store_or = mlq::Store::Open({.path = config.data_dir,
                                    .sync_writes = config.sync_writes,
                                    .reserve_bytes = config.disk_reserve_bytes});
  if (!store_or.ok()) {
    Log("cannot open store: " + std::string(store_or.status().message()));
    return 1;
  }
  std::unique_ptr<mlq::Store> store = *std::move(store_or);
  Log("store " + config.data_dir + ": " + std::to_string(store->RecordCount()) + " records");
  if (store->read_only()) {
    Log("store opened READ-ONLY (queries only; intake resumes when the disk has space): " +
        std::string(store->CheckSpace().message()));
  }

  mlq::Counters counters;
  // Declared before the writer: the writer's callback feeds them until Stop().
  mlq::TailHub tail_hub(&counters);
  // The mail metrics, counted from stored records when /metrics is served.
  std::unique_ptr<mlq::metrics::MailMetrics> mail_metrics;
  if (!config.http.empty()) {
    mail_metrics = std::make_unique<mlq::metrics::MailMetrics>(mlq::metrics::MailMetricsOptions{
        .max_hosts = config.metrics_max_hosts, .top_domains = config.metrics_top_domains});
  }
  mlq::Writer writer(store.get(), &counters, {.max_queued_records = config.queue_records});
  writer.SetStoredCallback(
      [&tail_hub, mail = mail_metrics.get()](const std::vector<mlq::LogRecord>& records,
                                             const std::vector<std::string>& keys) {
        tail_hub.Publish(records, keys);
        if (mail != nullptr) mail->Observe(records);
      });
  mlq::Retention retention(
      store.get(), &counters,
      {.max_age_us = config.retention_us, .max_disk_bytes = config.max_disk_bytes});
  retention.Start();
  mlq::LineParser parser(&mlq::DefaultNormalizers(), &counters);
  absl::StatusOr<mlq::TimeZone> zone = mlq::TimeZone::Load(config.timezone);
  if (!zone.ok()) {
    Log(std::string(zone.status().message()));
    return 2;
  }

  boost::asio::io_context io;
  mlq::ListenerOptions lopts;
  lopts.udp_address = config.syslog_udp;
  lopts.tcp_address = config.syslog_tcp;
  lopts.tls_address = config.syslog_tls;
  lopts.tls = {config.tls_cert, config.tls_key, config.tls_client_ca};
  lopts.max_message = config.max_message;
  lopts.max_connections = config.max_connections;
  lopts.io_threads = config.io_threads != 0
                         ? config.io_threads
                         : std::max<size_t>(1, std::thread::hardware_concurrency());
  lopts.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
  lopts.handshake_timeout = std::chrono::seconds(config.tls_handshake_timeout_s);
  lopts.senders = {config.allow, config.max_connections_per_address,
                   std::chrono::seconds(config.frame_timeout_s), config.max_tls_handshakes};
  lopts.timezone = config.timezone;
  for (const std::string& lt : config.listener_timezones) {
    lopts.timezone_by_listener[lt.substr(0, lt.find('='))] = lt.substr(lt.find('=') + 1);
  }
  mlq::Listeners listeners(&io, &writer, &counters, &parser, lopts);
  if (absl::Status st = listeners.Start(); !st.ok()) {
    Log(std::string(st.message()));
    return 1;
  }

  // RELP listener (begin)
  std::unique_ptr<mlq::RelpListener> relp;
  if (!config.syslog_relp.empty()) {
    mlq::RelpOptions ropts;
    ropts.address = config.syslog_relp;
    if (config.relp_tls) ropts.tls = lopts.tls;
    ropts.max_message = config.max_message;
    ropts.max_connections = config.max_connections;
    ropts.idle_timeout = lopts.idle_timeout;
    ropts.handshake_timeout = lopts.handshake_timeout;
    ropts.senders = lopts.senders;
    auto tz = lopts.timezone_by_listener.find("relp");
    ropts.timezone = tz != lopts.timezone_by_listener.end() ? tz->second : config.timezone;
    relp = std::make_unique<mlq::RelpListener>(&io, &writer, &counters, &parser, ropts);
    if (absl::Status st = relp->Start(); !st.ok()) {
      Log(std::string(st.message()));
      return 1;
    }
  }
  // RELP listener (end)

  std::vector<std::pair<std::string, std::string>> bound = listeners.Bound();
  if (relp) bound.emplace_back("relp", relp->Bound());  // RELP listener
  mlq::Access access(&counters);
  absl::StatusOr<std::string> tokens = mlq::LoadTokens(config, &access);
  if (!tokens.ok()) {
    Log(std::string(tokens.status().message()));
    return 1;
  }
  mlq::QueryServiceOptions qopts;
  qopts.access = &access;
  qopts.store = store.get();
  qopts.counters = &counters;
  qopts.sink = &writer;
  qopts.parse_line = [&parser, zone = *zone](std::string_view line, std::string_view host,
                                             int64_t received_us, mlq::LogRecord& out) {
    mlq::LineSource source;
    source.transport = mlq::Transport::kIngest;
    source.peer_host = std::string(host);
    source.utc_offset_s = zone.OffsetAt(received_us / 1000000);
    parser.ParseInto(line, 0, source, received_us, out);
  };
  qopts.flush = [&writer] { writer.Flush(); };
  qopts.retention = [&retention] {
    return std::make_pair(retention.max_age_us(), retention.max_disk_bytes());
  };
  qopts.unavailable_since_us = [&writer] { return writer.unavailable_since_us(); };
  qopts.listeners = [&bound] { return bound; };
  qopts.started_us = started_us;
  qopts.tail_hub = &tail_hub;
  qopts.deadline_ms = int64_t{config.query_deadline_s} * 1000;
  qopts.report_scan_budget = config.max_scan;
  qopts.max_concurrent = config.max_queries;
  qopts.max_response_bytes = config.max_page_bytes;
  qopts.max_ingest_lines = config.max_ingest_lines;
  mlq::QueryService service(qopts);

  // Query RPCs by method and status (mlq_rpc_*), from an interceptor.
  std::vector<std::string> rpc_methods;
  if (const auto* d = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          mlq::v1::Query::service_full_name())) {
    for (int i = 0; i < d->method_count(); ++i) rpc_methods.push_back(d->method(i)->name());
  }
  mlq::metrics::RpcMetrics rpc_metrics(mlq::v1::Query::service_full_name(), rpc_methods);
  absl::StatusOr<mlq::GrpcServer> grpc_server =
      mlq::StartGrpcServer(config, &service, rpc_metrics.Interceptors());
  if (!grpc_server.ok()) {
    Log(std::string(grpc_server.status().message()));
    return 1;
  }
  std::unique_ptr<grpc::Server> server = std::move(grpc_server->server);
  mlq::GrpcCertificates* grpc_certificates = grpc_server->certificates.get();
  bound.emplace_back("grpc", grpc_server->address);
  Log(std::string("gRPC: ") + (config.grpc_tls_cert.empty() ? "plain" : "TLS") +
      (config.grpc_client_ca.empty() ? "" : " with client certificates") + "; tokens " + *tokens);

  // The HTTP listener: /metrics (begin)
  mlq::http::Router router;
  std::unique_ptr<mlq::metrics::QueueMetrics> queue_metrics;
  std::unique_ptr<mlq::metrics::MetricsHandler> metrics_handler;
  std::unique_ptr<mlq::api::JsonApi> json_api;        // /api/v1/...: the queries as JSON
  std::unique_ptr<mlq::web::StaticHandler> web_ui;    // /, the page's files
  std::unique_ptr<mlq::api::SessionStore> sessions;   // the web UI's logins
  std::unique_ptr<mlq::api::SessionApi> session_api;  // /api/v1/session
  std::unique_ptr<mlq::http::Server> http_server;
  if (!config.http.empty()) {
    mlq::http::ServerOptions hopts;
    hopts.address = config.http;
    if (!config.http_tls_cert.empty()) {
      auto tls = mlq::intake::MakeServerTlsContext({config.http_tls_cert, config.http_tls_key, ""});
      if (!tls.ok()) {
        Log("--http-tls-cert: " + std::string(tls.status().message()));
        return 1;
      }
      hopts.tls = std::shared_ptr<boost::asio::ssl::context>(std::move(*tls));
    }
    hopts.max_header_bytes = config.http_max_header_bytes;
    hopts.request_timeout = std::chrono::seconds(config.http_timeout_s);
    hopts.max_connections = config.http_max_connections;
    hopts.max_connections_per_address = config.http_max_connections_per_address;
    hopts.max_requests_per_connection = config.http_max_requests_per_connection;
    hopts.max_streams = config.http_max_streams;
    queue_metrics = std::make_unique<mlq::metrics::QueueMetrics>(
        store.get(), mail_metrics.get(), &counters,
        mlq::metrics::QueueMetricsOptions{
            .interval = std::chrono::seconds(config.metrics_queue_interval_s),
            .scan_budget = config.metrics_queue_scan});
    mlq::metrics::DaemonSources sources;
    sources.counters = &counters;
    sources.store = store.get();
    sources.queued_records = [&writer] { return writer.queued_records(); };
    sources.max_disk_bytes = [&retention] { return retention.max_disk_bytes(); };
    sources.retention_us = [&retention] { return retention.max_age_us(); };
    sources.http_requests = [&http_server] { return http_server->RequestCounts(); };
    sources.version = MLQ_VERSION;
    sources.started_us = started_us;
    metrics_handler = std::make_unique<mlq::metrics::MetricsHandler>(
        &access,
        [sources, &rpc_metrics, mail = mail_metrics.get(),
         queue = queue_metrics.get()](mlq::metrics::Exposition* out) {
          mlq::metrics::RenderDaemon(sources, out);
          rpc_metrics.Render(out);
          mail->Render(out);
          queue->Render(out);
        },
        std::chrono::milliseconds(config.metrics_cache_ms));
    router.Add("GET", "/metrics", metrics_handler.get(), "metrics");
    sessions = std::make_unique<mlq::api::SessionStore>(
        &counters,
        mlq::api::SessionOptions{.max_sessions = config.http_max_sessions,
                                 .idle = std::chrono::microseconds(config.http_session_idle_us)});
    session_api = std::make_unique<mlq::api::SessionApi>(&access, sessions.get());
    session_api->Register(&router);
    json_api = std::make_unique<mlq::api::JsonApi>(
        &service, &access,
        mlq::api::JsonApiOptions{
            .threads = std::clamp<size_t>(config.max_queries, 1, 4),
            .max_tails = config.http_max_streams,
            .tail_keepalive = std::chrono::milliseconds(config.http_sse_keepalive_ms),
            .sessions = sessions.get()});
    json_api->Register(&router);
    auto web = mlq::web::StaticHandler::Create({.web_root = config.web_root});
    if (!web.ok()) {
      Log(std::string(web.status().message()));
      return 1;
    }
    web_ui = *std::move(web);
    web_ui->Register(&router);
    // Without tokens a loopback listener is the only protection, and a web
    // page on another name resolving to 127.0.0.1 (DNS rebinding) would get
    // past it through its visitor's browser: such a listener answers to
    // loopback names only. Tokens (SIGHUP may add them) lift the check.
    if (mlq::IsLoopbackHost(config.http.substr(0, config.http.rfind(':')))) {
      hopts.allow_host = [&access](std::string_view host) {
        return access.enabled() || mlq::IsLoopbackHostHeader(host);
      };
    }
    http_server = std::make_unique<mlq::http::Server>(&io, &router, &counters, hopts);
    if (absl::Status st = http_server->Start(); !st.ok()) {
      Log(std::string(st.message()));
      return 1;
    }
    bound.emplace_back("http", http_server->Bound());
    Log(std::string("http: ") + (config.http_tls_cert.empty() ? "plain" : "TLS") +
        "; /metrics and /api/v1 " +
        (access.enabled() ? "need a token (read or admin; /api/v1 as over gRPC)" : "open"));
    if (!mlq::IsLoopbackHost(config.http.substr(0, config.http.rfind(':'))) &&
        (config.http_tls_cert.empty() || !access.enabled())) {
      Log("WARNING: --http-insecure: " + config.http +
          " serves /metrics and the JSON API /api/v1 (every stored line) beyond loopback "
          "without TLS and tokens");
    }
    queue_metrics->Start();
  }
  // The HTTP listener: /metrics (end)
  // Every port is bound: root is no longer needed.
  absl::StatusOr<std::string> dropped = mlq::DropPrivileges(config.user, config.data_dir);
  if (!dropped.ok()) {
    Log(std::string(dropped.status().message()));
    return 1;
  }
  if (!dropped->empty()) Log(*dropped);
  std::string listening;
  for (const auto& [transport, address] : bound) {
    Log("listening " + transport + " " + address);
    listening += (listening.empty() ? "listening " : ", ") + transport + " " + address;
  }
  if (!config.syslog_tcp.empty() || !config.syslog_tls.empty()) {
    Log("syslog TCP/TLS connections on " + std::to_string(lopts.io_threads) + " I/O thread" +
        (lopts.io_threads == 1 ? "" : "s"));
  }
  Log("ready");
  LogNotify(mlq::NotifyReady(listening));

  boost::asio::steady_timer watchdog(io);
  if (std::chrono::microseconds interval = mlq::WatchdogInterval(); interval.count() > 0) {
    PingWatchdog(&watchdog, interval);
  }
  std::thread io_thread([&io] { io.run(); });

  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    LogNotify(mlq::NotifyReloading("reloading the config (SIGHUP)"));
    Reload(argc, argv, &retention, &counters, [&](const mlq::DaemonConfig& fresh) {
      // The certificate files named at start, re-read (renewed in place);
      // what fails keeps the running values and is counted in
      // "reload.failed.<what>".
      std::vector<std::string> done;
      auto report = [&](const std::string& what, const absl::Status& st, const std::string& ok) {
        if (st.ok()) {
          done.push_back(ok);
        } else {
          counters.Get("reload.failed." + what).fetch_add(1, std::memory_order_relaxed);
          done.push_back(what + " kept: " + std::string(st.message()));
        }
      };
      if (fresh.grpc_tokens != config.grpc_tokens) {
        done.push_back("--grpc-tokens changed: restart mlqd to switch token files");
      } else if (!config.grpc_tokens.empty()) {
        absl::StatusOr<std::string> t = mlq::LoadTokens(config, &access);
        report("tokens", t.status(), t.ok() ? "tokens: " + *t : "");
      }
      // The allow lists as the config file and flags now give them.
      const std::string allow = fresh.allow.empty()
                                    ? std::string("every address")
                                    : std::to_string(fresh.allow.size()) + " --allow entries";
      absl::Status allowed = listeners.ReloadAllow(fresh.allow);
      if (allowed.ok() && relp) allowed = relp->ReloadAllow(fresh.allow);
      report("allow", allowed, "senders: " + allow);
      if (!config.syslog_tls.empty()) {
        report("tls", listeners.ReloadTls(), "tls certificates reloaded");
      }
      if (relp && config.relp_tls) {
        report("relp_tls", relp->ReloadTls(), "relp certificates reloaded");
      }
      if (http_server && !config.http_tls_cert.empty()) {
        // The files named at start, re-read, for connections from now on.
        auto tls =
            mlq::intake::MakeServerTlsContext({config.http_tls_cert, config.http_tls_key, ""});
        if (tls.ok())
          http_server->SetTls(std::shared_ptr<boost::asio::ssl::context>(*std::move(tls)));
        report("http_tls", tls.status(), "http certificates reloaded");
      }
      if (grpc_certificates) {
        if (fresh.grpc_tls_cert != config.grpc_tls_cert ||
            fresh.grpc_tls_key != config.grpc_tls_key ||
            fresh.grpc_client_ca != config.grpc_client_ca) {
          done.push_back(
              "--grpc-tls-cert/--grpc-tls-key/--grpc-client-ca changed: restart "
              "mlqd to switch files (the files named at start are re-read)");
        }
        report("grpc_tls", grpc_certificates->Reload(),
               "grpc certificates reloaded (new connections within " +
                   std::to_string(mlq::GrpcCertificates::kRefreshSeconds) + " s)");
      }
      return done;
    });
    LogNotify(mlq::NotifyReady(listening));
  }
  Log(std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  LogNotify(mlq::NotifyStopping("stopping: storing every line received"));

  // Order matters: no new input, then drain into the store, then close it.
  boost::asio::post(io, [&listeners, &relp, &watchdog, &http_server] {
    watchdog.cancel();
    if (http_server) http_server->Stop();
    listeners.Stop();
    if (relp) relp->Stop();  // RELP listener
  });
  io_thread.join();
  if (queue_metrics) queue_metrics->Stop();
  tail_hub.Close();  // open Tail streams end now instead of holding up Shutdown
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  retention.Stop();
  writer.Stop();
  if (absl::Status st = store->Flush(); !st.ok()) Log("flush: " + std::string(st.message()));
  Log("stopped: " + std::to_string(store->RecordCount()) + " records in store");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<mlq::DaemonConfig> config = mlq::ParseDaemonFlags(argc, argv);
  if (!config.ok()) {
    if (absl::IsCancelled(config.status())) {
      std::fputs(std::string(config.status().message()).c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "mlqd: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  return Run(*config, argc, argv);
}
