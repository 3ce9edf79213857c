#include "store/stall_clock.h"

namespace mlq {

void StallClock::OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  const bool was = !stalled_.empty();
  if (info.condition.cur == rocksdb::WriteStallCondition::kNormal) {
    stalled_.erase(info.cf_name);
  } else {
    stalled_.insert(info.cf_name);
  }
  const bool is = !stalled_.empty();
  if (!was && is) since_ = now;
  if (was && !is) total_s_ += std::chrono::duration<double>(now - since_).count();
}

double StallClock::StalledSeconds() const {
  std::lock_guard lock(mu_);
  double s = total_s_;
  if (!stalled_.empty()) {
    s += std::chrono::duration<double>(std::chrono::steady_clock::now() - since_).count();
  }
  return s;
}

}  // namespace mlq
