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

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlq/v1/query.grpc.pb.h"
#include "query/access.h"
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
  // Limits on what one request may cost (README "Limits and bad input");
  // each refusal is an error that says which limit, and a counter.
  // Find: bytes of records per page (then the page ends truncated).
  size_t max_response_bytes = size_t{32} << 20;
  // Stats and Queue: records scanned at most ("query.scan_budget_exceeded").
  uint64_t report_scan_budget = 50'000'000;
  // Find, Trace, Stats, Queue: wall time at most ("query.deadline_exceeded").
  int64_t deadline_ms = 30'000;
  // Find, Trace, Stats, Queue, Backup, Ingest running at once at most
  // (Status always answers; Tail has TailHub's own cap): "query.busy".
  size_t max_concurrent = 16;
  // Ingest: lines per request at most ("ingest.refused_too_many_lines").
  size_t max_ingest_lines = 10000;
  // Who may call what (access.h); nullptr = authentication off, every
  // caller is admin. Must outlive the service.
  const Access* access = nullptr;
  // Where Tail subscribes to freshly stored records; nullptr = Tail answers
  // UNAVAILABLE. Must outlive the service.
  TailHub* tail_hub = nullptr;
  // How often a waiting Tail checks for cancellation.
  int tail_poll_ms = 200;
  // Records per TailResponse at most.
  size_t tail_batch = 500;
};

// What a method needs of its caller, whichever transport carried the call:
// the credentials (the metadata of a gRPC context, or the bearer token of an
// HTTP request: api/json_api.h) and whether the caller gave up. Both
// transports run the same method bodies, with the same limits and checks.
class Call {
 public:
  // A gRPC call; `ctx` must outlive the Call.
  explicit Call(const grpc::ServerContext* ctx) : ctx_(ctx) {}
  // An HTTP call: `bearer` is the token of "Authorization: Bearer <token>",
  // "" when the request had none; `cancelled` says whether the client hung
  // up (http::Request::cancelled; empty = never). Thread safe.
  static Call Http(std::string bearer, std::function<bool()> cancelled = {}) {
    Call c(nullptr);
    c.bearer_ = std::move(bearer);
    c.cancelled_ = std::move(cancelled);
    return c;
  }
  // The caller gave up (gRPC: cancelled; HTTP: hung up). The long methods
  // poll it and end with CANCELLED.
  bool IsCancelled() const {
    if (ctx_ != nullptr) return ctx_->IsCancelled();
    return cancelled_ && cancelled_();
  }
  // The caller, when it may call `method` (Access::Check or CheckToken).
  grpc::Status Check(const Access& access, Method method, Caller* caller) const;

 private:
  const grpc::ServerContext* ctx_;
  std::string bearer_;
  std::function<bool()> cancelled_;
};

// Where Tail (tail.cc) sends what it finds, whichever transport carries the
// stream: gRPC's ServerWriter or the JSON API's Server-Sent Events
// (api/tail_stream.h). Called from the Tail's thread only.
class TailSink {
 public:
  virtual ~TailSink() = default;
  // Every check passed (caller, request, subscription): the stream opens.
  // False when it cannot (the client went away); Tail then ends.
  virtual bool Open() = 0;
  // One batch of records; false when the client went away.
  virtual bool Write(const v1::TailResponse& resp) = 0;
  // Polled at least every tail_poll_ms while waiting for records: true when
  // the client went away. A sink may send a keep-alive from here.
  virtual bool Cancelled() = 0;
  // The subscription has dropped `total` records so far (it grew) because
  // the client fell behind; false when the client went away.
  virtual bool Dropped(uint64_t total) { return true; }
  // The resume (after_key) found more than max_limit lines: the ones after
  // the last sent are left out. False when the client went away.
  virtual bool Truncated() { return true; }
};

// One method per RPC; each lives in its own file (named beside it).
class QueryService final : public v1::Query::Service {
 public:
  explicit QueryService(QueryServiceOptions options);

  // The bodies of the unary read methods, for any transport: the gRPC
  // methods below and the JSON API (api/json_api.h) call these.
  grpc::Status Find(const Call& call, const v1::FindRequest* req, v1::FindResponse* resp);
  grpc::Status Trace(const Call& call, const v1::TraceRequest* req, v1::TraceResponse* resp);
  grpc::Status Stats(const Call& call, const v1::StatsRequest* req, v1::StatsResponse* resp);
  grpc::Status Queue(const Call& call, const v1::QueueRequest* req, v1::QueueResponse* resp);
  grpc::Status Status(const Call& call, const v1::StatusRequest* req, v1::StatusResponse* resp);
  // The body of Tail for any transport (tail.cc): errors before
  // sink->Open() are the call's answer; after it, the stream ends with OK
  // (the client went away) or UNAVAILABLE (shutdown) and the store's errors.
  grpc::Status Tail(const Call& call, const v1::TailRequest* req, TailSink* sink);

  // find.cc
  grpc::Status Find(grpc::ServerContext* ctx, const v1::FindRequest* req,
                    v1::FindResponse* resp) override {
    return Find(Call(ctx), req, resp);
  }
  // trace.cc
  grpc::Status Trace(grpc::ServerContext* ctx, const v1::TraceRequest* req,
                     v1::TraceResponse* resp) override {
    return Trace(Call(ctx), req, resp);
  }
  // tail.cc
  grpc::Status Tail(grpc::ServerContext* ctx, const v1::TailRequest* req,
                    grpc::ServerWriter<v1::TailResponse>* writer) override;
  // stats.cc
  grpc::Status Stats(grpc::ServerContext* ctx, const v1::StatsRequest* req,
                     v1::StatsResponse* resp) override {
    return Stats(Call(ctx), req, resp);
  }
  // queue.cc
  grpc::Status Queue(grpc::ServerContext* ctx, const v1::QueueRequest* req,
                     v1::QueueResponse* resp) override {
    return Queue(Call(ctx), req, resp);
  }
  // service.cc
  grpc::Status Status(grpc::ServerContext* ctx, const v1::StatusRequest* req,
                      v1::StatusResponse* resp) override {
    return Status(Call(ctx), req, resp);
  }
  // ingest.cc
  grpc::Status Ingest(grpc::ServerContext* ctx, grpc::ServerReader<v1::IngestRequest>* reader,
                      v1::IngestResponse* resp) override;
  // backup.cc
  grpc::Status Backup(grpc::ServerContext* ctx, const v1::BackupRequest* req,
                      v1::BackupResponse* resp) override;

 private:
  // The caller of `call` if it may call `method` (access.h), and, for every
  // method but Status and Tail, a slot among max_concurrent (held by *slot
  // until it is destroyed).
  grpc::Status Authorize(const Call& call, Method method, Caller* caller,
                         std::shared_ptr<void>* slot = nullptr) const;
  // The absolute deadline of a request started now (deadline_ms).
  std::chrono::steady_clock::time_point Deadline() const;

  QueryServiceOptions options_;
  mutable std::atomic<size_t> in_flight_{0};
};

}  // namespace mlq
