#include "metrics/rpc_metrics.h"

#include <algorithm>

#include "base/grpc_code_name.h"

namespace mlq::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;

class TimingInterceptor : public grpc::experimental::Interceptor {
 public:
  TimingInterceptor(RpcMetrics* metrics, std::string path)
      : metrics_(metrics), path_(std::move(path)), start_(std::chrono::steady_clock::now()) {}

  ~TimingInterceptor() override {
    if (!recorded_) {
      metrics_->Record(path_, static_cast<int>(grpc::StatusCode::CANCELLED),
                       std::chrono::steady_clock::now() - start_);
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!recorded_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      recorded_ = true;
      metrics_->Record(path_, static_cast<int>(methods->GetSendStatus().error_code()),
                       std::chrono::steady_clock::now() - start_);
    }
    methods->Proceed();
  }

 private:
  RpcMetrics* metrics_;
  std::string path_;
  std::chrono::steady_clock::time_point start_;
  bool recorded_ = false;
};

class TimingFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit TimingFactory(RpcMetrics* metrics, std::string prefix)
      : metrics_(metrics), prefix_(std::move(prefix)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    if (method == nullptr || !std::string_view(method).starts_with(prefix_)) return nullptr;
    return new TimingInterceptor(metrics_, method);
  }

 private:
  RpcMetrics* metrics_;
  std::string prefix_;
};

}  // namespace

RpcMetrics::RpcMetrics(std::string service, std::vector<std::string> methods)
    : prefix_("/" + service + "/") {
  for (std::string& m : methods) methods_.emplace(std::move(m), std::make_unique<PerMethod>());
}

std::string_view RpcMetrics::CodeName(int code) { return GrpcCodeName(code); }

void RpcMetrics::Record(std::string_view path, int code, std::chrono::nanoseconds duration) {
  if (!path.starts_with(prefix_)) return;
  auto it = methods_.find(path.substr(prefix_.size()));
  if (it == methods_.end()) return;
  PerMethod& m = *it->second;
  if (code < 0 || code >= kCodes) code = static_cast<int>(grpc::StatusCode::UNKNOWN);
  m.codes[code].fetch_add(1, std::memory_order_relaxed);
  const double s = std::chrono::duration<double>(duration).count();
  const size_t bucket = std::lower_bound(kBounds.begin(), kBounds.end(), s) - kBounds.begin();
  m.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  m.sum_ns.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, duration.count())),
                     std::memory_order_relaxed);
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
RpcMetrics::Interceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> v;
  v.push_back(std::make_unique<TimingFactory>(this, prefix_));
  return v;
}

void RpcMetrics::Render(Exposition* out) const {
  out->Declare("mlq_rpc_requests_total", Exposition::Type::kCounter,
               "Query RPCs answered, by method (as in the proto) and gRPC status code.");
  out->Declare("mlq_rpc_duration_seconds", Exposition::Type::kHistogram,
               "Time from receiving a query RPC to sending its status, by method.");
  for (const auto& [name, m] : methods_) {
    for (int c = 0; c < kCodes; ++c) {
      const uint64_t n = m->codes[c].load(std::memory_order_relaxed);
      if (n == 0 && c != 0) continue;
      out->Add("mlq_rpc_requests_total", {{"method", name}, {"code", CodeName(c)}},
               static_cast<double>(n));
    }
  }
  for (const auto& [name, m] : methods_) {
    std::array<uint64_t, kBounds.size() + 1> counts;
    for (size_t i = 0; i < counts.size(); ++i) {
      counts[i] = m->buckets[i].load(std::memory_order_relaxed);
    }
    const Label label[] = {{"method", name}};
    out->AddHistogram("mlq_rpc_duration_seconds", label, kBounds, counts,
                      static_cast<double>(m->sum_ns.load(std::memory_order_relaxed)) / 1e9);
  }
}

}  // namespace mlq::metrics
