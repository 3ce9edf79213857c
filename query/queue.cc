// Queue: messages that entered a queue and were never removed
// (queue_builder.h says how they are recognized).
#include <algorithm>

#include "query/convert.h"
#include "query/queue_builder.h"
#include "query/service.h"
#include "query/status_util.h"

namespace mlq {
namespace {

constexpr int64_t kDefaultLookbackUs = int64_t{30} * 86400 * 1000000;

}  // namespace

grpc::Status QueryService::Queue(const Call& call, const v1::QueueRequest* req,
                                 v1::QueueResponse* resp) {
  Caller caller;
  std::shared_ptr<void> slot;
  if (grpc::Status st = Authorize(call, Method::kQueue, &caller, &slot); !st.ok()) return st;
  if (req->older_than_us() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "older_than must not be negative");
  }
  const int64_t now = NowUs();
  const int64_t since = req->since_us() != 0 ? req->since_us() : now - kDefaultLookbackUs;
  if (since > now) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "since is in the future");
  }
  QueueOptions o;
  o.host = req->host();
  o.now_us = now;
  o.older_than_us = req->older_than_us();
  o.limit = req->limit() == 0 ? options_.default_limit
                              : std::min<size_t>(req->limit(), options_.max_limit);
  QueueBuilder builder(o);
  // Up to now, open-ended: a line stamped a little ahead (clock skew) still counts.
  const grpc::Status scanned = ScanInto(
      *options_.store, &call, since, 0, &builder,
      {"queue", options_.report_scan_budget, Deadline(), options_.deadline_ms, options_.counters});
  if (!scanned.ok()) return scanned;
  *resp = builder.Finish();
  if (caller.limited()) {
    const DomainView view(options_.store, caller.domains);
    auto* msgs = resp->mutable_messages();
    msgs->erase(std::remove_if(msgs->begin(), msgs->end(),
                               [&](const v1::QueuedMessage& m) { return !view.Visible(m); }),
                msgs->end());
  }
  // Fields copied from lines that are not UTF-8 would break the client.
  RepairUtf8(resp);
  return grpc::Status::OK;
}

}  // namespace mlq
