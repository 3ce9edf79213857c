#include "store/writer.h"

#include <cstdio>
#include <iterator>
#include <string>
#include <utility>

#include "store/record.h"

namespace mlq {

namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Writer::Writer(Store* store, Counters* counters, WriterOptions options)
    : store_(store),
      counters_(counters),
      options_(options),
      stored_(counters->Get("stored")),
      batches_(counters->Get("store.batches")),
      errors_(counters->Get("store.errors")),
      dropped_(counters->Get("dropped.store_error")),
      recoveries_(counters->Get("store.recoveries")),
      unavailable_gauge_(counters->Get("store.unavailable")),
      sync_thread_wanted_(store->syncs_writes()) {
  if (sync_thread_wanted_) {
    store_->DeferSyncs();
    sync_thread_ = std::thread([this] { RunSync(); });
  }
  // A store opened read-only (or a disk below its reserve) refuses intake
  // from the start; the writer thread looks again every retry_interval.
  if (absl::Status st = store_->CheckSpace(); !st.ok()) SetHealth(st);
  thread_ = std::thread([this] { Run(); });
}

Writer::~Writer() { Stop(); }

namespace {

// Vectors of records kept for reuse by producers, at most (about 64 x 256
// committed records, until a producer takes one and clears it).
constexpr size_t kMaxSpare = 64;

size_t QueuedBytes(const std::vector<LogRecord>& batch) {
  size_t bytes = batch.size() * sizeof(LogRecord);
  for (const auto& r : batch) {
    // The lists' own elements too: a 64 KiB line of thousands of short
    // recipients holds 32 bytes of std::string per "a " of the line, which
    // "raw, and the fields at most twice it" left uncounted.
    bytes += r.raw.size() + r.to.capacity() * sizeof(std::string) +
             r.links.capacity() * sizeof(Link) + r.extra.capacity() * sizeof(r.extra[0]);
  }
  return bytes;
}

}  // namespace

bool Writer::TryPush(std::vector<LogRecord>& batch) { return Push(batch, nullptr); }

bool Writer::TryPushAcked(std::vector<LogRecord>& batch, AckCallback on_stored) {
  if (batch.empty()) {
    if (on_stored) on_stored(true);
    return true;
  }
  ImportCallback cb;
  if (on_stored) cb = [f = std::move(on_stored)](bool stored, size_t) { f(stored); };
  return Push(batch, &cb);
}

bool Writer::TryPushImported(std::vector<LogRecord>& batch, ImportCallback on_stored) {
  if (batch.empty()) {
    if (on_stored) on_stored(true, 0);
    return true;
  }
  return Push(batch, &on_stored);
}

bool Writer::Push(std::vector<LogRecord>& batch, ImportCallback* on_stored) {
  if (batch.empty()) return true;
  const size_t n = batch.size();
  const size_t record_bytes = QueuedBytes(batch);
  Pending slot;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !unavailable_.empty()) return false;
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
    if (on_stored != nullptr && *on_stored) {
      acks_.push_back({pushed_, pushed_ + n, std::move(*on_stored)});
    }
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
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  RunCallbacks();
  done_cv_.notify_all();
}

std::string Writer::Unavailable() const {
  std::lock_guard lock(mu_);
  return unavailable_;
}

int64_t Writer::unavailable_since_us() const {
  std::lock_guard lock(mu_);
  return unavailable_since_us_;
}

void Writer::SetHealth(const absl::Status& why) {
  std::string reason;
  if (!why.ok()) {
    reason = std::string(why.message());
    if (reason.empty()) reason = why.ToString();
  }
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    // Logged when intake pauses and when it resumes; a new reason while
    // paused only replaces the one shown (the retries would flood the log).
    changed = reason.empty() != unavailable_.empty();
    if (changed && reason.empty()) recoveries_.fetch_add(1, std::memory_order_relaxed);
    if (changed && !reason.empty()) unavailable_since_us_ = NowUs();
    unavailable_ = reason;
  }
  if (!changed) return;
  unavailable_gauge_.store(reason.empty() ? 0 : 1, std::memory_order_relaxed);
  if (reason.empty()) {
    std::fprintf(stderr, "mlqd: store available again, intake resumes\n");
  } else {
    std::fprintf(stderr, "mlqd: store unavailable, intake paused: %s\n", reason.c_str());
  }
  std::fflush(stderr);
}

bool Writer::WaitAndRecover() {
  {
    std::unique_lock lock(mu_);
    if (!stopping_) work_cv_.wait_for(lock, options_.retry_interval, [&] { return stopping_; });
  }
  // A failure leaves the reason the caller reported: the next attempt
  // reports again.
  (void)store_->Recover();
  std::lock_guard lock(mu_);
  return !stopping_;
}

void Writer::RunCallbacks() {
  struct Ready {
    ImportCallback cb;
    bool ok;
    size_t skipped;
  };
  std::vector<Ready> ready;
  {
    std::lock_guard lock(mu_);
    const bool all = stopped_;  // nothing more will be handled
    while (!acks_.empty() && (acks_.front().end <= committed_ || all)) {
      Ack& a = acks_.front();
      bool ok = a.end <= committed_;
      for (const auto& [from, to] : lost_) {
        if (a.begin < to && from < a.end) ok = false;
      }
      // Skips of batches before this one had no acknowledgement to go to.
      size_t skipped = 0;
      while (!skipped_.empty() && skipped_.front().first < a.end) {
        if (skipped_.front().first >= a.begin) skipped += skipped_.front().second;
        skipped_.pop_front();
      }
      ready.push_back({std::move(a.cb), ok, skipped});
      acks_.pop_front();
    }
  }
  for (auto& r : ready) r.cb(r.ok, r.skipped);
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
    RunCallbacks();
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
    bool durable = st.ok();
    if (!durable) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      std::fprintf(stderr, "mlqd: WAL sync failed, %llu records not yet durable: %s\n",
                   static_cast<unsigned long long>(stored), std::string(st.message()).c_str());
    }
    while (!durable) {
      SetHealth(st);
      bool stopping;
      {
        std::unique_lock lock(mu_);
        sync_cv_.wait_for(lock, options_.retry_interval, [&] { return sync_stopping_; });
        stopping = sync_stopping_;
      }
      // The records are in the memtables: once the store recovered, a
      // flush puts them in table files, durable whatever became of the WAL.
      st = store_->Recover();
      if (st.ok()) st = store_->Flush();
      durable = st.ok();
      if (!durable && stopping) break;
    }
    if (durable) {
      stored_.fetch_add(stored, std::memory_order_relaxed);
    } else {
      dropped_.fetch_add(stored, std::memory_order_relaxed);
      std::fprintf(stderr, "mlqd: stopping with %llu records written but never synced\n",
                   static_cast<unsigned long long>(stored));
    }
    {
      std::lock_guard lock(mu_);
      if (!durable) lost_.emplace_back(committed_, committed_ + handled);
      committed_ += handled;
    }
    RunCallbacks();
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

bool Writer::CommitGroup(std::vector<std::vector<LogRecord>*>& group,
                         std::vector<Store::Prepared*>& preps, const StoredCallback& cb,
                         std::vector<std::vector<std::string>>* keys) {
  // Before writing: a disk below its reserve pauses intake instead of
  // running into ENOSPC (Stop() still writes: the reserve is for that).
  for (;;) {
    absl::Status space = store_->CheckSpace();
    if (space.ok()) break;
    SetHealth(space);
    if (!WaitAndRecover()) break;
  }
  absl::Status st = store_->WriteGroup(group, preps, keys);
  if (!st.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
  while (!st.ok()) {
    SetHealth(st);  // logs when the reason changes
    const bool go_on = WaitAndRecover();
    st = store_->WriteGroup(group, preps, keys);
    if (!st.ok() && !go_on) return false;  // Stop() and the store still fails
  }
  if (st.ok() && !Unavailable().empty() && store_->CheckSpace().ok()) SetHealth(absl::OkStatus());
  return true;
}

void Writer::Run() {
  std::deque<Pending> work;
  std::vector<Pending> emptied;
  std::vector<std::vector<LogRecord>*> group;
  std::vector<Store::Prepared*> preps;
  size_t group_records = 0;
  std::vector<std::vector<std::string>> keys;
  uint64_t position = 0;      // records handled so far, in push order
  std::vector<size_t> sizes;  // of the group's batches before the write
  for (;;) {
    StoredCallback cb;
    bool idle_unavailable = false;
    {
      std::unique_lock lock(mu_);
      // Batches committed by the last round go back to the producers.
      while (!emptied.empty() && spare_.size() < kMaxSpare) {
        spare_.push_back(std::move(emptied.back()));
        emptied.pop_back();
      }
      // While unavailable with nothing queued, look again every
      // retry_interval, so intake resumes by itself when space returns.
      if (!unavailable_.empty() && queue_.empty() && !stopping_) {
        work_cv_.wait_for(lock, options_.retry_interval,
                          [&] { return stopping_ || !queue_.empty(); });
        idle_unavailable = queue_.empty() && !stopping_;
      } else {
        work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      }
      if (queue_.empty() && stopping_) return;
      if (!idle_unavailable) {
        work.swap(queue_);
        queued_records_ = 0;
        queued_bytes_ = 0;
        cb = on_stored_;
      }
    }
    if (idle_unavailable) {
      absl::Status st = store_->Recover();
      if (st.ok()) st = store_->CheckSpace();
      SetHealth(st);
      continue;
    }
    emptied.clear();  // more than the producers will take back
    // Group commit: everything that accumulated while the last write ran,
    // in WriteBatches of about max_batch_records, written where the
    // producers put them (no record is moved or copied).
    size_t handled = 0, stored_round = 0;
    auto commit = [&]() {
      if (group.empty()) return;
      size_t n = 0;
      sizes.clear();
      for (const auto* b : group) {
        sizes.push_back(b->size());
        n += b->size();
      }
      if (CommitGroup(group, preps, cb, cb ? &keys : nullptr)) {
        size_t stored = 0;
        uint64_t at = position;  // the batch's first record, in push order
        for (size_t i = 0; i < group.size(); ++i) {
          stored += group[i]->size();  // less than n when imports repeat
          if (group[i]->size() < sizes[i]) {
            std::lock_guard lock(mu_);
            skipped_.emplace_back(at, sizes[i] - group[i]->size());
          }
          at += sizes[i];
          if (cb && !group[i]->empty()) cb(*group[i], keys[i]);
        }
        stored_round += stored;
        batches_.fetch_add(1, std::memory_order_relaxed);
      } else {
        dropped_.fetch_add(n, std::memory_order_relaxed);
        std::fprintf(stderr, "mlqd: stopping on a failing store, %zu records lost\n", n);
        std::lock_guard lock(mu_);
        lost_.emplace_back(position, position + n);
      }
      position += n;
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
