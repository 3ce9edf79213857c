// proto <-> record conversion, in one place (DESIGN.md, "Modules").
#pragma once

#include <string>
#include <string_view>

#include "mlq/v1/query.pb.h"
#include "store/record.h"

namespace mlq {

// Fills `out` from a stored record and its primary key (hex-encoded into
// Record.key).
void RecordToProto(std::string_view primary_key, const LogRecord& rec, v1::Record* out);

// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace mlq
