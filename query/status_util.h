// Small helpers shared by the RPC implementations.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "store/counters.h"
#include "store/store.h"

namespace mlq {

// absl::Status -> grpc::Status with the matching code.
grpc::Status ToGrpc(const absl::Status& s);

// Microseconds since the Unix epoch, now.
int64_t NowUs();

// What one scan may cost: at most `budget` records, until `deadline`.
struct ScanLimits {
  const char* what = "scan";  // the RPC, for messages and counters
  uint64_t budget = UINT64_MAX;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  int64_t deadline_ms = 0;       // the configured deadline, for the message
  Counters* counters = nullptr;  // query.scan_budget_exceeded, query.deadline_exceeded
};

// DEADLINE_EXCEEDED for `what`, counted in query.deadline_exceeded.
grpc::Status DeadlineExceeded(Counters* counters, std::string_view what, int64_t deadline_ms);

// For the report RPCs (Stats, Queue): calls builder->Add(rec) for every
// record of `store` with since_us <= timestamp < until_us (0 = open bound),
// oldest first. Every 4096 records it checks whether the client cancelled
// (`call` may be nullptr: never) and the deadline. Returns OK, the store's
// error (ToGrpc), CANCELLED "client cancelled", DEADLINE_EXCEEDED, or
// RESOURCE_EXHAUSTED when the range holds more than limits.budget records;
// the builder then holds a partial result.
template <typename Builder, typename CallT>
grpc::Status ScanInto(const Store& store, const CallT* call, int64_t since_us, int64_t until_us,
                      Builder* builder, const ScanLimits& limits = {}) {
  constexpr uint64_t kCancelCheckEvery = 4096;
  uint64_t seen = 0;
  bool cancelled = false, late = false, over = false;
  const absl::Status scanned = store.Scan(
      since_us, until_us, /*newest_first=*/false, "", [&](std::string_view, const LogRecord& rec) {
        if (++seen % kCancelCheckEvery == 0) {
          if (call != nullptr && call->IsCancelled()) {
            cancelled = true;
            return false;
          }
          if (std::chrono::steady_clock::now() > limits.deadline) {
            late = true;
            return false;
          }
        }
        if (seen > limits.budget) {
          over = true;
          return false;
        }
        builder->Add(rec);
        return true;
      });
  if (!scanned.ok()) return ToGrpc(scanned);
  if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
  if (late) return DeadlineExceeded(limits.counters, limits.what, limits.deadline_ms);
  if (over) {
    if (limits.counters != nullptr) {
      limits.counters->Get("query.scan_budget_exceeded").fetch_add(1, std::memory_order_relaxed);
    }
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        std::string(limits.what) + " would read more than " +
                            std::to_string(limits.budget) +
                            " lines (--max-scan); give a shorter time range or a host");
  }
  return grpc::Status::OK;
}

}  // namespace mlq
