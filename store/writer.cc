#include "store/writer.h"

#include <cstdio>
#include <iterator>
#include <string>
#include <utility>

namespace mlq {

Writer::Writer(Store* store, Counters* counters, WriterOptions options)
    : store_(store),
      counters_(counters),
      options_(options),
      stored_(counters->Get("stored")),
      batches_(counters->Get("store.batches")),
      errors_(counters->Get("store.errors")),
      dropped_(counters->Get("dropped.store_error")),
      sync_thread_wanted_(store->syncs_writes()) {
  if (sync_thread_wanted_) {
    store_->DeferSyncs();
    sync_thread_ = std::thread([this] { RunSync(); });
  }
  thread_ = std::thread([this] { Run(); });
}

Writer::~Writer() { Stop(); }

namespace {

// Vectors of records kept for reuse by producers, at most (about 64 x 256
// committed records, until a producer takes one and clears it).
constexpr size_t kMaxSpare = 64;

size_t QueuedBytes(const std::vector<LogRecord>& batch) {
  size_t bytes = batch.size() * sizeof(LogRecord);
  for (const auto& r : batch) bytes += r.raw.size();
  return bytes;
}

}  // namespace

bool Writer::TryPush(std::vector<LogRecord>& batch) {
  if (batch.empty()) return true;
  const size_t n = batch.size();
  const size_t record_bytes = QueuedBytes(batch);
  Pending slot;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    // An empty queue always takes one batch, so an oversized batch cannot
    // be refused forever.
    if (queued_records_ != 0 && (queued_records_ + n > options_.max_queued_records ||
                                 queued_bytes_ + record_bytes > options_.max_queued_bytes)) {
      return false;
    }
    if (!spare_.empty()) {
      slot = std::move(spare_.back());  // committed records, capacity kept
      spare_.pop_back();
    }
  }
  // Outside the lock, on this (the producer's) thread: the encoding and
  // index keys, and the batch swapped into the slot; `batch` gets the
  // spare's committed records.
  Store::Prepare(batch, &slot.prep);
  slot.records.swap(batch);
  const size_t bytes = record_bytes + slot.prep.bytes();
  {
    std::lock_guard lock(mu_);
    if (stopping_) {  // stopped meanwhile: nothing was taken
      batch.clear();
      batch.swap(slot.records);
      return false;
    }
    queue_.push_back(std::move(slot));
    queued_records_ += n;
    queued_bytes_ += bytes;
    pushed_ += n;
  }
  work_cv_.notify_one();
  // The committed records of a spare are destroyed here, on the producer's
  // thread: freeing their strings is a tenth of the writer's work
  // otherwise, and the writer is the one that falls behind.
  batch.clear();
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
  // The writer has handed over its last round: sync it, then stop.
  {
    std::lock_guard lock(mu_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  done_cv_.notify_all();
}

void Writer::Handled(uint64_t handled, uint64_t stored) {
  if (handled == 0) return;
  {
    std::lock_guard lock(mu_);
    if (sync_thread_wanted_) {
      unsynced_handled_ += handled;
      unsynced_stored_ += stored;
    } else {
      committed_ += handled;
    }
  }
  if (sync_thread_wanted_) {
    sync_cv_.notify_one();
  } else {
    stored_.fetch_add(stored, std::memory_order_relaxed);
    done_cv_.notify_all();
  }
}

void Writer::RunSync() {
  for (;;) {
    uint64_t handled = 0, stored = 0;
    {
      std::unique_lock lock(mu_);
      sync_cv_.wait(lock, [&] { return sync_stopping_ || unsynced_handled_ != 0; });
      if (unsynced_handled_ == 0) return;  // stopping, nothing left
      handled = std::exchange(unsynced_handled_, 0);
      stored = std::exchange(unsynced_stored_, 0);
    }
    // Everything written before this call becomes durable; writes of the
    // next round go on meanwhile.
    absl::Status st = stored != 0 ? store_->SyncWal() : absl::OkStatus();
    if (!st.ok()) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      std::fprintf(stderr, "mlqd: WAL sync failed, %llu records may not be durable: %s\n",
                   static_cast<unsigned long long>(stored), std::string(st.message()).c_str());
    }
    stored_.fetch_add(stored, std::memory_order_relaxed);
    {
      std::lock_guard lock(mu_);
      committed_ += handled;
    }
    done_cv_.notify_all();
  }
}

void Writer::SetStoredCallback(StoredCallback cb) {
  std::lock_guard lock(mu_);
  on_stored_ = std::move(cb);
}

size_t Writer::queued_records() const {
  std::lock_guard lock(mu_);
  return queued_records_;
}

void Writer::Run() {
  std::deque<Pending> work;
  std::vector<Pending> emptied;
  std::vector<std::vector<LogRecord>*> group;
  std::vector<Store::Prepared*> preps;
  size_t group_records = 0;
  std::vector<std::vector<std::string>> keys;
  for (;;) {
    StoredCallback cb;
    {
      std::unique_lock lock(mu_);
      // Batches committed by the last round go back to the producers.
      while (!emptied.empty() && spare_.size() < kMaxSpare) {
        spare_.push_back(std::move(emptied.back()));
        emptied.pop_back();
      }
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      work.swap(queue_);
      queued_records_ = 0;
      queued_bytes_ = 0;
      cb = on_stored_;
    }
    emptied.clear();  // more than the producers will take back
    // Group commit: everything that accumulated while the last write ran,
    // in WriteBatches of about max_batch_records, written where the
    // producers put them (no record is moved or copied).
    size_t handled = 0, stored_round = 0;
    auto commit = [&]() {
      if (group.empty()) return;
      size_t n = 0;
      for (const auto* b : group) n += b->size();
      absl::Status st = store_->WriteGroup(group, preps, cb ? &keys : nullptr);
      if (st.ok()) {
        size_t stored = 0;
        for (size_t i = 0; i < group.size(); ++i) {
          stored += group[i]->size();  // less than n when imports repeat
          if (cb && !group[i]->empty()) cb(*group[i], keys[i]);
        }
        stored_round += stored;
        batches_.fetch_add(1, std::memory_order_relaxed);
      } else {
        errors_.fetch_add(1, std::memory_order_relaxed);
        dropped_.fetch_add(n, std::memory_order_relaxed);
        std::fprintf(stderr, "mlqd: store write failed, %zu records lost: %s\n", n,
                     std::string(st.message()).c_str());
      }
      handled += n;
      group.clear();
      preps.clear();
      group_records = 0;
    };
    for (Pending& p : work) {
      group.push_back(&p.records);
      preps.push_back(&p.prep);
      group_records += p.records.size();
      if (group_records >= options_.max_batch_records) commit();
    }
    commit();
    // Cleared by the producer that takes them back (see TryPush).
    for (Pending& p : work) emptied.push_back(std::move(p));
    work.clear();
    Handled(handled, stored_round);
  }
}

}  // namespace mlq
