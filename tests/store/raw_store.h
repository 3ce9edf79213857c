// A store's RocksDB opened directly, without Store, with all its column
// families: for tests that look at or change what Store wrote (its format
// mark, its level layout, the entries left in a family).
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace mlq {

struct RawStoreOptions {
  bool read_only = false;
  // For each of the four families.
  rocksdb::ColumnFamilyOptions family_options;
};

// The open database and its handles; destroys the handles, then closes the
// database.
struct RawStore {
  // The first four of `handles`, as format 1 had them (format 2's further
  // index families "index.1" ... follow).
  enum Family : size_t { kMeta = 0, kRecords = 1, kIndex = 2, kImported = 3 };

  rocksdb::Status status;  // of the open: db is null and handles empty unless ok()
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;

  rocksdb::ColumnFamilyHandle* operator[](Family f) const { return handles[f]; }
  // The family called `name` ("default", "records", "index", "imported"),
  // null for any other.
  rocksdb::ColumnFamilyHandle* Named(std::string_view name) const;

  RawStore() = default;
  RawStore(RawStore&& other) noexcept;
  RawStore& operator=(RawStore&&) = delete;
  ~RawStore();
};

// Opens the store at `path`; check .status before using .db.
RawStore OpenRawStore(const std::string& path, const RawStoreOptions& options = {});

// The entries in one family ("records", "index", "index.1", ...,
// "imported", "default"; "index*" for all the index's families) of `store`: a checkpoint of it made
// in `dir` (which must not exist), opened raw and read-only. A failure is a test failure, and 0.
size_t CountEntries(const Store& store, const std::string& dir, std::string_view family);

// A metadata value encoded as store.cc encodes its numbers (8 bytes,
// little-endian; store/ does not export EncodeU64).
std::string RawU64(uint64_t v);

// The metadata value under `key` (the default family) of the closed store at
// `path`, read raw and read-only; nullopt when absent. A failed open or read
// is a test failure, and nullopt.
std::optional<std::string> RawMeta(const std::string& path, std::string_view key);

}  // namespace mlq
