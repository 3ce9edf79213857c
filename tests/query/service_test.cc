// The gRPC service in process, over a real store and writer, through a real
// channel.
#include "query/service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <algorithm>

#include "base/utf8.h"
#include "service_fixture.h"

namespace mlq {
namespace {

class ServiceTest : public ServedQueryTest {
 protected:
  QueryServiceOptions ServiceOptions() override {
    QueryServiceOptions o;
    o.parse_line = StandInParseLine;
    o.flush = [this] { writer_->Flush(); };
    o.listeners = [] {
      return std::vector<std::pair<std::string, std::string>>{{"tcp", "127.0.0.1:1"}};
    };
    return o;
  }

  v1::IngestResponse Ingest(const std::vector<std::vector<std::string>>& chunks, bool dry_run,
                            uint32_t samples = 0) {
    return IngestChunks(chunks, "imported", dry_run, samples);
  }
};

TEST_F(ServiceTest, FindFiltersCombineAndTimesMustBeOrdered) {
  Ingest({{"postfix delivery Q1", "amavis filter Q1", "postfix delivery Q2"}}, false);
  v1::FindResponse resp;
  v1::FindRequest req;
  ASSERT_TRUE(Find(req, &resp).ok()) << "no filter: every line";
  EXPECT_EQ(resp.records_size(), 3);
  req.set_queue_id("Q1");
  req.set_family("postfix");
  resp.Clear();
  ASSERT_TRUE(Find(req, &resp).ok()) << "several filters: all must match";
  ASSERT_EQ(resp.records_size(), 1);
  EXPECT_EQ(resp.records(0).raw(), "postfix delivery Q1");
  req.clear_queue_id();
  req.set_host("imported");
  resp.Clear();
  ASSERT_TRUE(Find(req, &resp).ok()) << "host filters alone too";
  EXPECT_EQ(resp.records_size(), 2);
  req.set_since_us(10);
  req.set_until_us(5);
  EXPECT_EQ(Find(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req.set_since_us(0);
  req.set_page_token("garbage");
  EXPECT_EQ(Find(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, IngestStoresAndFindReturnsConvertedRecords) {
  auto resp = Ingest({{"postfix delivery Q1", "postfix removed Q1"}, {"garbage"}}, false);
  EXPECT_EQ(resp.lines(), 3u);
  EXPECT_EQ(resp.stored(), 3u);
  EXPECT_EQ(store_->RecordCount(), 3u) << "acknowledged means stored";
  v1::FindRequest req;
  req.set_queue_id("Q1");
  req.set_host("imported");
  v1::FindResponse found;
  ASSERT_TRUE(Find(req, &found).ok());
  ASSERT_EQ(found.records_size(), 2);
  EXPECT_EQ(found.records(0).raw(), "postfix delivery Q1");
  EXPECT_EQ(found.records(0).host(), "imported");
  EXPECT_EQ(found.records(0).family(), "postfix");
  EXPECT_EQ(found.records(0).key().size(), 32u) << "hex of the 16-byte key";
  req.set_limit(1);
  found.Clear();
  ASSERT_TRUE(Find(req, &found).ok());
  EXPECT_EQ(found.records_size(), 1);
  EXPECT_TRUE(found.truncated());
}

TEST_F(ServiceTest, IngestDryRunSummarizesAndStoresNothing) {
  auto resp = Ingest({{"postfix delivery Q1", "postfix delivery Q2", "amavis filter-result Q1",
                       "what-is-this", "neither-is-this"}},
                     true, 1);
  EXPECT_EQ(resp.lines(), 5u);
  EXPECT_EQ(resp.stored(), 0u);
  EXPECT_EQ(resp.unknown(), 2u);
  EXPECT_EQ(resp.families().at("postfix").lines(), 2u);
  EXPECT_EQ(resp.families().at("postfix").recognized(), 2u);
  EXPECT_EQ(resp.families().at("postfix").kinds().at("delivery"), 2u);
  EXPECT_EQ(resp.families().at("unknown").lines(), 2u);
  ASSERT_EQ(resp.unknown_samples_size(), 1);
  EXPECT_EQ(resp.unknown_samples(0), "what-is-this");
  EXPECT_EQ(store_->RecordCount(), 0u);
}

TEST_F(ServiceTest, LinesThatAreNotUtf8TravelAndComeBackRepairedWithTheirBytes) {
  // Log files hold Latin-1 and worse; gRPC rejects strings that are not UTF-8.
  const std::string latin1 = "postfix delivery Q\xE9t\xE9";
  const std::string unknown = "caf\xE9 \xFF";
  auto resp = Ingest({{latin1, unknown, "postfix delivery Q9"}}, false, 5);
  EXPECT_EQ(resp.stored(), 3u);
  ASSERT_EQ(resp.unknown_samples_size(), 1);
  EXPECT_EQ(resp.unknown_samples(0), "caf\uFFFD \uFFFD");
  v1::FindRequest req;
  req.set_host("imported");
  v1::FindResponse found;
  ASSERT_TRUE(Find(req, &found).ok());
  ASSERT_EQ(found.records_size(), 3);
  int flagged = 0;
  for (const v1::Record& r : found.records()) {
    EXPECT_TRUE(IsValidUtf8(r.raw()));
    EXPECT_TRUE(IsValidUtf8(r.queue_id()));
    const bool bad =
        std::find(r.flags().begin(), r.flags().end(), "invalid-utf8") != r.flags().end();
    if (!bad) {
      EXPECT_TRUE(r.raw_bytes().empty()) << "exact bytes only where raw had to change";
      continue;
    }
    ++flagged;
    if (r.raw_bytes() == latin1) {
      EXPECT_EQ(r.raw(), "postfix delivery Q\uFFFDt\uFFFD");
      EXPECT_EQ(r.queue_id(), "Q\uFFFDt\uFFFD");
    } else {
      EXPECT_EQ(r.raw_bytes(), unknown);
    }
  }
  EXPECT_EQ(flagged, 2);
}

TEST_F(ServiceTest, StatusReportsStoreAndCounters) {
  counters_.Get("received.tcp") += 7;
  counters_.Get("dropped.queue_full") += 2;
  counters_.Get("parsed") += 5;
  Ingest({{"postfix delivery Q1"}}, false);
  grpc::ClientContext ctx;
  v1::StatusResponse s;
  ASSERT_TRUE(stub_->Status(&ctx, v1::StatusRequest(), &s).ok());
  EXPECT_EQ(s.stored(), 1u);
  EXPECT_EQ(s.received().at("tcp"), 7u);
  EXPECT_EQ(s.dropped().at("queue_full"), 2u);
  EXPECT_EQ(s.parsed(), 5u);
  EXPECT_GT(s.store_bytes(), 0u);
  ASSERT_EQ(s.listeners_size(), 1);
  EXPECT_EQ(s.listeners(0).address(), "127.0.0.1:1");
}

}  // namespace
}  // namespace mlq
