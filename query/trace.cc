#include "query/service.h"

namespace mlq {

grpc::Status QueryService::Trace(grpc::ServerContext*, const v1::TraceRequest*,
                                 v1::TraceResponse*) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "Trace is not implemented yet");
}

}  // namespace mlq
