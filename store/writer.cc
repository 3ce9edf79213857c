#include "store/writer.h"

#include <cstdio>
#include <iterator>
#include <string>

namespace mlq {

Writer::Writer(Store* store, Counters* counters, WriterOptions options)
    : store_(store),
      counters_(counters),
      options_(options),
      stored_(counters->Get("stored")),
      batches_(counters->Get("store.batches")),
      errors_(counters->Get("store.errors")),
      dropped_(counters->Get("dropped.store_error")),
      thread_([this] { Run(); }) {}

Writer::~Writer() { Stop(); }

bool Writer::TryPush(std::vector<LogRecord>& batch) {
  if (batch.empty()) return true;
  size_t bytes = 0;
  for (const auto& r : batch) bytes += r.raw.size();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    // An empty queue always takes one batch, so an oversized batch cannot
    // be refused forever.
    if (!queue_.empty() && (queue_.size() + batch.size() > options_.max_queued_records ||
                            queued_bytes_ + bytes > options_.max_queued_bytes)) {
      return false;
    }
    queue_.insert(queue_.end(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    queued_bytes_ += bytes;
    pushed_ += batch.size();
  }
  batch.clear();
  work_cv_.notify_one();
  return true;
}

void Writer::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = pushed_;
  done_cv_.wait(lock, [&] { return committed_ >= target || !thread_.joinable(); });
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  done_cv_.notify_all();
}

void Writer::SetStoredCallback(StoredCallback cb) {
  std::lock_guard lock(mu_);
  on_stored_ = std::move(cb);
}

size_t Writer::queued_records() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Writer::Run() {
  std::vector<LogRecord> work;
  std::vector<LogRecord> chunk;
  std::vector<std::string> keys;
  for (;;) {
    StoredCallback cb;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      work.swap(queue_);
      queued_bytes_ = 0;
      cb = on_stored_;
    }
    // Group commit: everything that accumulated while the last write ran,
    // in WriteBatches of at most max_batch_records.
    for (size_t begin = 0; begin < work.size(); begin += options_.max_batch_records) {
      const size_t end = std::min(work.size(), begin + options_.max_batch_records);
      chunk.assign(std::make_move_iterator(work.begin() + begin),
                   std::make_move_iterator(work.begin() + end));
      absl::Status st = store_->Write(chunk, cb ? &keys : nullptr);
      if (st.ok()) {
        stored_.fetch_add(chunk.size(), std::memory_order_relaxed);
        batches_.fetch_add(1, std::memory_order_relaxed);
        if (cb) cb(chunk, keys);
      } else {
        errors_.fetch_add(1, std::memory_order_relaxed);
        dropped_.fetch_add(chunk.size(), std::memory_order_relaxed);
        std::fprintf(stderr, "mlqd: store write failed, %zu records lost: %s\n", chunk.size(),
                     std::string(st.message()).c_str());
      }
    }
    {
      std::lock_guard lock(mu_);
      committed_ += work.size();
    }
    done_cv_.notify_all();
    work.clear();
  }
}

}  // namespace mlq
