#include "store/background_errors.h"

namespace mlq {

void BackgroundErrorWatch::OnBackgroundError(rocksdb::BackgroundErrorReason,
                                             rocksdb::Status* error) {
  {
    std::lock_guard lock(mu_);
    if (first_.empty()) first_ = error != nullptr ? error->ToString() : "background error";
  }
  seen_.store(true, std::memory_order_release);
}

std::string BackgroundErrorWatch::first() const {
  std::lock_guard lock(mu_);
  return first_;
}

}  // namespace mlq
