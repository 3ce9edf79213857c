#include "query/service.h"

namespace mlq {

grpc::Status QueryService::Queue(grpc::ServerContext*, const v1::QueueRequest*,
                                 v1::QueueResponse*) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "Queue is not implemented yet");
}

}  // namespace mlq
