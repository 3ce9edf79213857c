// A parsed line stored without its mail fields (store format 3,
// store/record_codec.h) reads back as the record LineParser built: over
// every line of ../shared/corpus, which other people wrote.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "coverage/corpus_files.h"
#include "coverage/daemon_path.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/raw_store.h"
#include "store/record_codec.h"
#include "store/store.h"
#include "test_util.h"

namespace mlq {
namespace {

const std::string kCorpus = std::string(MLQ_SOURCE_DIR) + "/../shared/corpus";

// Encodes `rec` and decodes it into a new record, as the store does (the
// event time comes from the key).
LogRecord RoundTrip(const LogRecord& rec, size_t* bytes) {
  std::string value;
  EncodeRecord(rec, &value);
  *bytes += value.size();
  LogRecord back;
  back.timestamp_us = rec.timestamp_us;
  absl::Status st = DecodeRecord(value, &back);
  EXPECT_TRUE(st.ok()) << st << " for " << rec.raw;
  return back;
}

TEST(StoredLineTest, EveryCorpusLineReadsBackAsParsedAndCostsLess) {
  const std::vector<std::string> folders = testing::MailFolders(kCorpus);
  MLQ_REQUIRE_CORPUS(!folders.empty(), "no corpus at " << kCorpus);
  testing::DaemonPath path;
  size_t lines = 0, normalized = 0, differ = 0, derived_bytes = 0, full_bytes = 0;
  for (const std::string& folder : folders) {
    for (const testing::CorpusFile& file : testing::ReadMailFolder(kCorpus, folder)) {
      for (const testing::CorpusLine& line : file.lines) {
        LogRecord rec;
        if (line.program.empty()) {
          rec = path.Line(line.text);
          ASSERT_TRUE(rec.mail_fields_derived) << "LineParser with the default table marks it";
        } else {
          rec = path.Body(line.program, line.text);  // what LineParser does after the header
          rec.mail_fields_derived = true;
        }
        ++lines;
        if (!rec.family.empty()) ++normalized;
        LogRecord back = RoundTrip(rec, &derived_bytes);
        if (!(back == rec)) {
          if (++differ <= 5) ADD_FAILURE() << folder << "/" << file.name << ": " << line.text;
        }
        LogRecord full = rec;
        full.mail_fields_derived = false;
        EXPECT_EQ(RoundTrip(full, &full_bytes), full) << line.text;
      }
    }
  }
  EXPECT_EQ(differ, 0u) << "of " << lines << " lines";
  EXPECT_GT(lines, 40000u) << "the corpus held " << lines << " lines";
  EXPECT_GT(normalized, lines / 2);
  // Printed for docs/PERFORMANCE.md; the bound only says the mail fields
  // are gone from the values.
  std::printf(
      "%zu lines (%zu normalized): %.1f bytes per value with the mail fields, %.1f without\n",
      lines, normalized, static_cast<double>(full_bytes) / lines,
      static_cast<double>(derived_bytes) / lines);
  EXPECT_LT(derived_bytes, full_bytes * 9 / 10);
}

TEST(StoredLineTest, OnlyTheDefaultTableMarksALineDerived) {
  Counters counters;
  LineSource src{.transport = Transport::kTcp, .peer = "192.0.2.1:4000", .peer_host = "192.0.2.1"};
  const std::string line = "<22>Nov 22 11:00:00 mx1 postfix/qmgr[2]: 4JNS6h47X1z9p1k: removed";
  LineParser with_default(&DefaultNormalizers(), &counters);
  EXPECT_TRUE(with_default.Parse(line, 0, src, 1795348800LL * 1000000).mail_fields_derived);
  NormalizerTable own;  // another table's fields cannot be derived from the line again
  LineParser with_own(&own, &counters);
  EXPECT_FALSE(with_own.Parse(line, 0, src, 1795348800LL * 1000000).mail_fields_derived);
  LineParser without(nullptr, &counters);
  EXPECT_FALSE(without.Parse(line, 0, src, 1795348800LL * 1000000).mail_fields_derived);
}

TEST(StoredLineTest, ADerivedValueKeepsTheEventTimeAndFlagsItWasStoredWith) {
  // An Exim mainlog line read from a file carries its own time, which the
  // normalizer puts in timestamp_us; what is stored is the key's time, and
  // reading must not replace it (e.g. after the year or zone was decided).
  testing::DaemonPath path;
  LogRecord rec = path.Line("2023-05-30 06:10:13 1q3tbt-0001Ad-2u Completed");
  ASSERT_EQ(rec.family, "exim");
  ASSERT_TRUE(rec.mail_fields_derived);
  std::string value;
  EncodeRecord(rec, &value);
  LogRecord back;
  back.timestamp_us = rec.timestamp_us + 3600LL * 1000000;  // as a key would say
  ASSERT_TRUE(DecodeRecord(value, &back).ok());
  EXPECT_EQ(back.timestamp_us, rec.timestamp_us + 3600LL * 1000000);
  EXPECT_EQ(back.flags, rec.flags);
  EXPECT_EQ(back.queue_id, rec.queue_id);
  EXPECT_EQ(back.event, rec.event);
}

// The mail fields of `rec` as reading a format 3 value would derive them.
LogRecord Derived(const LogRecord& rec) {
  LogRecord d = rec;
  d.ClearMailFields();
  DefaultNormalizers().Normalize(d);
  d.timestamp_us = rec.timestamp_us;
  d.flags = rec.flags;
  d.mail_fields_derived = rec.mail_fields_derived;
  return d;
}

// tests/data/store/v2_store.tar.gz: lines of the corpus imported by the
// last format 2 release (its README.md), every field stored. Opened by
// this release it becomes format 3; its records read as they were
// written, agree with what derivation gives today, and new lines stored
// beside them read back whole.
TEST(StoredLineTest, TheLastFormat2StoreOpensAsFormat3AndReadsAsWritten) {
  testing::TempDir dir;
  const std::string cmd =
      "tar -xzf '" + testing::TestData("store/v2_store.tar.gz") + "' -C '" + dir.path() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string path = dir.path() + "/v2_store";
  ASSERT_EQ(RawMeta(path, "format"), RawU64(2));
  std::string new_key;
  LogRecord fresh;
  {
    auto store = Store::Open({.path = path, .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_FALSE((*store)->read_only());
    EXPECT_EQ((*store)->RecordCount(), 4329u) << "as the README says it was written";
    size_t seen = 0, normalized = 0, differ = 0;
    uint64_t corrupt = 0;
    ASSERT_TRUE((*store)
                    ->Scan(
                        0, 0, false, "",
                        [&](std::string_view, const LogRecord& rec) {
                          ++seen;
                          if (!rec.family.empty()) ++normalized;
                          EXPECT_FALSE(rec.mail_fields_derived) << "format 2 stored every field";
                          if (!(Derived(rec) == rec) && ++differ <= 5) {
                            ADD_FAILURE() << "fields differ from today's reading: " << rec.raw;
                          }
                          return true;
                        },
                        &corrupt)
                    .ok());
    EXPECT_EQ(seen, 4329u);
    EXPECT_EQ(corrupt, 0u);
    EXPECT_EQ(differ, 0u);
    EXPECT_GT(normalized, seen / 2);
    // Its index answers: an Exim message of the mainlog by its queue ID.
    auto found = (*store)->Find({.kind = keys::IndexKind::kQueueId, .term = "1j5IF1-0006A7-Ub"});
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_EQ(found->records.size(), 5u) << "the mainlog has 5 lines of it";
    for (const StoredRecord& r : found->records) EXPECT_EQ(r.record.queue_id, "1j5IF1-0006A7-Ub");

    testing::DaemonPath parse;
    fresh = parse.Line(
        "<22>Dec  8 01:00:00 mx9 postfix/smtp[77]: 4Ldr9y6wlvz3xgh: to=<b@y.org>, "
        "relay=mx.y.org[192.0.2.9]:25, delay=5.4, delays=0.01/0.03/0.28/5, dsn=2.0.0, "
        "status=sent (250 2.0.0 Ok: queued as 95FA2DB2C9)");
    ASSERT_TRUE(fresh.mail_fields_derived);
    std::vector<std::string> keys;
    ASSERT_TRUE((*store)->Write({fresh}, &keys).ok());
    new_key = keys.at(0);
  }
  EXPECT_EQ(RawMeta(path, "format"), RawU64(Store::kFormatVersion));
  auto store = Store::Open({.path = path, .sync_writes = false});
  ASSERT_TRUE(store.ok()) << store.status();
  auto back = (*store)->Get(new_key);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, fresh);
  auto found = (*store)->Find({.kind = keys::IndexKind::kQueueId, .term = "4Ldr9y6wlvz3xgh"});
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->records.size(), 1u);
  EXPECT_EQ(found->records[0].record.status, "sent");
  EXPECT_EQ(found->records[0].record.links, fresh.links);
}

}  // namespace
}  // namespace mlq
