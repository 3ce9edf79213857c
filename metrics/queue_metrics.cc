#include "metrics/queue_metrics.h"

#include <algorithm>

#include "query/queue_builder.h"

namespace mlq::metrics {
namespace {
constexpr int64_t kHourUs = int64_t{3600} * 1000000;
}  // namespace

QueueMetrics::QueueMetrics(const Store* store, const MailMetrics* hosts, Counters* counters,
                           QueueMetricsOptions options)
    : store_(store),
      hosts_(hosts),
      over_budget_(counters->Get("metrics.queue_scan_over_budget")),
      passes_(counters->Get("metrics.queue_scans")),
      options_(std::move(options)),
      lookback_us_(options_.lookback_us) {}

QueueMetrics::~QueueMetrics() { Stop(); }

int64_t QueueMetrics::Now() const {
  if (options_.now_us) return options_.now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void QueueMetrics::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void QueueMetrics::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void QueueMetrics::Run() {
  for (;;) {
    RefreshNow();
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, options_.interval, [&] { return stop_; })) return;
  }
}

bool QueueMetrics::RefreshNow() {
  std::lock_guard pass(pass_mu_);
  passes_.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = Now();
  QueueOptions o;
  o.now_us = now;
  o.limit = options_.max_messages;
  o.max_open = options_.max_messages;
  QueueBuilder builder(o);
  uint64_t seen = 0;
  bool over = false;
  const absl::Status st = store_->Scan(now - lookback_us_, 0, /*newest_first=*/false, "",
                                       [&](std::string_view, const LogRecord& rec) {
                                         if (++seen > options_.scan_budget) {
                                           over = true;
                                           return false;
                                         }
                                         builder.Add(rec);
                                         if (seen % 4096 == 0) {
                                           std::lock_guard lock(mu_);
                                           if (stop_) return false;
                                         }
                                         return true;
                                       });
  if (over || !st.ok()) {
    if (over) {
      over_budget_.fetch_add(1, std::memory_order_relaxed);
      lookback_us_ = std::max(kHourUs, lookback_us_ / 2);
    }
    std::lock_guard lock(mu_);
    complete_ = false;
    return false;
  }
  const v1::QueueResponse resp = builder.Finish();
  std::map<std::string, HostQueue, std::less<>> fresh;
  for (const v1::QueuedMessage& m : resp.messages()) {
    HostQueue& h = fresh[hosts_->HostLabel(m.host())];
    ++h.messages;
    const int64_t queued = m.queued_us();
    if (queued != 0 && (h.oldest_us == 0 || queued < h.oldest_us)) h.oldest_us = queued;
  }
  std::lock_guard lock(mu_);
  for (auto& [host, q] : view_) q = HostQueue{};  // listed hosts stay, at 0
  for (auto& [host, q] : fresh) view_[host] = q;
  refreshed_us_ = now;
  complete_ = true;
  return true;
}

void QueueMetrics::Render(Exposition* out) const {
  using T = Exposition::Type;
  out->Declare("mlq_queue_messages", T::kGauge,
               "Messages still in the host's MTA queue, from the logged queue view (mlq queue).");
  out->Declare("mlq_queue_oldest_age_seconds", T::kGauge,
               "Age of the oldest message in the host's queue (0 when none).");
  out->Declare("mlq_queue_refresh_timestamp_seconds", T::kGauge,
               "When the queue view was last built.");
  out->Declare("mlq_queue_scan_complete", T::kGauge,
               "1 when the last queue pass read its whole window within the scan budget.");
  const int64_t now = Now();
  std::lock_guard lock(mu_);
  for (const auto& [host, q] : view_) {
    out->Add("mlq_queue_messages", {{"host", host}}, static_cast<double>(q.messages));
    const double age = q.oldest_us == 0 ? 0.0 : std::max<double>(0, (now - q.oldest_us) / 1e6);
    out->Add("mlq_queue_oldest_age_seconds", {{"host", host}}, age);
  }
  out->Add("mlq_queue_refresh_timestamp_seconds", {}, static_cast<double>(refreshed_us_ / 1000000));
  out->Add("mlq_queue_scan_complete", {}, complete_ ? 1 : 0);
}

}  // namespace mlq::metrics
