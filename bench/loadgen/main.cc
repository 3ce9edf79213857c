// mlq-loadgen: generates (or replays) mail-server syslog traffic and sends it
// to a syslog receiver over UDP, TCP or TLS, or prints it.
//
//   mlq-loadgen --stdout -n 1000                      # file-form lines to stdout
//   mlq-loadgen -n 1000000 --proto tcp --target 127.0.0.1:5514 -c 10
//       --raw-out /tmp/raw.log --keys-out /tmp/keys.tsv  (one command line)
//   mlq-loadgen --replay /var/log/mail.log --proto udp --rate 20000 --target ...
//
// All lines are generated (and framed) before the first byte is sent, so the
// generator costs no CPU while the receiver is measured. Connection i carries
// the lines of hosts i, i+N, ... (each mail server has its own connection),
// so with -c 1 everything goes over one connection.
//
// Prints one line: "lines=N bytes=B seconds=S lines_per_s=R" (or JSON).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/flowgen.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t lines = 100000;
  uint64_t seed = 1;
  int hosts = 4;
  double sim_rate = 100;
  std::string replay;
  bool to_stdout = false;
  bool with_pri = false;
  std::string raw_out;
  std::string keys_out;
  size_t keys = 200;
  std::string proto = "tcp";
  std::string target = "127.0.0.1:5514";
  int connections = 1;
  double rate = 0;  // lines/s over all connections; 0 = flat out
  std::string framing = "lf";
  std::string write_mode = "bulk";
  size_t write_size = 64 * 1024;
  std::string tls_ca;
  std::string start_file;
  bool json = false;
};

int64_t NowUnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "mlq-loadgen: %s\n", msg.c_str());
  std::exit(1);
}

// One line source: the generator or a replayed file.
class Source {
 public:
  explicit Source(const Options& o) : o_(o) {
    if (!o.replay.empty()) {
      in_.open(o.replay, std::ios::binary);
      if (!in_) Die("cannot open " + o.replay);
    } else {
      mlq::bench::FlowGenOptions fo;
      fo.seed = o.seed;
      fo.hosts = o.hosts;
      fo.sim_lines_per_s = o.sim_rate;
      fo.key_samples = o.keys;
      gen_ = std::make_unique<mlq::bench::FlowGen>(fo);
    }
  }
  // False when a replayed file has no more lines.
  bool Next(std::string* line, int* pri, int* host) {
    if (gen_) {
      gen_->Next(line, pri, host);
      return true;
    }
    while (std::getline(in_, *line)) {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      if (line->empty()) continue;
      *pri = 22;
      *host = static_cast<int>(std::hash<std::string_view>()(HostField(*line)) & 0x7fffffff);
      return true;
    }
    return false;
  }
  const mlq::bench::FlowGen* gen() const { return gen_.get(); }

 private:
  // The 4th space-separated field of "Mmm dd hh:mm:ss host ...".
  static std::string_view HostField(std::string_view l) {
    size_t pos = 0;
    int field = 0;
    while (pos < l.size() && field < 3) {
      while (pos < l.size() && l[pos] == ' ') ++pos;
      while (pos < l.size() && l[pos] != ' ') ++pos;
      ++field;
    }
    while (pos < l.size() && l[pos] == ' ') ++pos;
    size_t end = l.find(' ', pos);
    return l.substr(pos, end == std::string_view::npos ? l.size() - pos : end - pos);
  }
  const Options& o_;
  std::ifstream in_;
  std::unique_ptr<mlq::bench::FlowGen> gen_;
};

// The framed bytes of one connection, with the end of every message.
struct Payload {
  std::string bytes;
  std::vector<uint64_t> ends;
};

void AppendPri(std::string* out, int pri) {
  out->push_back('<');
  out->append(std::to_string(pri));
  out->push_back('>');
}

int Connect(const Options& o, int type) {
  const size_t colon = o.target.rfind(':');
  if (colon == std::string::npos) Die("--target must be HOST:PORT");
  std::string host = o.target.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string port = o.target.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = type;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    Die("cannot resolve " + o.target + ": " + gai_strerror(rc));
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) Die("cannot connect to " + o.target + ": " + std::strerror(errno));
  if (type == SOCK_STREAM) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

// A connected stream (plain or TLS) or datagram socket.
class Conn {
 public:
  Conn(const Options& o, SSL_CTX* ctx) : udp_(o.proto == "udp") {
    fd_ = Connect(o, udp_ ? SOCK_DGRAM : SOCK_STREAM);
    if (ctx != nullptr) {
      ssl_ = SSL_new(ctx);
      SSL_set_fd(ssl_, fd_);
      if (SSL_connect(ssl_) != 1) {
        ERR_print_errors_fp(stderr);
        Die("TLS handshake with " + o.target + " failed");
      }
    }
  }
  ~Conn() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    if (!udp_) shutdown(fd_, SHUT_WR);
    close(fd_);
  }
  // Writes all of [p, p+n); false on error.
  bool WriteAll(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w;
      if (ssl_ != nullptr) {
        w = SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(n, 1 << 30)));
        if (w <= 0) return false;
      } else {
        w = ::send(fd_, p, n, MSG_NOSIGNAL);
        if (w < 0) {
          if (errno == EINTR) continue;
          return false;
        }
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  // Sends messages [first, last) of a payload as datagrams, in batches.
  bool SendDatagrams(const Payload& pl, size_t first, size_t last) {
    constexpr size_t kBatch = 64;
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    while (first < last) {
      const size_t n = std::min(kBatch, last - first);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t b = (first + i) == 0 ? 0 : pl.ends[first + i - 1];
        iov[i].iov_base = const_cast<char*>(pl.bytes.data() + b);
        iov[i].iov_len = pl.ends[first + i] - b;
        std::memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int sent = sendmmsg(fd_, msgs, static_cast<unsigned>(n), 0);
      if (sent < 0) {
        if (errno == EINTR) continue;
        // ECONNREFUSED: nobody listens (yet); the datagrams are lost, like syslog's.
        if (errno == ECONNREFUSED) {
          ++refused_;
          first += 1;
          continue;
        }
        return false;
      }
      first += static_cast<size_t>(sent);
    }
    return true;
  }
  uint64_t refused() const { return refused_; }

 private:
  bool udp_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  uint64_t refused_ = 0;
};

// Sends one payload over one connection, paced at `rate` lines/s (0 = flat out).
bool SendPayload(const Options& o, Conn& conn, const Payload& pl, double rate,
                 Clock::time_point t0) {
  const size_t total = pl.ends.size();
  const bool udp = o.proto == "udp";
  const bool per_line = o.write_mode == "lines";
  size_t next = 0;  // first message not yet sent
  while (next < total) {
    size_t allowed = total;
    if (rate > 0) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      allowed = std::min(total, static_cast<size_t>(elapsed * rate) + 1);
      if (allowed <= next) {
        const double due = static_cast<double>(next) / rate;
        const double wait = due - elapsed;
        if (wait > 0.0002) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
        continue;
      }
    }
    if (udp) {
      const size_t last = std::min(allowed, next + 256);
      if (!conn.SendDatagrams(pl, next, last)) return false;
      next = last;
    } else if (per_line) {
      const size_t last = std::min(allowed, next + 256);
      for (; next < last; ++next) {
        const uint64_t b = next == 0 ? 0 : pl.ends[next - 1];
        if (!conn.WriteAll(pl.bytes.data() + b, pl.ends[next] - b)) return false;
      }
    } else {
      // Large writes: whole messages up to write_size bytes (rsyslog's batches).
      const uint64_t b = next == 0 ? 0 : pl.ends[next - 1];
      size_t last = next + 1;
      while (last < allowed && pl.ends[last] - b <= o.write_size) ++last;
      if (!conn.WriteAll(pl.bytes.data() + b, pl.ends[last - 1] - b)) return false;
      next = last;
    }
  }
  return true;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

int Run(const Options& o) {
  Source source(o);
  std::string line;
  int pri = 0, host = 0;

  if (o.to_stdout) {
    std::vector<char> buf(1 << 20);
    std::setvbuf(stdout, buf.data(), _IOFBF, buf.size());
    for (uint64_t i = 0; i < o.lines && source.Next(&line, &pri, &host); ++i) {
      if (o.with_pri) std::fprintf(stdout, "<%d>", pri);
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    }
    std::fflush(stdout);
    if (!o.keys_out.empty() && source.gen() != nullptr) {
      std::ofstream k(o.keys_out);
      for (const auto& s : source.gen()->samples()) {
        k << s.message_id << '\t' << s.queue_id << '\t' << s.host << '\t' << s.address << '\n';
      }
    }
    return 0;
  }

  if (o.proto != "udp" && o.proto != "tcp" && o.proto != "tls") Die("--proto: udp, tcp or tls");
  if (o.framing != "lf" && o.framing != "octet") Die("--framing: lf or octet");
  if (o.write_mode != "bulk" && o.write_mode != "lines") Die("--write: bulk or lines");
  const int nconn = std::max(1, o.connections);

  // 1. Generate and frame everything.
  std::vector<Payload> payloads(nconn);
  std::FILE* raw = nullptr;
  std::vector<char> rawbuf(1 << 20);
  if (!o.raw_out.empty()) {
    raw = std::fopen(o.raw_out.c_str(), "wb");
    if (raw == nullptr) Die("cannot write " + o.raw_out);
    std::setvbuf(raw, rawbuf.data(), _IOFBF, rawbuf.size());
  }
  uint64_t n = 0, bytes = 0;
  std::string msg;
  for (; n < o.lines && source.Next(&line, &pri, &host); ++n) {
    Payload& pl = payloads[static_cast<size_t>(host) % nconn];
    msg.clear();
    AppendPri(&msg, pri);
    msg.append(line);
    if (o.proto == "udp") {
      pl.bytes.append(msg);
    } else if (o.framing == "octet") {
      pl.bytes.append(std::to_string(msg.size()));
      pl.bytes.push_back(' ');
      pl.bytes.append(msg);
    } else {
      pl.bytes.append(msg);
      pl.bytes.push_back('\n');
    }
    pl.ends.push_back(pl.bytes.size());
    if (raw != nullptr) {
      std::fwrite(line.data(), 1, line.size(), raw);
      std::fputc('\n', raw);
    }
  }
  for (const Payload& pl : payloads) bytes += pl.bytes.size();
  if (raw != nullptr && std::fclose(raw) != 0) Die("cannot write " + o.raw_out);
  if (!o.keys_out.empty() && source.gen() != nullptr) {
    std::ofstream k(o.keys_out);
    for (const auto& s : source.gen()->samples()) {
      k << s.message_id << '\t' << s.queue_id << '\t' << s.host << '\t' << s.address << '\n';
    }
  }

  // 2. Connect everything, then start all connections at once.
  SSL_CTX* ctx = nullptr;
  if (o.proto == "tls") {
    ctx = SSL_CTX_new(TLS_client_method());
    if (!o.tls_ca.empty()) {
      if (SSL_CTX_load_verify_locations(ctx, o.tls_ca.c_str(), nullptr) != 1) {
        Die("cannot load " + o.tls_ca);
      }
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    } else {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
  }
  std::vector<std::unique_ptr<Conn>> conns;
  for (int i = 0; i < nconn; ++i) conns.push_back(std::make_unique<Conn>(o, ctx));

  const Clock::time_point t0 = Clock::now();
  const int64_t start_us = NowUnixMicros();
  if (!o.start_file.empty()) {
    std::ofstream(o.start_file) << start_us << "\n";
  }
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < nconn; ++i) {
    threads.emplace_back([&, i] {
      const double share =
          o.rate > 0 && n > 0 ? o.rate * static_cast<double>(payloads[i].ends.size()) / n : 0;
      if (!SendPayload(o, *conns[i], payloads[i], share, t0)) failed = true;
      conns[i].reset();  // close as soon as this connection is done
    });
  }
  for (std::thread& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (ctx != nullptr) SSL_CTX_free(ctx);
  if (failed) Die("sending failed: " + std::string(std::strerror(errno)));

  const double rate = secs > 0 ? n / secs : 0;
  if (o.json) {
    std::printf(
        "{\"lines\":%llu,\"bytes\":%llu,\"seconds\":%s,\"lines_per_s\":%s,\"start_us\":%lld}\n",
        static_cast<unsigned long long>(n), static_cast<unsigned long long>(bytes),
        Fixed(secs, 6).c_str(), Fixed(rate, 0).c_str(), static_cast<long long>(start_us));
  } else {
    std::printf("lines=%llu bytes=%llu seconds=%s lines_per_s=%s start_us=%lld\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(bytes),
                Fixed(secs, 3).c_str(), Fixed(rate, 0).c_str(), static_cast<long long>(start_us));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Options o;
  CLI::App app(
      "mlq-loadgen: realistic Postfix/amavis/Dovecot syslog traffic, generated or "
      "replayed, sent over UDP/TCP/TLS or printed",
      "mlq-loadgen");
  app.add_option("-n,--lines", o.lines, "Lines to send or print")->capture_default_str();
  app.add_option("--seed", o.seed, "Generator seed (same seed, same bytes)")->capture_default_str();
  app.add_option("--hosts", o.hosts, "Mail servers mx1..mxN")->capture_default_str();
  app.add_option("--sim-rate", o.sim_rate, "Lines per simulated second (timestamps)")
      ->capture_default_str();
  app.add_option("--replay", o.replay, "Send the lines of this log file instead (file form)");
  app.add_flag("--stdout", o.to_stdout, "Print the lines (file form) to stdout instead of sending");
  app.add_flag("--with-pri", o.with_pri, "With --stdout: prefix each line with its <PRI>");
  app.add_option("--raw-out", o.raw_out, "Also write the raw log (file form, what rsyslog stores)");
  app.add_option("--keys-out", o.keys_out,
                 "Write lookup keys of finished messages (TSV: message-id, queue ID, host, "
                 "recipient)");
  app.add_option("--keys", o.keys, "How many lookup keys")->capture_default_str();
  app.add_option("--proto", o.proto, "udp, tcp or tls")->capture_default_str();
  app.add_option("--target", o.target, "Receiver HOST:PORT")->capture_default_str();
  app.add_option("-c,--connections", o.connections, "Connections (or UDP sockets)")
      ->capture_default_str();
  app.add_option("--rate", o.rate, "Lines per second over all connections (0 = flat out)")
      ->capture_default_str();
  app.add_option("--framing", o.framing, "TCP/TLS framing: lf or octet (RFC 6587 octet counting)")
      ->capture_default_str();
  app.add_option("--write", o.write_mode, "bulk (large writes) or lines (one write per line)")
      ->capture_default_str();
  app.add_option("--write-size", o.write_size, "Bytes per write in bulk mode")
      ->capture_default_str();
  app.add_option("--tls-ca", o.tls_ca, "Verify the TLS server against this CA (default: no check)");
  app.add_option("--start-file", o.start_file,
                 "Write the wall-clock time of the first send (µs since the epoch) here");
  app.add_flag("--json", o.json, "Print the result as JSON");
  CLI11_PARSE(app, argc, argv);
  return Run(o);
}
