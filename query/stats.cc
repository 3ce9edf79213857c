// Stats: a pflogsumm-style report over a time range (stats_builder.h says
// what is counted).
#include <algorithm>

#include "query/convert.h"
#include "query/service.h"
#include "query/stats_builder.h"
#include "query/status_util.h"

namespace mlq {
namespace {

constexpr int64_t kDefaultRangeUs = int64_t{24} * 3600 * 1000000;
constexpr uint32_t kDefaultTop = 10;
constexpr uint32_t kMaxTop = 1000;

}  // namespace

grpc::Status QueryService::Stats(const Call& call, const v1::StatsRequest* req,
                                 v1::StatsResponse* resp) {
  Caller caller;
  std::shared_ptr<void> slot;
  if (grpc::Status st = Authorize(call, Method::kStats, &caller, &slot); !st.ok()) return st;
  const int64_t now = NowUs();
  StatsOptions o;
  // The range used is reported back: until defaults to now, since to a day before until.
  o.until_us = req->until_us() != 0 ? req->until_us() : now;
  o.since_us = req->since_us() != 0 ? req->since_us() : o.until_us - kDefaultRangeUs;
  if (o.since_us >= o.until_us) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "since must be before until");
  }
  o.host = req->host();
  o.top = req->top() == 0 ? kDefaultTop : std::min(req->top(), kMaxTop);
  StatsBuilder builder(o);
  const grpc::Status scanned = ScanInto(
      *options_.store, &call, o.since_us, o.until_us, &builder,
      {"stats", options_.report_scan_budget, Deadline(), options_.deadline_ms, options_.counters});
  if (!scanned.ok()) return scanned;
  *resp = builder.Finish();
  // Fields copied from lines that are not UTF-8 would break the client.
  RepairUtf8(resp);
  return grpc::Status::OK;
}

}  // namespace mlq
