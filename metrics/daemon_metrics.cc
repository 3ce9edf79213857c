#include "metrics/daemon_metrics.h"

#include <array>
#include <map>
#include <string_view>

namespace mlq::metrics {
namespace {

using T = Exposition::Type;
using std::string_view;

constexpr std::array<string_view, 5> kTransports = {"udp", "tcp", "tls", "relp", "ingest"};
constexpr std::array<string_view, 3> kDropReasons = {"queue_full", "store_error",
                                                     "store_unavailable"};

struct Simple {
  string_view counter;
  string_view family;
  string_view help;
};
constexpr std::array<Simple, 5> kLineCounters = {{
    {"parsed", "mlq_lines_parsed_total", "Lines whose syslog header was understood."},
    {"normalized", "mlq_lines_normalized_total", "Lines a mail normalizer recognized."},
    {"unparsed", "mlq_lines_unparsed_total",
     "Lines whose syslog header was not understood "
     "(stored raw)."},
    {"stored", "mlq_lines_stored_total", "Lines written to the store and synced."},
    {"truncated", "mlq_lines_truncated_total", "Lines cut at --max-message (stored flagged)."},
}};

void Gauge(Exposition* out, string_view name, string_view help, double v) {
  out->Declare(name, T::kGauge, help);
  out->Add(name, {}, v);
}

}  // namespace

void RenderDaemon(const DaemonSources& s, Exposition* out) {
  out->Declare("mlq_build_info", T::kGauge, "Always 1; the version of mlqd as a label.");
  out->Add("mlq_build_info", {{"version", s.version}}, 1);
  Gauge(out, "mlq_start_time_seconds", "When mlqd started, seconds since the epoch.",
        static_cast<double>(s.started_us / 1000000));

  out->Declare("mlq_lines_received_total", T::kCounter,
               "Lines received, by transport (udp, tcp, tls, relp, ingest).");
  for (const Simple& c : kLineCounters) out->Declare(c.family, T::kCounter, c.help);
  out->Declare("mlq_lines_dropped_total", T::kCounter,
               "Lines lost, by reason. Series with a transport label break part of the series "
               "without one down by listener: sum one kind or the other.");
  out->Declare("mlq_listener_connections_open", T::kGauge, "Open connections, by listener.");
  out->Declare("mlq_http_streams_open", T::kGauge,
               "Streamed HTTP answers open (GET /api/v1/tail, Server-Sent Events).");
  out->Declare("mlq_events_total", T::kCounter,
               "Every other counter of mlqd (mlq status shows them), by its dotted name.");

  std::vector<std::pair<std::string, uint64_t>> snapshot;
  if (s.counters != nullptr) snapshot = s.counters->Snapshot();
  std::map<string_view, uint64_t, std::less<>> received;
  for (string_view t : kTransports) received[t] = 0;
  std::map<string_view, uint64_t, std::less<>> dropped;
  for (string_view r : kDropReasons) dropped[r] = 0;
  std::map<string_view, uint64_t> simple;
  for (const Simple& c : kLineCounters) simple[c.counter] = 0;
  uint64_t unavailable = 0;
  double streams_open = 0;

  for (const auto& [name_str, value] : snapshot) {
    const string_view name = name_str;
    const double v = static_cast<double>(value);
    if (name.starts_with("received.")) {
      received[name.substr(9)] = value;
    } else if (simple.contains(name)) {
      simple[name] = value;
    } else if (name.starts_with("dropped.")) {
      dropped[name.substr(8)] = value;
    } else if (name == "store.unavailable") {
      unavailable = value;
    } else if (name.starts_with("listener.")) {
      const string_view rest = name.substr(9);
      const size_t dot = rest.find('.');
      const string_view transport = rest.substr(0, dot);
      const string_view what = dot == string_view::npos ? string_view() : rest.substr(dot + 1);
      if (what.starts_with("dropped.")) {
        out->Add("mlq_lines_dropped_total", {{"reason", what.substr(8)}, {"transport", transport}},
                 v);
      } else if (transport == "relp" && what == "messages.lost") {
        out->Add("mlq_lines_dropped_total", {{"reason", "lost"}, {"transport", transport}}, v);
      } else if (what == "connections.open") {
        out->Add("mlq_listener_connections_open", {{"transport", transport}}, v);
      } else if (transport == "http" && what == "streams.open") {
        streams_open = v;
      } else {
        out->Add("mlq_events_total", {{"event", name}}, v);
      }
    } else {
      out->Add("mlq_events_total", {{"event", name}}, v);
    }
  }
  out->Add("mlq_http_streams_open", {}, streams_open);
  for (const auto& [t, n] : received) {
    out->Add("mlq_lines_received_total", {{"transport", t}}, static_cast<double>(n));
  }
  for (const Simple& c : kLineCounters) {
    out->Add(c.family, {}, static_cast<double>(simple[c.counter]));
  }
  for (const auto& [r, n] : dropped) {
    out->Add("mlq_lines_dropped_total", {{"reason", r}}, static_cast<double>(n));
  }

  Gauge(out, "mlq_writer_queue_records", "Records waiting in the writer's queue.",
        s.queued_records ? static_cast<double>(s.queued_records()) : 0);
  Gauge(out, "mlq_store_max_bytes", "The store's size limit (--max-disk), 0 = none.",
        s.max_disk_bytes ? static_cast<double>(s.max_disk_bytes()) : 0);
  Gauge(out, "mlq_retention_seconds", "Lines older than this are deleted (--retention), 0 = never.",
        s.retention_us ? static_cast<double>(s.retention_us() / 1000000) : 0);
  Gauge(out, "mlq_store_unavailable",
        "1 while the store refuses writes (disk full, write errors) and intake is paused.",
        unavailable != 0 ? 1 : 0);
  if (s.store != nullptr) {
    const Store& st = *s.store;
    Gauge(out, "mlq_store_records", "Records in the store.", static_cast<double>(st.RecordCount()));
    Gauge(out, "mlq_store_bytes", "Bytes the store occupies on disk (tables, WAL, manifests).",
          static_cast<double>(st.DiskBytes()));
    Gauge(out, "mlq_disk_free_bytes", "Free bytes of the store's filesystem.",
          static_cast<double>(st.FreeBytes()));
    Gauge(out, "mlq_store_oldest_line_timestamp_seconds",
          "Time of the oldest line kept, 0 when the store is empty.",
          static_cast<double>(st.OldestUs() / 1000000));
    Gauge(out, "mlq_store_read_only", "1 when the store was opened read-only (disk full).",
          st.read_only() ? 1 : 0);
    const Store::RocksHealth h = st.Health();
    out->Declare("mlq_rocksdb_stall_seconds_total", T::kCounter,
                 "Seconds RocksDB delayed or stopped writes since mlqd started.");
    out->Add("mlq_rocksdb_stall_seconds_total", {}, h.stall_seconds);
    Gauge(out, "mlq_rocksdb_write_stopped", "1 while RocksDB stops writes.",
          h.write_stopped ? 1 : 0);
    Gauge(out, "mlq_rocksdb_pending_compaction_bytes",
          "Bytes RocksDB estimates its compactions still have to rewrite.",
          static_cast<double>(h.pending_compaction_bytes));
    Gauge(out, "mlq_rocksdb_running_compactions", "Compactions running.",
          static_cast<double>(h.running_compactions));
    out->Declare("mlq_rocksdb_memory_bytes", T::kGauge,
                 "RocksDB's memory by kind: memtables, table_readers (index and filter blocks "
                 "outside the block cache), block_cache.");
    out->Add("mlq_rocksdb_memory_bytes", {{"kind", "memtables"}},
             static_cast<double>(h.memtable_bytes));
    out->Add("mlq_rocksdb_memory_bytes", {{"kind", "table_readers"}},
             static_cast<double>(h.table_reader_bytes));
    out->Add("mlq_rocksdb_memory_bytes", {{"kind", "block_cache"}},
             static_cast<double>(h.block_cache_bytes));
  }
  out->Declare("mlq_http_requests_total", T::kCounter,
               "Answers of the HTTP listener, by route (unmatched: no route) and status code.");
  if (s.http_requests) {
    for (const auto& [key, n] : s.http_requests()) {
      out->Add("mlq_http_requests_total",
               {{"route", key.first}, {"code", std::to_string(key.second)}},
               static_cast<double>(n));
    }
  }
}

}  // namespace mlq::metrics
