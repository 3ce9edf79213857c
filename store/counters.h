// Named monotonic counters shared by the receiver, the writer and the query
// service; `mlq status` shows them.
//
// Thread safety: Get() may be called from any thread; it takes a lock, so
// hot paths call it once and keep the returned reference, which stays valid
// for the lifetime of the Counters object. Increments are relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlq {

class Counters {
 public:
  using Counter = std::atomic<uint64_t>;

  // The counter called `name`, created at zero on first use. Names are
  // dotted paths: "received.tcp", "dropped.queue_full", "frames.oversize".
  Counter& Get(std::string_view name);

  // Current value, 0 when the counter does not exist.
  uint64_t Value(std::string_view name) const;

  // All counters, sorted by name.
  std::vector<std::pair<std::string, uint64_t>> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::deque<Counter> storage_;  // stable addresses
  std::map<std::string, Counter*, std::less<>> by_name_;
};

}  // namespace mlq
