// The index split into Store::kIndexShards column families (format 2): a
// term's entries all go to one family, every lookup finds what a brute-force
// filter over the records finds, and a format 1 store written by the last
// release of that format (tests/data/store/v1_store.tar.gz) opens, upgraded
// in place or read-only, and answers the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/scan.h"
#include "store/keys.h"
#include "store/raw_store.h"
#include "store/sample_records.h"
#include "store/store.h"
#include "test_util.h"

namespace mlq {
namespace {

constexpr const char* kIndexFamilies[] = {"index", "index.1", "index.2", "index.3"};
static_assert(std::size(kIndexFamilies) == Store::kIndexShards);

TEST(IndexShardKeys, AQueueIdHasOneShardOnEveryHost) {
  const std::string pk = keys::PrimaryKey(1751328000000000, 7);
  std::set<size_t> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string q = "4Q" + std::to_string(i);
    const size_t any = keys::IndexShardOfPrefix(keys::QueuePrefixAnyHost(q), Store::kIndexShards);
    std::string link_any = keys::QueuePrefixAnyHost(q);
    link_any[0] = static_cast<char>(keys::IndexKind::kLink);
    const size_t link = keys::IndexShardOfPrefix(link_any, Store::kIndexShards);
    for (const char* host : {"mx1", "mx2", "relay.example.org", ""}) {
      const std::string term = keys::QueueTerm(q, host);
      EXPECT_EQ(keys::IndexShardOfKey(keys::IndexKey(keys::IndexKind::kQueueId, term, pk),
                                      Store::kIndexShards),
                any)
          << q << " on " << host;
      EXPECT_EQ(keys::IndexShardOfPrefix(keys::IndexPrefix(keys::IndexKind::kQueueId, term),
                                         Store::kIndexShards),
                any);
      EXPECT_EQ(keys::IndexShardOfKey(keys::IndexKey(keys::IndexKind::kLink, term, pk),
                                      Store::kIndexShards),
                link);
    }
    seen.insert(any);
  }
  EXPECT_EQ(seen.size(), Store::kIndexShards) << "queue IDs use every family";
}

TEST(IndexShardKeys, KeysAndPrefixesAgreeAndTermsSpreadEvenly) {
  const std::string pk = keys::PrimaryKey(1751328000000000, 7);
  std::array<int, Store::kIndexShards> per_shard{};
  constexpr int kTerms = 4000;
  for (int i = 0; i < kTerms; ++i) {
    const std::string id = "m" + std::to_string(i) + "@example.org";
    const size_t shard = keys::IndexShardOfPrefix(
        keys::IndexPrefix(keys::IndexKind::kMessageId, id), Store::kIndexShards);
    ASSERT_LT(shard, Store::kIndexShards);
    EXPECT_EQ(keys::IndexShardOfKey(keys::IndexKey(keys::IndexKind::kMessageId, id, pk),
                                    Store::kIndexShards),
              shard);
    ++per_shard[shard];
    // A process term has 0x00 inside: the whole term decides, not the host.
    const std::string process = keys::ProcessTerm("mx1", "postfix/smtpd", std::to_string(i));
    EXPECT_EQ(keys::IndexShardOfKey(keys::IndexKey(keys::IndexKind::kProcess, process, pk),
                                    Store::kIndexShards),
              keys::IndexShardOfPrefix(keys::IndexPrefix(keys::IndexKind::kProcess, process),
                                       Store::kIndexShards));
  }
  for (int n : per_shard) {
    EXPECT_GT(n, kTerms / 4 * 8 / 10) << "within 20 % of an even share";
    EXPECT_LT(n, kTerms / 4 * 12 / 10);
  }
  EXPECT_EQ(keys::IndexShardOfPrefix("", Store::kIndexShards), 0u);
  EXPECT_EQ(keys::IndexShardOfKey("short", Store::kIndexShards), 0u);
  EXPECT_EQ(keys::IndexShardOfPrefix("m<x>", 1), 0u);
}

std::vector<LogRecord> Records(int first, int count) {
  std::vector<LogRecord> out;
  for (int n = first; n < first + count; ++n) out.push_back(sample::Record(n));
  return out;
}

// Whether `r` is what `q` asks for, decided from the record's fields.
bool Matches(const FindQuery& q, const LogRecord& r) {
  if (q.since_us != 0 && r.timestamp_us < q.since_us) return false;
  switch (q.kind) {
    case keys::IndexKind::kQueueId:
      return r.queue_id == q.term && (q.host.empty() || r.host == q.host);
    case keys::IndexKind::kMessageId:
      return r.message_id == q.term;
    case keys::IndexKind::kAddress:
      return scan::LowerCopy(r.from) == scan::LowerCopy(q.term) ||
             std::any_of(r.to.begin(), r.to.end(), [&](const std::string& t) {
               return scan::LowerCopy(t) == scan::LowerCopy(q.term);
             });
    case keys::IndexKind::kClientIp:
      return r.client_ip == q.term;
    case keys::IndexKind::kSaslUser:
      return !r.sasl_user.empty() && scan::LowerCopy(r.sasl_user) == scan::LowerCopy(q.term);
    case keys::IndexKind::kLink:
      return std::any_of(r.links.begin(), r.links.end(), [&](const Link& l) {
        return l.queue_id == q.term && (q.host.empty() || r.host == q.host);
      });
    case keys::IndexKind::kProcess:
      return r.program.ends_with("/smtpd") && keys::ProcessTerm(r.host, r.program, r.pid) == q.term;
  }
  return false;
}

// Every lookup each record's fields allow, with and without host, each
// compared with the brute-force answer (message-ids in time order). Records
// before `since_us` are expected to be gone.
void ExpectEveryLookupAnswers(const Store& store, const std::vector<LogRecord>& records,
                              int64_t since_us = 0) {
  std::set<std::string> asked;
  size_t lookups = 0;
  for (const LogRecord& r : records) {
    std::vector<FindQuery> queries = {
        {.kind = keys::IndexKind::kQueueId, .term = r.queue_id, .host = r.host},
        {.kind = keys::IndexKind::kQueueId, .term = r.queue_id},
        {.kind = keys::IndexKind::kMessageId, .term = r.message_id},
        {.kind = keys::IndexKind::kAddress, .term = r.from},
        {.kind = keys::IndexKind::kAddress, .term = r.to[0]},
        {.kind = keys::IndexKind::kClientIp, .term = r.client_ip},
    };
    if (!r.sasl_user.empty())
      queries.push_back({.kind = keys::IndexKind::kSaslUser, .term = r.sasl_user});
    for (const Link& l : r.links) {
      queries.push_back({.kind = keys::IndexKind::kLink, .term = l.queue_id, .host = r.host});
      queries.push_back({.kind = keys::IndexKind::kLink, .term = l.queue_id});
    }
    if (r.program.ends_with("/smtpd")) {
      queries.push_back(
          {.kind = keys::IndexKind::kProcess, .term = keys::ProcessTerm(r.host, r.program, r.pid)});
    }
    for (FindQuery q : queries) {
      const std::string id = std::string(1, static_cast<char>(q.kind)) + q.term + '|' + q.host;
      if (!asked.insert(id).second) continue;
      std::vector<std::string> want;
      q.since_us = since_us;
      for (const LogRecord& c : records) {
        if (Matches(q, c)) want.push_back(c.message_id);
      }
      q.since_us = 0;  // the store's own cutoff must hide the rest
      auto found = store.Find(q);
      ASSERT_TRUE(found.ok()) << found.status();
      std::vector<std::string> got;
      for (const StoredRecord& s : found->records) got.push_back(s.record.message_id);
      EXPECT_EQ(got, want) << "kind " << static_cast<char>(q.kind) << " term " << q.term << " host "
                           << q.host;
      EXPECT_FALSE(found->truncated);
      ++lookups;
    }
  }
  EXPECT_GT(lookups, records.size()) << "every kind asked";
}

class IndexShardsTest : public ::testing::Test {
 protected:
  // tests/data/store/v1_store.tar.gz unpacked into `dir_`; its path.
  std::string UnpackV1Store() {
    const std::string cmd =
        "tar -xzf '" + testing::TestData("store/v1_store.tar.gz") + "' -C '" + dir_.path() + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return dir_.path() + "/v1_store";
  }
  testing::TempDir dir_;
};

TEST_F(IndexShardsTest, ANewStoreSpreadsTheIndexAndFindsEveryTerm) {
  auto store = Store::Open({.path = dir_.path() + "/s", .sync_writes = false});
  ASSERT_TRUE(store.ok()) << store.status();
  for (int day = 0; day < sample::kDays; ++day) ASSERT_TRUE((*store)->Write(sample::Day(day)).ok());
  const std::vector<LogRecord> records = Records(0, sample::kPerDay * sample::kDays);
  ExpectEveryLookupAnswers(**store, records);

  size_t terms = 0;
  for (const LogRecord& r : records) terms += Store::IndexTerms(r).size();
  size_t total = 0;
  for (size_t i = 0; i < Store::kIndexShards; ++i) {
    const size_t n =
        CountEntries(**store, dir_.path() + "/cp" + std::to_string(i), kIndexFamilies[i]);
    EXPECT_GT(n, terms / Store::kIndexShards / 2) << kIndexFamilies[i] << " gets its share";
    total += n;
  }
  EXPECT_EQ(total, terms) << "each entry in exactly one family";
  EXPECT_EQ(RawMeta(dir_.path() + "/s", "legacy_index_until"), std::nullopt)
      << "a new store has no format 1 entries";
}

TEST_F(IndexShardsTest, TheLastFormat1StoreIsUpgradedAndAnswersEveryLookup) {
  const std::string path = UnpackV1Store();
  ASSERT_EQ(RawMeta(path, "format"), RawU64(1));
  const std::vector<LogRecord> old = Records(0, sample::kPerDay * sample::kDays);
  {
    auto store = Store::Open({.path = path, .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_FALSE((*store)->read_only());
    EXPECT_EQ((*store)->RecordCount(), old.size());
    ExpectEveryLookupAnswers(**store, old);
  }
  EXPECT_EQ(RawMeta(path, "format"), RawU64(Store::kFormatVersion));
  EXPECT_EQ(RawMeta(path, "legacy_index_until"), RawU64(old.back().timestamp_us + 1))
      << "format 1's entries end after its newest record";

  // Reopened (the upgrade is done once) and written to: old entries in
  // "index", new ones in their families, each lookup merges them in time
  // order, and a limit keeps the oldest.
  auto store = Store::Open({.path = path, .sync_writes = false});
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write(sample::Day(sample::kDays)).ok());
  const std::vector<LogRecord> all = Records(0, sample::kPerDay * (sample::kDays + 1));
  ExpectEveryLookupAnswers(**store, all);
  const std::string sender = sample::Record(0).from;
  auto limited = (*store)->Find({.kind = keys::IndexKind::kAddress, .term = sender, .limit = 4});
  ASSERT_TRUE(limited.ok()) << limited.status();
  ASSERT_EQ(limited->records.size(), 4u);
  EXPECT_TRUE(limited->truncated);
  std::vector<std::string> want;
  for (const LogRecord& r : all) {
    if (r.from == sender && want.size() < 4) want.push_back(r.message_id);
  }
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(limited->records[i].record.message_id, want[i]);

  // Retention past the first day: neither family returns its records.
  const int64_t day1 = sample::kFirstDayUs + sample::kDayUs;
  ASSERT_TRUE((*store)->DeleteBefore(day1).ok());
  ASSERT_TRUE((*store)->CompactIndex().ok());
  ExpectEveryLookupAnswers(**store, all, day1);
}

TEST_F(IndexShardsTest, AFormat1StoreOpenedReadOnlyAnswersAndStaysFormat1) {
  const std::string path = UnpackV1Store();
  {
    // No room to open for writing (a reserve larger than any disk): served
    // read-only, as on a full disk.
    auto store = Store::Open({.path = path, .sync_writes = false, .reserve_bytes = 1ull << 62});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->read_only());
    ExpectEveryLookupAnswers(**store, Records(0, sample::kPerDay * sample::kDays));
  }
  EXPECT_EQ(RawMeta(path, "format"), RawU64(1)) << "a read-only open writes nothing";
}

TEST_F(IndexShardsTest, AStoreOfALaterFormatWithMoreFamiliesIsRefusedByItsFormat) {
  const std::string path = dir_.path() + "/s";
  {
    auto store = Store::Open({.path = path, .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Write(sample::Day(0)).ok());
  }
  {
    // As a later format might leave it: a family this mlqd does not know,
    // and its mark.
    RawStore raw = OpenRawStore(path);
    ASSERT_TRUE(raw.status.ok()) << raw.status.ToString();
    rocksdb::ColumnFamilyHandle* extra = nullptr;
    ASSERT_TRUE(raw.db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "blocks", &extra).ok());
    ASSERT_TRUE(raw.db->DestroyColumnFamilyHandle(extra).ok());
    ASSERT_TRUE(raw.db
                    ->Put(rocksdb::WriteOptions(), raw[RawStore::kMeta], "format",
                          RawU64(Store::kFormatVersion + 1))
                    .ok());
  }
  auto store = Store::Open({.path = path, .sync_writes = false});
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
  EXPECT_NE(
      store.status().message().find("has format " + std::to_string(Store::kFormatVersion + 1)),
      std::string::npos)
      << store.status();
}

}  // namespace
}  // namespace mlq
