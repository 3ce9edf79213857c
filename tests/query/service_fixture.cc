#include "service_fixture.h"

#include <algorithm>

#include "base/utf8.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/amavis.h"
#include "receiver/normalizers/dovecot.h"
#include "receiver/normalizers/exim.h"

namespace mlq {

const NormalizerTable& ReportNormalizers() {
  static const NormalizerTable* const table = [] {
    auto* t = new NormalizerTable();
    RegisterPostfix(*t);
    RegisterAmavis(*t);
    RegisterDovecot(*t);
    RegisterExim(*t);
    return t;
  }();
  return *table;
}

void StandInParseLine(std::string_view line, std::string_view host, int64_t now, LogRecord& r) {
  r.raw = std::string(line);
  r.host = std::string(host);
  r.timestamp_us = r.received_us = now;
  if (!IsValidUtf8(line)) r.flags |= kFlagInvalidUtf8;
  std::vector<std::string_view> words;
  for (size_t start = 0; start <= line.size() && words.size() < 4;) {
    const size_t space = std::min(line.find(' ', start), line.size());
    words.push_back(line.substr(start, space - start));
    start = space + 1;
  }
  if (words.size() < 3) return;
  r.family = std::string(words[0]);
  r.event = std::string(words[1]);
  r.queue_id = std::string(words[2]);
  if (words.size() > 3) r.from = std::string(words[3]);
}

void QueryServiceTest::SetUp() {
  auto s = Store::Open({.path = dir_.path(), .sync_writes = false});
  ASSERT_TRUE(s.ok());
  store_ = *std::move(s);
}

void QueryServiceTest::FreshStore() {
  store_.reset();
  auto s = Store::Open(
      {.path = dir_.path() + "/case" + std::to_string(++fresh_stores_), .sync_writes = false});
  ASSERT_TRUE(s.ok()) << s.status();
  store_ = *std::move(s);
}

std::vector<MessageTraceResult> QueryServiceTest::Trace(const TraceStart& start) {
  auto r = Tracer(store_.get()).Trace(start);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<MessageTraceResult>{};
}

void QueryServiceTest::TearDown() {
  if (server_) server_->Shutdown();
  if (writer_) writer_->Stop();
}

void QueryServiceTest::StartWriter() {
  writer_ = std::make_unique<Writer>(store_.get(), &counters_);
}

void QueryServiceTest::Serve(QueryServiceOptions options, const grpc::ChannelArguments& args) {
  options.store = store_.get();
  options.counters = &counters_;
  options.sink = writer_.get();
  service_ = std::make_unique<QueryService>(options);
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(service_.get());
  server_ = b.BuildAndStart();
  ASSERT_NE(port, 0);
  stub_ = v1::Query::NewStub(grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                                       grpc::InsecureChannelCredentials(), args));
}

void ServedQueryTest::SetUp() {
  QueryServiceTest::SetUp();
  if (HasFatalFailure()) return;
  StartWriter();
  Serve(ServiceOptions());
}

grpc::Status QueryServiceTest::Find(const v1::FindRequest& req, v1::FindResponse* resp) {
  grpc::ClientContext ctx;
  return stub_->Find(&ctx, req, resp);
}

v1::IngestResponse QueryServiceTest::IngestChunks(
    const std::vector<std::vector<std::string>>& chunks, const std::string& host, bool dry_run,
    uint32_t samples) {
  grpc::ClientContext ctx;
  v1::IngestResponse resp;
  auto w = stub_->Ingest(&ctx, &resp);
  bool first = true;
  for (const auto& chunk : chunks) {
    v1::IngestRequest req;
    if (first) {
      req.set_host(host);
      req.set_dry_run(dry_run);
      req.set_unknown_samples(samples);
      first = false;
    }
    for (const auto& l : chunk) req.add_lines(l);
    EXPECT_TRUE(w->Write(req));
  }
  w->WritesDone();
  EXPECT_TRUE(w->Finish().ok());
  return resp;
}

void QueryServiceTest::LoadLines(const std::vector<std::string>& lines, int64_t received_us,
                                 std::string_view default_host) {
  LineParser parser(&DefaultNormalizers(), &counters_);
  LineSource src;
  src.transport = Transport::kIngest;
  src.peer_host = std::string(default_host);
  std::vector<LogRecord> batch;
  for (const auto& l : lines) {
    if (!l.empty()) batch.push_back(parser.Parse(l, 0, src, received_us));
  }
  ASSERT_TRUE(store_->Write(batch).ok());
}

}  // namespace mlq
