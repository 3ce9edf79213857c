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

// Makes every `string` field of `m` (recursively, maps and repeated fields
// included) valid UTF-8, replacing invalid byte runs with U+FFFD. gRPC peers
// reject messages whose strings are not UTF-8; records derived from lines
// flagged kFlagInvalidUtf8 pass through here before they leave the service.
void RepairUtf8(google::protobuf::Message* m);

// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace mlq
