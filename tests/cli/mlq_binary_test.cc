// Runs the mlq binary against an in-process fake mlqd (a Query service with
// canned answers) and checks output and exit codes end to end.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "mlq/v1/query.grpc.pb.h"

namespace mlq::cli {
namespace {

constexpr int64_t kT = 1795341600LL * 1000000;  // 2026-11-22T10:00:00Z

class FakeQuery final : public mlq::v1::Query::Service {
 public:
  grpc::Status Find(grpc::ServerContext*, const mlq::v1::FindRequest* req,
                    mlq::v1::FindResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    last_find_ = *req;
    if (req->message_id() == "bad") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad key");
    }
    if (req->message_id() == "none") return grpc::Status::OK;
    for (int i = 0; i < 2; ++i) {
      mlq::v1::Record* r = resp->add_records();
      r->set_timestamp_us(kT + i * 1000000);
      r->set_received_us(kT + i * 1000000 + 5);
      r->set_host("mx1");
      r->set_program("postfix/smtp");
      r->set_pid("42");
      r->set_queue_id("4Xb3");
      r->set_event(i == 0 ? "queued" : "delivery");
      r->set_message("line " + std::to_string(i));
      r->set_raw("raw " + std::to_string(i));
      r->set_facility(-1);
      r->set_severity(-1);
      r->set_size(-1);
      r->set_nrcpt(-1);
    }
    resp->set_truncated(req->message_id() == "many");
    return grpc::Status::OK;
  }

  grpc::Status Status(grpc::ServerContext*, const mlq::v1::StatusRequest*,
                      mlq::v1::StatusResponse* resp) override {
    resp->set_stored(7);
    (*resp->mutable_received())["udp"] = 3;
    resp->set_store_bytes(2048);
    resp->set_version("9.9");
    resp->set_started_us(kT);
    return grpc::Status::OK;
  }

  grpc::Status Ingest(grpc::ServerContext*, grpc::ServerReader<mlq::v1::IngestRequest>* reader,
                      mlq::v1::IngestResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    ingested_.clear();
    requests_ = 0;
    mlq::v1::IngestRequest req;
    while (reader->Read(&req)) {
      if (requests_++ == 0) first_ingest_ = req;
      for (const std::string& l : req.lines()) ingested_.push_back(l);
    }
    resp->set_lines(ingested_.size());
    resp->set_stored(first_ingest_.dry_run() ? 0 : ingested_.size());
    auto& f = (*resp->mutable_families())["postfix"];
    f.set_lines(ingested_.size());
    (*f.mutable_kinds())["delivery"] = ingested_.size();
    for (uint32_t i = 0; i < first_ingest_.unknown_samples() && i < ingested_.size(); ++i) {
      resp->add_unknown_samples(ingested_[i]);
    }
    return grpc::Status::OK;
  }

  std::mutex mu_;
  mlq::v1::FindRequest last_find_;
  mlq::v1::IngestRequest first_ingest_;
  std::vector<std::string> ingested_;
  int requests_ = 0;
};

struct Result {
  int rc = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MlqBinaryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new FakeQuery;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
  }
  static void TearDownTestSuite() {
    server_->Shutdown();
    delete server_;
    delete service_;
  }

  void SetUp() override {
    ASSERT_GT(port_, 0);
    char tmpl[] = "/tmp/mlq_binary_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Server() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs `mlq <args>` through the shell with TZ=UTC and MLQ_SERVER pointing at the fake
  // (or `server`), standard input from `input`.
  Result Run(const std::string& args, const std::string& server = "",
             const std::string& input = "/dev/null") {
    const std::string out = dir_ + "/out";
    const std::string err = dir_ + "/err";
    const std::string cmd = "TZ=UTC MLQ_SERVER=" + (server.empty() ? Server() : server) + " " +
                            MLQ_BIN + " " + args + " >" + out + " 2>" + err + " <" + input;
    Result r;
    const int status = std::system(cmd.c_str());
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  std::string dir_;
  static FakeQuery* service_;
  static grpc::Server* server_;
  static int port_;
};

FakeQuery* MlqBinaryTest::service_ = nullptr;
grpc::Server* MlqBinaryTest::server_ = nullptr;
int MlqBinaryTest::port_ = 0;

TEST_F(MlqBinaryTest, FindTable) {
  const Result r = Run("find --message-id '<found@x>' --utc");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "TIME                  HOST  PROGRAM[PID]      QUEUE ID  EVENT     MESSAGE\n"
            "2026-11-22 10:00:00Z  mx1   postfix/smtp[42]  4Xb3      queued    line 0\n"
            "2026-11-22 10:00:01Z  mx1   postfix/smtp[42]  4Xb3      delivery  line 1\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(service_->last_find_.message_id(), "<found@x>");
}

TEST_F(MlqBinaryTest, FindJsonLines) {
  const Result r = Run("--json find -m found");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"time":"2026-11-22T10:00:00.000000+00:00","timestamp_us":1795341600000000,)"
            R"("received_us":1795341600000005,"host":"mx1","program":"postfix/smtp","pid":"42",)"
            R"("queue_id":"4Xb3","to":[],"event":"queued","message":"line 0","raw":"raw 0"})"
            "\n"
            R"({"time":"2026-11-22T10:00:01.000000+00:00","timestamp_us":1795341601000000,)"
            R"("received_us":1795341601000005,"host":"mx1","program":"postfix/smtp","pid":"42",)"
            R"("queue_id":"4Xb3","to":[],"event":"delivery","message":"line 1","raw":"raw 1"})"
            "\n");
}

TEST_F(MlqBinaryTest, FindSendsKeysAndTimes) {
  Result r =
      Run("find --queue-id Q1 --host mx2 --since 2026-11-22T09:00:00Z --until "
          "'2026-11-22 10:00' --utc --limit 5 --json");
  EXPECT_EQ(r.rc, 0) << r.err;
  const mlq::v1::FindRequest& req = service_->last_find_;
  EXPECT_EQ(req.queue_id(), "Q1");
  EXPECT_EQ(req.host(), "mx2");
  EXPECT_EQ(req.since_us(), kT - 3600LL * 1000000);
  EXPECT_EQ(req.until_us(), kT);
  EXPECT_EQ(req.limit(), 5u);
  r = Run("find --address A@B.example");
  EXPECT_EQ(service_->last_find_.address(), "A@B.example");
}

TEST_F(MlqBinaryTest, FindNothingIsExit1) {
  Result r = Run("find -m none");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no matching"), std::string::npos);
  r = Run("find -m none --json");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, "");
}

TEST_F(MlqBinaryTest, FindTruncatedNotesOnStderr) {
  const Result r = Run("find -m many");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.err.find("first 2 matching lines"), std::string::npos) << r.err;
}

TEST_F(MlqBinaryTest, UsageErrorsAreExit2) {
  for (const char* args :
       {"", "bogus", "find", "find -m a -q b", "find -m a --since yesterday", "find --host h -m a",
        "find -m a --limit x", "find -m a --since 1h --until 2h", "--timeout 0 status",
        "status --nope", "import", "import --show-unknown=x f"}) {
    const Result r = Run(args);
    EXPECT_EQ(r.rc, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_NE(r.err, "") << args;
  }
}

TEST_F(MlqBinaryTest, HelpIsExit0) {
  for (const char* args : {"--help", "find --help", "status --help", "import --help"}) {
    const Result r = Run(args);
    EXPECT_EQ(r.rc, 0) << args;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << args;
  }
}

TEST_F(MlqBinaryTest, ServerErrors) {
  Result r = Run("find -m bad");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, "mlq: mlqd rejected the request: bad key\n");
  r = Run("status", "127.0.0.1:1");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err.rfind("mlq: cannot reach mlqd at 127.0.0.1:1: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // --server wins over MLQ_SERVER.
  r = Run("--server " + Server() + " status --json", "127.0.0.1:1");
  EXPECT_EQ(r.rc, 0) << r.err;
}

TEST_F(MlqBinaryTest, StatusJsonAndText) {
  Result r = Run("status --json --utc");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"stored":7,"received":{"udp":3},"parsed":0,"unparsed":0,"normalized":0,)"
            R"("dropped":{},"store_bytes":2048,"counters":{},"listeners":[],"version":"9.9",)"
            R"("started":"2026-11-22T10:00:00.000000Z","started_us":1795341600000000})"
            "\n");
  r = Run("status");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Stored      7 records, 2.0 KiB on disk\n"), std::string::npos) << r.out;
}

TEST_F(MlqBinaryTest, ImportFilesAndOptions) {
  std::ofstream(dir_ + "/a.log") << "l1\r\nl2\n\nl3";
  std::ofstream(dir_ + "/b.log") << "l4\n";
  const Result r = Run("import --host mx9 --dry-run --show-unknown " + dir_ + "/a.log " + dir_ +
                       "/b.log --json");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(service_->ingested_, (std::vector<std::string>{"l1", "l2", "l3", "l4"}));
  EXPECT_EQ(service_->first_ingest_.host(), "mx9");
  EXPECT_TRUE(service_->first_ingest_.dry_run());
  EXPECT_EQ(service_->first_ingest_.unknown_samples(), 10u);
  EXPECT_EQ(r.out, R"({"lines":4,"stored":0,"unknown":0,"dry_run":true,"families":{"postfix":)"
                   R"({"lines":4,"recognized":0,"kinds":{"delivery":4}}},)"
                   R"("unknown_samples":["l1","l2","l3","l4"]})"
                   "\n");
}

TEST_F(MlqBinaryTest, ImportStdinInChunksAndText) {
  std::string content;
  for (int i = 0; i < 2500; ++i) content += "line " + std::to_string(i) + "\n";
  std::ofstream(dir_ + "/in.log") << content;
  const std::string in = dir_ + "/in.log";
  const Result r = Run("import --show-unknown=1 -", "", in);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(service_->ingested_.size(), 2500u);
  EXPECT_EQ(service_->requests_, 3);
  EXPECT_NE(r.out.find("Lines     2,500\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Unknown lines (1 of 0):\n  line 0\n"), std::string::npos) << r.out;
}

TEST_F(MlqBinaryTest, ImportMissingFileSendsNothing) {
  service_->ingested_ = {"untouched"};
  const Result r = Run("import " + dir_ + "/missing.log");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("missing.log: No such file"), std::string::npos) << r.err;
  EXPECT_EQ(service_->ingested_, std::vector<std::string>{"untouched"});
}

}  // namespace
}  // namespace mlq::cli
