#include "query/service.h"

#include <chrono>
#include <thread>

#include "query/convert.h"
#include "query/status_util.h"

namespace mlq {

QueryService::QueryService(QueryServiceOptions options) : options_(std::move(options)) {}

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
    const int64_t now = NowUs();
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
