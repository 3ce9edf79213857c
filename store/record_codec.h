// Compact binary encoding of a LogRecord as the value of the records CF.
//
// Layout (version 1): version byte, varint presence mask (one bit per
// optional field, in the order of kField* in record_codec.cc), then the
// present fields in that order: integers as zig-zag varints, strings as
// varint length + bytes, lists as varint count + items. Empty fields cost
// nothing. timestamp_us is not encoded: it lives in the primary key.
// RocksDB compresses the blocks on top of this.
//
// A record whose mail fields were derived by the default normalizers
// (LogRecord::mail_fields_derived: every line that arrived through
// LineParser) is stored without them, with the presence bit "derived"
// (store format 3, issue 16): DecodeRecord runs the normalizers on the
// decoded line again, so a stored line costs its raw text and what arrived
// with it, not twice its size. The normalizers are deterministic functions
// of program, format and message, so the record read back equals the
// record written (tests/receiver/intake/stored_line_test.cc checks it on
// every corpus line, fuzz/line_parser_fuzz.cc on any line). A normalizer changed by a later release
// changes what such a record shows; the index entries written with it stay
// as they were.
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

// Decodes a value written by EncodeRecord into `rec`, a new or Clear()ed
// record (timestamp_us is left as it is: the caller takes it from the key;
// a derived record's mail fields are derived again, ~0.5 us). DataLoss on
// malformed input and on presence bits this version does not know.
absl::Status DecodeRecord(std::string_view value, LogRecord* rec);

}  // namespace mlq
