// Where the receiver hands its records. The receiver knows this interface and
// the record type, nothing else of the store (DESIGN.md, "Modules").
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "store/record.h"

namespace mlq {

class RecordSink {
 public:
  virtual ~RecordSink() = default;

  // Offers a batch without blocking. On success takes the records (leaves
  // `batch` empty) and returns true. When the sink is full, or cannot store
  // at all (see Unavailable), returns false and leaves `batch` untouched: a
  // TCP/TLS caller pauses reading and offers it again later; a UDP caller
  // counts the records as dropped.
  // Thread safe.
  virtual bool TryPush(std::vector<LogRecord>& batch) = 0;

  // Runs once per batch taken by TryPushAcked: `stored` is true once every
  // record of the batch is durably stored (an imported record that was
  // stored before counts as stored), false when the sink stopped before it
  // could store them (they are lost and were never counted as stored).
  // Called on a thread of the sink: must be quick, must not block and must
  // not call back into the sink (post the work elsewhere).
  using StoredCallback = std::function<void(bool stored)>;

  // TryPush for callers that acknowledge to their sender (RELP, Ingest):
  // on success `on_stored` is called later, as described above; on refusal
  // it is never called. Callbacks of successive batches run in push order.
  // Thread safe.
  virtual bool TryPushAcked(std::vector<LogRecord>& batch, StoredCallback on_stored) = 0;

  // For imported batches (records marked with Store::SetImportIdentity):
  // as StoredCallback, plus how many records of the batch were not written
  // because an identical imported record was stored meanwhile (another
  // import of the same lines; `stored` is still true for the batch).
  using ImportCallback = std::function<void(bool stored, size_t already_stored)>;

  // TryPushAcked with an ImportCallback, so that the caller can count what
  // its batch really added. A sink that does not deduplicate reports 0.
  // Thread safe.
  virtual bool TryPushImported(std::vector<LogRecord>& batch, ImportCallback on_stored) {
    return TryPushAcked(batch, [cb = std::move(on_stored)](bool stored) { cb(stored, 0); });
  }

  // Why the sink refuses every batch right now (e.g. "disk full: ..."), ""
  // when it takes batches (a refusal then only means "full, retry soon").
  // Callers that can answer their sender (RELP, Ingest) return this as a
  // retryable error instead of waiting. Thread safe.
  virtual std::string Unavailable() const { return ""; }
};

}  // namespace mlq
