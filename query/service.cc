#include "query/service.h"

#include <chrono>
#include <thread>

#include "query/convert.h"

namespace mlq {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case absl::StatusCode::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case absl::StatusCode::kUnavailable:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    case absl::StatusCode::kDataLoss:
      code = grpc::StatusCode::DATA_LOSS;
      break;
    default:
      break;
  }
  return grpc::Status(code, std::string(s.message()));
}

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

QueryService::QueryService(QueryServiceOptions options) : options_(std::move(options)) {}

grpc::Status QueryService::Find(grpc::ServerContext*, const v1::FindRequest* req,
                                v1::FindResponse* resp) {
  FindQuery q;
  int keys = 0;
  if (!req->message_id().empty()) {
    q.kind = keys::IndexKind::kMessageId;
    q.term = req->message_id();
    ++keys;
  }
  if (!req->queue_id().empty()) {
    q.kind = keys::IndexKind::kQueueId;
    q.term = req->queue_id();
    q.host = req->host();
    ++keys;
  }
  if (!req->address().empty()) {
    q.kind = keys::IndexKind::kAddress;
    q.term = req->address();
    // "<a@b>" as users paste it from logs.
    if (q.term.size() >= 2 && q.term.front() == '<' && q.term.back() == '>') {
      q.term = q.term.substr(1, q.term.size() - 2);
    }
    ++keys;
  }
  if (keys != 1) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "give exactly one of message_id, queue_id, address");
  }
  if (!req->host().empty() && q.kind != keys::IndexKind::kQueueId) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "host narrows queue_id lookups only");
  }
  if (req->since_us() != 0 && req->until_us() != 0 && req->since_us() >= req->until_us()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "since must be before until");
  }
  q.since_us = req->since_us();
  q.until_us = req->until_us();
  q.limit = req->limit() == 0 ? options_.default_limit
                              : std::min<size_t>(req->limit(), options_.max_limit);
  absl::StatusOr<FindResult> result = options_.store->Find(q);
  if (!result.ok()) return ToGrpc(result.status());
  for (const StoredRecord& sr : result->records) {
    RecordToProto(sr.key, sr.record, resp->add_records());
  }
  resp->set_truncated(result->truncated);
  return grpc::Status::OK;
}

grpc::Status QueryService::Status(grpc::ServerContext*, const v1::StatusRequest*,
                                  v1::StatusResponse* resp) {
  resp->set_stored(options_.store->RecordCount());
  resp->set_store_bytes(options_.store->DiskBytes());
  resp->set_started_us(options_.started_us);
  resp->set_version(MLQ_VERSION);
  for (const auto& [name, value] : options_.counters->Snapshot()) {
    (*resp->mutable_counters())[name] = value;
    std::string_view n = name;
    if (n.starts_with("received.")) {
      if (value != 0 || n != "received.unknown") {
        (*resp->mutable_received())[std::string(n.substr(9))] = value;
      }
    } else if (n.starts_with("dropped.")) {
      (*resp->mutable_dropped())[std::string(n.substr(8))] = value;
    } else if (n == "parsed") {
      resp->set_parsed(value);
    } else if (n == "unparsed") {
      resp->set_unparsed(value);
    } else if (n == "normalized") {
      resp->set_normalized(value);
    }
  }
  if (options_.listeners) {
    for (const auto& [transport, address] : options_.listeners()) {
      v1::Listener* l = resp->add_listeners();
      l->set_transport(transport);
      l->set_address(address);
      // "listener.<name>.<reason>" counters belong to that listener.
      const std::string prefix = "listener." + transport + ".";
      for (const auto& [name, value] : resp->counters()) {
        if (name.starts_with(prefix)) (*l->mutable_counters())[name.substr(prefix.size())] = value;
      }
    }
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::Ingest(grpc::ServerContext* ctx,
                                  grpc::ServerReader<v1::IngestRequest>* reader,
                                  v1::IngestResponse* resp) {
  v1::IngestRequest req;
  bool first = true;
  bool dry_run = false;
  std::string host;
  uint32_t samples = 0;
  std::vector<LogRecord> batch;
  uint64_t stored = 0;
  auto push = [&]() -> bool {
    // Back-pressure: the client's stream waits while the writer catches up.
    while (!batch.empty() && !options_.sink->TryPush(batch)) {
      if (ctx->IsCancelled()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  };
  while (reader->Read(&req)) {
    if (first) {
      dry_run = req.dry_run();
      host = req.host();
      samples = req.unknown_samples();
      first = false;
    }
    const int64_t now = Now();
    for (const std::string& line : req.lines()) {
      LogRecord rec;
      options_.parse_line(line, host, now, rec);
      resp->set_lines(resp->lines() + 1);
      const std::string family = rec.family.empty() ? "unknown" : rec.family;
      v1::FamilySummary& fs = (*resp->mutable_families())[family];
      fs.set_lines(fs.lines() + 1);
      if (rec.family.empty() || rec.event.empty()) {
        resp->set_unknown(resp->unknown() + 1);
        if (static_cast<uint32_t>(resp->unknown_samples_size()) < samples) {
          resp->add_unknown_samples(line);
        }
      }
      if (!rec.event.empty()) {
        fs.set_recognized(fs.recognized() + 1);
        (*fs.mutable_kinds())[rec.event] += 1;
      }
      if (!dry_run) batch.push_back(std::move(rec));
    }
    if (!dry_run) {
      stored += batch.size();
      if (!push()) return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
    }
  }
  if (!dry_run && options_.flush) options_.flush();  // acknowledged = durable
  resp->set_stored(stored);
  return grpc::Status::OK;
}

}  // namespace mlq
