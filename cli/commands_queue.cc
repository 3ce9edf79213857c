// `mlq queue`: mail that entered a queue and was never removed, oldest first.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/queue_output.h"
#include "cli/rpc.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

constexpr char kQueueFooter[] = R"(Examples:
  mlq queue
  mlq queue --older-than 1h
  mlq queue --host mx1 --older-than 2d --limit 50
  mlq queue --json | jq -r .queue_id

Lists (host, queue ID) entries that were queued and never removed, as
reconstructed from the logs (like `postqueue -p` across every server):
recipients not yet delivered, deferrals and the last deferral's reason.
--older-than takes a duration (30m, 1h, 2d, 1h30m) or a time (then: queued
before it); --since (default 30 days back) limits how far back logs are read.
Exit status: 0 messages listed, 1 nothing queued, 2 usage or connection error.)";

struct QueueOptions {
  std::string host;
  std::string older_than;
  std::string since;
  uint32_t limit = 0;
};

int RunQueue(const QueueOptions& o, const GlobalOptions& g) {
  const int64_t now_us = NowMicros();
  mlq::v1::QueueRequest request;
  request.set_host(o.host);
  request.set_limit(o.limit);
  std::string error;
  if (!o.older_than.empty()) {
    const std::optional<int64_t> older = ParseOlderThan(o.older_than, now_us, g.utc, &error);
    if (!older) {
      std::fprintf(stderr, "mlq: --older-than: %s\n", error.c_str());
      return kExitError;
    }
    request.set_older_than_us(*older);
  }
  int64_t since = 0;
  if (!ParseTimeFlag("--since", o.since, g.utc, now_us, &since, &error)) {
    std::fprintf(stderr, "mlq: %s\n", error.c_str());
    return kExitError;
  }
  if (since > now_us) {
    std::fprintf(stderr, "mlq: --since must not be in the future\n");
    return kExitError;
  }
  request.set_since_us(since);

  mlq::v1::QueueResponse response;
  const grpc::Status status = CallQuery(g, &mlq::v1::Query::Stub::Queue, request, &response);
  if (!status.ok()) return ReportRpcError(status, g);
  if (response.messages().empty()) {
    if (!g.json) std::fprintf(stderr, "mlq: nothing queued\n");
    return kExitNotFound;
  }
  std::string out;
  if (g.json) {
    for (const mlq::v1::QueuedMessage& m : response.messages()) {
      out += QueuedMessageToJson(m, g.utc);
      out += '\n';
    }
  } else {
    out = QueueTable(response);
  }
  return PrintOut(out);
}

}  // namespace

Command AddQueueCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<QueueOptions>();
  CLI::App* sub = AddSubcommand(app, "queue",
                                "Mail still in a queue (queued, never removed), oldest first, "
                                "with its last deferral reason",
                                kQueueFooter);
  sub->add_option("--host", o->host, "Only this mail server's queue");
  sub->add_option("--older-than", o->older_than,
                  "Only messages queued at least this long ago (e.g. 30m, 1h, 2d)");
  sub->add_option("--since", o->since, "How far back to read the logs (default: 30 days)");
  sub->add_option("-n,--limit", o->limit, "At most N messages (default: the server's, 1000)");
  sub->add_flag("--json", globals.json, "One JSON object per message per line");
  return {sub, [o, &globals] { return RunQueue(*o, globals); }};
}

}  // namespace mlq::cli
