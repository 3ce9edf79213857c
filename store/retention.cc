#include "store/retention.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "base/scan.h"

namespace mlq {

Retention::Retention(Store* store, Counters* counters, RetentionOptions options)
    : store_(store),
      passes_(counters->Get("retention.passes")),
      deleted_(counters->Get("retention.deleted")),
      deleted_for_size_(counters->Get("retention.deleted_for_size")),
      errors_(counters->Get("retention.errors")),
      index_compactions_(counters->Get("retention.index_compactions")),
      intake_pauses_(counters->Get("retention.intake_pauses")),
      edge_compactions_(counters->Get("retention.edge_compactions")),
      index_file_rewrites_(counters->Get("retention.index_file_rewrites")),
      index_rewritten_bytes_(counters->Get("retention.index_rewritten_bytes")),
      options_(std::move(options)) {
  if (!options_.now_us) {
    options_.now_us = [] {
      return std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

Retention::~Retention() { Stop(); }

void Retention::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
  compactor_ = std::thread([this] { Compact(); });
}

void Retention::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (compactor_.joinable()) compactor_.join();
  std::lock_guard pass(pass_mu_);
  ReleaseBrake();
}

void Retention::Compact() {
  for (;;) {
    unsigned work = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || wanted_ != 0; });
      if (stopping_) return;
      work = wanted_;
      wanted_ = 0;
      running_ = true;
    }
    absl::Status st = RunCompactions(work);
    {
      std::lock_guard lock(mu_);
      running_ = false;
    }
    if (!st.ok()) {
      std::fprintf(stderr, "mlqd: retention compaction failed (retried next pass): %s\n",
                   std::string(st.message()).c_str());
    }
  }
}

absl::Status Retention::RunCompactions(unsigned work) {
  double share;
  uint64_t rewrite_bytes;
  {
    std::lock_guard lock(mu_);
    share = options_.index_rewrite_share;
    rewrite_bytes = options_.index_rewrite_bytes;
  }
  absl::Status st = absl::OkStatus();
  if (work & kEdge) {
    edge_compactions_.fetch_add(1, std::memory_order_relaxed);
    st = store_->CompactDeleted();
  }
  if (st.ok() && (work & kIndexFiles) && share > 0) {
    Store::IndexRewrite done;
    st = store_->RewriteExpiredIndexFiles(share, rewrite_bytes, &done);
    index_file_rewrites_.fetch_add(done.files, std::memory_order_relaxed);
    index_rewritten_bytes_.fetch_add(done.bytes_in, std::memory_order_relaxed);
  }
  if (st.ok() && (work & kIndex)) {
    index_compactions_.fetch_add(1, std::memory_order_relaxed);
    st = store_->CompactIndex();
  }
  if (!st.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
  return st;
}

bool Retention::Compacting() const {
  std::lock_guard lock(mu_);
  return running_ || wanted_ != 0;
}

absl::Status Retention::RequestCompaction(unsigned work, bool async) {
  if (!async) return RunCompactions(work);
  {
    std::lock_guard lock(mu_);
    wanted_ |= work;
  }
  cv_.notify_all();
  return absl::OkStatus();
}

void Retention::Update(int64_t max_age_us, uint64_t max_disk_bytes) {
  {
    std::lock_guard lock(mu_);
    options_.max_age_us = max_age_us;
    options_.max_disk_bytes = max_disk_bytes;
    wake_ = true;
  }
  cv_.notify_all();
}

int64_t Retention::max_age_us() const {
  std::lock_guard lock(mu_);
  return options_.max_age_us;
}

uint64_t Retention::max_disk_bytes() const {
  std::lock_guard lock(mu_);
  return options_.max_disk_bytes;
}

void Retention::Run() {
  using Steady = std::chrono::steady_clock;
  Steady::time_point next_age = Steady::now();
  Steady::time_point next_size = next_age;
  Steady::time_point last_log{};
  {
    std::lock_guard lock(mu_);
    next_age += options_.interval;
    next_size += options_.size_interval;
  }
  for (;;) {
    bool age_due = false, size_due = false;
    Steady::time_point now;
    {
      std::unique_lock lock(mu_);
      const bool size_on = options_.max_disk_bytes != 0;
      const Steady::time_point until = size_on ? std::min(next_age, next_size) : next_age;
      cv_.wait_until(lock, until, [&] { return stopping_ || wake_; });
      if (stopping_) return;
      now = Steady::now();
      age_due = wake_ || now >= next_age;
      size_due = options_.max_disk_bytes != 0 && now >= next_size;
      wake_ = false;
      if (age_due) next_age = now + options_.interval;
      if (age_due || size_due) next_size = now + options_.size_interval;
    }
    absl::Status st = absl::OkStatus();
    if (age_due || size_due) st = Pass(age_due, /*async=*/true);
    // A failing size check would say so every second: once per 10 s.
    if (!st.ok() && (age_due || now - last_log >= std::chrono::seconds(10))) {
      last_log = now;
      std::fprintf(stderr, "mlqd: retention pass failed (retried next pass): %s\n",
                   std::string(st.message()).c_str());
    }
  }
}

absl::Status Retention::RunOnce() { return Pass(/*age=*/true, /*async=*/false); }

absl::Status Retention::CheckSize() { return Pass(/*age=*/false, /*async=*/false); }

absl::Status Retention::Pass(bool age, bool async) {
  std::lock_guard pass(pass_mu_);
  int64_t max_age;
  uint64_t max_disk, edge_bytes;
  int64_t now;
  {
    std::lock_guard lock(mu_);
    max_age = options_.max_age_us;
    max_disk = options_.max_disk_bytes;
    edge_bytes = options_.edge_compaction_bytes;
    now = options_.now_us();
  }
  if (age) {
    passes_.fetch_add(1, std::memory_order_relaxed);
    if (max_age > 0) {
      uint64_t n = 0;
      absl::Status st = store_->DeleteBefore(now - max_age, &n, /*compact=*/false);
      deleted_.fetch_add(n, std::memory_order_relaxed);
      if (!st.ok()) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        return st;
      }
      // Whole files went with the deletion; the edge waits until it is
      // worth a compaction (RetentionOptions::edge_compaction_bytes).
      if (store_->ExpiredBytes() > edge_bytes) {
        if (absl::Status c = RequestCompaction(kEdge, async); !c.ok()) return c;
      }
    }
  }
  absl::Status st = absl::OkStatus();
  if (max_disk == 0) {
    ReleaseBrake();
  } else {
    st = CheckSizeLocked(max_disk, async);
  }
  // The index files that turned mostly garbage, by age or size deletion.
  // Asked for after the size check: that check leaves its decision to the
  // next one while a compaction it did not see finish is pending
  // (Compacting()), so a request before it skipped every age pass's.
  if (age && st.ok() && store_->expired_before_us() != 0) {
    st = RequestCompaction(kIndexFiles, async);
  }
  return st;
}

void Retention::Brake(const Store::Sizes& sizes, const SizePlan& plan) {
  if (sizes.disk_bytes > plan.pause) {
    if (!paused_) intake_pauses_.fetch_add(1, std::memory_order_relaxed);
    paused_ = true;
    store_->PauseIntake("disk use " + std::to_string(sizes.disk_bytes >> 20) + " MiB (WAL " +
                        std::to_string(sizes.wal_bytes >> 20) + " MiB) passes --max-disk less " +
                        "room for a flush and a compaction (" + std::to_string(plan.pause >> 20) +
                        " MiB): waiting for retention and compaction");
  } else if (paused_ &&
             sizes.disk_bytes + std::min<uint64_t>(64u << 20, plan.pause / 16) <= plan.pause) {
    ReleaseBrake();
  }
}

void Retention::ReleaseBrake() {
  if (!paused_) return;
  paused_ = false;
  store_->PauseIntake("");
}

absl::Status Retention::CheckSizeLocked(uint64_t max_disk, bool async) {
  Store::Sizes sizes = store_->MeasureSizes();
  Brake(sizes, PlanSize(max_disk, sizes.index_bytes, Store::BufferingOptions()));
  // What the last deletion or compaction frees is not back yet: deciding
  // again now would delete more for the same bytes.
  if (async && Compacting()) return absl::OkStatus();
  auto compact_index = [&]() -> absl::Status { return RequestCompaction(kIndex, async); };
  // Hygiene: a quarter of a sizeable index left over from deleted records.
  if (sizes.index_garbage_bytes * 4 > sizes.index_bytes && sizes.index_bytes > (64u << 20)) {
    if (absl::Status st = compact_index(); !st.ok()) return st;
    sizes = store_->MeasureSizes();
  }
  const SizePlan plan = PlanSize(max_disk, sizes.index_bytes, Store::BufferingOptions());
  // The write-ahead log is in the headroom: deleting records does not shrink it.
  const uint64_t tables = sizes.disk_bytes - std::min(sizes.disk_bytes, sizes.wal_bytes);
  if (tables <= plan.trigger) return absl::OkStatus();
  const uint64_t live = tables - std::min(tables, sizes.index_garbage_bytes);
  if (live > plan.trigger && sizes.records != 0) {
    // Delete the oldest records in proportion to the excess over the target.
    const double excess = static_cast<double>(live - plan.target) / static_cast<double>(live);
    const auto records = static_cast<uint64_t>(excess * static_cast<double>(sizes.records)) + 1;
    const int64_t cutoff = store_->CutoffForOldest(records);
    if (cutoff != 0) {
      uint64_t n = 0;
      absl::Status st = store_->DeleteBefore(cutoff, &n, /*compact=*/false);
      deleted_.fetch_add(n, std::memory_order_relaxed);
      deleted_for_size_.fetch_add(n, std::memory_order_relaxed);
      if (!st.ok()) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        return st;
      }
      if (absl::Status c = RequestCompaction(kEdge, async); !c.ok()) return c;
      if (async) return absl::OkStatus();  // the next check looks once it is done
    }
  }
  // What is left above the trigger is index entries of deleted records:
  // compaction turns them into free space.
  sizes = store_->MeasureSizes();
  Brake(sizes, plan);
  const uint64_t after = sizes.disk_bytes - std::min(sizes.disk_bytes, sizes.wal_bytes);
  if (after > plan.trigger && after - std::min(after, sizes.index_garbage_bytes) <= plan.trigger) {
    return compact_index();
  }
  return absl::OkStatus();
}

SizePlan PlanSize(uint64_t max_disk, uint64_t index_bytes, const Store::Buffering& b) {
  SizePlan p;
  p.wal = b.max_wal_bytes;
  p.flush = b.write_buffer_bytes * static_cast<uint64_t>(b.heavy_families);
  p.compaction = std::min(
      std::max(index_bytes, b.write_buffer_bytes * static_cast<uint64_t>(b.level0_trigger)),
      b.max_compaction_bytes);
  p.compaction *= static_cast<uint64_t>(std::max(1, b.max_compactions));
  p.headroom = std::min(p.wal + p.flush + p.compaction, max_disk - max_disk / 4);
  p.trigger = max_disk - p.headroom;
  p.target = p.trigger - p.trigger / 10;
  p.pause = p.trigger + std::min(p.wal, p.headroom);
  return p;
}

namespace {

// Digits then an optional unit; false when `text` is not that.
bool SplitNumber(std::string_view text, uint64_t* n, std::string_view* unit) {
  text = scan::TrimSpace(text);
  size_t i = 0;
  uint64_t v = 0;
  while (i < text.size() && scan::IsDigit(text[i])) {
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0) return false;
  *n = v;
  *unit = scan::TrimSpace(text.substr(i));
  return true;
}

}  // namespace

absl::Status ParseDuration(std::string_view text, int64_t* us) {
  *us = 0;
  if (scan::TrimSpace(text).empty()) return absl::OkStatus();
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return absl::InvalidArgumentError("not a duration: \"" + std::string(text) +
                                      "\" (e.g. 30d, 12h, 90m, 2w)");
  }
  uint64_t seconds_per = 0;
  if (unit.empty() || unit == "d") {
    seconds_per = 86400;
  } else if (unit == "w") {
    seconds_per = 7 * 86400;
  } else if (unit == "h") {
    seconds_per = 3600;
  } else if (unit == "m") {
    seconds_per = 60;
  } else if (unit == "s") {
    seconds_per = 1;
  } else {
    return absl::InvalidArgumentError("unknown duration unit in \"" + std::string(text) +
                                      "\" (s, m, h, d, w)");
  }
  if (n > static_cast<uint64_t>(INT64_MAX) / 1000000 / seconds_per) {
    return absl::InvalidArgumentError("duration too long: " + std::string(text));
  }
  *us = static_cast<int64_t>(n * seconds_per * 1000000);
  return absl::OkStatus();
}

absl::Status ParseByteSize(std::string_view text, uint64_t* bytes) {
  *bytes = 0;
  if (scan::TrimSpace(text).empty()) return absl::OkStatus();
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return absl::InvalidArgumentError("not a size: \"" + std::string(text) +
                                      "\" (e.g. 200G, 512M)");
  }
  std::string u = scan::LowerCopy(unit);
  if (u.ends_with("ib")) {
    u.resize(u.size() - 2);
  } else if (u.ends_with("b")) {
    u.pop_back();
  }
  int shift = 0;
  if (u.empty()) {
    shift = 0;
  } else if (u == "k") {
    shift = 10;
  } else if (u == "m") {
    shift = 20;
  } else if (u == "g") {
    shift = 30;
  } else if (u == "t") {
    shift = 40;
  } else {
    return absl::InvalidArgumentError("unknown size unit in \"" + std::string(text) +
                                      "\" (K, M, G, T)");
  }
  if (shift != 0 && n > (UINT64_MAX >> shift)) {
    return absl::InvalidArgumentError("size too large: " + std::string(text));
  }
  *bytes = n << shift;
  return absl::OkStatus();
}

}  // namespace mlq
