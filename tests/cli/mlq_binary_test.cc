// Runs the mlq binary against an in-process fake mlqd (a Query service with
// canned answers) and checks output and exit codes end to end.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_server.h"
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
    resp->set_truncated(req->message_id() == "many" || req->message_id() == "paged");
    if (req->message_id() == "paged") {
      // Three pages: "" -> "p2" -> "p3" -> end.
      const std::string& token = req->page_token();
      resp->mutable_records(0)->set_message("page " + token);
      resp->set_next_page_token(token.empty() ? "p2" : "p3");
      resp->set_truncated(token != "p3");
      if (token == "p3") resp->clear_next_page_token();
    }
    return grpc::Status::OK;
  }

  // Sends the last lines and two live ones, then ends the stream: OK for
  // status "end", UNAVAILABLE otherwise.
  grpc::Status Tail(grpc::ServerContext*, const mlq::v1::TailRequest* req,
                    grpc::ServerWriter<mlq::v1::TailResponse>* writer) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_tail_ = *req;
    }
    for (int batch = 0; batch < 2; ++batch) {
      mlq::v1::TailResponse resp;
      mlq::v1::Record* r = resp.add_records();
      r->set_timestamp_us(kT + batch * 1000000);
      r->set_host("mx1");
      r->set_program("postfix/smtp");
      r->set_queue_id("4Xb3");
      r->set_event(batch == 0 ? "queued" : "delivery");
      r->set_message("tail " + std::to_string(batch));
      r->set_raw("raw " + std::to_string(batch));
      writer->Write(resp);
    }
    if (req->filter().status() == "end") return grpc::Status::OK;
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "mlqd is shutting down");
  }

  grpc::Status Status(grpc::ServerContext* context, const mlq::v1::StatusRequest*,
                      mlq::v1::StatusResponse* resp) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto auth = context->client_metadata().find("authorization");
      last_authorization_ = auth == context->client_metadata().end()
                                ? std::string()
                                : std::string(auth->second.data(), auth->second.size());
    }
    resp->set_stored(7);
    (*resp->mutable_received())["udp"] = 3;
    resp->set_store_bytes(2048);
    resp->set_version("9.9");
    resp->set_started_us(kT);
    return grpc::Status::OK;
  }

  grpc::Status Backup(grpc::ServerContext*, const mlq::v1::BackupRequest* req,
                      mlq::v1::BackupResponse* resp) override {
    backup_dirs_.push_back(req->dir());
    if (req->dir().ends_with("/exists")) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, req->dir() + " exists");
    }
    resp->set_dir(req->dir());
    resp->set_records(1234);
    resp->set_bytes(3 << 20);
    return grpc::Status::OK;
  }

  grpc::Status Ingest(grpc::ServerContext*, grpc::ServerReader<mlq::v1::IngestRequest>* reader,
                      mlq::v1::IngestResponse* resp) override {
    // mlq sends each file in a stream of its own; the fake keeps them all.
    std::lock_guard<std::mutex> lock(mu_);
    ++streams_;
    requests_ = 0;
    std::vector<std::string> lines;
    mlq::v1::IngestRequest req;
    while (reader->Read(&req)) {
      if (requests_++ == 0) {
        first_ingest_ = req;
        stream_hosts_.push_back(req.host());
      }
      for (const std::string& l : req.lines()) lines.push_back(l);
    }
    ingested_.insert(ingested_.end(), lines.begin(), lines.end());
    resp->set_lines(lines.size());
    resp->set_stored(first_ingest_.dry_run() ? 0 : lines.size() - lines.size() / 4);
    resp->set_duplicates(first_ingest_.dry_run() ? 0 : lines.size() / 4);
    auto& f = (*resp->mutable_families())["postfix"];
    f.set_lines(lines.size());
    (*f.mutable_kinds())["delivery"] = lines.size();
    for (uint32_t i = 0; i < first_ingest_.unknown_samples() && i < lines.size(); ++i) {
      resp->add_unknown_samples(lines[i]);
    }
    return grpc::Status::OK;
  }

  void ResetIngest() {
    std::lock_guard<std::mutex> lock(mu_);
    ingested_.clear();
    stream_hosts_.clear();
    streams_ = 0;
    requests_ = 0;
  }

  std::mutex mu_;
  mlq::v1::FindRequest last_find_;
  mlq::v1::TailRequest last_tail_;
  mlq::v1::IngestRequest first_ingest_;
  std::string last_authorization_;         // of the last Status call
  std::vector<std::string> backup_dirs_;   // BackupRequest.dir of each call
  std::vector<std::string> ingested_;      // every line of every stream
  std::vector<std::string> stream_hosts_;  // IngestRequest.host of each stream
  int streams_ = 0;
  int requests_ = 0;  // requests of the last stream
};

class MlqBinaryTest : public FakeServerTest<FakeQuery> {
 protected:
  void SetUp() override {
    FakeServerTest::SetUp();
    service_->ResetIngest();
  }
  std::string ConfigPath() const { return dir_ + "/xdg/mlq/config"; }
  void WriteConfig(const std::string& text, mode_t mode = 0600) {
    std::system(("mkdir -p " + dir_ + "/xdg/mlq").c_str());
    std::ofstream(ConfigPath()) << text;
    chmod(ConfigPath().c_str(), mode);
  }

  // Runs `mlq <args>` through the shell with TZ=UTC and MLQ_SERVER pointing at the fake
  // (or `server`; "none": MLQ_SERVER unset), standard input from `input`. The
  // config file is $XDG_CONFIG_HOME/mlq/config = ConfigPath(), none unless a
  // test writes it (never the user's own).
  Result Run(const std::string& args, const std::string& server = "",
             const std::string& input = "/dev/null") {
    const std::string server_env =
        server == "none" ? "" : "MLQ_SERVER=" + (server.empty() ? Server() : server) + " ";
    const std::string cmd = "env -u MLQ_SERVER -u MLQ_TOKEN -u MLQ_CA -u MLQ_CONFIG TZ=UTC " +
                            server_env + "XDG_CONFIG_HOME=" + dir_ + "/xdg " + MLQ_BIN + " " + args;
    return RunShell(cmd, dir_, input);
  }
};

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
  Result r = Run("find -m many");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.err.find("first 2 matching lines"), std::string::npos) << r.err;
  // With a page token: the command for the next page, with absolute times.
  r = Run("find -m paged --status deferred --since @1795338000 --utc");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err,
            "mlq: showing 2 matching lines; more: mlq --server=" + Server() +
                " find --message-id=paged --status=deferred --since=@1795338000 --page=p2\n");
  r = Run("find -m paged --status deferred --since @1795338000 --page=p2 --json");
  EXPECT_EQ(service_->last_find_.page_token(), "p2");
  EXPECT_NE(r.err.find("--page=p3 --json\n"), std::string::npos) << r.err;
}

TEST_F(MlqBinaryTest, FindAllFollowsPagesWithOneHeader) {
  const Result r = Run("find -m paged --all --utc");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "TIME                  HOST  PROGRAM[PID]      QUEUE ID  EVENT     MESSAGE\n"
            "2026-11-22 10:00:00Z  mx1   postfix/smtp[42]  4Xb3      queued    page\n"
            "2026-11-22 10:00:01Z  mx1   postfix/smtp[42]  4Xb3      delivery  line 1\n"
            "2026-11-22 10:00:00Z  mx1   postfix/smtp[42]  4Xb3      queued    page p2\n"
            "2026-11-22 10:00:01Z  mx1   postfix/smtp[42]  4Xb3      delivery  line 1\n"
            "2026-11-22 10:00:00Z  mx1   postfix/smtp[42]  4Xb3      queued    page p3\n"
            "2026-11-22 10:00:01Z  mx1   postfix/smtp[42]  4Xb3      delivery  line 1\n");
  EXPECT_EQ(service_->last_find_.page_token(), "p3");
}

TEST_F(MlqBinaryTest, FindSendsEveryFilter) {
  const Result r =
      Run("find --from F@x --to t@x --client-ip 192.0.2.1 --sasl-user bob --program smtp "
          "--family postfix --event delivery --status deferred --grep 'timed out' --host mx1 "
          "--newest-first --page tok --json");
  EXPECT_EQ(r.rc, 0) << r.err;
  const mlq::v1::FindRequest& req = service_->last_find_;
  EXPECT_EQ(req.from(), "F@x");
  EXPECT_EQ(req.to(), "t@x");
  EXPECT_EQ(req.client_ip(), "192.0.2.1");
  EXPECT_EQ(req.sasl_user(), "bob");
  EXPECT_EQ(req.program(), "smtp");
  EXPECT_EQ(req.family(), "postfix");
  EXPECT_EQ(req.event(), "delivery");
  EXPECT_EQ(req.status(), "deferred");
  EXPECT_EQ(req.text(), "timed out");
  EXPECT_EQ(req.host(), "mx1");
  EXPECT_TRUE(req.newest_first());
  EXPECT_EQ(req.page_token(), "tok");
  // A time bound alone is enough; --reverse is --newest-first.
  EXPECT_EQ(Run("find --since 1h --reverse").rc, 0);
  EXPECT_TRUE(service_->last_find_.newest_first());
  EXPECT_GT(service_->last_find_.since_us(), 0);
  EXPECT_EQ(Run("find --host mx1").rc, 0) << "host alone";
}

TEST_F(MlqBinaryTest, TailPrintsLinesAndExitsTwoWhenTheServerEndsIt) {
  Result r = Run("tail --status end --program smtp -n 3 --utc");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.out,
            "TIME                  HOST  PROGRAM[PID]  QUEUE ID  EVENT   MESSAGE\n"
            "2026-11-22 10:00:00Z  mx1   postfix/smtp  4Xb3      queued  tail 0\n"
            "2026-11-22 10:00:01Z  mx1   postfix/smtp  4Xb3      delivery  tail 1\n");
  EXPECT_NE(r.err.find("ended the stream"), std::string::npos) << r.err;
  EXPECT_EQ(service_->last_tail_.last(), 3u);
  EXPECT_EQ(service_->last_tail_.filter().status(), "end");
  EXPECT_EQ(service_->last_tail_.filter().program(), "smtp");
  r = Run("tail --json");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(service_->last_tail_.last(), 10u) << "like tail: 10 by default";
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  EXPECT_EQ(r.out.rfind("{\"time\":", 0), 0u) << r.out;
  EXPECT_EQ(r.err,
            "mlq: tail ended: cannot reach mlqd at " + Server() + ": mlqd is shutting down\n");
  r = Run("tail", "127.0.0.1:1");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("cannot reach mlqd"), std::string::npos) << r.err;
}

TEST_F(MlqBinaryTest, UsageErrorsAreExit2) {
  for (const char* args :
       {"", "bogus", "find", "find --limit 5", "find --newest-first", "find --page x",
        "find -m a --since yesterday", "find -m a --limit x", "find -m a --since 1h --until 2h",
        "find --nope", "tail --nope", "tail -n x", "tail --since 1h", "--timeout 0 status",
        "status --nope", "import", "import --show-unknown=x f"}) {
    const Result r = Run(args);
    EXPECT_EQ(r.rc, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_NE(r.err, "") << args;
  }
}

TEST_F(MlqBinaryTest, HelpIsExit0) {
  for (const char* args :
       {"--help", "find --help", "tail --help", "status --help", "import --help"}) {
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
            R"("dropped":{},"store_bytes":2048,"store_unavailable":"","store_read_only":false,)"
            R"("oldest_us":0,"expired_before_us":0,"retention_us":0,"max_disk_bytes":0,)"
            R"("disk_free_bytes":0,"disk_reserve_bytes":0,"counters":{},"listeners":[],)"
            R"("version":"9.9","started":"2026-11-22T10:00:00.000000Z",)"
            R"("started_us":1795341600000000})"
            "\n");
  r = Run("status");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Stored      7 records, 2.0 KiB on disk\n"), std::string::npos) << r.out;
}

// mlq backup sends an absolute folder (mlqd writes it), prints what the copy
// holds, and reports a refused copy as an error.
TEST_F(MlqBinaryTest, BackupSendsAnAbsoluteFolder) {
  Result r = Run("backup " + dir_ + "/copy");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "backup " + dir_ + "/copy: 1,234 records, 3.0 MiB\n");
  r = Run("backup relative/../copy2");
  EXPECT_EQ(r.rc, 0) << r.err;
  ASSERT_EQ(service_->backup_dirs_.size(), 2u);
  EXPECT_TRUE(service_->backup_dirs_[1].starts_with("/")) << service_->backup_dirs_[1];
  EXPECT_TRUE(service_->backup_dirs_[1].ends_with("/copy2")) << service_->backup_dirs_[1];
  EXPECT_EQ(service_->backup_dirs_[1].find(".."), std::string::npos);
  r = Run("backup " + dir_ + "/exists");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;
  r = Run("backup");
  EXPECT_EQ(r.rc, 2) << "DIR is required";
}

TEST_F(MlqBinaryTest, ImportFilesAndOptions) {
  std::ofstream(dir_ + "/a.log") << "l1\r\nl2\n\nl3";
  std::ofstream(dir_ + "/b.log") << "l4\n";
  const Result r = Run("import --host mx9 --dry-run --show-unknown " + dir_ + "/a.log " + dir_ +
                       "/b.log --json");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(service_->ingested_, (std::vector<std::string>{"l1", "l2", "l3", "l4"}));
  EXPECT_EQ(service_->stream_hosts_, (std::vector<std::string>{"mx9", "mx9"}));
  EXPECT_TRUE(service_->first_ingest_.dry_run());
  EXPECT_EQ(service_->first_ingest_.unknown_samples(), 7u) << "10 asked, 3 already shown";
  EXPECT_EQ(r.out, R"({"lines":4,"stored":0,"duplicates":0,"unknown":0,"dry_run":true,)"
                   R"("families":{"postfix":{"lines":4,"recognized":0,"kinds":{"delivery":4}}},)"
                   R"("unknown_samples":["l1","l2","l3","l4"],"files":[)"
                   R"({"path":")" +
                       dir_ +
                       R"(/a.log","format":"unknown","lines":3,"stored":0,)"
                       R"("duplicates":0},{"path":")" +
                       dir_ +
                       R"(/b.log","format":"unknown",)"
                       R"("lines":1,"stored":0,"duplicates":0}]})"
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
  EXPECT_EQ(service_->ingested_[0], "line 0") << "the lines read to detect the format are sent";
  EXPECT_EQ(service_->ingested_[2499], "line 2499");
  EXPECT_NE(r.out.find("Lines       2,500\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Stored      1,875\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Duplicates  625 (imported before, not stored again)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Unknown lines (1 of 0):\n  line 0\n"), std::string::npos) << r.out;
}

void WriteGzip(const std::string& path, const std::string& content) {
  const std::string plain = path.substr(0, path.size() - 3);
  std::ofstream(plain) << content;
  ASSERT_EQ(std::system(("gzip -f " + plain).c_str()), 0);
}

TEST_F(MlqBinaryTest, ImportRotatedSetOldestFirstOneStreamPerFile) {
  const std::string logs = dir_ + "/logs";  // out of the way of Run()'s out and err
  mkdir(logs.c_str(), 0700);
  std::ofstream(logs + "/mail.log") << "Nov 22 00:00:01 mx1 postfix/qmgr[1]: live\n";
  std::ofstream(logs + "/mail.log.1") << "Nov 21 00:00:01 mx1 postfix/qmgr[1]: one\n";
  WriteGzip(logs + "/mail.log.2.gz", "Nov 20 00:00:01 mx1 postfix/qmgr[1]: two\n");
  WriteGzip(logs + "/mail.log.10.gz", "Nov 10 00:00:01 mx1 postfix/qmgr[1]: ten\n");
  // As the shell expands mail.log*: alphabetical.
  const std::string d = logs + "/";
  Result r = Run("import --json " + d + "mail.log " + d + "mail.log.1 " + d + "mail.log.10.gz " +
                 d + "mail.log.2.gz");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "") << "syslog lines name their host: no warning";
  EXPECT_EQ(service_->streams_, 4);
  EXPECT_EQ(service_->ingested_,
            (std::vector<std::string>{"Nov 10 00:00:01 mx1 postfix/qmgr[1]: ten",
                                      "Nov 20 00:00:01 mx1 postfix/qmgr[1]: two",
                                      "Nov 21 00:00:01 mx1 postfix/qmgr[1]: one",
                                      "Nov 22 00:00:01 mx1 postfix/qmgr[1]: live"}));
  EXPECT_NE(r.out.find(R"("files":[{"path":")" + d + R"(mail.log.10.gz","format":"syslog")"),
            std::string::npos)
      << r.out;

  // A directory means its files, in the same order.
  service_->ResetIngest();
  r = Run("import " + logs);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(service_->ingested_.size(), 4u);
  EXPECT_EQ(service_->ingested_[0], "Nov 10 00:00:01 mx1 postfix/qmgr[1]: ten");
  EXPECT_NE(r.out.find("FILE"), std::string::npos) << "a table of the files read:\n" << r.out;
  EXPECT_NE(r.out.find(d + "mail.log.2.gz   syslog"), std::string::npos) << r.out;

  // --keep-order reads them as given.
  service_->ResetIngest();
  r = Run("import --keep-order " + d + "mail.log " + d + "mail.log.1");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(service_->ingested_[0], "Nov 22 00:00:01 mx1 postfix/qmgr[1]: live");
}

TEST_F(MlqBinaryTest, ImportHostlessFormatsWarnAndBinaryFilesAreSkipped) {
  const std::string logs = dir_ + "/logs";
  mkdir(logs.c_str(), 0700);
  std::ofstream(logs + "/mainlog") << "2026-11-22 10:11:12 1vABCD-000123-XY Completed\n";
  std::ofstream(logs + "/wtmp") << std::string("\0\0\0\7pts/0\0\0\0\n", 12);
  Result r = Run("import " + logs);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("mainlog: exim log lines name no host"), std::string::npos) << r.err;
  EXPECT_EQ(service_->ingested_,
            std::vector<std::string>{"2026-11-22 10:11:12 1vABCD-000123-XY Completed"});
  EXPECT_NE(r.out.find("skipped: not a text log"), std::string::npos) << r.out;

  service_->ResetIngest();
  r = Run("import --host mx7 " + logs + "/mainlog");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(service_->stream_hosts_, std::vector<std::string>{"mx7"});

  // Named explicitly, a binary file is an error (the others are still sent).
  service_->ResetIngest();
  r = Run("import --host mx7 " + logs + "/wtmp " + logs + "/mainlog");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("wtmp: not a text log"), std::string::npos) << r.err;
  EXPECT_EQ(service_->ingested_.size(), 1u);
}

TEST_F(MlqBinaryTest, ImportOnATerminalShowsProgressPerFile) {
  std::string content;
  for (int i = 0; i < 3000; ++i)
    content += "Nov 22 00:00:01 mx1 postfix/qmgr[1]: l" + std::to_string(i) + "\n";
  std::ofstream(dir_ + "/mail.log.1") << content;
  std::ofstream(dir_ + "/mail.log") << content;
  // stderr on a pseudo-terminal, stdout to a file.
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string out = dir_ + "/out";
    freopen(out.c_str(), "w", stdout);
    setenv("MLQ_SERVER", Server().c_str(), 1);
    execl(MLQ_BIN, MLQ_BIN, "import", (dir_ + "/mail.log").c_str(), (dir_ + "/mail.log.1").c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string tty;
  char buf[4096];
  ssize_t n;
  while ((n = read(master, buf, sizeof buf)) > 0) tty.append(buf, n);
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << tty;
  // One line per file stays, oldest first.
  const size_t one = tty.find(dir_ + "/mail.log.1  syslog  3,000 lines  ");
  const size_t live = tty.find(dir_ + "/mail.log  syslog  3,000 lines  ");
  EXPECT_NE(one, std::string::npos) << tty;
  EXPECT_NE(live, std::string::npos) << tty;
  EXPECT_LT(one, live) << tty;
  EXPECT_NE(Slurp(dir_ + "/out").find("Lines       6,000"), std::string::npos);
}

TEST_F(MlqBinaryTest, ImportFromAPipeSendsEveryLine) {
  // As `mlq import <(zcat x.gz)` does: a path that can be read only once.
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    int fd = -1;
    for (int i = 0; i < 1000 && fd < 0; ++i) {  // until mlq opens it (10 s at most)
      fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd < 0) usleep(10000);
    }
    if (fd < 0) return;
    fcntl(fd, F_SETFL, 0);
    const std::string text = "Nov 22 00:00:01 mx1 postfix/qmgr[1]: a\nsecond\n";
    (void)!write(fd, text.data(), text.size());
    close(fd);
  });
  const Result r = Run("import --json " + fifo);
  writer.join();
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(service_->ingested_,
            (std::vector<std::string>{"Nov 22 00:00:01 mx1 postfix/qmgr[1]: a", "second"}));
  EXPECT_NE(r.out.find(R"("format":"syslog")"), std::string::npos) << r.out;
}

TEST_F(MlqBinaryTest, ImportMissingFileSendsNothing) {
  service_->ingested_ = {"untouched"};
  const Result r = Run("import " + dir_ + "/missing.log");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("missing.log: No such file"), std::string::npos) << r.err;
  EXPECT_EQ(service_->ingested_, std::vector<std::string>{"untouched"});
}

TEST_F(MlqBinaryTest, ConfigFileGivesServerAndToken) {
  WriteConfig("# helpdesk\nserver = " + Server() + "\ntoken = \"mlq_fromfile\"\n");
  const Result r = Run("status", "none");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(service_->last_authorization_, "Bearer mlq_fromfile");
}

TEST_F(MlqBinaryTest, FlagsAndEnvironmentOverrideTheConfigFile) {
  WriteConfig("server = 127.0.0.1:1\ntoken = mlq_fromfile\n");
  // The file's server is wrong: MLQ_SERVER (Run's default) and --server win.
  Result r = Run("status");
  EXPECT_EQ(r.rc, 0) << r.err;
  r = Run("--server " + Server() + " status", "none");
  EXPECT_EQ(r.rc, 0) << r.err;
  r = Run("status", "none");
  EXPECT_EQ(r.rc, 2) << "the file's server 127.0.0.1:1 is used without flag or variable";
  r = Run("--token mlq_flag status");
  EXPECT_EQ(service_->last_authorization_, "Bearer mlq_flag");
  const std::string cmd = "env -u MLQ_CONFIG XDG_CONFIG_HOME=" + dir_ +
                          "/xdg MLQ_SERVER=" + Server() + " MLQ_TOKEN=mlq_env " + MLQ_BIN +
                          " status >/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(service_->last_authorization_, "Bearer mlq_env");
}

TEST_F(MlqBinaryTest, ConfigFileWithATokenReadableByOthersWarns) {
  WriteConfig("server = " + Server() + "\ntoken = mlq_x\n", 0644);
  const Result r = Run("status", "none");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("mlq: WARNING: " + ConfigPath() + " holds a token and has mode 0644"),
            std::string::npos)
      << r.err;
}

TEST_F(MlqBinaryTest, BrokenConfigFileIsAUsageError) {
  WriteConfig("server = " + Server() + "\nsevrer = x\n");
  Result r = Run("status");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find(ConfigPath() + ":2: unknown key 'sevrer'"), std::string::npos) << r.err;
  // MLQ_CONFIG names a file that must exist.
  const std::string cmd = "MLQ_CONFIG=" + dir_ + "/missing " + MLQ_BIN + " status 2>/dev/null";
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 2);
}

}  // namespace
}  // namespace mlq::cli
