#include "cli/backup_output.h"

#include "cli/format.h"

namespace mlq::cli {

std::string BackupToText(const mlq::v1::BackupResponse& r) {
  return "backup " + SanitizeForTerminal(r.dir()) + ": " + GroupThousands(r.records()) +
         " records, " + HumanBytes(r.bytes()) + "\n";
}

}  // namespace mlq::cli
