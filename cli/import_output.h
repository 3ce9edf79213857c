// Output of `mlq import`: the IngestResponse summary, with one row per file
// read. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// What one file contributed (mlq sends each file in its own Ingest stream).
struct ImportedFile {
  std::string path;    // "-" = standard input
  std::string format;  // LogFormatName of what its first lines looked like
  uint64_t lines = 0;  // lines sent
  uint64_t stored = 0;
  uint64_t duplicates = 0;  // already stored by an earlier import
  std::string error;        // why reading it stopped early (or was skipped), "" if fine
};

// Adds `part` (one stream's answer) to `total`: counts and families summed,
// unknown samples appended while `total` holds fewer than `max_samples`.
void MergeIngestResponse(const mlq::v1::IngestResponse& part, uint32_t max_samples,
                         mlq::v1::IngestResponse* total);

// One JSON object (no trailing newline):
//   {"lines":N,"stored":S,"duplicates":D,"unknown":U,"dry_run":false,
//    "families":{"postfix":{"lines":n,"recognized":r,"kinds":{"delivery":k}}},
//    "unknown_samples":["...",...],
//    "files":[{"path":"mail.log.1","format":"syslog","lines":n,"stored":s,
//              "duplicates":d}, ...]}
// Families and kinds sorted by name; files in the order read; a file's
// "error" only when it has one. Numbers are JSON numbers.
std::string IngestToJson(const mlq::v1::IngestResponse& r, bool dry_run,
                         const std::vector<ImportedFile>& files = {});

// A human-readable summary: totals, the files (when more than one, or one
// with an error), a table of families (most lines first) with their kinds
// (most frequent first), then the unknown samples if any. Everything from
// the server or the files (names, errors, samples) is sanitized
// (SanitizeForTerminal, format.h).
std::string IngestToText(const mlq::v1::IngestResponse& r, bool dry_run,
                         const std::vector<ImportedFile>& files = {});

}  // namespace mlq::cli
