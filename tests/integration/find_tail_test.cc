// `mlq find` filters and paging and `mlq tail` live, against the real mlqd
// fed over TCP syslog.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <thread>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// "<22>1 <now, RFC 3339 UTC> mx1 <program> <pid> - - <msg>\n": an RFC 5424
// line stamped now, so --since 1h finds it.
std::string Line(const std::string& program, const std::string& msg) {
  const auto now = std::chrono::system_clock::now();
  const int64_t us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const time_t secs = static_cast<time_t>(us / 1000000);
  tm t{};
  gmtime_r(&secs, &t);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(us % 1000000));
  return std::string("<22>1 ") + stamp + " mx1 " + program + " 4242 - - " + msg + "\n";
}

std::string Smtp(const std::string& qid, const std::string& to, const std::string& status,
                 const std::string& reply) {
  return Line("postfix/smtp", qid + ": to=<" + to +
                                  ">, relay=mx.example.net[192.0.2.5]:25, delay=1.2, "
                                  "delays=0.1/0/0.5/0.6, dsn=4.4.1, status=" +
                                  status + " (" + reply + ")");
}

// A child process whose stdout and stderr are collected as they come.
class Process {
 public:
  explicit Process(const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_reader_ = std::thread([this, fd = out[0]] { Drain(fd, &out_); });
    err_reader_ = std::thread([this, fd = err[0]] { Drain(fd, &err_); });
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait(seconds(10));
    }
    if (out_reader_.joinable()) out_reader_.join();
    if (err_reader_.joinable()) err_reader_.join();
  }

  std::string out() {
    std::lock_guard<std::mutex> lock(mu_);
    return out_;
  }
  std::string err() {
    std::lock_guard<std::mutex> lock(mu_);
    return err_;
  }
  void Signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }
  // The exit code (128 + signal when killed), or -1 when still running after `timeout`.
  int Wait(milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() > end) return -1;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return code_;
  }

 private:
  void Drain(int fd, std::string* into) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      into->append(buf, n);
    }
    close(fd);
  }

  pid_t pid_ = -1;
  int code_ = -1;
  std::mutex mu_;
  std::string out_, err_;
  std::thread out_reader_, err_reader_;
};

class FindTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data");
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
  }

  void Send(const std::string& lines) { ASSERT_TRUE(SendTcp(daemon_->tcp_port(), lines)); }

  // Waits until mlqd has stored `n` records.
  bool WaitStored(uint64_t n) {
    return WaitFor([&] {
      json s = daemon_->Status();
      return s.is_object() && s.value("stored", uint64_t{0}) >= n;
    });
  }

  std::vector<json> FindJson(std::vector<std::string> args) {
    args.insert(args.begin(), "find");
    args.push_back("--json");
    last_ = daemon_->Mlq(args);
    return ParseJsonLines(last_.out);
  }

  std::unique_ptr<Process> Tail(std::vector<std::string> args) {
    std::vector<std::string> argv = {MLQ_BIN, "--server", daemon_->grpc(), "tail"};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Process>(argv);
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  CommandResult last_;
};

TEST_F(FindTailTest, FindFiltersOverSyslog) {
  // One statement per line: the operands of + have no evaluation order, and
  // each line is stamped when it is made.
  std::string lines = Smtp("AAA111", "a@example.net", "deferred", "connect: Connection timed out");
  lines += Smtp("BBB222", "b@example.net", "sent", "250 2.0.0 Ok");
  lines += Smtp("CCC333", "c@example.net", "deferred", "host x said: 451 try again");
  lines += Line("postfix/smtpd", "connect from unknown[192.0.2.7]");
  lines += Line("postfix/qmgr", "AAA111: from=<s@example.org>, size=100, nrcpt=1 (queue active)");
  Send(lines);
  ASSERT_TRUE(WaitStored(5)) << daemon_->log();

  auto rows = FindJson({"--status", "deferred", "--since", "1h"});
  ASSERT_EQ(rows.size(), 2u) << last_.err;
  EXPECT_EQ(rows[0]["queue_id"], "AAA111");
  EXPECT_EQ(rows[1]["queue_id"], "CCC333");

  rows = FindJson({"--text", "CONNECTION TIMED out", "--since", "1h"});
  ASSERT_EQ(rows.size(), 1u) << last_.err;
  EXPECT_EQ(rows[0]["queue_id"], "AAA111");

  rows = FindJson({"--program", "smtp", "--since", "1h"});
  ASSERT_EQ(rows.size(), 3u) << "postfix/smtp only, not smtpd or qmgr";
  for (const json& r : rows) EXPECT_EQ(r["program"], "postfix/smtp");

  rows = FindJson({"--program", "smtp", "--since", "1h", "--newest-first", "--limit", "1"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["queue_id"], "CCC333");

  rows = FindJson({"--queue-id", "AAA111", "--program", "qmgr"});
  ASSERT_EQ(rows.size(), 1u) << "an index key with a post-filter";
  EXPECT_EQ(rows[0]["from"], "s@example.org");

  EXPECT_EQ(daemon_->Mlq({"find", "--status", "bounced", "--since", "1h"}).exit_code, 1);
  CommandResult bare = daemon_->Mlq({"find"});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("give a filter or --since"), std::string::npos) << bare.err;
  // The table stays find's table.
  CommandResult table = daemon_->Mlq({"find", "--status", "sent", "--since", "1h"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out.rfind("TIME ", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("BBB222"), std::string::npos) << table.out;
}

TEST_F(FindTailTest, FindPagesWithTokensAndAll) {
  std::string lines;
  for (int i = 0; i < 2500; ++i) {
    lines += Smtp("Q" + std::to_string(100000 + i), "u@example.net", "deferred", "page test");
    if (i % 10 == 0) lines += Line("postfix/smtpd", "noise " + std::to_string(i));
  }
  Send(lines);
  ASSERT_TRUE(WaitStored(2750)) << daemon_->log();

  // One page, and the command for the next one on stderr.
  auto rows = FindJson({"--status", "deferred", "--since", "1h", "--limit", "1000"});
  ASSERT_EQ(rows.size(), 1000u) << last_.err;
  const size_t more = last_.err.find("more: mlq ");
  ASSERT_NE(more, std::string::npos) << last_.err;
  std::string again = last_.err.substr(more + 10);
  again = again.substr(0, again.find('\n'));
  EXPECT_NE(again.find("--page="), std::string::npos) << again;
  EXPECT_NE(again.find("--since=@"), std::string::npos) << "absolute times: " << again;
  CommandResult next = RunCommand({"sh", "-c", std::string(MLQ_BIN) + " " + again});
  ASSERT_EQ(next.exit_code, 0) << again << "\n" << next.err;
  auto page2 = ParseJsonLines(next.out);
  ASSERT_EQ(page2.size(), 1000u);
  EXPECT_EQ(page2[0]["queue_id"], "Q101000") << "continues right after the first page";

  // --all: every page, each line once.
  rows = FindJson({"--status", "deferred", "--since", "1h", "--limit", "1000", "--all"});
  ASSERT_EQ(rows.size(), 2500u) << last_.err;
  EXPECT_EQ(last_.err, "");
  std::set<std::string> qids;
  for (const json& r : rows) qids.insert(r["queue_id"].get<std::string>());
  EXPECT_EQ(qids.size(), 2500u);
  rows = FindJson(
      {"--to", "u@example.net", "--since", "1h", "--newest-first", "--all", "--limit", "700"});
  ASSERT_EQ(rows.size(), 2500u);
  EXPECT_EQ(rows[0]["queue_id"], "Q102499");
  EXPECT_EQ(rows[2499]["queue_id"], "Q100000");
}

TEST_F(FindTailTest, TailShowsTheLastLinesThenLiveOnesUntilCtrlC) {
  std::string lines = Smtp("OLD1", "a@example.net", "deferred", "old one");
  lines += Smtp("OLD2", "a@example.net", "sent", "old two");
  lines += Smtp("OLD3", "a@example.net", "deferred", "old three");
  Send(lines);
  ASSERT_TRUE(WaitStored(3)) << daemon_->log();

  auto json_tail = Tail({"--status", "deferred", "-n", "1", "--json"});
  auto table_tail = Tail({"--program", "smtp", "-n", "0", "--utc"});
  ASSERT_TRUE(WaitFor([&] { return ParseJsonLines(json_tail->out()).size() == 1; }))
      << json_tail->err();
  EXPECT_EQ(ParseJsonLines(json_tail->out())[0]["queue_id"], "OLD3") << "the last matching line";
  // The table tail (-n 0) shows nothing until it is subscribed, which cannot
  // be seen from outside: send pairs of lines until live ones show up.
  int sent = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string pair = Smtp("NEW" + std::to_string(sent), "b@example.net", "deferred", "live");
        pair += Smtp("SENT" + std::to_string(sent), "b@example.net", "sent", "live");
        Send(pair);
        ++sent;
        std::this_thread::sleep_for(milliseconds(200));
        return ParseJsonLines(json_tail->out()).size() >= 2 &&
               table_tail->out().find("NEW") != std::string::npos;
      },
      seconds(20)))
      << json_tail->err() << table_tail->err();
  for (const json& r : ParseJsonLines(json_tail->out())) {
    EXPECT_EQ(r["status"], "deferred") << "filtered: " << r.dump();
  }
  const std::string table = table_tail->out();
  EXPECT_EQ(table.rfind("TIME ", 0), 0u) << table;
  EXPECT_EQ(table.find("OLD"), std::string::npos) << "-n 0: live lines only\n" << table;

  json_tail->Signal(SIGINT);
  table_tail->Signal(SIGINT);
  EXPECT_EQ(json_tail->Wait(seconds(5)), 0) << json_tail->err();
  EXPECT_EQ(table_tail->Wait(seconds(5)), 0) << table_tail->err();
  EXPECT_EQ(json_tail->err(), "");
}

TEST_F(FindTailTest, TailExitsTwoWhenMlqdStops) {
  Send(Line("postfix/qmgr", "ZZZ999: removed"));
  ASSERT_TRUE(WaitStored(1)) << daemon_->log();
  auto tail = Tail({"-n", "1"});
  ASSERT_TRUE(WaitFor([&] { return tail->out().find("ZZZ999") != std::string::npos; }))
      << tail->err();
  // The stream is open: stopping the daemon must not wait for it.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon_->Stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5)) << "mlqd stopped promptly";
  EXPECT_EQ(tail->Wait(seconds(10)), 2);
  EXPECT_NE(tail->err().find("mlq: tail ended"), std::string::npos) << tail->err();
}

}  // namespace
}  // namespace mlq::testing
