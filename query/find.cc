// Find: lines matching filters.
#include "query/convert.h"
#include "query/service.h"
#include "query/status_util.h"

namespace mlq {

grpc::Status QueryService::Find(grpc::ServerContext*, const v1::FindRequest* req,
                                v1::FindResponse* resp) {
  FindQuery q;
  int keys = 0;
  if (!req->message_id().empty()) {
    q.kind = keys::IndexKind::kMessageId;
    q.term = req->message_id();
    ++keys;
  }
  if (!req->queue_id().empty()) {
    q.kind = keys::IndexKind::kQueueId;
    q.term = req->queue_id();
    q.host = req->host();
    ++keys;
  }
  if (!req->address().empty()) {
    q.kind = keys::IndexKind::kAddress;
    q.term = req->address();
    // "<a@b>" as users paste it from logs.
    if (q.term.size() >= 2 && q.term.front() == '<' && q.term.back() == '>') {
      q.term = q.term.substr(1, q.term.size() - 2);
    }
    ++keys;
  }
  if (keys != 1) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "give exactly one of message_id, queue_id, address");
  }
  if (!req->host().empty() && q.kind != keys::IndexKind::kQueueId) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "host narrows queue_id lookups only");
  }
  if (req->since_us() != 0 && req->until_us() != 0 && req->since_us() >= req->until_us()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "since must be before until");
  }
  q.since_us = req->since_us();
  q.until_us = req->until_us();
  q.limit = req->limit() == 0 ? options_.default_limit
                              : std::min<size_t>(req->limit(), options_.max_limit);
  absl::StatusOr<FindResult> result = options_.store->Find(q);
  if (!result.ok()) return ToGrpc(result.status());
  for (const StoredRecord& sr : result->records) {
    RecordToProto(sr.key, sr.record, resp->add_records());
  }
  resp->set_truncated(result->truncated);
  return grpc::Status::OK;
}

}  // namespace mlq
