#include "query/status_util.h"

#include <chrono>
#include <string>

namespace mlq {

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
    case absl::StatusCode::kCancelled:
      code = grpc::StatusCode::CANCELLED;
      break;
    default:
      break;
  }
  return grpc::Status(code, std::string(s.message()));
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

grpc::Status DeadlineExceeded(Counters* counters, std::string_view what, int64_t deadline_ms) {
  if (counters != nullptr) {
    counters->Get("query.deadline_exceeded").fetch_add(1, std::memory_order_relaxed);
  }
  return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                      std::string(what) + " took longer than mlqd allows (" +
                          std::to_string(deadline_ms / 1000) +
                          " s, --query-deadline); give a shorter time range or more filters");
}

}  // namespace mlq
