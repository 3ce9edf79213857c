// Tells the store that one RocksDB instance has met a background error (a
// failed flush, compaction, WAL write or WAL sync), before RocksDB stops its
// writes. One watch per opened DB: a reopened DB starts with a fresh one.
#pragma once

#include <rocksdb/listener.h>

#include <atomic>
#include <mutex>
#include <string>

namespace mlq {

class BackgroundErrorWatch : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;

  // True once any background error was reported; cheap, any thread.
  bool seen() const { return seen_.load(std::memory_order_acquire); }
  // The first error's message ("" while none).
  std::string first() const;

 private:
  std::atomic<bool> seen_{false};
  mutable std::mutex mu_;
  std::string first_;  // under mu_
};

}  // namespace mlq
