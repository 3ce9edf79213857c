#include "store/raw_store.h"

#include <gtest/gtest.h>

#include <utility>

namespace mlq {

RawStore OpenRawStore(const std::string& path, const RawStoreOptions& options) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name :
       {rocksdb::kDefaultColumnFamilyName.c_str(), "records", "index", "imported"}) {
    cfs.emplace_back(name, options.family_options);
  }
  RawStore out;
  rocksdb::DB* raw = nullptr;
  out.status =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, cfs, &out.handles, &raw)
          : rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &out.handles, &raw);
  out.db.reset(raw);
  return out;
}

rocksdb::ColumnFamilyHandle* RawStore::Named(std::string_view name) const {
  for (auto* h : handles) {
    if (h->GetName() == name) return h;
  }
  return nullptr;
}

RawStore::RawStore(RawStore&& other) noexcept
    : status(std::move(other.status)),
      db(std::move(other.db)),
      handles(std::exchange(other.handles, {})) {}

RawStore::~RawStore() {
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
}

}  // namespace mlq
