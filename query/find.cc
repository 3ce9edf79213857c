// Find: lines matching every given filter, in pages (finder.h).
#include <algorithm>

#include "query/convert.h"
#include "query/filter.h"
#include "query/finder.h"
#include "query/service.h"
#include "query/status_util.h"

namespace mlq {

grpc::Status QueryService::Find(grpc::ServerContext* ctx, const v1::FindRequest* req,
                                v1::FindResponse* resp) {
  if (req->since_us() != 0 && req->until_us() != 0 && req->since_us() >= req->until_us()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "since must be before until");
  }
  const uint64_t fingerprint = QueryFingerprint(*req);
  FindPageOptions page;
  page.limit = req->limit() == 0 ? options_.default_limit
                                 : std::min<size_t>(req->limit(), options_.max_limit);
  page.newest_first = req->newest_first();
  page.scan_budget = options_.find_scan_budget;
  page.lookahead = options_.find_lookahead;
  page.cancelled = [ctx] { return ctx->IsCancelled(); };
  if (!req->page_token().empty()) {
    absl::StatusOr<std::string> resume = DecodePageToken(req->page_token(), fingerprint);
    if (!resume.ok()) return ToGrpc(resume.status());
    page.resume_after = *std::move(resume);
  }
  absl::StatusOr<FindPage> result =
      FindRecords(*options_.store, RecordFilter::FromRequest(*req), page);
  if (!result.ok()) return ToGrpc(result.status());
  for (const StoredRecord& sr : result->records) {
    RecordToProto(sr.key, sr.record, resp->add_records());
  }
  resp->set_truncated(result->truncated);
  if (result->truncated) {
    resp->set_next_page_token(EncodePageToken(fingerprint, result->resume_after));
  }
  return grpc::Status::OK;
}

}  // namespace mlq
