#include "query/service.h"

namespace mlq {

grpc::Status QueryService::Tail(grpc::ServerContext*, const v1::TailRequest*,
                                grpc::ServerWriter<v1::TailResponse>*) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "Tail is not implemented yet");
}

}  // namespace mlq
