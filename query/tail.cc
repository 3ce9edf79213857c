// Tail: the last N matching stored lines, then matching lines as they are
// stored (tail_hub.h).
//
// Order of work: subscribe first, then read the history, so nothing stored
// in between is missed; a live record that was also part of the history is
// sent once (its key is remembered). Live records come in commit order.
//
// Resume (after_key): instead of the last N lines, the matching lines stored
// after that key: those with a larger sequence number (keys are time stamp
// then a global, persistent sequence: store/keys.h), looked for from
// kResumeSkew before the key's time stamp on (a line whose time stamp lies
// further back than that when it is stored is not resent), at most
// max_limit of them (then sink->Truncated()), oldest first.
//
// One implementation for gRPC and the JSON API's Server-Sent Events
// (api/tail_stream.h): both transports are a TailSink (service.h).
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
#include <climits>
#include <optional>
#include <string>
#include <unordered_set>

#include "query/convert.h"
#include "query/filter.h"
#include "query/finder.h"
#include "query/service.h"
#include "query/status_util.h"
#include "store/keys.h"

namespace mlq {
namespace {

// Keeps a TailResponse well under gRPC's default 4 MiB message limit.
constexpr size_t kMaxResponseBytes = 1 << 20;

// How far before a resume key's time stamp the resume looks for lines
// stored after it.
constexpr int64_t kResumeSkewUs = int64_t{10} * 60 * 1000000;

// "0a1b..." -> bytes; "" when `hex` is not an even number of hex digits.
std::string HexDecode(std::string_view hex) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return "";
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = value(hex[i]), lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) return "";
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// gRPC's side of Tail: the ServerWriter and the context.
class GrpcTailSink : public TailSink {
 public:
  GrpcTailSink(grpc::ServerContext* ctx, grpc::ServerWriter<v1::TailResponse>* writer)
      : ctx_(ctx), writer_(writer) {}
  bool Open() override {
    writer_->SendInitialMetadata();  // the client knows the stream is open
    return true;
  }
  bool Write(const v1::TailResponse& resp) override { return writer_->Write(resp); }
  bool Cancelled() override { return ctx_->IsCancelled(); }
  bool Dropped(uint64_t total) override {
    dropped_ = total;
    return true;
  }
  bool Truncated() override {
    truncated_ = true;
    return true;
  }
  // Trailing metadata: what the client should know at the end.
  void Finish() {
    if (dropped_ != 0) ctx_->AddTrailingMetadata("mlq-tail-dropped", std::to_string(dropped_));
    if (truncated_) ctx_->AddTrailingMetadata("mlq-tail-truncated", "1");
  }

 private:
  grpc::ServerContext* ctx_;
  grpc::ServerWriter<v1::TailResponse>* writer_;
  uint64_t dropped_ = 0;
  bool truncated_ = false;
};

}  // namespace

grpc::Status QueryService::Tail(grpc::ServerContext* ctx, const v1::TailRequest* req,
                                grpc::ServerWriter<v1::TailResponse>* writer) {
  GrpcTailSink sink(ctx, writer);
  grpc::Status st = Tail(Call(ctx), req, &sink);
  sink.Finish();
  return st;
}

grpc::Status QueryService::Tail(const Call& call, const v1::TailRequest* req, TailSink* sink) {
  Caller caller;
  if (grpc::Status st = Authorize(call, Method::kTail, &caller); !st.ok()) return st;
  int64_t after_us = 0;
  uint64_t after_seq = 0;
  if (!req->after_key().empty()) {
    const std::string key = HexDecode(req->after_key());
    if (key.empty() || !keys::ParsePrimaryKey(key, &after_us, &after_seq)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "after_key: not a record key (32 hex digits, as Record.key)");
    }
  }
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
    const bool ok = sink->Write(resp);
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

  if (!sink->Open()) return grpc::Status::OK;
  std::unordered_set<std::string> history_keys;
  auto cancelled = [sink] { return sink->Cancelled(); };
  if (!req->after_key().empty()) {
    // Pages in key order from kResumeSkewUs before the key; only lines
    // stored after it (a larger sequence) count, at most max_limit.
    FindPageOptions page;
    page.limit = options_.max_limit;
    page.scan_budget = options_.find_scan_budget;
    page.lookahead = 0;
    page.cancelled = cancelled;
    const int64_t from_us =
        after_us > INT64_MIN + kResumeSkewUs ? after_us - kResumeSkewUs : INT64_MIN;
    page.resume_after = keys::PrimaryKey(from_us, 0);
    size_t sent = 0;
    uint64_t examined = 0;
    bool more = true;
    while (more) {
      absl::StatusOr<FindPage> history = FindRecords(*options_.store, filter, page);
      if (!history.ok()) return ToGrpc(history.status());
      examined += history->examined;
      for (const StoredRecord& sr : history->records) {
        int64_t us = 0;
        uint64_t seq = 0;
        if (!keys::ParsePrimaryKey(sr.key, &us, &seq) || seq <= after_seq) continue;
        if (sent == options_.max_limit) {
          more = false;
          if (!flush() || !sink->Truncated()) return grpc::Status::OK;
          break;
        }
        ++sent;
        history_keys.insert(sr.key);
        if (!add(sr)) return grpc::Status::OK;  // the client went away
      }
      if (!more || !history->truncated) break;
      if (examined >= options_.find_scan_budget) {
        if (!flush() || !sink->Truncated()) return grpc::Status::OK;
        break;
      }
      page.resume_after = history->resume_after;
    }
    if (!flush()) return grpc::Status::OK;
  } else if (req->last() > 0) {
    FindPageOptions page;
    page.limit = std::min<size_t>(req->last(), options_.max_limit);
    page.newest_first = true;
    page.scan_budget = options_.find_scan_budget;
    page.lookahead = 0;
    page.cancelled = cancelled;
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
  uint64_t dropped = 0;
  while (!sink->Cancelled()) {
    live.clear();
    if (!sub->Next(poll, batch_max, &live)) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "mlqd is shutting down");
    }
    if (const uint64_t d = sub->dropped(); d != dropped) {
      dropped = d;
      if (!flush() || !sink->Dropped(d)) break;
    }
    bool ok = true;
    for (const auto& sr : live) {
      if (!history_keys.empty() && history_keys.erase(sr->key) != 0) continue;  // sent already
      if (!(ok = add(*sr))) break;
    }
    if (!ok || !flush()) break;
  }
  return grpc::Status::OK;
}

}  // namespace mlq
