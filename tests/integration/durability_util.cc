#include "durability_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace mlq::testing {
namespace {

using nlohmann::json;

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{0, 200000};  // sends wait at most 200 ms, then Run checks stop_
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

}  // namespace

// --- Mlqd ----------------------------------------------------------------------

Mlqd::Mlqd(std::string data_dir, std::vector<std::string> args, std::string log_path)
    : data_dir_(std::move(data_dir)), args_(std::move(args)), log_path_(std::move(log_path)) {}

Mlqd::~Mlqd() {
  if (proc_.pid() > 0) Stop();
}

bool Mlqd::Start(std::chrono::seconds timeout) {
  const size_t offset = log().size();
  std::vector<std::string> argv = {MLQD_BIN, "--data", data_dir_};
  argv.insert(argv.end(), args_.begin(), args_.end());
  if (!proc_.Start(argv, log_path_)) return false;
  std::string text;
  const bool ready = WaitFor(
      [&] {
        text = log().substr(std::min(offset, log().size()));
        return text.find("mlqd: ready") != std::string::npos || !proc_.Running();
      },
      timeout);
  if (!ready || text.find("mlqd: ready") == std::string::npos) return false;
  bound_.clear();
  const std::string key = "mlqd: listening ";
  for (size_t p = text.find(key); p != std::string::npos; p = text.find(key, p + 1)) {
    const size_t e = text.find('\n', p);
    const std::string rest = text.substr(p + key.size(), e - p - key.size());
    const size_t sp = rest.find(' ');
    if (sp == std::string::npos) continue;
    bound_.emplace_back(rest.substr(0, sp), rest.substr(sp + 1));
  }
  grpc_ = Address("grpc");
  return !grpc_.empty();
}

std::string Mlqd::log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Mlqd::Kill() { proc_.Stop(SIGKILL, std::chrono::seconds(30)); }

int Mlqd::Stop(int sig, std::chrono::seconds timeout) { return proc_.Stop(sig, timeout); }

void Mlqd::Signal(int sig) const {
  if (proc_.pid() > 0) kill(proc_.pid(), sig);
}

std::string Mlqd::Address(const std::string& transport) const {
  for (const auto& [t, a] : bound_) {
    if (t == transport) return a;
  }
  return "";
}

uint16_t Mlqd::Port(const std::string& transport) const {
  const std::string a = Address(transport);
  const size_t colon = a.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(a.substr(colon + 1)));
}

CommandResult Mlqd::Mlq(const std::vector<std::string>& args, std::chrono::seconds timeout) const {
  std::vector<std::string> argv = {MLQ_BIN, "--server", grpc_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, "", timeout);
}

json Mlqd::Status() const {
  CommandResult r = Mlq({"status", "--json"}, std::chrono::seconds(20));
  if (r.exit_code != 0) return json();
  return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

int64_t Counter(const json& status, const std::string& name) {
  if (!status.is_object() || !status.contains("counters") || !status["counters"].is_object()) {
    return -1;
  }
  return status["counters"].value(name, int64_t{-1});
}

int64_t Field(const json& status, const std::string& name) {
  if (!status.is_object() || !status.contains(name) || !status[name].is_number()) return -1;
  return status[name].get<int64_t>();
}

// --- lines ------------------------------------------------------------------------

std::string Qid(const std::string& prefix, uint32_t n) {
  char buf[16];
  snprintf(buf, sizeof buf, "%08X", n);
  return prefix + buf;
}

std::string NumberedLine(const std::string& prefix, uint32_t n, time_t t, const std::string& text,
                         bool syslog, const std::string& host) {
  return std::string(syslog ? "<22>" : "") + Bsd(t) + " " + host +
         " postfix/qmgr[77]: " + Qid(prefix, n) + ": " + text;
}

uint64_t Census::missing_below(uint32_t n) const {
  uint64_t missing = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (i >= count.size() || count[i] == 0) ++missing;
  }
  return missing;
}

std::string Census::MissingExamples(uint32_t n, size_t max) const {
  std::string out;
  size_t shown = 0;
  for (uint32_t i = 0; i < n && shown < max; ++i) {
    if (i >= count.size() || count[i] == 0) {
      out += " " + std::to_string(i);
      ++shown;
    }
  }
  return out;
}

Census TakeCensus(const std::string& server, const std::string& prefix, uint32_t limit,
                  const std::string& since, const std::string& until) {
  Census c;
  c.count.assign(limit, 0);
  std::vector<std::string> argv = {MLQ_BIN,   "--server", server,  "--timeout", "300",   "find",
                                   "--since", since,      "--all", "--limit",   "100000"};
  if (!until.empty()) argv.insert(argv.end(), {"--until", until});
  CommandResult r = RunCommand(argv, "", std::chrono::seconds(400));
  if (r.exit_code != 0 && r.exit_code != 1) {
    ADD_FAILURE() << "mlq find failed (" << r.exit_code << "): " << r.err.substr(0, 2000);
    return c;
  }
  size_t start = 0;
  bool header = true;
  while (start < r.out.size()) {
    size_t end = r.out.find('\n', start);
    if (end == std::string::npos) end = r.out.size();
    std::string_view line(r.out.data() + start, end - start);
    start = end + 1;
    if (header) {  // the table's header row
      header = false;
      continue;
    }
    if (line.empty()) continue;
    ++c.rows;
    // The MSG column: "<QID>: ..." (the QUEUE ID column has no colon).
    for (size_t p = line.find(prefix); p != std::string_view::npos; p = line.find(prefix, p + 1)) {
      const size_t q = p + prefix.size();
      if (q + 9 > line.size() || line[q + 8] != ':') continue;
      bool hex = true;
      for (size_t i = q; i < q + 8; ++i) hex = hex && IsHex(line[i]);
      if (!hex) continue;
      const uint32_t n =
          static_cast<uint32_t>(std::stoul(std::string(line.substr(q, 8)), nullptr, 16));
      if (n >= c.count.size()) c.count.resize(n + 1, 0);
      if (c.count[n]++ == 0) {
        ++c.distinct;
      } else {
        ++c.duplicates;
      }
      break;
    }
  }
  return c;
}

// --- NumberedSender ------------------------------------------------------------------

NumberedSender::NumberedSender(uint16_t port, Options options)
    : port_(port), options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

NumberedSender::~NumberedSender() { Stop(); }

void NumberedSender::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void NumberedSender::Run() {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  int fd = -1;
  uint32_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  std::string buf;
  while (!stop_ && (options_.total == 0 || n < options_.total)) {
    if (fd < 0) {
      fd = Connect(port_);
      if (fd < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      ++reconnects_;
    }
    uint32_t chunk = 100;
    if (options_.total != 0) chunk = std::min(chunk, options_.total - n);
    if (options_.rate != 0) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto allowed = static_cast<uint64_t>(elapsed * options_.rate) + 1;
      if (n >= allowed) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      chunk = static_cast<uint32_t>(std::min<uint64_t>(chunk, allowed - n));
    }
    buf.clear();
    const time_t now = time(nullptr);
    for (uint32_t i = 0; i < chunk; ++i) {
      std::string text = "removed";
      if (options_.pad != 0) {
        text += " pad=";
        for (size_t k = 0; k < options_.pad; ++k) text += kChars[Rng()() % (sizeof kChars - 1)];
      }
      buf += NumberedLine(options_.prefix, n + i, now, text, true, options_.host);
      buf += '\n';
    }
    size_t off = 0;
    bool broke = false;
    while (off < buf.size()) {
      ssize_t w = send(fd, buf.data() + off, buf.size() - off, MSG_NOSIGNAL);
      if (w > 0) {
        off += static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (stop_) break;  // stalled and asked to stop: give the rest up
        continue;
      }
      broke = true;
      break;
    }
    // Numbers are never reused: a chunk cut short is not sent again.
    n += chunk;
    used_ = n;
    if (broke) {
      close(fd);
      fd = -1;
      ++breaks_;
      continue;
    }
    if (off == buf.size()) sent_ = n;
  }
  if (fd >= 0) {
    // A clean end: the peer reads everything before it sees the close.
    shutdown(fd, SHUT_WR);
    close(fd);
  }
  done_ = true;
}

// --- Tmpfs ---------------------------------------------------------------------------

Tmpfs::Tmpfs(const std::string& size) {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/mlq-tmpfs-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    why_ = "mkdtemp: " + std::string(strerror(errno));
    return;
  }
  path_ = tmpl;
  if (geteuid() != 0) {
    why_ = "mounting a tmpfs needs root (the tests run as root in CI)";
    return;
  }
  const std::string opts = "size=" + size + ",mode=0755";
  if (mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
    why_ = "mount -t tmpfs -o " + opts + " " + path_ + ": " + strerror(errno);
    return;
  }
  mounted_ = true;
}

Tmpfs::~Tmpfs() {
  if (mounted_ && umount(path_.c_str()) != 0) umount2(path_.c_str(), MNT_DETACH);
  if (!path_.empty()) rmdir(path_.c_str());
}

bool Tmpfs::Resize(const std::string& size) {
  const std::string opts = "size=" + size;
  if (mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()) != 0) {
    ADD_FAILURE() << "remount " << path_ << " " << opts << ": " << strerror(errno);
    return false;
  }
  return true;
}

uint64_t Tmpfs::FreeBytes() const {
  struct statvfs vfs {};
  if (statvfs(path_.c_str(), &vfs) != 0) return 0;
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

uint64_t FillDisk(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  std::string block(1 << 20, 'x');
  uint64_t total = 0;
  for (size_t size : {size_t{1} << 20, size_t{4096}}) {
    for (;;) {
      ssize_t w = write(fd, block.data(), size);
      if (w <= 0) break;
      total += static_cast<uint64_t>(w);
    }
  }
  close(fd);
  return total;
}

int RandomInt(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(Rng()); }

}  // namespace mlq::testing
