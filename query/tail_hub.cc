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
    : options_(options), dropped_(counters->Get("tail.dropped")) {}

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
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || subs_.empty()) return;
  const size_t n = std::min(records.size(), keys.size());
  // One shared copy per record that anybody wants, made on first match.
  std::vector<std::shared_ptr<const StoredRecord>> shared(n);
  std::vector<std::shared_ptr<const StoredRecord>> matched;
  for (const std::shared_ptr<Subscription>& sub : subs_) {
    matched.clear();
    for (size_t i = 0; i < n; ++i) {
      if (!sub->filter_.Matches(records[i])) continue;
      if (!shared[i])
        shared[i] = std::make_shared<const StoredRecord>(StoredRecord{keys[i], records[i]});
      matched.push_back(shared[i]);
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
