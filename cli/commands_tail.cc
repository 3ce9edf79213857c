// `mlq tail`: the last N matching lines, then matching lines live as mlqd
// stores them, until Ctrl-C (exit 0) or until mlqd goes away (exit 2).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "cli/find_filters.h"
#include "cli/find_output.h"
#include "cli/rpc.h"
#include "cli/tail_output.h"

namespace mlq::cli {
namespace {

constexpr char kTailFooter[] = R"(Examples:
  mlq tail
  mlq tail --status deferred
  mlq tail --program smtpd --text 'lost connection' -n 0
  mlq tail --to user@example.com --json | jq -r .message

Filters are those of mlq find (every one given must match); without any,
every line is shown. Lines appear in the order mlqd stores them. If this
terminal cannot keep up, mlqd drops the oldest pending lines for it and mlq
says how many when it ends.
Exit status: 0 after Ctrl-C, 2 on a usage or connection error or when mlqd
ends the stream (e.g. it is shutting down).)";

struct TailOptions {
  FilterFlags filters;
  uint32_t lines = 10;
};

// Ctrl-C: the handler only writes a byte to a pipe (async-signal-safe); a
// thread reading the pipe cancels the call. 's' = signal, 'q' = quit.
int g_signal_pipe[2] = {-1, -1};

void OnSignal(int) {
  const char c = 's';
  const ssize_t n = write(g_signal_pipe[1], &c, 1);
  (void)n;
}

int RunTail(const TailOptions& o, const GlobalOptions& g) {
  mlq::v1::TailRequest request;
  ApplyFilterFlags(o.filters, request.mutable_filter());
  request.set_last(o.lines);

  std::shared_ptr<grpc::Channel> channel = NewChannel(g);
  if (!WaitForConnection(*channel, g.timeout_s)) {
    return ReportRpcError(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, ""), g);
  }
  auto stub = mlq::v1::Query::NewStub(channel);
  grpc::ClientContext context;  // no deadline: it runs until interrupted
  AddCredentials(&context, g);

  if (pipe(g_signal_pipe) != 0) {
    std::perror("mlq: pipe");
    return kExitError;
  }
  std::atomic<bool> interrupted{false};
  std::thread watcher([&context, &interrupted] {
    for (;;) {
      char c = 0;
      const ssize_t n = read(g_signal_pipe[0], &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || c == 'q') return;
      interrupted = true;
      context.TryCancel();
    }
  });
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  struct sigaction old_int = {}, old_term = {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  std::unique_ptr<grpc::ClientReader<mlq::v1::TailResponse>> reader = stub->Tail(&context, request);
  TailTable table(g.utc);
  mlq::v1::TailResponse response;
  while (reader->Read(&response)) {
    if (response.records().empty()) continue;
    if (g.json) {
      std::string out;
      for (const mlq::v1::Record& r : response.records()) {
        out += RecordToJson(r, g.utc);
        out += '\n';
      }
      PrintOut(out);
    } else {
      PrintOut(table.Rows(response.records()));
    }
  }
  const grpc::Status status = reader->Finish();

  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  const char quit = 'q';
  const ssize_t n = write(g_signal_pipe[1], &quit, 1);
  (void)n;
  watcher.join();
  close(g_signal_pipe[0]);
  close(g_signal_pipe[1]);

  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find("mlq-tail-dropped"); it != trailers.end()) {
    std::fputs(TailDroppedNote(std::string_view(it->second.data(), it->second.size())).c_str(),
               stderr);
  }
  if (interrupted) return kExitOk;
  if (!status.ok()) {
    std::fprintf(stderr, "mlq: tail ended: %s\n", RpcErrorMessage(status, g).c_str());
    return kExitError;
  }
  std::fprintf(stderr, "mlq: mlqd at %s ended the stream\n", g.server.c_str());
  return kExitError;
}

}  // namespace

Command AddTailCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<TailOptions>();
  CLI::App* sub = AddSubcommand(
      app, "tail", "Print matching lines live, like tail -f | grep over the fleet", kTailFooter);
  AddFilterFlags(sub, &o->filters);
  sub->add_option("-n,--lines", o->lines, "First show the last N matching lines (default 10)")
      ->capture_default_str();
  sub->add_flag("--json", globals.json, "One JSON object per line");
  return {sub, [o, &globals] { return RunTail(*o, globals); }};
}

}  // namespace mlq::cli
