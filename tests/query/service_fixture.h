// The setup the query tests share: a store in a temporary folder and,
// when a test wants one, a writer and a QueryService served on a free port
// of 127.0.0.1, reached through a real gRPC channel (stub_). Also the mail
// normalizers the report tests parse their lines with.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mlq/v1/query.grpc.pb.h"
#include "query/service.h"
#include "query/tracer.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"
#include "store/store.h"
#include "store/writer.h"
#include "test_util.h"

namespace mlq {

// Postfix, amavis, Dovecot and Exim, registered here so that a test does not
// depend on which families the daemon's default table holds.
const NormalizerTable& ReportNormalizers();

// A stand-in for the receiver's line parser (QueryServiceOptions::
// parse_line) where a test wants records it can name in a few words:
// "<family> <event> <qid> [<sender>]", dated `now`, on `host`; a line that is
// not UTF-8 is flagged kFlagInvalidUtf8 as the syslog parser flags it. A
// line of fewer than three words is stored raw. (The real parser is tested
// in the receiver's and the integration tests.)
void StandInParseLine(std::string_view line, std::string_view host, int64_t now, LogRecord& r);

class QueryServiceTest : public ::testing::Test {
 protected:
  // Opens store_ (no fsync) in dir_.
  void SetUp() override;
  // Shuts the server down, then stops the writer (each when there is one).
  void TearDown() override;

  // Starts writer_ over store_ and counters_.
  void StartWriter();

  // Serves a QueryService made from `options` with store_, counters_ and
  // writer_ (nullptr when not started) as its sink, and connects stub_ to
  // it through a channel with `args`.
  void Serve(QueryServiceOptions options,
             const grpc::ChannelArguments& args = grpc::ChannelArguments());

  // stub_->Find with a fresh context.
  grpc::Status Find(const v1::FindRequest& req, v1::FindResponse* resp);

  // Streams `chunks` to Ingest, one request per chunk, the first one naming
  // `host`, `dry_run` and `samples` (unknown_samples). Expects every write and
  // the call to succeed.
  v1::IngestResponse IngestChunks(const std::vector<std::vector<std::string>>& chunks,
                                  const std::string& host, bool dry_run, uint32_t samples);

  // Replaces store_ with an empty store in a new folder of dir_: the next
  // case of a table test starts from nothing.
  void FreshStore();

  // Tracer(store_).Trace(start); a failure fails the test and yields no
  // traces.
  std::vector<MessageTraceResult> Trace(const TraceStart& start);

  // Parses `lines` (empty ones skipped) with the daemon's default
  // normalizers as Ingest lines received at `received_us`, with
  // `default_host` as the peer's name for lines that name no host, and
  // writes them to store_; a failed write fails the test.
  void LoadLines(const std::vector<std::string>& lines, int64_t received_us,
                 std::string_view default_host = "");

  testing::TempDir dir_;
  int fresh_stores_ = 0;
  Counters counters_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<QueryService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Query::Stub> stub_;
};

// A QueryServiceTest that serves ServiceOptions(), with a writer, from SetUp
// on.
class ServedQueryTest : public QueryServiceTest {
 protected:
  void SetUp() override;
  // The options to serve (store, counters and sink are filled in); called
  // once the writer runs. Default: the defaults.
  virtual QueryServiceOptions ServiceOptions() { return QueryServiceOptions(); }
};

}  // namespace mlq
