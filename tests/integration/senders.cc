#include "senders.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "test_util.h"

extern char** environ;

namespace mlq::testing {
namespace {

using nlohmann::json;

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string ReadIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Getenv(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

}  // namespace

// --- files and text -----------------------------------------------------------

std::string DeployDir() {
  return std::filesystem::weakly_canonical(std::filesystem::path(MLQ_TEST_DATA) / ".." / ".." /
                                           "deploy")
      .string();
}

std::string DeployFile(std::string_view name) {
  return ReadFile(DeployDir() + "/" + std::string(name));
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to,
                std::string_view what) {
  size_t pos = text.find(from);
  if (pos == std::string::npos) {
    ADD_FAILURE() << what << " does not contain \"" << from
                  << "\": the deploy file and its test no longer agree";
    return;
  }
  while (pos != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos = text.find(from, pos + to.size());
  }
}

void RemoveLinesWith(std::string& text, std::string_view needle, std::string_view what) {
  std::string out;
  size_t start = 0;
  int removed = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    std::string_view line(text.data() + start, end - start);
    if (line.find(needle) != std::string_view::npos) {
      ++removed;
    } else {
      out.append(line);
    }
    start = end;
  }
  if (removed == 0) ADD_FAILURE() << what << " has no line with \"" << needle << "\"";
  text = std::move(out);
}

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

bool MakeTestCa(const std::string& dir, const std::string& server_name,
                const std::string& client_name) {
  CommandResult r =
      RunCommand({"bash", DeployDir() + "/make-test-ca.sh", dir, server_name, client_name}, "",
                 std::chrono::seconds(60));
  if (r.exit_code != 0) {
    ADD_FAILURE() << "deploy/make-test-ca.sh failed (" << r.exit_code << "): " << r.err;
    return false;
  }
  return true;
}

// --- mlqd -----------------------------------------------------------------------

uint16_t TlsPort(const Daemon& daemon) { return ListenerPort(daemon, "tls"); }

uint16_t ListenerPort(const Daemon& daemon, std::string_view transport) {
  const std::string text = daemon.log();
  const std::string key = "mlqd: listening " + std::string(transport) + " ";
  size_t p = text.find(key);
  if (p == std::string::npos) return 0;
  size_t e = text.find('\n', p);
  std::string addr = text.substr(p + key.size(), e - p - key.size());
  size_t colon = addr.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(addr.substr(colon + 1)));
}

uint16_t FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(sa.sin_port);
  }
  close(fd);
  return port;
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// --- child processes ------------------------------------------------------------

Process::~Process() {
  if (pid_ > 0) Stop();
}

bool Process::Start(const std::vector<std::string>& argv, const std::string& log_path,
                    const std::vector<std::string>& env) {
  log_path_ = log_path;
  // Everything the child needs is prepared before fork (the test process
  // has threads: the child may only make async-signal-safe calls).
  std::vector<std::string> env_strings;
  std::map<std::string, std::string> overrides;
  for (const auto& e : env) overrides[e.substr(0, e.find('='))] = e;
  for (char** p = environ; *p != nullptr; ++p) {
    std::string e = *p;
    if (!overrides.count(e.substr(0, e.find('=')))) env_strings.push_back(std::move(e));
  }
  for (const auto& [name, e] : overrides) env_strings.push_back(e);
  std::vector<char*> envp, args;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t parent = getpid();
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return false;
  pid_ = fork();
  if (pid_ < 0) {
    close(log_fd);
    return false;
  }
  if (pid_ == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (getppid() != parent) _exit(126);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execve(args[0], args.data(), envp.data());
    static const char msg[] = "test: exec failed\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  close(log_fd);
  return true;
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  int status;
  return waitpid(pid_, &status, WNOHANG) == 0 ? true : (pid_ = -1, false);
}

int Process::Stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool done = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      done = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!done) {
    ADD_FAILURE() << "pid " << pid_ << " did not stop within " << timeout.count()
                  << " ms of signal " << sig << "; killed";
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return ExitCode(status);
}

std::string Process::log() const { return ReadIfExists(log_path_); }

// --- rsyslog ---------------------------------------------------------------------

std::string Rsyslog::Binary() { return Getenv("MLQ_RSYSLOGD", "/usr/sbin/rsyslogd"); }

bool Rsyslog::Start(const std::string& body) {
  const std::string bin = Binary();
  if (!IsExecutable(bin)) {
    ADD_FAILURE() << bin
                  << " not found: install the test senders with "
                     "deploy/install-test-senders.sh (or deploy/install-deps.sh --test)";
    return false;
  }
  std::filesystem::create_directories(dir_ + "/work");
  const std::string port_file = dir_ + "/imtcp.port";
  std::string conf =
      "# Written by tests/integration/senders.cc: the test's own input, then the\n"
      "# client config under test.\n"
      "# processInternalMessages: rsyslog's own messages go through the rules\n"
      "# below to internal.log (by default 8.2302 hands them to syslog(3), i.e.\n"
      "# /dev/log, and the tests never see them).\n"
      "global(workDirectory=\"" +
      dir_ +
      "/work\" processInternalMessages=\"on\")\n"
      "module(load=\"imtcp\")\n"
      "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"0\" listenPortFileName=\"" +
      port_file +
      "\")\n"
      "# rsyslog's own messages (facility syslog), for diagnosis.\n"
      "syslog.* action(type=\"omfile\" file=\"" +
      dir_ +
      "/internal.log\")\n"
      "\n" +
      body;
  WriteFile(config_path(), conf);
  CommandResult check = RunCommand({bin, "-N1", "-f", config_path()}, "", std::chrono::seconds(30));
  check_ = "rsyslogd -N1: exit " + std::to_string(check.exit_code) + "\n" + check.out + check.err;
  if (check.exit_code != 0) {
    ADD_FAILURE() << "rsyslogd rejects the config:\n" << check_ << "\n--- config:\n" << conf;
    return false;
  }
  std::vector<std::string> env;
  if (!Getenv("MLQ_RSYSLOG_DEBUG", "").empty()) {
    env = {"RSYSLOG_DEBUG=Debug NoStdOut", "RSYSLOG_DEBUGLOG=" + dir_ + "/debug.log"};
  }
  if (!proc_.Start({bin, "-n", "-f", config_path(), "-i", dir_ + "/rsyslogd.pid"},
                   dir_ + "/rsyslogd.log", env)) {
    ADD_FAILURE() << "cannot start " << bin;
    return false;
  }
  bool up = WaitFor(
      [&] {
        std::string p = ReadIfExists(port_file);
        if (!p.empty() && std::isdigit(static_cast<unsigned char>(p[0]))) {
          input_port_ = static_cast<uint16_t>(std::stoi(p));
          return true;
        }
        return !proc_.Running();
      },
      std::chrono::seconds(15));
  if (!up || input_port_ == 0) {
    ADD_FAILURE() << "rsyslogd did not start listening:\n" << log();
    return false;
  }
  return true;
}

std::string Rsyslog::StatsModule() const {
  return "module(load=\"impstats\" interval=\"1\" format=\"legacy\" log.syslog=\"off\"\n"
         "       log.file=\"" +
         dir_ + "/stats.log\")\n";
}

std::string Rsyslog::log() const {
  // The end of a file that may be long: its last `bytes`, from a line start.
  auto tail = [](const std::string& text, size_t bytes) {
    if (text.size() <= bytes) return text;
    size_t from = text.find('\n', text.size() - bytes);
    return "[...]\n" + text.substr(from == std::string::npos ? text.size() - bytes : from + 1);
  };
  std::string out = check_ + "--- rsyslogd stderr:\n" + proc_.log() +
                    "--- rsyslogd internal messages:\n" + ReadIfExists(dir_ + "/internal.log");
  if (std::string stats = ReadIfExists(dir_ + "/stats.log"); !stats.empty()) {
    out += "--- rsyslogd statistics (impstats, every second; last 16 KiB):\n" + tail(stats, 16384);
  }
  if (std::string debug = ReadIfExists(dir_ + "/debug.log"); !debug.empty()) {
    out += "--- rsyslogd debug log (last 64 KiB of " + std::to_string(debug.size()) + " bytes):\n" +
           tail(debug, 65536);
  }
  return out;
}

// --- syslog-ng -------------------------------------------------------------------

std::string SyslogNg::Root() { return Getenv("MLQ_SYSLOG_NG_ROOT", "/opt/mlq-test/syslog-ng"); }

std::vector<std::string> SyslogNg::Command() {
  const std::string root = Root();
  return {root + "/usr/sbin/syslog-ng", "--module-path=" + root + "/usr/lib/syslog-ng/3.38"};
}

std::vector<std::string> SyslogNg::Env() {
  return {"LD_LIBRARY_PATH=" + Root() + "/usr/lib/syslog-ng"};
}

bool SyslogNg::Start(const std::string& body) {
  std::vector<std::string> cmd = Command();
  if (!IsExecutable(cmd[0])) {
    ADD_FAILURE() << cmd[0]
                  << " not found: unpack syslog-ng with "
                     "deploy/install-test-senders.sh (or deploy/install-deps.sh --test), "
                     "or point MLQ_SYSLOG_NG_ROOT at the unpacked syslog-ng-core";
    return false;
  }
  std::filesystem::create_directories(dir_);
  input_port_ = FreeTcpPort();
  const std::string conf_path = dir_ + "/syslog-ng.conf";
  std::string conf =
      "@version: 3.38\n"
      "# Written by tests/integration/senders.cc: the test's own source s_src,\n"
      "# then the client config under test.\n"
      "options { stats-freq(0); time-reopen(1); };\n"
      "source s_src { network(ip(\"127.0.0.1\") port(" +
      std::to_string(input_port_) +
      ") transport(\"tcp\") keep-hostname(yes)); };\n"
      "\n" +
      body;
  WriteFile(conf_path, conf);
  std::vector<std::string> env = Env();
  // --syntax-only first: a clear message for a config it rejects.
  std::vector<std::string> check = {"env"};
  check.insert(check.end(), env.begin(), env.end());
  check.insert(check.end(), cmd.begin(), cmd.end());
  check.insert(check.end(), {"--syntax-only", "-f", conf_path});
  CommandResult r = RunCommand(check, "", std::chrono::seconds(30));
  check_ = "syslog-ng --syntax-only: exit " + std::to_string(r.exit_code) + "\n" + r.out + r.err;
  if (r.exit_code != 0) {
    ADD_FAILURE() << "syslog-ng rejects the config:\n" << check_ << "\n--- config:\n" << conf;
    return false;
  }
  cmd.insert(cmd.end(), {"-F", "-e", "-f", conf_path, "--persist-file=" + dir_ + "/persist",
                         "--pidfile=" + dir_ + "/syslog-ng.pid", "--control=" + dir_ + "/ctl"});
  if (!proc_.Start(cmd, dir_ + "/syslog-ng.log", env)) {
    ADD_FAILURE() << "cannot start " << cmd[0];
    return false;
  }
  bool up = WaitFor(
      [&] {
        return proc_.log().find("syslog-ng starting up") != std::string::npos || !proc_.Running();
      },
      std::chrono::seconds(15));
  if (!up || !proc_.Running()) {
    ADD_FAILURE() << "syslog-ng did not start:\n" << log();
    return false;
  }
  return true;
}

std::string SyslogNg::log() const { return check_ + "--- syslog-ng stderr:\n" + proc_.log(); }

// --- what is sent and what must arrive ---------------------------------------------

std::string Batch::Stream() const {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

int64_t SecondsAgo(int seconds) { return static_cast<int64_t>(time(nullptr)) - seconds; }

Batch MakeBatch(const std::string& tag, int n, int64_t time_s) {
  Batch b;
  b.tag = tag;
  b.time_s = time_s;
  const time_t t = static_cast<time_t>(time_s);
  tm local{};
  localtime_r(&t, &local);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &local);  // "Nov  2 09:06:15"
  // A per-batch prefix keeps queue IDs apart between tests.
  unsigned prefix = 0;
  for (char c : tag) prefix = prefix * 31 + static_cast<unsigned char>(c);
  for (int i = 0; i < n; ++i) {
    char qid[16];
    snprintf(qid, sizeof qid, "%04X%06X", prefix & 0xffff, i + 1);
    b.queue_ids.push_back(qid);
    b.messages.push_back(std::string(qid) + ": from=<" + b.address() +
                         ">, size=" + std::to_string(1000 + i) + ", nrcpt=1 (queue active)");
    b.lines.push_back("<22>" + std::string(stamp) + " " + b.host + " " + b.program + "[" + b.pid +
                      "]: " + b.messages.back());
  }
  return b;
}

std::string AsText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_null()) return "";
  return v.dump();
}

std::vector<json> FindByAddress(const Daemon& daemon, const std::string& address, size_t want,
                                std::chrono::milliseconds timeout) {
  std::vector<json> rows;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Once mlqd has stored that many records, what find does not show by then
  // (2 s later) will not come: stop early instead of waiting for the timeout.
  std::optional<std::chrono::steady_clock::time_point> stored_at;
  for (;;) {
    CommandResult r = daemon.Mlq({"find", "--json", "--limit", "100000", "--address", address});
    rows = ParseJsonLines(r.out);
    const auto now = std::chrono::steady_clock::now();
    if (rows.size() >= want || now >= deadline) break;
    if (!stored_at) {
      json status = daemon.Status();
      if (status.is_object() && status.value("stored", int64_t{0}) >= static_cast<int64_t>(want)) {
        stored_at = now;
      }
    } else if (now - *stored_at > std::chrono::seconds(2)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return rows;
}

void ExpectExactlyOnce(const std::vector<json>& rows, const Batch& batch, const Expect& expect) {
  std::map<std::string, int> seen;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < batch.queue_ids.size(); ++i) index[batch.queue_ids[i]] = i;
  int bad = 0;  // report the first few bad rows in full, then count
  auto report = [&bad](const json& row, const std::string& why) {
    if (++bad <= 5) ADD_FAILURE() << why << ": " << row.dump();
  };
  for (const json& row : rows) {
    if (!row.is_object()) {
      report(row, "not a JSON object");
      continue;
    }
    const std::string qid = AsText(row.value("queue_id", json()));
    auto it = index.find(qid);
    if (it == index.end()) {
      report(row, "a record that was not sent");
      continue;
    }
    ++seen[qid];
    if (AsText(row.value("host", json())) != expect.host) report(row, "host != " + expect.host);
    if (AsText(row.value("program", json())) != expect.program) {
      report(row, "program != " + expect.program);
    }
    if (AsText(row.value("pid", json())) != expect.pid) report(row, "pid != " + expect.pid);
    if (AsText(row.value("transport", json())) != expect.transport) {
      report(row, "transport != " + expect.transport);
    }
    const int64_t ts_us = row.value("timestamp_us", int64_t{0});
    const int64_t ts_s = ts_us >= 0 ? ts_us / 1000000 : -((-ts_us + 999999) / 1000000);
    if (ts_s < expect.min_time_s || ts_s > expect.max_time_s) {
      report(row, "timestamp " + std::to_string(ts_s) + " s not in [" +
                      std::to_string(expect.min_time_s) + ", " + std::to_string(expect.max_time_s) +
                      "]");
    }
    // The message arrives intact: no trailing LF (RSYSLOG_SyslogProtocol23Format
    // ends with one); leading spaces are not counted (its MSG is " QID: ...").
    std::string message = AsText(row.value("message", json()));
    message.erase(0, message.find_first_not_of(' '));
    if (message != batch.messages[it->second]) {
      report(row,
             "message " + json(message).dump() + " != " + json(batch.messages[it->second]).dump());
    }
    if (!expect.peer_subject_contains.empty() &&
        AsText(row.value("peer_subject", json())).find(expect.peer_subject_contains) ==
            std::string::npos) {
      report(row, "peer_subject lacks " + expect.peer_subject_contains);
    }
  }
  size_t missing = 0, duplicated = 0;
  std::string examples;
  for (const auto& qid : batch.queue_ids) {
    auto it = seen.find(qid);
    if (it == seen.end()) {
      if (++missing <= 3) examples += " missing " + qid;
    } else if (it->second > 1) {
      if (++duplicated <= 3) examples += " " + qid + " x" + std::to_string(it->second);
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << batch.queue_ids.size() << " lines sent:" << examples;
  EXPECT_EQ(duplicated, 0u) << examples;
  EXPECT_EQ(rows.size(), batch.queue_ids.size()) << "records found for " << batch.address();
  EXPECT_EQ(bad, 0) << "records with wrong fields (first 5 shown above)";
}

}  // namespace mlq::testing
