// Tail: the last N matching stored lines, then matching lines as they are
// stored (tail_hub.h).
//
// Order of work: subscribe first, then read the history, so nothing stored
// in between is missed; a live record that was also part of the history is
// sent once (its key is remembered). Live records come in commit order.
//
// Ends when the client cancels (OK), when the hub closes at shutdown
// (UNAVAILABLE "mlqd is shutting down") or when a write fails. The handler
// checks for cancellation every tail_poll_ms, so a server Shutdown with a
// deadline is never held up by an idle Tail; a client that stopped reading
// blocks only its own handler in Write (until cancelled), never the writer
// (its queue drops the oldest records, counted in "tail.dropped"). When
// records were dropped the stream's trailing metadata carries
// "mlq-tail-dropped: <count>".
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <unordered_set>

#include "query/convert.h"
#include "query/filter.h"
#include "query/finder.h"
#include "query/service.h"
#include "query/status_util.h"

namespace mlq {
namespace {

// Keeps a TailResponse well under gRPC's default 4 MiB message limit.
constexpr size_t kMaxResponseBytes = 1 << 20;

}  // namespace

grpc::Status QueryService::Tail(grpc::ServerContext* ctx, const v1::TailRequest* req,
                                grpc::ServerWriter<v1::TailResponse>* writer) {
  Caller caller;
  if (grpc::Status st = Authorize(Call(ctx), Method::kTail, &caller); !st.ok()) return st;
  // A limited reader's lines are chosen here, on this handler's thread.
  std::optional<DomainView> view;
  if (caller.limited()) view.emplace(options_.store, caller.domains, 10000);
  TailHub* hub = options_.tail_hub;
  if (hub == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "tail is not enabled on this server");
  }
  const RecordFilter filter = RecordFilter::FromRequest(req->filter(), /*ignore_time=*/true);
  const std::shared_ptr<TailHub::Subscription> sub = hub->Subscribe(filter);
  if (sub == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "mlqd is shutting down or serves too many tails");
  }
  struct Unsubscribe {
    TailHub* hub;
    const std::shared_ptr<TailHub::Subscription>& sub;
    ~Unsubscribe() { hub->Unsubscribe(sub); }
  } unsubscribe{hub, sub};

  const size_t batch_max = std::max<size_t>(options_.tail_batch, 1);
  v1::TailResponse resp;
  size_t resp_bytes = 0;
  auto flush = [&]() -> bool {
    if (resp.records_size() == 0) return true;
    const bool ok = writer->Write(resp);
    resp.Clear();
    resp_bytes = 0;
    return ok;
  };
  auto add = [&](const StoredRecord& sr) -> bool {
    if (view && !view->Visible(sr.record)) return true;
    v1::Record* r = resp.add_records();
    RecordToProto(sr.key, sr.record, r);
    resp_bytes += r->ByteSizeLong();
    if (static_cast<size_t>(resp.records_size()) >= batch_max || resp_bytes >= kMaxResponseBytes) {
      return flush();
    }
    return true;
  };

  writer->SendInitialMetadata();  // the client knows the stream is open
  std::unordered_set<std::string> history_keys;
  if (req->last() > 0) {
    FindPageOptions page;
    page.limit = std::min<size_t>(req->last(), options_.max_limit);
    page.newest_first = true;
    page.scan_budget = options_.find_scan_budget;
    page.lookahead = 0;
    page.cancelled = [ctx] { return ctx->IsCancelled(); };
    absl::StatusOr<FindPage> history = FindRecords(*options_.store, filter, page);
    if (!history.ok()) return ToGrpc(history.status());
    for (auto it = history->records.rbegin(); it != history->records.rend(); ++it) {
      history_keys.insert(it->key);
      if (!add(*it)) return grpc::Status::OK;  // the client went away
    }
    if (!flush()) return grpc::Status::OK;
  }

  std::vector<std::shared_ptr<const StoredRecord>> live;
  const auto poll = std::chrono::milliseconds(std::max(options_.tail_poll_ms, 1));
  grpc::Status result = grpc::Status::OK;
  while (!ctx->IsCancelled()) {
    live.clear();
    if (!sub->Next(poll, batch_max, &live)) {
      result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "mlqd is shutting down");
      break;
    }
    bool ok = true;
    for (const auto& sr : live) {
      if (!history_keys.empty() && history_keys.erase(sr->key) != 0) continue;  // sent already
      if (!(ok = add(*sr))) break;
    }
    if (!ok || !flush()) break;
  }
  if (const uint64_t dropped = sub->dropped(); dropped != 0) {
    ctx->AddTrailingMetadata("mlq-tail-dropped", std::to_string(dropped));
  }
  return result;
}

}  // namespace mlq
