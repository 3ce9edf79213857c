// mlq-benchq: the measuring side of bench/run.sh.
//
//   wait-stored  poll mlqd's Status RPC until N records are stored (or the
//                count stops moving), sampling the daemon's RSS and CPU
//   wait-file    the same for rsyslog/syslog-ng: poll an output file's size
//   proc         CPU seconds (utime+stime) and peak RSS (VmHWM) of a process
//   lookup       latency of the Find/Trace RPCs over keys from mlq-loadgen
//                (plain or TLS --ca, with a --token; one channel, or
//                --reconnect: a new connection per call)
//   exec         wall time of a command run once per key (mlq CLI, grep, ...)
//   free-port    a TCP+UDP port free on 127.0.0.1
//
// Every result is one line of key=value pairs on stdout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mlq/v1/query.grpc.pb.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

int64_t NowUnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- /proc ------------------------------------------------------------------

struct ProcStats {
  bool ok = false;
  double cpu_s = 0;     // utime + stime
  uint64_t rss_kb = 0;  // VmRSS
  uint64_t hwm_kb = 0;  // VmHWM
};

ProcStats ReadProc(int pid) {
  ProcStats s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = all.rfind(')');
  if (paren == std::string::npos) return s;
  std::istringstream rest(all.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string tok; rest >> tok;) f.push_back(tok);
  if (f.size() < 13) return s;
  const double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / tck;  // fields 14 and 15
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stoull(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::stoull(line.substr(6));
  }
  s.ok = true;
  return s;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// ---- waiting for a daemon to have everything ---------------------------------

struct WaitOptions {
  uint64_t count = 0;
  double timeout_s = 600;
  double idle_s = 0;  // > 0: also stop when progress stalls this long
  int pid = 0;
  int interval_ms = 5;
};

// Polls `progress` (records or bytes; `target` means done) until done,
// stalled or timed out, and prints the outcome with the process figures.
int WaitLoop(const WaitOptions& o, uint64_t target, const std::function<int64_t()>& progress,
             const std::function<uint64_t(uint64_t)>& to_count) {
  const Clock::time_point t0 = Clock::now();
  int64_t last = -1;
  int64_t last_change_us = NowUnixMicros();
  Clock::time_point last_change = t0;
  uint64_t rss_max = 0;
  uint64_t rss_at[4] = {0, 0, 0, 0};  // at 25/50/75/100 % of the target
  Clock::time_point last_sample = t0 - std::chrono::hours(1);
  bool reached = false;
  while (true) {
    const int64_t p = progress();
    const Clock::time_point now = Clock::now();
    if (p != last) {
      last = p;
      last_change = now;
      last_change_us = NowUnixMicros();
    }
    if (o.pid > 0 && now - last_sample >= std::chrono::milliseconds(100)) {
      last_sample = now;
      ProcStats ps = ReadProc(o.pid);
      rss_max = std::max(rss_max, ps.rss_kb);
      for (int q = 0; q < 4; ++q) {
        if (rss_at[q] == 0 && p >= 0 && static_cast<double>(p) >= target * (q + 1) / 4.0) {
          rss_at[q] = ps.rss_kb;
        }
      }
    }
    if (p >= 0 && static_cast<uint64_t>(p) >= target) {
      reached = true;
      break;
    }
    if (o.idle_s > 0 && last >= 0 &&
        std::chrono::duration<double>(now - last_change).count() >= o.idle_s) {
      break;
    }
    if (std::chrono::duration<double>(now - t0).count() >= o.timeout_s) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
  }
  const uint64_t final_progress = last < 0 ? 0 : static_cast<uint64_t>(last);
  const uint64_t count = to_count(final_progress);
  ProcStats ps = ReadProc(o.pid);
  if (o.pid > 0) {
    rss_max = std::max(rss_max, ps.rss_kb);
    if (rss_at[3] == 0) rss_at[3] = ps.rss_kb;
  }
  std::printf(
      "reached=%d count=%llu end_us=%lld cpu_s=%s hwm_kb=%llu rss_max_kb=%llu "
      "rss_kb_25_50_75_100=%llu,%llu,%llu,%llu\n",
      reached ? 1 : 0, static_cast<unsigned long long>(count),
      static_cast<long long>(last_change_us), Fixed(ps.cpu_s, 2).c_str(),
      static_cast<unsigned long long>(ps.hwm_kb), static_cast<unsigned long long>(rss_max),
      static_cast<unsigned long long>(rss_at[0]), static_cast<unsigned long long>(rss_at[1]),
      static_cast<unsigned long long>(rss_at[2]), static_cast<unsigned long long>(rss_at[3]));
  return reached ? 0 : 1;
}

// How to reach mlqd: plain gRPC, or TLS verified with --ca; a bearer token
// sent with every call (mlqd --grpc-tokens).
struct Conn {
  std::string server = "127.0.0.1:7600";
  std::string ca_pem;  // the contents of --ca; empty = plain gRPC
  std::string token;   // empty = no authorization metadata
  // Each channel gets its own subchannel (so its own TCP connection and TLS
  // handshake) instead of sharing one with every channel of the process.
  bool own_connection = false;
};

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "mlq-benchq: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::unique_ptr<mlq::v1::Query::Stub> Stub(const Conn& c) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  if (c.own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!c.ca_pem.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = c.ca_pem;
    creds = grpc::SslCredentials(ssl);
  }
  return mlq::v1::Query::NewStub(grpc::CreateCustomChannel(c.server, creds, args));
}

void AddToken(const Conn& c, grpc::ClientContext* ctx) {
  if (!c.token.empty()) ctx->AddMetadata("authorization", "Bearer " + c.token);
}

int64_t StoredCount(const Conn& c, mlq::v1::Query::Stub& stub) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  AddToken(c, &ctx);
  mlq::v1::StatusResponse resp;
  grpc::Status st = stub.Status(&ctx, mlq::v1::StatusRequest(), &resp);
  return st.ok() ? static_cast<int64_t>(resp.stored()) : -1;
}

uint64_t CountLines(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return 0;
  std::vector<char> buf(1 << 20);
  uint64_t n = 0;
  for (ssize_t r; (r = read(fd, buf.data(), buf.size())) > 0;) {
    n += static_cast<uint64_t>(std::count(buf.data(), buf.data() + r, '\n'));
  }
  close(fd);
  return n;
}

// ---- latency ------------------------------------------------------------------

struct Latencies {
  std::vector<double> us;
  void Print(const std::string& extra) {
    std::sort(us.begin(), us.end());
    auto pct = [this](double q) {
      if (us.empty()) return 0.0;
      size_t rank = static_cast<size_t>(std::ceil(q * us.size()));
      return us[std::min(us.size(), std::max<size_t>(rank, 1)) - 1];
    };
    double sum = 0;
    for (double v : us) sum += v;
    std::printf("n=%zu p50_us=%s p90_us=%s p99_us=%s max_us=%s mean_us=%s%s\n", us.size(),
                Fixed(pct(0.5), 0).c_str(), Fixed(pct(0.9), 0).c_str(), Fixed(pct(0.99), 0).c_str(),
                Fixed(us.empty() ? 0 : us.back(), 0).c_str(),
                Fixed(us.empty() ? 0 : sum / us.size(), 0).c_str(), extra.c_str());
  }
};

// Keys file of mlq-loadgen: message-id, queue ID, host, recipient (TSV).
std::vector<std::vector<std::string>> ReadKeys(const std::string& path, size_t count) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "mlq-benchq: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  for (std::string line; std::getline(in, line) && rows.size() < count;) {
    std::vector<std::string> cols;
    std::istringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (!cols.empty()) rows.push_back(cols);
  }
  return rows;
}

// `reconnect`: a new channel (TCP connection, TLS handshake) for every call,
// timed from its creation; otherwise one channel for all calls, connected
// during the warm-up, as a long-lived client has.
int Lookup(const Conn& conn, const std::string& keys_path, const std::string& kind, size_t count,
           int warmup, bool reconnect) {
  Conn own = conn;
  own.own_connection = reconnect;
  std::unique_ptr<mlq::v1::Query::Stub> stub;
  if (!reconnect) stub = Stub(own);
  const auto rows = ReadKeys(keys_path, count);
  if (rows.empty()) {
    std::fprintf(stderr, "mlq-benchq: no keys\n");
    return 2;
  }
  uint64_t empty = 0, errors = 0, records = 0;
  Latencies lat;
  auto one = [&](const std::vector<std::string>& row, bool record) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    AddToken(own, &ctx);
    uint64_t got = 0;
    grpc::Status st;
    const Clock::time_point t0 = Clock::now();
    std::unique_ptr<mlq::v1::Query::Stub> fresh;
    if (reconnect) fresh = Stub(own);
    mlq::v1::Query::Stub* s = reconnect ? fresh.get() : stub.get();
    if (kind == "trace") {
      mlq::v1::TraceRequest req;
      req.set_message_id(row.at(0));
      mlq::v1::TraceResponse resp;
      st = s->Trace(&ctx, req, &resp);
      for (const auto& t : resp.traces()) {
        for (const auto& h : t.hops()) got += h.lines_size();
        got += t.other_lines_size();
      }
    } else {
      mlq::v1::FindRequest req;
      if (kind == "message-id") {
        req.set_message_id(row.at(0));
      } else if (kind == "queue-id") {
        req.set_queue_id(row.at(1));
      } else if (kind == "address") {
        req.set_address(row.at(3));
      } else {
        std::fprintf(stderr, "mlq-benchq: unknown kind %s\n", kind.c_str());
        std::exit(2);
      }
      mlq::v1::FindResponse resp;
      st = s->Find(&ctx, req, &resp);
      got = resp.records_size();
    }
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    fresh.reset();  // closing the connection is not part of the call's time
    if (!record) return;
    if (!st.ok()) {
      ++errors;
      if (errors == 1) std::fprintf(stderr, "mlq-benchq: %s\n", st.error_message().c_str());
    }
    if (got == 0) ++empty;
    records += got;
    lat.us.push_back(us);
  };
  for (int i = 0; i < warmup; ++i) one(rows[i % rows.size()], false);
  for (const auto& row : rows) one(row, true);
  lat.Print(" empty=" + std::to_string(empty) + " errors=" + std::to_string(errors) +
            " records_avg=" + Fixed(static_cast<double>(records) / rows.size(), 1));
  return errors == 0 ? 0 : 1;
}

int Exec(const std::string& keys_path, int column, size_t count, std::vector<std::string> argv,
         int warmup) {
  const auto rows = ReadKeys(keys_path, count);
  if (rows.empty() || argv.empty()) {
    std::fprintf(stderr, "mlq-benchq: no keys or no command\n");
    return 2;
  }
  Latencies lat;
  uint64_t nonzero = 0;
  // Output goes to a scratch file, not /dev/null: GNU grep notices /dev/null
  // and stops at the first match (like -q), which is not what a person waits for.
  const char* tmpdir = std::getenv("TMPDIR");
  std::string out_path =
      std::string(tmpdir != nullptr && *tmpdir ? tmpdir : "/tmp") + "/mlq-benchq-out.XXXXXX";
  const int out_fd = mkstemp(out_path.data());
  if (out_fd < 0) {
    std::fprintf(stderr, "mlq-benchq: cannot create %s\n", out_path.c_str());
    return 2;
  }
  close(out_fd);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_TRUNC, 0);
  auto one = [&](const std::string& key, bool record) {
    std::vector<std::string> args = argv;
    for (std::string& a : args) {
      for (size_t p; (p = a.find("{}")) != std::string::npos;) a.replace(p, 2, key);
    }
    std::vector<char*> cargs;
    for (std::string& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    const Clock::time_point t0 = Clock::now();
    pid_t pid = 0;
    if (posix_spawnp(&pid, cargs[0], &fa, nullptr, cargs.data(), environ) != 0) {
      std::fprintf(stderr, "mlq-benchq: cannot run %s\n", cargs[0]);
      std::exit(2);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (!record) return;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++nonzero;
    lat.us.push_back(us);
  };
  for (int i = 0; i < warmup; ++i) one(rows[i % rows.size()].at(column - 1), false);
  for (const auto& row : rows) one(row.at(column - 1), true);
  posix_spawn_file_actions_destroy(&fa);
  unlink(out_path.c_str());
  lat.Print(" nonzero_exit=" + std::to_string(nonzero));
  return 0;
}

int FreePort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int t = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(t);
      continue;
    }
    socklen_t len = sizeof a;
    getsockname(t, reinterpret_cast<sockaddr*>(&a), &len);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    const bool udp_ok = bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(u);
    close(t);
    if (udp_ok) {
      std::printf("%d\n", ntohs(a.sin_port));
      return 0;
    }
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("mlq-benchq: measuring helper of bench/run.sh", "mlq-benchq");
  app.require_subcommand(1);

  WaitOptions w;
  Conn conn;
  std::string ca_path;
  auto add_conn = [&](CLI::App* sub) {
    sub->add_option("--server", conn.server, "mlqd's gRPC address");
    sub->add_option("--ca", ca_path, "Speak TLS, verify mlqd's certificate with this CA (PEM)");
    sub->add_option("--token", conn.token, "Send \"authorization: Bearer TOKEN\" with every call");
  };
  auto add_wait = [&](CLI::App* sub) {
    sub->add_option("--count", w.count, "Records / lines expected")->required();
    sub->add_option("--timeout", w.timeout_s, "Give up after this many seconds");
    sub->add_option("--idle", w.idle_s, "Stop when nothing moved for this many seconds");
    sub->add_option("--pid", w.pid, "Daemon to sample (RSS, CPU)");
    sub->add_option("--interval-ms", w.interval_ms, "Poll interval");
  };
  CLI::App* ws = app.add_subcommand("wait-stored", "Wait until mlqd stored --count records");
  add_conn(ws);
  add_wait(ws);

  std::string path;
  uint64_t bytes = 0;
  CLI::App* wf = app.add_subcommand("wait-file", "Wait until a file has --bytes bytes");
  wf->add_option("--path", path)->required();
  wf->add_option("--bytes", bytes)->required();
  add_wait(wf);

  int pid = 0;
  CLI::App* pr = app.add_subcommand("proc", "CPU seconds and peak RSS of a process");
  pr->add_option("--pid", pid)->required();

  std::string keys, kind;
  size_t count = 200;
  int warmup = 5;
  CLI::App* lk = app.add_subcommand("lookup", "Latency of Find/Trace RPCs");
  bool reconnect = false;
  add_conn(lk);
  lk->add_option("--keys", keys)->required();
  lk->add_option("--kind", kind, "message-id, queue-id, address or trace")->required();
  lk->add_option("--count", count);
  lk->add_option("--warmup", warmup);
  lk->add_flag("--reconnect", reconnect,
               "A new connection (and TLS handshake) per call, timed with it");

  int column = 1;
  std::vector<std::string> cmd;
  CLI::App* ex =
      app.add_subcommand("exec", "Wall time of `-- CMD ARGS...` run once per key ({} = the key)");
  ex->add_option("--keys", keys)->required();
  ex->add_option("--column", column, "Key column: 1 message-id, 2 queue ID, 3 host, 4 address");
  ex->add_option("--count", count);
  ex->add_option("--warmup", warmup);

  CLI::App* fp = app.add_subcommand("free-port", "Print a free TCP+UDP port on 127.0.0.1");

  // "exec ... -- CMD ARGS": everything after "--" is the command, untouched.
  int cli_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      cli_argc = i;
      cmd.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  CLI11_PARSE(app, cli_argc, argv);
  if (!ca_path.empty()) conn.ca_pem = ReadFileOrDie(ca_path);

  if (ws->parsed()) {
    auto stub = Stub(conn);
    return WaitLoop(
        w, w.count, [&] { return StoredCount(conn, *stub); }, [](uint64_t v) { return v; });
  }
  if (wf->parsed()) {
    return WaitLoop(
        w, bytes,
        [&]() -> int64_t {
          struct stat st {};
          return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
        },
        [&](uint64_t b) { return b >= bytes ? w.count : CountLines(path); });
  }
  if (pr->parsed()) {
    ProcStats s = ReadProc(pid);
    std::printf("ok=%d cpu_s=%s hwm_kb=%llu rss_kb=%llu\n", s.ok ? 1 : 0, Fixed(s.cpu_s, 2).c_str(),
                static_cast<unsigned long long>(s.hwm_kb),
                static_cast<unsigned long long>(s.rss_kb));
    return s.ok ? 0 : 1;
  }
  if (lk->parsed()) return Lookup(conn, keys, kind, count, warmup, reconnect);
  if (ex->parsed()) {
    return Exec(keys, column, count, cmd, warmup);
  }
  if (fp->parsed()) return FreePort();
  return 2;
}
