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

grpc::Status Call::Check(const Access& access, Method method, Caller* caller) const {
  if (ctx_ != nullptr) return access.Check(*ctx_, method, caller);
  return access.CheckToken(bearer_, method, caller);
}

QueryService::QueryService(QueryServiceOptions options) : options_(std::move(options)) {}

grpc::Status QueryService::Authorize(const Call& call, Method method, Caller* caller,
                                     std::shared_ptr<void>* slot) const {
  *caller = Caller{};
  if (options_.access != nullptr) {
    if (grpc::Status st = call.Check(*options_.access, method, caller); !st.ok()) return st;
  }
  if (slot == nullptr) return grpc::Status::OK;
  if (in_flight_.fetch_add(1, std::memory_order_acq_rel) >= options_.max_concurrent) {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    options_.counters->Get("query.busy").fetch_add(1, std::memory_order_relaxed);
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "mlqd is answering " + std::to_string(options_.max_concurrent) +
                            " requests already (--max-queries); try again shortly");
  }
  *slot = std::shared_ptr<void>(
      nullptr, [this](void*) { in_flight_.fetch_sub(1, std::memory_order_acq_rel); });
  return grpc::Status::OK;
}

std::chrono::steady_clock::time_point QueryService::Deadline() const {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.deadline_ms);
}

grpc::Status QueryService::Status(const Call& call, const v1::StatusRequest*,
                                  v1::StatusResponse* resp) {
  Caller caller;
  if (grpc::Status st = Authorize(call, Method::kStatus, &caller); !st.ok()) return st;
  resp->set_stored(options_.store->RecordCount());
  resp->set_store_bytes(options_.store->DiskBytes());
  if (options_.sink != nullptr) resp->set_store_unavailable(options_.sink->Unavailable());
  if (options_.unavailable_since_us && !resp->store_unavailable().empty()) {
    resp->set_store_unavailable_since_us(options_.unavailable_since_us());
  }
  resp->set_store_read_only(options_.store->read_only());
  resp->set_oldest_us(options_.store->OldestUs());
  resp->set_expired_before_us(options_.store->expired_before_us());
  if (options_.retention) {
    const auto [age, disk] = options_.retention();
    resp->set_retention_us(age);
    resp->set_max_disk_bytes(disk);
  }
  resp->set_disk_free_bytes(options_.store->FreeBytes());
  resp->set_disk_reserve_bytes(options_.store->reserve_bytes());
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

}  // namespace mlq
