// mlq.v1.Query over the store: Find, Trace, Tail, Stats, Queue, Status,
// Ingest, Backup.
//
// The service knows the store, the counters and a RecordSink; it does not
// know the receiver. The daemon injects how a raw line becomes a record
// (ParseLineFn) so Ingest parses exactly like syslog traffic.
//
// Thread safety: gRPC calls handlers concurrently; every handler is safe to
// run in parallel with the others and with the writer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlq/v1/query.grpc.pb.h"
#include "query/tail_hub.h"
#include "store/counters.h"
#include "store/record_sink.h"
#include "store/store.h"

namespace mlq {

struct QueryServiceOptions {
  Store* store = nullptr;
  Counters* counters = nullptr;
  RecordSink* sink = nullptr;  // where Ingest puts records
  // Builds the record for one raw line of an imported file. `host` is the
  // host to use when the line names none.
  std::function<void(std::string_view line, std::string_view host, int64_t received_us,
                     LogRecord& out)>
      parse_line;
  // Blocks until everything pushed to `sink` so far is durably stored.
  std::function<void()> flush;
  // The retention in force: (max age in microseconds, max disk bytes), 0 =
  // none. Unset = none.
  std::function<std::pair<int64_t, uint64_t>()> retention;
  // Since when the sink has been unavailable (0 = it is not).
  std::function<int64_t()> unavailable_since_us;
  // ("udp"|"tcp"|"grpc", "ip:port") of the running listeners.
  std::function<std::vector<std::pair<std::string, std::string>>()> listeners;
  int64_t started_us = 0;
  size_t default_limit = 1000;
  size_t max_limit = 100000;
  // Find: records examined per page at most (then the page ends truncated,
  // with a token to continue), and after a full page, records examined to
  // learn whether more match (finder.h).
  uint64_t find_scan_budget = 2'000'000;
  uint64_t find_lookahead = 10'000;
  // Where Tail subscribes to freshly stored records; nullptr = Tail answers
  // UNAVAILABLE. Must outlive the service.
  TailHub* tail_hub = nullptr;
  // How often a waiting Tail checks for cancellation.
  int tail_poll_ms = 200;
  // Records per TailResponse at most.
  size_t tail_batch = 500;
};

// One method per RPC; each lives in its own file (named beside it).
class QueryService final : public v1::Query::Service {
 public:
  explicit QueryService(QueryServiceOptions options);

  // find.cc
  grpc::Status Find(grpc::ServerContext* ctx, const v1::FindRequest* req,
                    v1::FindResponse* resp) override;
  // trace.cc
  grpc::Status Trace(grpc::ServerContext* ctx, const v1::TraceRequest* req,
                     v1::TraceResponse* resp) override;
  // tail.cc
  grpc::Status Tail(grpc::ServerContext* ctx, const v1::TailRequest* req,
                    grpc::ServerWriter<v1::TailResponse>* writer) override;
  // stats.cc
  grpc::Status Stats(grpc::ServerContext* ctx, const v1::StatsRequest* req,
                     v1::StatsResponse* resp) override;
  // queue.cc
  grpc::Status Queue(grpc::ServerContext* ctx, const v1::QueueRequest* req,
                     v1::QueueResponse* resp) override;
  // service.cc
  grpc::Status Status(grpc::ServerContext* ctx, const v1::StatusRequest* req,
                      v1::StatusResponse* resp) override;
  // ingest.cc
  grpc::Status Ingest(grpc::ServerContext* ctx, grpc::ServerReader<v1::IngestRequest>* reader,
                      v1::IngestResponse* resp) override;
  // backup.cc
  grpc::Status Backup(grpc::ServerContext* ctx, const v1::BackupRequest* req,
                      v1::BackupResponse* resp) override;

 private:
  QueryServiceOptions options_;
};

}  // namespace mlq
