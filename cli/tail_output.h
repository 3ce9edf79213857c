// Output of `mlq tail`: the rows of `mlq find`'s table (find_output.h),
// printed as records arrive. Column widths start at the header's and only
// grow (up to find's caps), so a stream stays mostly aligned without
// knowing its rows in advance. JSON output is RecordToJson per line. Every
// cell goes through SanitizeForTerminal (format.h).
// A value type; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// The note printed on stderr when mlqd dropped lines for a slow reader:
// "mlq: mlqd dropped <count> lines this tail could not take in time\n",
// `count` being the server's trailer value (sanitized).
std::string TailDroppedNote(std::string_view count);

class TailTable {
 public:
  explicit TailTable(bool utc) : utc_(utc) {}

  // The lines for `records`, each ending in '\n'; the first call starts
  // with the header line TIME HOST PROGRAM[PID] QUEUE ID EVENT MESSAGE.
  std::string Rows(const google::protobuf::RepeatedPtrField<mlq::v1::Record>& records);

 private:
  bool utc_;
  bool header_done_ = false;
  std::vector<size_t> width_;  // current padded width of every column but the last
};

}  // namespace mlq::cli
