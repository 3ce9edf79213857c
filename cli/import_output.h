// Output of `mlq import`: the IngestResponse summary. Pure functions.
#pragma once

#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// One JSON object (no trailing newline):
//   {"lines":N,"stored":S,"unknown":U,"dry_run":false,
//    "families":{"postfix":{"lines":n,"recognized":r,"kinds":{"delivery":k}}},
//    "unknown_samples":["...",...]}
// Families and kinds sorted by name; numbers are JSON numbers.
std::string IngestToJson(const mlq::v1::IngestResponse& r, bool dry_run);

// A human-readable summary: totals, a table of families (most lines first)
// with their kinds (most frequent first), then the unknown samples if any.
std::string IngestToText(const mlq::v1::IngestResponse& r, bool dry_run);

}  // namespace mlq::cli
