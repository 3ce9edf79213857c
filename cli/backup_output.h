// Output of `mlq backup`. A pure function; thread-safe.
#pragma once

#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// The one line for people, ending in '\n':
//   "backup /var/backups/mlq-2026-12-06: 1,234 records, 3.0 MiB"
// The folder, as mlqd names it, is sanitized (SanitizeForTerminal).
std::string BackupToText(const mlq::v1::BackupResponse& r);

}  // namespace mlq::cli
