// Small helpers shared by the RPC implementations.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>

#include "absl/status/status.h"

namespace mlq {

// absl::Status -> grpc::Status with the matching code.
grpc::Status ToGrpc(const absl::Status& s);

// Microseconds since the Unix epoch, now.
int64_t NowUs();

}  // namespace mlq
