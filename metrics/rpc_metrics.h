// Query RPCs by method and status, with latency histograms, for
// mlq_rpc_requests_total{method, code} and mlq_rpc_duration_seconds{method}.
// Filled by a gRPC server interceptor (Interceptors()), so the service code
// knows nothing of it. Only the methods named at construction are counted
// (the mlq.v1.Query methods, as in the proto); others (health, reflection)
// are not, so the label set is fixed. Codes are gRPC's status names ("OK",
// "PERMISSION_DENIED", ...). A call's duration runs from the server seeing
// it to its status being sent; a streaming call the client abandoned
// before a status is counted as CANCELLED when it ends.
//
// Thread safety: everything may be called from any thread (relaxed atomics).
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/exposition.h"

namespace mlq::metrics {

class RpcMetrics {
 public:
  static constexpr std::array<double, 14> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1,     2.5,  5,     10,   30};
  static constexpr int kCodes = 17;  // grpc::StatusCode 0..16

  // `service` is the full service name ("mlq.v1.Query"), `methods` its
  // method names ("Find", ...).
  RpcMetrics(std::string service, std::vector<std::string> methods);

  // Records one finished call of "/<service>/<method>" (as gRPC names it);
  // ignored for other paths. `code` outside 0..16 counts as UNKNOWN.
  void Record(std::string_view path, int code, std::chrono::nanoseconds duration);

  // The interceptor factories to give the gRPC server builder (the object
  // must outlive the server).
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
  Interceptors();

  // Writes mlq_rpc_requests_total and mlq_rpc_duration_seconds (every method,
  // every code seen, OK always).
  void Render(Exposition* out) const;

  // "OK", "CANCELLED", ... for 0..16.
  static std::string_view CodeName(int code);

 private:
  struct PerMethod {
    std::array<std::atomic<uint64_t>, kCodes> codes{};
    std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets{};
    std::atomic<uint64_t> sum_ns{0};
  };
  std::string prefix_;  // "/mlq.v1.Query/"
  std::map<std::string, std::unique_ptr<PerMethod>, std::less<>> methods_;
};

}  // namespace mlq::metrics
