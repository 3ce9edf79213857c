// The canonical name of a gRPC status code ("OK", "NOT_FOUND", ...), as
// gRPC's status codes document them: the `code` label of
// mlq_rpc_requests_total, the "code" of a JSON API error, and what `mlq`
// prints when a call fails. "UNKNOWN" for a value outside the enum.
//
// Header-only: it needs gRPC's status code enum, not the gRPC library.
#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <array>
#include <string_view>

namespace mlq {

inline std::string_view GrpcCodeName(int code) {
  static constexpr std::array<std::string_view, 17> kNames = {"OK",
                                                              "CANCELLED",
                                                              "UNKNOWN",
                                                              "INVALID_ARGUMENT",
                                                              "DEADLINE_EXCEEDED",
                                                              "NOT_FOUND",
                                                              "ALREADY_EXISTS",
                                                              "PERMISSION_DENIED",
                                                              "RESOURCE_EXHAUSTED",
                                                              "FAILED_PRECONDITION",
                                                              "ABORTED",
                                                              "OUT_OF_RANGE",
                                                              "UNIMPLEMENTED",
                                                              "INTERNAL",
                                                              "UNAVAILABLE",
                                                              "DATA_LOSS",
                                                              "UNAUTHENTICATED"};
  return code >= 0 && code < static_cast<int>(kNames.size()) ? kNames[code] : "UNKNOWN";
}

inline std::string_view GrpcCodeName(grpc::StatusCode code) {
  return GrpcCodeName(static_cast<int>(code));
}

}  // namespace mlq
