// How long RocksDB has held writes back: a rocksdb::EventListener that adds
// up the time during which at least one column family's write stall
// condition was not normal (delayed or stopped), for the metric
// mlq_rocksdb_stall_seconds_total.
//
// Thread safety: RocksDB calls OnStallConditionsChanged from its threads;
// StalledSeconds() may be called from any thread.
#pragma once

#include <rocksdb/listener.h>

#include <chrono>
#include <mutex>
#include <set>
#include <string>

namespace mlq {

class StallClock : public rocksdb::EventListener {
 public:
  void OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) override;

  // Seconds stalled since the clock was made, the current stall included.
  double StalledSeconds() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> stalled_;                // column families not in the normal condition
  std::chrono::steady_clock::time_point since_;  // when stalled_ became non-empty
  double total_s_ = 0;
};

}  // namespace mlq
