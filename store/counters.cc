#include "store/counters.h"

namespace mlq {

Counters::Counter& Counters::Get(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return *it->second;
  Counter& c = storage_.emplace_back(0);
  by_name_.emplace(std::string(name), &c);
  return c;
}

uint64_t Counters::Value(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

std::vector<std::pair<std::string, uint64_t>> Counters::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(by_name_.size());
  for (const auto& [name, c] : by_name_) out.emplace_back(name, c->load(std::memory_order_relaxed));
  return out;
}

}  // namespace mlq
