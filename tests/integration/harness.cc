#include "harness.h"

#include "test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <cstring>

namespace mlq::testing {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

uint16_t PortOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(addr.substr(colon + 1)));
}

}  // namespace

std::string CreateToken(const std::string& file, const std::string& name, const std::string& role,
                        const std::string& domain) {
  std::vector<std::string> args = {MLQ_BIN,  "token", "create", "--file", file,
                                   "--name", name,    "--role", role};
  if (!domain.empty()) args.insert(args.end(), {"--domain", domain});
  CommandResult r = RunCommand(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("shown only now"), std::string::npos) << r.err;
  std::string token = r.out;
  while (!token.empty() && token.back() == '\n') token.pop_back();
  return token;
}

std::string NpmCiOnce(const std::string& dir, const std::vector<std::string>& packages,
                      std::string_view version) {
  const int lock = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0) return "cannot open " + dir;
  flock(lock, LOCK_EX);
  const std::string installed = dir + "/node_modules/.package-lock.json";
  bool ready = Exists(installed) &&
               ReadFile(installed).find("\"" + std::string(version) + "\"") != std::string::npos;
  for (const std::string& p : packages) {
    ready = ready && Exists(dir + "/node_modules/" + p + "/package.json");
  }
  CommandResult r;
  r.exit_code = 0;
  if (!ready) {
    r = RunCommand({"npm", "ci", "--prefix", dir, "--no-audit", "--no-fund", "--ignore-scripts",
                    "--loglevel=error"},
                   "", std::chrono::seconds(300));
  }
  flock(lock, LOCK_UN);
  close(lock);
  if (r.exit_code != 0) {
    return "npm ci in " + dir + " failed (exit " + std::to_string(r.exit_code) + "):\n" + r.out +
           r.err;
  }
  return "";
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::string_view input,
                         std::chrono::seconds timeout) {
  CommandResult r;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    auto args = Argv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Feed stdin and drain stdout/stderr together so no pipe fills up.
  size_t written = 0;
  int in_fd = in[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int open_fds = 2;
  char buf[65536];
  bool timed_out = false;
  while (open_fds > 0) {
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count());
    if (ms <= 0) {
      timed_out = true;
      break;
    }
    if (poll(fds, in_fd >= 0 ? 3 : 2, ms) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          (i == 0 ? r.out : r.err).append(buf, n);
        } else {
          close(fds[i].fd);
          (i == 0 ? out[0] : err[0]) = -1;
          --open_fds;
        }
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += n;
      if (n < 0 || written == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  if (out[0] >= 0) close(out[0]);
  if (err[0] >= 0) close(err[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = timed_out ? -1 : ExitCode(status);
  return r;
}

Daemon::Daemon(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

Daemon::~Daemon() {
  if (pid_ > 0) Stop();
}

bool Daemon::Start() {
  std::vector<std::string> args = {MLQD_BIN,       "--data",        data_dir_,
                                   "--syslog-udp", "127.0.0.1:0",   "--syslog-tcp",
                                   "127.0.0.1:0",  "--sync-writes", "false"};
  // A test may bind gRPC elsewhere (an option may be given only once).
  if (std::find(extra_args_.begin(), extra_args_.end(), "--grpc") == extra_args_.end()) {
    args.insert(args.end(), {"--grpc", "127.0.0.1:0"});
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  int err[2];
  if (pipe2(err, O_CLOEXEC)) return false;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(err[1], 2);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    auto argv = Argv(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(err[1]);
  err_fd_ = err[0];
  reader_ = std::thread([this] {
    char buf[4096];
    ssize_t n;
    while ((n = read(err_fd_, buf, sizeof buf)) > 0) {
      std::lock_guard lock(mu_);
      log_.append(buf, n);
    }
  });
  bool ready =
      WaitFor([this] { return log().find("mlqd: ready") != std::string::npos || !Running(); },
              std::chrono::seconds(30));
  std::string text = log();
  if (!ready || text.find("mlqd: ready") == std::string::npos) return false;
  auto addr_of = [&text](const std::string& what) {
    std::string key = "mlqd: listening " + what + " ";
    size_t p = text.find(key);
    if (p == std::string::npos) return std::string();
    size_t e = text.find('\n', p);
    return text.substr(p + key.size(), e - p - key.size());
  };
  udp_ = addr_of("udp");
  tcp_ = addr_of("tcp");
  grpc_ = addr_of("grpc");
  http_ = addr_of("http");
  return !grpc_.empty();
}

bool Daemon::Running() {
  if (pid_ <= 0) return false;
  int status;
  return waitpid(pid_, &status, WNOHANG) == 0 ? true : (pid_ = -1, false);
}

int Daemon::Stop(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  // Bounded wait: a daemon that does not stop in 60 s is killed (and fails).
  for (int i = 0; i < 3000; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) break;
    if (i == 2999) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    usleep(20000);
  }
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  if (err_fd_ >= 0) close(err_fd_);
  err_fd_ = -1;
  return ExitCode(status);
}

uint16_t Daemon::udp_port() const { return PortOf(udp_); }
uint16_t Daemon::tcp_port() const { return PortOf(tcp_); }
uint16_t Daemon::http_port() const { return PortOf(http_); }

std::string Daemon::log() const {
  std::lock_guard lock(mu_);
  return log_;
}

CommandResult Daemon::Mlq(std::vector<std::string> args) const {
  std::vector<std::string> argv = {MLQ_BIN, "--server", grpc_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

nlohmann::json Daemon::Status() const {
  CommandResult r = Mlq({"status", "--json"});
  if (r.exit_code != 0) return nlohmann::json();
  return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

bool SendTcp(uint16_t port, std::string_view bytes) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  size_t sent = 0;
  while (ok && sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      ok = false;
    else
      sent += n;
  }
  if (ok) {
    shutdown(fd, SHUT_WR);
    pollfd p{fd, POLLIN, 0};
    char c;
    if (poll(&p, 1, 5000) > 0) (void)recv(fd, &c, 1, 0);
  }
  close(fd);
  return ok;
}

bool SendUdp(uint16_t port, std::string_view datagram) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ssize_t n =
      sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  close(fd);
  return n == static_cast<ssize_t>(datagram.size());
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

std::string Bsd(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%b %e %H:%M:%S", &tm);
  return buf;
}

std::vector<nlohmann::json> ParseJsonLines(const std::string& out) {
  std::vector<nlohmann::json> rows;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(start, end - start);
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line, nullptr, false));
    start = end + 1;
  }
  return rows;
}

}  // namespace mlq::testing
