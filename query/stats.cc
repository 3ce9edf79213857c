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
constexpr uint64_t kCancelCheckEvery = 4096;

}  // namespace

grpc::Status QueryService::Stats(grpc::ServerContext* ctx, const v1::StatsRequest* req,
                                 v1::StatsResponse* resp) {
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
  uint64_t seen = 0;
  bool cancelled = false;
  const absl::Status scanned = options_.store->Scan(
      o.since_us, o.until_us, /*newest_first=*/false, "",
      [&](std::string_view, const LogRecord& rec) {
        if (++seen % kCancelCheckEvery == 0 && ctx != nullptr && ctx->IsCancelled()) {
          cancelled = true;
          return false;
        }
        builder.Add(rec);
        return true;
      });
  if (!scanned.ok()) return ToGrpc(scanned);
  if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
  *resp = builder.Finish();
  // Fields copied from lines that are not UTF-8 would break the client.
  RepairUtf8(resp);
  return grpc::Status::OK;
}

}  // namespace mlq
