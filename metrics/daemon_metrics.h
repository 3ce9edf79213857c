// The daemon side of /metrics: what mlqd's Counters (store/counters.h), the
// writer, the store and RocksDB say about mlqd itself.
//
//   mlq_lines_received_total{transport}   counter "received.<transport>"
//   mlq_lines_parsed_total, mlq_lines_normalized_total, mlq_lines_unparsed_total,
//   mlq_lines_stored_total, mlq_lines_truncated_total
//   mlq_lines_dropped_total{reason}       counters "dropped.<reason>" (every
//       line mlqd lost, whatever the listener); with a transport label, the
//       per-listener counters "listener.<transport>.dropped.<reason>" and
//       RELP's "messages.lost" (reason "lost"): a breakdown of part of the
//       series without one, so sum one kind or the other, not both
//   mlq_listener_connections_open{transport}  gauge "listener.<t>.connections.open"
//   mlq_events_total{event}               every other counter, by its dotted name
//       (names are fixed in code, never taken from input)
//   mlq_writer_queue_records, mlq_store_records, mlq_store_bytes,
//   mlq_store_max_bytes (0 = no limit), mlq_disk_free_bytes,
//   mlq_store_oldest_line_timestamp_seconds (0 = empty),
//   mlq_retention_seconds (0 = keep forever), mlq_store_read_only,
//   mlq_store_unavailable (0/1)
//   mlq_rocksdb_stall_seconds_total, mlq_rocksdb_write_stopped,
//   mlq_rocksdb_pending_compaction_bytes, mlq_rocksdb_running_compactions,
//   mlq_rocksdb_memory_bytes{kind: memtables, table_readers, block_cache}
//   mlq_http_requests_total{route, code}
//   mlq_build_info{version} 1, mlq_start_time_seconds
//
// Thread safety: RenderDaemon from any thread (the sources must be).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/exposition.h"
#include "store/counters.h"
#include "store/store.h"

namespace mlq::metrics {

struct DaemonSources {
  const Counters* counters = nullptr;
  const Store* store = nullptr;  // null: no store families
  std::function<size_t()> queued_records;
  std::function<uint64_t()> max_disk_bytes;
  std::function<int64_t()> retention_us;
  // Answers of the HTTP listener by (route, code).
  std::function<std::vector<std::pair<std::pair<std::string, int>, uint64_t>>()> http_requests;
  std::string version;
  int64_t started_us = 0;
};

void RenderDaemon(const DaemonSources& sources, Exposition* out);

}  // namespace mlq::metrics
