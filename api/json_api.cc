#include "api/json_api.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include "api/session.h"
#include "api/tail_stream.h"
#include "base/grpc_code_name.h"
#include "base/utf8.h"
#include "cli/timespec.h"
#include "query/access.h"

namespace mlq::api {
namespace {

using google::protobuf::FieldDescriptor;

constexpr size_t kMaxQuoted = 64;  // bytes of a client's text quoted in an error

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `s` for an error message: at most kMaxQuoted bytes, valid UTF-8.
std::string Quote(std::string_view s) {
  std::string cut = ToValidUtf8(s.substr(0, kMaxQuoted));
  if (s.size() > kMaxQuoted) cut += "...";
  return "\"" + cut + "\"";
}

absl::Status Bad(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// The names a client may give for `desc`, for "unknown parameter" errors.
std::string Accepted(const google::protobuf::Descriptor* desc) {
  std::string out;
  for (int i = 0; i < desc->field_count(); ++i) {
    const FieldDescriptor* f = desc->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
    std::string_view name = f->name();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT64 && name.ends_with("_us")) {
      out += (out.empty() ? "" : ", ") + std::string(name.substr(0, name.size() - 3));
    }
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::vector<QueryPair> SplitQuery(std::string_view query) {
  std::vector<QueryPair> pairs;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view text = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (text.empty()) continue;
    const size_t eq = text.find('=');
    QueryPair& p = pairs.emplace_back();
    p.text = text;
    p.name = text.substr(0, eq);
    p.has_value = eq != std::string_view::npos;
    if (p.has_value) p.value = text.substr(eq + 1);
  }
  return pairs;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

absl::Status ParseParams(std::string_view query, int64_t now_us, google::protobuf::Message* out) {
  const google::protobuf::Descriptor* desc = out->GetDescriptor();
  const google::protobuf::Reflection* refl = out->GetReflection();
  std::set<const FieldDescriptor*> given;
  for (const QueryPair& pair : SplitQuery(query)) {
    const std::optional<std::string> name = PercentDecode(pair.name);
    const std::optional<std::string> value = PercentDecode(pair.value);
    if (!name || !value) return Bad("malformed percent-encoding in " + Quote(pair.text));
    if (!IsValidUtf8(*name) || !IsValidUtf8(*value)) {
      return Bad("parameter " + Quote(*name) + " is not UTF-8");
    }
    // "<x>" for the field "<x>_us": a time (or, for older_than, a duration).
    const FieldDescriptor* field = desc->FindFieldByName(*name);
    bool time_form = false;
    if (field == nullptr) {
      field = desc->FindFieldByName(*name + "_us");
      time_form = field != nullptr && field->cpp_type() == FieldDescriptor::CPPTYPE_INT64;
      if (!time_form) field = nullptr;
    }
    if (field == nullptr || field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return Bad("unknown parameter " + Quote(*name) + "; accepted: " + Accepted(desc));
    }
    if (!field->is_repeated() && !given.insert(field).second) {
      return Bad("parameter " + Quote(field->name()) + " given more than once");
    }
    const std::string& v = *value;
    const std::string bad_value = "parameter " + Quote(*name) + ": not a valid value: " + Quote(v);
    if (time_form) {
      std::string error;
      const bool duration = *name == "older_than";
      std::optional<int64_t> t = cli::ParseTimeSpec(v, now_us, /*utc=*/true, &error);
      if (!t) return Bad(*name + ": " + error);
      int64_t us = *t;
      if (duration) {
        us = now_us - *t;
        if (us < 0) return Bad("older_than: " + Quote(v) + " lies in the future");
      } else if (us == 0) {
        us = 1;  // the epoch itself; 0 means "no bound" on the wire
      }
      refl->SetInt64(out, field, us);
      continue;
    }
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (field->is_repeated()) {
          refl->AddString(out, field, v);
        } else {
          refl->SetString(out, field, v);
        }
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (v == "true" || v == "1") {
          refl->SetBool(out, field, true);
        } else if (v == "false" || v == "0") {
          refl->SetBool(out, field, false);
        } else {
          return Bad(bad_value + " (true, false, 1 or 0)");
        }
        break;
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t n = 0;
        if (!ParseNumber(v, &n)) return Bad(bad_value + " (a whole number)");
        refl->SetUInt32(out, field, n);
        break;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t n = 0;
        if (!ParseNumber(v, &n)) return Bad(bad_value + " (a whole number)");
        refl->SetInt64(out, field, n);
        break;
      }
      default:
        return Bad("parameter " + Quote(*name) + " cannot be given over HTTP");
    }
  }
  return absl::OkStatus();
}

int HttpStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : ToValidUtf8(s)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      *out += "\\u00";
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void SetJsonError(http::Response* response, grpc::StatusCode code, std::string_view message) {
  response->status = HttpStatus(code);
  response->content_type = "application/json";
  response->body = ErrorJson(code, message);
  response->headers.clear();
  if (code == grpc::StatusCode::UNAUTHENTICATED) {
    response->headers.emplace_back("WWW-Authenticate", "Bearer");
  }
}

std::string ErrorJson(grpc::StatusCode code, std::string_view message) {
  std::string out = "{\"code\":";
  AppendJsonString(GrpcCodeName(code), &out);
  out += ",\"message\":";
  AppendJsonString(message, &out);
  out += "}\n";
  return out;
}

// One route: parameters -> request -> the service's method -> JSON.
class RouteHandler : public http::Handler {
 public:
  using Run = std::function<grpc::Status(const Call&, std::string_view query, int64_t now_us,
                                         std::string* json)>;

  RouteHandler(JsonApi::Impl* api, Method method, bool on_io_thread, Run run)
      : api_(api), method_(method), on_io_thread_(on_io_thread), run_(std::move(run)) {}

  void Handle(const http::Request& request, http::Response* response) override {
    std::string bearer;
    if (!Resolve(request, &bearer, response)) return;
    Answer(bearer, request.query, response);
  }

  // The request's bearer token (its header's or its session's: session.h);
  // false with `response` set when it has a session cookie but not its
  // CSRF token.
  bool Resolve(const http::Request& request, std::string* bearer, http::Response* response);

  void Start(const http::Request& request, Done done) override;

  // `cancelled`: the client hung up (http::Request::cancelled).
  void Answer(const std::string& bearer, std::string_view query, http::Response* response,
              std::function<bool()> cancelled = {});

 private:
  JsonApi::Impl* api_;
  Method method_;
  bool on_io_thread_;
  Run run_;
};

class JsonApi::Impl {
 public:
  Impl(QueryService* service, const Access* access, JsonApiOptions options)
      : service_(service), access_(access), options_(options), pool_(options.threads) {}

  QueryService* service_;
  const Access* access_;
  JsonApiOptions options_;
  boost::asio::thread_pool pool_;
  std::atomic<size_t> pending_{0};
  std::map<std::string, std::unique_ptr<RouteHandler>, std::less<>> routes_;
  std::unique_ptr<TailStream> tail_;  // /api/v1/tail: Server-Sent Events
};

void RouteHandler::Answer(const std::string& bearer, std::string_view query,
                          http::Response* response, std::function<bool()> cancelled) {
  const Call call = Call::Http(bearer, std::move(cancelled));
  std::string json;
  grpc::Status st = run_(call, query, cli::NowMicros(), &json);
  if (st.error_code() == grpc::StatusCode::INVALID_ARGUMENT && api_->access_ != nullptr) {
    // A caller who may not call the method learns that, not what is wrong
    // with the parameters (the service checks the token before them too).
    Caller caller;
    if (grpc::Status auth = call.Check(*api_->access_, method_, &caller); !auth.ok()) st = auth;
  }
  if (!st.ok()) {
    SetJsonError(response, st.error_code(), st.error_message());
    return;
  }
  response->status = 200;
  response->content_type = "application/json";
  response->body = std::move(json);
  response->body.push_back('\n');
}

bool RouteHandler::Resolve(const http::Request& request, std::string* bearer,
                           http::Response* response) {
  const grpc::Status st = ResolveBearer(request, api_->options_.sessions, false, bearer);
  if (!st.ok()) SetJsonError(response, st.error_code(), st.error_message());
  return st.ok();
}

void RouteHandler::Start(const http::Request& request, Done done) {
  if (on_io_thread_) {
    http::Handler::Start(request, std::move(done));
    return;
  }
  if (api_->pending_.fetch_add(1, std::memory_order_acq_rel) >= api_->options_.max_pending) {
    api_->pending_.fetch_sub(1, std::memory_order_acq_rel);
    http::Response response;
    SetJsonError(&response, grpc::StatusCode::RESOURCE_EXHAUSTED,
                 "mlqd has " + std::to_string(api_->options_.max_pending) +
                     " JSON API requests waiting already; try again shortly");
    done(std::move(response));
    return;
  }
  std::string bearer;
  if (http::Response refused; !Resolve(request, &bearer, &refused)) {
    api_->pending_.fetch_sub(1, std::memory_order_acq_rel);
    done(std::move(refused));
    return;
  }
  boost::asio::post(api_->pool_,
                    [this, bearer = std::move(bearer), query = std::string(request.query),
                     cancelled = request.cancelled, done = std::move(done)] {
                      http::Response response;
                      Answer(bearer, query, &response, cancelled);
                      api_->pending_.fetch_sub(1, std::memory_order_acq_rel);
                      done(std::move(response));
                    });
}

namespace {

// The body of one route for the request type Req.
template <typename Req, typename Resp>
RouteHandler::Run MakeRun(QueryService* service,
                          grpc::Status (QueryService::*method)(const Call&, const Req*, Resp*)) {
  return [service, method](const Call& call, std::string_view query, int64_t now_us,
                           std::string* json) {
    Req req;
    if (absl::Status st = ParseParams(query, now_us, &req); !st.ok()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(st.message()));
    }
    Resp resp;
    if (grpc::Status st = (service->*method)(call, &req, &resp); !st.ok()) return st;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    const auto printed = google::protobuf::util::MessageToJsonString(resp, json, options);
    if (!printed.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "cannot write the answer as JSON: " + std::string(printed.message()));
    }
    return grpc::Status::OK;
  };
}

}  // namespace

JsonApi::JsonApi(QueryService* service, const Access* access, JsonApiOptions options)
    : impl_(std::make_unique<Impl>(service, access, options)) {
  auto add = [this](std::string name, Method method, bool on_io_thread, RouteHandler::Run run) {
    impl_->routes_[std::move(name)] =
        std::make_unique<RouteHandler>(impl_.get(), method, on_io_thread, std::move(run));
  };
  add("find", Method::kFind, false, MakeRun(service, &QueryService::Find));
  add("trace", Method::kTrace, false, MakeRun(service, &QueryService::Trace));
  add("stats", Method::kStats, false, MakeRun(service, &QueryService::Stats));
  add("queue", Method::kQueue, false, MakeRun(service, &QueryService::Queue));
  add("status", Method::kStatus, true, MakeRun(service, &QueryService::Status));
  // The tail's token comes the way the other routes' does.
  impl_->tail_ = std::make_unique<TailStream>(
      service, access,
      [options](const http::Request& request, std::string* bearer) {
        return ResolveBearer(request, options.sessions, /*csrf_in_query=*/true, bearer);
      },
      TailStreamOptions{.keepalive = options.tail_keepalive, .max_streams = options.max_tails});
}

JsonApi::~JsonApi() {
  impl_->pool_.join();
  impl_->tail_.reset();  // waits for the tails' threads
}

void JsonApi::Register(http::Router* router) {
  for (const auto& [name, handler] : impl_->routes_) {
    router->Add("GET", "/api/v1/" + name, handler.get(), "api_" + name);
  }
  router->Add("GET", "/api/v1/tail", impl_->tail_.get(), "api_tail");
}

http::Handler* JsonApi::Route(std::string_view name) {
  if (name == "tail") return impl_->tail_.get();
  auto it = impl_->routes_.find(name);
  return it == impl_->routes_.end() ? nullptr : it->second.get();
}

}  // namespace mlq::api
