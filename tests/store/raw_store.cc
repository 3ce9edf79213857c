#include "store/raw_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace mlq {

RawStore OpenRawStore(const std::string& path, const RawStoreOptions& options) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name :
       {rocksdb::kDefaultColumnFamilyName.c_str(), "records", "index", "imported"}) {
    cfs.emplace_back(name, options.family_options);
  }
  // Then the others the store has (the index's further families, format 2).
  std::vector<std::string> names;
  if (rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok()) {
    for (const std::string& name : names) {
      auto known = [&](const rocksdb::ColumnFamilyDescriptor& d) { return d.name == name; };
      if (std::find_if(cfs.begin(), cfs.end(), known) == cfs.end()) {
        cfs.emplace_back(name, options.family_options);
      }
    }
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

size_t CountEntries(const Store& store, const std::string& dir, std::string_view family) {
  EXPECT_TRUE(store.Checkpoint(dir).ok());
  RawStoreOptions options;
  options.read_only = true;
  RawStore raw = OpenRawStore(dir, options);
  EXPECT_TRUE(raw.status.ok()) << raw.status.ToString();
  if (!raw.status.ok()) return 0;
  // "index*": the whole index, "index", "index.1", ...
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (auto* h : raw.handles) {
    const std::string& name = h->GetName();
    if (name == family || (family == "index*" && name.starts_with("index"))) families.push_back(h);
  }
  EXPECT_FALSE(families.empty()) << family;
  size_t n = 0;
  for (auto* handle : families) {
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  }
  return n;
}

std::string RawU64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::optional<std::string> RawMeta(const std::string& path, std::string_view key) {
  RawStoreOptions options;
  options.read_only = true;
  RawStore raw = OpenRawStore(path, options);
  EXPECT_TRUE(raw.status.ok()) << raw.status.ToString();
  if (!raw.status.ok()) return std::nullopt;
  std::string v;
  rocksdb::Status s = raw.db->Get(rocksdb::ReadOptions(), raw[RawStore::kMeta],
                                  rocksdb::Slice(key.data(), key.size()), &v);
  EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
  if (!s.ok()) return std::nullopt;
  return v;
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
