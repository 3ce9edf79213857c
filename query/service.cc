#include "query/service.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

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

namespace {

// Numbers the identical (host, time, raw) lines of one import stream: the
// first is 0, the next 1, ... so a line legitimately logged twice keeps both
// copies while re-importing the stream adds nothing. Remembers between
// kWindow and 2 * kWindow distinct lines (two generations), which bounds
// memory; identical lines share their second and host, so they are close
// together in any log.
class OccurrenceCounter {
 public:
  uint32_t Next(std::string_view line_hash) {
    const Key key = KeyOf(line_hash);
    if (auto it = current_.find(key); it != current_.end()) return it->second++;
    uint32_t seen = 0;
    if (auto it = previous_.find(key); it != previous_.end()) {
      seen = it->second;
      previous_.erase(it);
    }
    if (current_.size() >= kWindow) {
      previous_ = std::move(current_);
      current_.clear();
    }
    current_.emplace(key, seen + 1);
    return seen;
  }

 private:
  static constexpr size_t kWindow = 1 << 18;
  struct Key {
    uint64_t a, b;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return static_cast<size_t>(k.a ^ (k.b * 31)); }
  };
  static Key KeyOf(std::string_view h) {
    Key k{0, 0};
    for (size_t i = 0; i < 8 && i < h.size(); ++i) k.a = (k.a << 8) | static_cast<uint8_t>(h[i]);
    for (size_t i = 8; i < 16 && i < h.size(); ++i) k.b = (k.b << 8) | static_cast<uint8_t>(h[i]);
    return k;
  }
  std::unordered_map<Key, uint32_t, KeyHash> current_, previous_;
};

}  // namespace

grpc::Status QueryService::Ingest(grpc::ServerContext* ctx,
                                  grpc::ServerReader<v1::IngestRequest>* reader,
                                  v1::IngestResponse* resp) {
  v1::IngestRequest req;
  bool first = true;
  bool dry_run = false;
  std::string host;
  uint32_t samples = 0;
  std::vector<LogRecord> parsed;
  std::vector<std::string> identities;
  std::vector<LogRecord> batch;
  OccurrenceCounter occurrences;
  uint64_t stored = 0;
  uint64_t duplicates = 0;
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
    parsed.clear();
    identities.clear();
    for (const std::string& line : req.lines()) {
      LogRecord& rec = parsed.emplace_back();
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
      // The identity of an imported line (store.h). A line dated on receipt
      // gets time 0, so importing it again still finds it.
      const int64_t time = (rec.flags & kFlagNoTimestamp) ? 0 : rec.timestamp_us;
      const std::string hash = Store::ImportLineHash(rec.host, time, rec.raw);
      identities.push_back(Store::ImportIdentity(hash, occurrences.Next(hash)));
    }
    std::vector<bool> known(parsed.size(), false);
    if (options_.store != nullptr) {
      absl::StatusOr<std::vector<bool>> found = options_.store->ImportedAlready(identities);
      if (!found.ok()) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(found.status().message()));
      }
      known = *std::move(found);
    }
    for (size_t i = 0; i < parsed.size(); ++i) {
      if (known[i]) {
        ++duplicates;  // imported before: not stored again
        continue;
      }
      if (dry_run) continue;
      Store::SetImportIdentity(parsed[i], std::move(identities[i]));
      batch.push_back(std::move(parsed[i]));
    }
    if (!dry_run) {
      stored += batch.size();
      if (!push()) return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
    }
  }
  if (!dry_run && options_.flush) options_.flush();  // acknowledged = durable
  resp->set_stored(stored);
  resp->set_duplicates(duplicates);
  RepairUtf8(resp);  // unknown_samples are lines as read, in any encoding
  return grpc::Status::OK;
}

}  // namespace mlq
