#include "metrics/label_admission.h"

namespace mlq::metrics {

LabelAdmission::LabelAdmission(size_t capacity, uint64_t admit_after, size_t sketch_size)
    : capacity_(capacity),
      admit_after_(admit_after == 0 ? 1 : admit_after),
      sketch_size_(sketch_size == 0 ? 1 : sketch_size) {}

std::string_view LabelAdmission::Label(std::string_view value) const {
  auto it = admitted_.find(std::string(value));
  return it != admitted_.end() ? std::string_view(*it) : kOtherLabel;
}

void LabelAdmission::Bump(std::unordered_map<std::string, Entry>::iterator it, uint64_t n) {
  by_count_.erase({it->second.count, it->first});
  it->second.count += n;
  by_count_.emplace(it->second.count, it->first);
}

LabelAdmission::Result LabelAdmission::Observe(std::string_view value, uint64_t n) {
  std::string key(value);
  if (auto it = admitted_.find(key); it != admitted_.end()) return {*it, false};
  if (admitted_.size() >= capacity_) return {kOtherLabel, true};
  auto it = sketch_.find(key);
  if (it != sketch_.end()) {
    Bump(it, n);
  } else if (sketch_.size() < sketch_size_) {
    it = sketch_.emplace(key, Entry{}).first;
    Bump(it, n);
  } else {
    // Space-Saving: the entry with the smallest count makes room; the new
    // value inherits its count as error.
    auto smallest = by_count_.begin();
    auto victim = sketch_.find(std::string(smallest->second));
    const uint64_t floor = victim->second.count;
    by_count_.erase(smallest);
    sketch_.erase(victim);
    it = sketch_.emplace(key, Entry{floor, floor}).first;
    by_count_.emplace(floor, it->first);
    Bump(it, n);
  }
  if (it->second.count - it->second.error < admit_after_) return {kOtherLabel, false};
  by_count_.erase({it->second.count, it->first});
  sketch_.erase(it);
  const std::string& admitted = *admitted_.insert(std::move(key)).first;
  if (admitted_.size() >= capacity_) {
    sketch_.clear();
    by_count_.clear();
  }
  return {admitted, false};
}

}  // namespace mlq::metrics
