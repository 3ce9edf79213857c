// Groups log lines into IngestRequest messages for the Ingest stream.
//
// A request is sent when it holds max_lines lines or max_bytes bytes of line
// text, and by Finish. The first request sent carries the stream options
// (host, dry_run, unknown_samples), later ones only lines; Finish sends the
// first request even when no line was added, so the server always sees the
// options. A line longer than max_line_bytes is cut to that length (mlqd
// truncates far shorter lines anyway and flags them; the cut only keeps one
// request under gRPC's message size limit).
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

struct BatchLimits {
  size_t max_lines = 1000;
  size_t max_bytes = 1 << 20;       // 1 MiB of line text per request
  size_t max_line_bytes = 2 << 20;  // 2 MiB: below gRPC's default 4 MiB receive limit
};

class IngestBatcher {
 public:
  // `send` writes one request; it returns false when the stream is broken,
  // after which the batcher sends nothing more.
  using SendFn = std::function<bool(const mlq::v1::IngestRequest&)>;

  IngestBatcher(mlq::v1::IngestRequest options, SendFn send, BatchLimits limits = {});

  // Queues a line; sends a request when one is full. False once the stream broke.
  bool Add(std::string line);

  // Sends what is queued (and the options if nothing was sent yet). False
  // once the stream broke.
  bool Finish();

  uint64_t lines() const { return lines_; }  // lines added so far
  uint64_t bytes() const { return bytes_; }  // bytes of line text added so far

 private:
  bool Send();

  mlq::v1::IngestRequest pending_;
  SendFn send_;
  BatchLimits limits_;
  size_t pending_bytes_ = 0;
  bool sent_any_ = false;
  bool broken_ = false;
  uint64_t lines_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace mlq::cli
