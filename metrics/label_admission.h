// Which values of one label (a sending host, a recipient domain) get a
// series of their own, so that a hostile sender cannot grow the number of
// series or the memory: at most `capacity` values are ever admitted; every
// other value is counted under "other".
//
// The rule (admission by volume, never by first arrival alone): values not
// yet admitted are counted in a Space-Saving sketch of `sketch_size`
// entries (Metwally et al., 2005: a value's estimate never undercounts it,
// and overcounts it by at most the count of the entry it replaced, its
// `error`). A value is admitted once its guaranteed count (estimate minus
// error) reaches `admit_after`, while fewer than `capacity` values are
// admitted. Admission is for good: a value, once admitted, keeps its
// series, so every counter stays monotonic. What a value counted before it
// was admitted stays in "other". A flood of distinct values, each seen a
// few times, keeps replacing sketch entries, so their guaranteed counts
// stay near zero and none is admitted; a value that really carries volume
// keeps its entry and gets in. Once `capacity` values are admitted the
// sketch is dropped and nothing more is admitted.
//
// Memory: at most capacity + sketch_size values, each at most
// kMaxLabelValueBytes long (values are cleaned by CleanLabelValue first).
// Work per observation: O(log sketch_size).
//
// Not thread-safe (mail_metrics.h uses it under its lock).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace mlq::metrics {

inline constexpr std::string_view kOtherLabel = "other";

class LabelAdmission {
 public:
  LabelAdmission(size_t capacity, uint64_t admit_after, size_t sketch_size);

  struct Result {
    std::string_view label;  // the admitted value, or kOtherLabel
    bool overflow = false;   // not admitted because `capacity` values already are
  };

  // Counts `n` occurrences of `value` (already cleaned) and returns its label.
  // The view stays valid for the object's lifetime.
  Result Observe(std::string_view value, uint64_t n = 1);

  // The label of `value` without counting it.
  std::string_view Label(std::string_view value) const;

  size_t admitted() const { return admitted_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    uint64_t count = 0;
    uint64_t error = 0;
  };
  void Bump(std::unordered_map<std::string, Entry>::iterator it, uint64_t n);

  size_t capacity_;
  uint64_t admit_after_;
  size_t sketch_size_;
  std::unordered_set<std::string> admitted_;  // node-based: views stay valid
  std::unordered_map<std::string, Entry> sketch_;
  std::set<std::pair<uint64_t, std::string_view>> by_count_;  // (count, key) of sketch_
};

}  // namespace mlq::metrics
