// Find: lines matching every given filter, in pages (finder.h).
#include <algorithm>
#include <optional>

#include "query/convert.h"
#include "query/filter.h"
#include "query/finder.h"
#include "query/service.h"
#include "query/status_util.h"

namespace mlq {

grpc::Status QueryService::Find(const Call& call, const v1::FindRequest* req,
                                v1::FindResponse* resp) {
  Caller caller;
  std::shared_ptr<void> slot;
  if (grpc::Status st = Authorize(call, Method::kFind, &caller, &slot); !st.ok()) return st;
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
  page.max_bytes = options_.max_response_bytes;
  const auto deadline = Deadline();
  bool late = false;
  page.cancelled = [&call, deadline, &late] {
    late = std::chrono::steady_clock::now() > deadline;
    return late || call.IsCancelled();
  };
  if (!req->page_token().empty()) {
    absl::StatusOr<std::string> resume = DecodePageToken(req->page_token(), fingerprint);
    if (!resume.ok()) return ToGrpc(resume.status());
    page.resume_after = *std::move(resume);
  }
  absl::StatusOr<FindPage> result =
      FindRecords(*options_.store, RecordFilter::FromRequest(*req), page);
  if (!result.ok()) {
    if (late) return DeadlineExceeded(options_.counters, "find", options_.deadline_ms);
    return ToGrpc(result.status());
  }
  // A limited reader gets the page without what it may not see; the page
  // token still continues after the last record examined.
  std::optional<DomainView> view;
  if (caller.limited()) view.emplace(options_.store, caller.domains);
  for (const StoredRecord& sr : result->records) {
    if (view && !view->Visible(sr.record)) continue;
    RecordToProto(sr.key, sr.record, resp->add_records());
  }
  resp->set_truncated(result->truncated);
  if (result->truncated) {
    resp->set_next_page_token(EncodePageToken(fingerprint, result->resume_after));
  }
  return grpc::Status::OK;
}

}  // namespace mlq
