// Page tokens of Find: opaque, URL-safe text holding the query's fingerprint
// (QueryFingerprint in filter.h) and the primary key to resume after.
//
// Kept apart from finder.h so that it needs neither gRPC nor RocksDB: the
// fuzz target fuzz/page_token_fuzz.cc builds it on its own.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mlq {

std::string EncodePageToken(uint64_t fingerprint, std::string_view resume_after);

// The resume key of `token` (always keys::kPrimaryKeySize bytes).
// InvalidArgument when the token is malformed or was made for a query with
// another fingerprint.
absl::StatusOr<std::string> DecodePageToken(std::string_view token, uint64_t fingerprint);

}  // namespace mlq
