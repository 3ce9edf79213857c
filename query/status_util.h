// Small helpers shared by the RPC implementations.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "store/store.h"

namespace mlq {

// absl::Status -> grpc::Status with the matching code.
grpc::Status ToGrpc(const absl::Status& s);

// Microseconds since the Unix epoch, now.
int64_t NowUs();

// For the report RPCs (Stats, Queue): calls builder->Add(rec) for every
// record of `store` with since_us <= timestamp < until_us (0 = open bound),
// oldest first. Every 4096 records it checks whether the client cancelled
// (`ctx` may be nullptr: never). Returns OK, the store's error (ToGrpc) or
// CANCELLED "client cancelled"; the builder then holds a partial result.
template <typename Builder>
grpc::Status ScanInto(const Store& store, grpc::ServerContext* ctx, int64_t since_us,
                      int64_t until_us, Builder* builder) {
  constexpr uint64_t kCancelCheckEvery = 4096;
  uint64_t seen = 0;
  bool cancelled = false;
  const absl::Status scanned = store.Scan(
      since_us, until_us, /*newest_first=*/false, "", [&](std::string_view, const LogRecord& rec) {
        if (++seen % kCancelCheckEvery == 0 && ctx != nullptr && ctx->IsCancelled()) {
          cancelled = true;
          return false;
        }
        builder->Add(rec);
        return true;
      });
  if (!scanned.ok()) return ToGrpc(scanned);
  if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
  return grpc::Status::OK;
}

}  // namespace mlq
