#include "query/tail_hub.h"

#include <algorithm>

namespace mlq {

bool TailHub::Subscription::Next(std::chrono::milliseconds timeout, size_t max,
                                 std::vector<std::shared_ptr<const StoredRecord>>* out) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return closed_ || !queue_.empty(); });
  if (closed_) return false;
  const size_t n = std::min(max, queue_.size());
  for (size_t i = 0; i < n; ++i) {
    out->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return true;
}

TailHub::TailHub(Counters* counters, TailHubOptions options)
    : options_(options), dropped_(counters->Get("tail.dropped")) {
  fan_out_ = std::thread([this] { FanOutLoop(); });
}

TailHub::~TailHub() {
  Close();
  if (fan_out_.joinable()) fan_out_.join();
}

std::shared_ptr<TailHub::Subscription> TailHub::Subscribe(RecordFilter filter) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || subs_.size() >= options_.max_subscribers) return nullptr;
  auto sub = std::make_shared<Subscription>(std::move(filter));
  subs_.push_back(sub);
  count_.store(subs_.size(), std::memory_order_relaxed);
  return sub;
}

void TailHub::Unsubscribe(const std::shared_ptr<Subscription>& sub) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), sub), subs_.end());
  count_.store(subs_.size(), std::memory_order_relaxed);
}

void TailHub::Publish(const std::vector<LogRecord>& records, const std::vector<std::string>& keys) {
  if (count_.load(std::memory_order_relaxed) == 0) return;  // the common case: nobody tails
  const size_t n = std::min(records.size(), keys.size());
  Batch batch;
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    batch.push_back(std::make_shared<const StoredRecord>(StoredRecord{keys[i], records[i]}));
  }
  uint64_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(fan_mu_);
    if (stop_) return;
    pending_records_ += batch.size();
    pending_.push_back(std::move(batch));
    // The fan-out thread is behind: the oldest commits go, for everyone.
    while (pending_records_ > options_.max_pending_records && pending_.size() > 1) {
      dropped += pending_.front().size();
      pending_records_ -= pending_.front().size();
      pending_.pop_front();
    }
  }
  fan_cv_.notify_one();
  if (dropped != 0) {
    dropped_.fetch_add(dropped, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::shared_ptr<Subscription>& sub : subs_) {
      sub->dropped_.fetch_add(dropped, std::memory_order_relaxed);
    }
  }
}

void TailHub::FanOutLoop() {
  for (;;) {
    Batch batch;
    {
      std::unique_lock<std::mutex> lock(fan_mu_);
      busy_ = false;
      fan_cv_.notify_all();  // Drain() waiters
      fan_cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      batch = std::move(pending_.front());
      pending_.pop_front();
      pending_records_ -= batch.size();
      busy_ = true;
    }
    FanOut(batch);
  }
}

void TailHub::Drain() {
  std::unique_lock<std::mutex> lock(fan_mu_);
  fan_cv_.wait(lock, [this] { return stop_ || (pending_.empty() && !busy_); });
}

void TailHub::FanOut(const Batch& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || subs_.empty()) return;
  std::vector<std::shared_ptr<const StoredRecord>> matched;
  for (const std::shared_ptr<Subscription>& sub : subs_) {
    matched.clear();
    for (const std::shared_ptr<const StoredRecord>& r : batch) {
      if (sub->filter_.Matches(r->record)) matched.push_back(r);
    }
    if (matched.empty()) continue;
    uint64_t dropped = 0;
    {
      std::lock_guard<std::mutex> sub_lock(sub->mu_);
      for (auto& r : matched) sub->queue_.push_back(std::move(r));
      while (sub->queue_.size() > options_.max_queued_records) {
        sub->queue_.pop_front();  // the oldest goes: a live view prefers what is new
        ++dropped;
      }
    }
    sub->cv_.notify_one();
    if (dropped != 0) {
      sub->dropped_.fetch_add(dropped, std::memory_order_relaxed);
      dropped_.fetch_add(dropped, std::memory_order_relaxed);
    }
  }
}

void TailHub::Close() {
  {
    std::lock_guard<std::mutex> lock(fan_mu_);
    stop_ = true;
    pending_.clear();
    pending_records_ = 0;
  }
  fan_cv_.notify_all();
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (const std::shared_ptr<Subscription>& sub : subs_) {
    {
      std::lock_guard<std::mutex> sub_lock(sub->mu_);
      sub->closed_ = true;
      sub->queue_.clear();
    }
    sub->cv_.notify_all();
  }
}

size_t TailHub::subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subs_.size();
}

}  // namespace mlq
