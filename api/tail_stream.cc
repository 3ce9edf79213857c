#include "api/tail_stream.h"

#include <future>
#include <memory>
#include <thread>
#include <utility>

#include <google/protobuf/util/json_util.h>

#include "api/json_api.h"
#include "cli/timespec.h"
#include "query/access.h"

namespace mlq::api {
namespace {

bool IsRecordKey(std::string_view key) {
  if (key.size() != 32) return false;
  for (char c : key) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

// One data line: the JSON printer escapes control characters, so there is
// no CR or LF in it; if one ever came through it would become a space
// rather than end the event.
void AppendData(std::string_view json, std::string* out) {
  *out += "data: ";
  for (char c : json) out->push_back(c == '\n' || c == '\r' ? ' ' : c);
  *out += "\n\n";
}

// Hands the listener's Stream to the Tail thread. The listener calls the
// Response's stream function once (with null when it refused), or drops it
// unused when it stops first: Guard then hands over null.
struct Handoff {
  std::mutex mu;
  std::condition_variable cv;
  bool set = false;
  std::shared_ptr<http::Stream> stream;
  void Set(std::shared_ptr<http::Stream> s) {
    std::lock_guard lock(mu);
    if (set) return;
    set = true;
    stream = std::move(s);
    cv.notify_all();
  }
};
struct Guard {
  std::shared_ptr<Handoff> handoff;
  ~Guard() { handoff->Set(nullptr); }
};

// Tail's sink: events onto the listener's stream.
class SseSink : public TailSink {
 public:
  SseSink(http::Handler::Done done, std::chrono::milliseconds keepalive,
          std::function<bool()> stopping)
      : done_(std::move(done)), keepalive_(keepalive), stopping_(std::move(stopping)) {}

  bool opened() const { return opened_; }
  http::Handler::Done& done() { return done_; }
  http::Stream* stream() { return stream_.get(); }

  bool Open() override {
    opened_ = true;
    auto handoff = std::make_shared<Handoff>();
    std::shared_ptr<Guard> guard(
        new Guard{handoff});  // no temporary Guard: it would hand over null
    http::Response response;
    response.status = 200;
    response.content_type = "text/event-stream; charset=utf-8";
    response.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: do not buffer
    response.stream = [guard](std::shared_ptr<http::Stream> s) { guard->handoff->Set(s); };
    done_(std::move(response));
    guard.reset();
    std::unique_lock lock(handoff->mu);
    while (!handoff->set) {
      if (stopping_()) return false;
      handoff->cv.wait_for(lock, std::chrono::milliseconds(100));
    }
    stream_ = handoff->stream;
    lock.unlock();
    return stream_ != nullptr && Send("retry: 2000\n\n");
  }

  bool Write(const v1::TailResponse& resp) override { return Send(SseRecords(resp)); }

  bool Cancelled() override {
    if (stream_ == nullptr || stream_->Closed() || stopping_()) return true;
    if (std::chrono::steady_clock::now() - last_ >= keepalive_) return !Send(": keepalive\n\n");
    return false;
  }

  bool Dropped(uint64_t total) override {
    std::string event = "event: dropped\n";
    AppendData("{\"dropped\":\"" + std::to_string(total) + "\"}", &event);
    return Send(std::move(event));
  }

  bool Truncated() override {
    std::string event = "event: truncated\n";
    AppendData("{\"truncated\":true}", &event);
    return Send(std::move(event));
  }

 private:
  bool Send(std::string bytes) {
    last_ = std::chrono::steady_clock::now();
    return stream_->Write(std::move(bytes));
  }

  http::Handler::Done done_;
  std::chrono::milliseconds keepalive_;
  std::function<bool()> stopping_;
  bool opened_ = false;
  std::shared_ptr<http::Stream> stream_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

absl::Status ParseTailParams(std::string_view query, std::string_view last_event_id, int64_t now_us,
                             v1::TailRequest* out) {
  // "last" and the resume point go to the TailRequest, "csrf" nowhere,
  // the rest to its filter.
  std::string filter_query, tail_query;
  for (const QueryPair& pair : SplitQuery(query)) {
    // A malformed name goes to the filter parser, which says what is wrong.
    const std::string name = PercentDecode(pair.name).value_or("");
    if (name == "csrf") continue;
    std::string* to = &filter_query;
    std::string part(pair.text);
    if (name == "last" || name == "after_key") {
      to = &tail_query;
    } else if (name == "last_event_id") {
      to = &tail_query;
      part = pair.has_value ? "after_key=" + std::string(pair.value) : "after_key";
    }
    if (!to->empty()) to->push_back('&');
    *to += part;
  }
  if (absl::Status st = ParseParams(tail_query, now_us, out); !st.ok()) return st;
  if (absl::Status st = ParseParams(filter_query, now_us, out->mutable_filter()); !st.ok()) {
    return st;
  }
  if (out->after_key().empty() && !last_event_id.empty()) {
    out->set_after_key(std::string(last_event_id));
  }
  if (!out->after_key().empty() && !IsRecordKey(out->after_key())) {
    return absl::InvalidArgumentError(
        "Last-Event-ID: not a record key (32 hex digits, an event's id)");
  }
  return absl::OkStatus();
}

std::string SseRecords(const v1::TailResponse& resp) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out, json;
  for (const v1::Record& r : resp.records()) {
    json.clear();
    if (!google::protobuf::util::MessageToJsonString(r, &json, options).ok()) continue;
    out += "id: ";
    for (char c : r.key()) out.push_back(c == '\n' || c == '\r' ? ' ' : c);  // hex already
    out += "\nevent: record\n";
    AppendData(json, &out);
  }
  return out;
}

TailStream::TailStream(QueryService* service, const Access* access, Credentials credentials,
                       TailStreamOptions options)
    : service_(service), access_(access), credentials_(std::move(credentials)), options_(options) {}

TailStream::~TailStream() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  cv_.wait(lock, [this] { return running_ == 0; });
}

void TailStream::Handle(const http::Request&, http::Response* response) {
  SetJsonError(response, grpc::StatusCode::INTERNAL, "the tail answers as a stream only");
}

void TailStream::Start(const http::Request& request, Done done) {
  http::Response refused;
  std::string bearer;
  if (grpc::Status st = credentials_(request, &bearer); !st.ok()) {
    SetJsonError(&refused, st.error_code(), st.error_message());
    done(std::move(refused));
    return;
  }
  v1::TailRequest req;
  if (absl::Status st =
          ParseTailParams(request.query, request.last_event_id, cli::NowMicros(), &req);
      !st.ok()) {
    grpc::Status answer(grpc::StatusCode::INVALID_ARGUMENT, std::string(st.message()));
    // A caller who may not tail learns that, not what is wrong with the
    // parameters (as the other routes).
    Caller caller;
    if (access_ != nullptr) {
      if (grpc::Status auth = Call::Http(bearer).Check(*access_, Method::kTail, &caller);
          !auth.ok()) {
        answer = auth;
      }
    }
    SetJsonError(&refused, answer.error_code(), answer.error_message());
    done(std::move(refused));
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_ || running_ >= options_.max_streams) {
      SetJsonError(&refused, grpc::StatusCode::UNAVAILABLE,
                   "mlqd serves " + std::to_string(options_.max_streams) +
                       " tails already (--http-max-streams); try again later");
      refused.headers.emplace_back("Retry-After", "5");
      done(std::move(refused));
      return;
    }
    ++running_;
  }
  std::thread([this, bearer = std::move(bearer), cancelled = request.cancelled,
               req = std::move(req), done = std::move(done)]() mutable {
    Run(std::move(bearer), std::move(cancelled), std::move(req), std::move(done));
    std::lock_guard lock(mu_);
    --running_;
    cv_.notify_all();
  }).detach();
}

void TailStream::Run(std::string bearer, std::function<bool()> cancelled, v1::TailRequest req,
                     Done done) {
  SseSink sink(std::move(done), options_.keepalive, [this] {
    std::lock_guard lock(mu_);
    return stopping_;
  });
  const grpc::Status st =
      service_->Tail(Call::Http(std::move(bearer), std::move(cancelled)), &req, &sink);
  if (!sink.opened()) {
    http::Response response;
    SetJsonError(&response, st.ok() ? grpc::StatusCode::INTERNAL : st.error_code(),
                 st.ok() ? "the tail ended before it started" : st.error_message());
    sink.done()(std::move(response));
    return;
  }
  if (sink.stream() != nullptr) sink.stream()->Finish();
}

}  // namespace mlq::api
