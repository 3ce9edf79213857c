// Compact binary encoding of a LogRecord as the value of the records CF.
//
// Layout (version 1): version byte, varint presence mask (one bit per
// optional field, in the order of kField* in record_codec.cc), then the
// present fields in that order: integers as zig-zag varints, strings as
// varint length + bytes, lists as varint count + items. Empty fields cost
// nothing. timestamp_us is not encoded: it lives in the primary key.
// RocksDB compresses the blocks on top of this.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "store/record.h"

namespace mlq {

// Appends the encoding of `rec` (minus timestamp_us) to `out`.
void EncodeRecord(const LogRecord& rec, std::string* out);

// Decodes a value written by EncodeRecord into `rec` (timestamp_us is left as
// it is: the caller takes it from the key). DataLoss on malformed input.
absl::Status DecodeRecord(std::string_view value, LogRecord* rec);

}  // namespace mlq
