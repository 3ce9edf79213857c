#include "cli/ingest_batcher.h"

#include <utility>

namespace mlq::cli {

IngestBatcher::IngestBatcher(mlq::v1::IngestRequest options, SendFn send, BatchLimits limits)
    : pending_(std::move(options)), send_(std::move(send)), limits_(limits) {
  pending_.clear_lines();
}

bool IngestBatcher::Add(std::string line) {
  if (broken_) return false;
  if (line.size() > limits_.max_line_bytes) line.resize(limits_.max_line_bytes);
  // A long line goes out on its own rather than overfilling a request.
  if (pending_.lines_size() > 0 && pending_bytes_ + line.size() > limits_.max_bytes) {
    if (!Send()) return false;
  }
  ++lines_;
  bytes_ += line.size();
  pending_bytes_ += line.size();
  pending_.add_lines(std::move(line));
  if (static_cast<size_t>(pending_.lines_size()) >= limits_.max_lines ||
      pending_bytes_ >= limits_.max_bytes) {
    return Send();
  }
  return true;
}

bool IngestBatcher::Finish() {
  if (broken_) return false;
  if (pending_.lines_size() > 0 || !sent_any_) return Send();
  return true;
}

bool IngestBatcher::Send() {
  if (!send_(pending_)) {
    broken_ = true;
    return false;
  }
  if (!sent_any_) {
    sent_any_ = true;
    pending_.Clear();  // later requests carry lines only
  } else {
    pending_.clear_lines();
  }
  pending_bytes_ = 0;
  return true;
}

}  // namespace mlq::cli
