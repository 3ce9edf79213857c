// Where the receiver hands its records. The receiver knows this interface and
// the record type, nothing else of the store (DESIGN.md, "Modules").
#pragma once

#include <vector>

#include "store/record.h"

namespace mlq {

class RecordSink {
 public:
  virtual ~RecordSink() = default;

  // Offers a batch without blocking. On success takes the records (leaves
  // `batch` empty) and returns true. When the sink is full returns false and
  // leaves `batch` untouched: a TCP/TLS caller pauses reading and offers it
  // again later; a UDP caller counts the records as dropped.
  // Thread safe.
  virtual bool TryPush(std::vector<LogRecord>& batch) = 0;
};

}  // namespace mlq
