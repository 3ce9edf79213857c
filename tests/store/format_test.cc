// The store's format mark (Store::kFormatVersion): written into a new store
// and into one written before the mark existed, and a store of any other
// format refused with a message that says which, instead of misread.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/keys.h"
#include "store/raw_store.h"
#include "store/store.h"
#include "test_util.h"

namespace mlq {
namespace {

constexpr char kFormatKey[] = "format";

// Opens the store's RocksDB directly, without Store, and runs `f` on its
// metadata family (the default one).
void WithRawMeta(const std::string& dir,
                 const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& f) {
  RawStore raw = OpenRawStore(dir);
  ASSERT_TRUE(raw.status.ok()) << raw.status.ToString();
  f(raw.db.get(), raw[RawStore::kMeta]);
}

std::optional<std::string> RawFormat(const std::string& dir) { return RawMeta(dir, kFormatKey); }

void SetRawFormat(const std::string& dir, std::optional<std::string> value) {
  WithRawMeta(dir, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta) {
    rocksdb::Status s = value ? db->Put(rocksdb::WriteOptions(), meta, kFormatKey, *value)
                              : db->Delete(rocksdb::WriteOptions(), meta, kFormatKey);
    ASSERT_TRUE(s.ok()) << s.ToString();
  });
}

LogRecord Line(int n) {
  LogRecord r;
  r.timestamp_us = r.received_us = 1751738220000000 + n;
  r.host = "mx1";
  r.program = "postfix/qmgr";
  r.queue_id = "Q" + std::to_string(n);
  r.raw = "<22>Jul  5 17:57:08 mx1 postfix/qmgr[7]: Q" + std::to_string(n) + ": removed";
  return r;
}

class FormatTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<Store>> Open() {
    return Store::Open({.path = path_, .sync_writes = false});
  }
  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/store";
};

TEST_F(FormatTest, ANewStoreIsMarkedWithTheCurrentFormat) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status();
  }
  EXPECT_EQ(RawFormat(path_), RawU64(Store::kFormatVersion));
}

TEST_F(FormatTest, AStoreWithoutAMarkIsFormatOneAndKeepsItsLines) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_TRUE((*s)->Write({Line(1), Line(2)}).ok());
  }
  SetRawFormat(path_, std::nullopt);  // as written before the mark existed
  ASSERT_EQ(RawFormat(path_), std::nullopt);
  auto s = Open();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->RecordCount(), 2u);
  s->reset();
  // Format 1 (every index entry in "index"), upgraded on the writable open
  // (index_shards_test.cc checks the lookups of such a store).
  EXPECT_EQ(RawFormat(path_), RawU64(Store::kFormatVersion)) << "marked on the writable open";
}

TEST_F(FormatTest, AFormat2StoreBecomesFormat3OnTheWritableOpenOnly) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_TRUE((*s)->Write({Line(1), Line(2)}).ok());
  }
  SetRawFormat(path_, RawU64(2));
  {
    // No room to open for writing (a reserve larger than any disk): read
    // as it is, as on a full disk.
    auto s = Store::Open({.path = path_, .sync_writes = false, .reserve_bytes = 1ull << 62});
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_TRUE((*s)->read_only());
    EXPECT_EQ((*s)->RecordCount(), 2u);
  }
  EXPECT_EQ(RawFormat(path_), RawU64(2)) << "a read-only open writes nothing";
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status();
    auto found = (*s)->Find({.kind = keys::IndexKind::kQueueId, .term = "Q2"});
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_EQ(found->records.size(), 1u);
    EXPECT_EQ(found->records[0].record, Line(2));
  }
  EXPECT_EQ(RawFormat(path_), RawU64(3)) << "marked, so a format 2 mlqd refuses it";
}

TEST_F(FormatTest, ANewerFormatIsRefusedAndLeftAsItIs) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_TRUE((*s)->Write({Line(1)}).ok());
  }
  SetRawFormat(path_, RawU64(Store::kFormatVersion + 1));
  auto s = Open();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(s.status())) << s.status();
  const std::string msg(s.status().message());
  EXPECT_NE(msg.find("has format " + std::to_string(Store::kFormatVersion + 1)), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("reads format " + std::to_string(Store::kFormatVersion)), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(path_), std::string::npos) << msg;
  EXPECT_EQ(RawFormat(path_), RawU64(Store::kFormatVersion + 1)) << "not rewritten";
}

TEST_F(FormatTest, AnUnreadableMarkIsRefused) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status();
  }
  SetRawFormat(path_, std::string("v2"));
  auto s = Open();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("(unreadable)"), std::string::npos)
      << s.status();
}

// A store written with the previous table options (records with LZ4 above
// the last level, the index in fixed-size levels with data in L1, as
// RocksDB's defaults put it) opens with today's options and answers.
TEST_F(FormatTest, AStoreWithTheOldLevelLayoutOpensAndAnswers) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status();
    std::vector<LogRecord> lines;
    for (int i = 0; i < 500; ++i) lines.push_back(Line(i));
    ASSERT_TRUE((*s)->Write(lines).ok());
  }
  {
    // As the old options left it: every family's files moved into L1 by a
    // compaction with fixed level sizes.
    RawStoreOptions old;
    old.family_options.compression = rocksdb::kLZ4Compression;
    old.family_options.level_compaction_dynamic_level_bytes = false;
    RawStore raw = OpenRawStore(path_, old);
    ASSERT_TRUE(raw.status.ok()) << raw.status.ToString();
    rocksdb::CompactRangeOptions cro;
    cro.change_level = true;
    cro.target_level = 1;
    for (auto* h : raw.handles) ASSERT_TRUE(raw.db->CompactRange(cro, h, nullptr, nullptr).ok());
    std::string files;
    ASSERT_TRUE(raw.db->GetProperty(raw[RawStore::kIndex], "rocksdb.num-files-at-level1", &files));
    EXPECT_NE(files, "0") << "the index is in L1";
  }
  auto s = Open();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->RecordCount(), 500u);
  auto found = (*s)->Find({.kind = keys::IndexKind::kQueueId, .term = "Q123"});
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->records.size(), 1u);
  EXPECT_EQ(found->records[0].record.queue_id, "Q123");
  // And it keeps taking lines.
  ASSERT_TRUE((*s)->Write({Line(1000)}).ok());
  EXPECT_EQ((*s)->RecordCount(), 501u);
}

}  // namespace
}  // namespace mlq
