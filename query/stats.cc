#include "query/service.h"

namespace mlq {

grpc::Status QueryService::Stats(grpc::ServerContext*, const v1::StatsRequest*,
                                 v1::StatsResponse*) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "Stats is not implemented yet");
}

}  // namespace mlq
