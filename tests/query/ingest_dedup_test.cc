// Ingest stores an imported line once: importing the same lines again, or
// overlapping ones, adds only what is new; repeated lines inside one stream
// are kept. In process, over a real store and writer, through a channel.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "query/service.h"
#include "service_fixture.h"

namespace mlq {
namespace {

constexpr int64_t kT0 = 1795341600LL * 1000000;  // 2026-11-22T10:00:00Z

class IngestDedupTest : public ServedQueryTest {
 protected:
  QueryServiceOptions ServiceOptions() override {
    QueryServiceOptions o;
    // A stand-in parser: "<seconds> <text>" is dated kT0 + seconds; any
    // other line is dated on receipt and flagged so (like a line whose
    // syslog header did not parse).
    o.parse_line = [](std::string_view line, std::string_view host, int64_t now, LogRecord& r) {
      r.raw = std::string(line);
      r.host = std::string(host);
      r.received_us = now;
      r.family = "postfix";
      r.event = "delivery";
      const size_t sp = line.find(' ');
      if (sp != std::string_view::npos && sp > 0 &&
          line.substr(0, sp).find_first_not_of("0123456789") == std::string_view::npos) {
        r.timestamp_us = kT0 + std::stoll(std::string(line.substr(0, sp))) * 1000000;
      } else {
        r.timestamp_us = now;
        r.flags |= kFlagHeaderInvalid | kFlagNoTimestamp;
      }
    };
    o.flush = [this] { writer_->Flush(); };
    return o;
  }

  v1::IngestResponse Ingest(const std::vector<std::vector<std::string>>& chunks,
                            std::string host = "mx1", bool dry_run = false) {
    return IngestChunks(chunks, host, dry_run, /*samples=*/0);
  }
};

TEST_F(IngestDedupTest, ReimportStoresNothing) {
  const std::vector<std::vector<std::string>> file = {{"1 a", "2 b"}, {"3 c"}};
  auto first = Ingest(file);
  EXPECT_EQ(first.lines(), 3u);
  EXPECT_EQ(first.stored(), 3u);
  EXPECT_EQ(first.duplicates(), 0u);
  auto again = Ingest(file);
  EXPECT_EQ(again.lines(), 3u);
  EXPECT_EQ(again.stored(), 0u);
  EXPECT_EQ(again.duplicates(), 3u);
  EXPECT_EQ(again.families().at("postfix").lines(), 3u) << "the summary still covers every line";
  EXPECT_EQ(store_->RecordCount(), 3u);
}

TEST_F(IngestDedupTest, OverlappingImportAddsOnlyTheNewLines) {
  Ingest({{"1 a", "2 b"}});
  auto r = Ingest({{"1 a", "2 b", "3 c", "4 d"}});
  EXPECT_EQ(r.stored(), 2u);
  EXPECT_EQ(r.duplicates(), 2u);
  EXPECT_EQ(store_->RecordCount(), 4u);
}

TEST_F(IngestDedupTest, RepeatedLinesInOneStreamAreKept) {
  // The same line three times in the same second (e.g. "connect from
  // unknown"): three records, across request boundaries too.
  auto r = Ingest({{"5 same", "5 same"}, {"5 same"}});
  EXPECT_EQ(r.stored(), 3u);
  EXPECT_EQ(store_->RecordCount(), 3u);
  r = Ingest({{"5 same", "5 same", "5 same", "5 same"}});
  EXPECT_EQ(r.stored(), 1u) << "only the fourth occurrence is new";
  EXPECT_EQ(r.duplicates(), 3u);
  EXPECT_EQ(store_->RecordCount(), 4u);
}

TEST_F(IngestDedupTest, HostAndTimeAreOfTheIdentity) {
  Ingest({{"1 a", "no time here"}}, "mx1");
  auto r = Ingest({{"1 a", "no time here"}}, "mx2");
  EXPECT_EQ(r.stored(), 2u) << "another host's lines are other lines";
  r = Ingest({{"2 a"}}, "mx1");
  EXPECT_EQ(r.stored(), 1u) << "same text, other time";
}

TEST_F(IngestDedupTest, LinesDatedOnReceiptAreFoundAgain) {
  Ingest({{"no time here", "nor here"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = Ingest({{"no time here", "nor here"}});
  EXPECT_EQ(r.stored(), 0u) << "the receive time is not part of the identity";
  EXPECT_EQ(r.duplicates(), 2u);
}

TEST_F(IngestDedupTest, DryRunCountsDuplicatesAndStoresNothing) {
  Ingest({{"1 a"}});
  auto r = Ingest({{"1 a", "2 b"}}, "mx1", /*dry_run=*/true);
  EXPECT_EQ(r.stored(), 0u);
  EXPECT_EQ(r.duplicates(), 1u);
  EXPECT_EQ(store_->RecordCount(), 1u);
}

TEST_F(IngestDedupTest, ConcurrentImportsOfTheSameLinesStoreThemOnce) {
  std::vector<std::string> lines;
  for (int i = 0; i < 3000; ++i) lines.push_back(std::to_string(i) + " line");
  std::vector<std::vector<std::string>> chunks;
  for (size_t i = 0; i < lines.size(); i += 100) {
    chunks.emplace_back(lines.begin() + i, lines.begin() + std::min(lines.size(), i + 100));
  }
  v1::IngestResponse ra, rb;
  std::thread a([&] { ra = Ingest(chunks); });
  std::thread b([&] { rb = Ingest(chunks); });
  a.join();
  b.join();
  writer_->Flush();
  EXPECT_EQ(store_->RecordCount(), 3000u);
  EXPECT_EQ(counters_.Get("stored").load(), 3000u) << "the writer counts what it stored";
  // The replies add up to what the store holds: a line the writer skipped
  // because the other stream stored it first is a duplicate in this reply.
  EXPECT_EQ(ra.stored() + rb.stored(), 3000u);
  EXPECT_EQ(ra.stored() + ra.duplicates(), 3000u);
  EXPECT_EQ(rb.stored() + rb.duplicates(), 3000u);
}

// Requests as big as mlqd takes (--max-ingest-lines, 10000 by default),
// each one batch prepared on the Ingest thread: the lines of a stream are
// deduplicated across requests whatever their size, and a re-import cut
// into other requests finds every line.
TEST_F(IngestDedupTest, BigRequestsDeduplicateAcrossRequestsCutAnyWay) {
  auto cut = [](const std::vector<std::string>& lines, size_t size) {
    std::vector<std::vector<std::string>> chunks;
    for (size_t i = 0; i < lines.size(); i += size) {
      chunks.emplace_back(lines.begin() + i, lines.begin() + std::min(lines.size(), i + size));
    }
    return chunks;
  };
  std::vector<std::string> lines;
  for (int i = 0; i < 25000; ++i) {
    // Every 1000th line is logged twice (the re-import's first pair falls
    // on both sides of a request boundary).
    lines.push_back(std::to_string(i / 10) + " line " + std::to_string(i));
    if (i % 1000 == 999) lines.push_back(lines.back());
  }
  auto first = Ingest(cut(lines, 10000));
  EXPECT_EQ(first.lines(), lines.size());
  EXPECT_EQ(first.stored(), lines.size()) << "a repeated line is kept, in any request";
  EXPECT_EQ(store_->RecordCount(), lines.size());
  auto again = Ingest(cut(lines, 1000));
  EXPECT_EQ(again.stored(), 0u);
  EXPECT_EQ(again.duplicates(), lines.size());
  std::vector<std::string> more = lines;
  for (int i = 25000; i < 30000; ++i) {
    more.push_back(std::to_string(i / 10) + " line " + std::to_string(i));
  }
  auto third = Ingest(cut(more, 7000));
  EXPECT_EQ(third.stored(), 5000u);
  EXPECT_EQ(third.duplicates(), lines.size());
  writer_->Flush();
  EXPECT_EQ(store_->RecordCount(), more.size());
  EXPECT_EQ(counters_.Get("stored").load(), more.size());
}

}  // namespace
}  // namespace mlq
