// `mlq trace`: a message's whole journey and a verdict per recipient.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/rpc.h"
#include "cli/timespec.h"
#include "cli/trace_output.h"

namespace mlq::cli {
namespace {

constexpr char kTraceFooter[] = R"(Examples:
  mlq trace --message-id '<CAOmnsz0abc@mail.gmail.com>'
  mlq trace --queue-id 4Ldr9y6wlvz3xgh
  mlq trace --queue-id B141CE6BDD --host mx1
  mlq trace --to user@example.com --since 2h
  mlq trace --from billing@example.org --since 1d --json

The journey follows the message over every queue ID and host: content filter
re-queues (amavis), relays to other servers of the fleet, bounce notices, the
SMTP session before queueing, policy servers, and the mailbox delivery.
Verdicts: delivered, deferred, bounced, rejected, quarantined, expired,
queued, unknown. --json prints one object per message.
Exit status: 0 found, 1 nothing found, 2 usage or connection error.)";

struct TraceOptions {
  std::string message_id, queue_id, host, from, to, since, until;
  uint32_t limit = 0;
};

int RunTrace(const TraceOptions& o, const GlobalOptions& g) {
  const int keys = !o.message_id.empty() + !o.queue_id.empty() + !o.from.empty() + !o.to.empty();
  if (keys != 1) {
    std::fprintf(stderr,
                 "mlq: trace needs exactly one of --message-id, --queue-id, --from, --to\n");
    return kExitError;
  }
  if (!o.host.empty() && o.queue_id.empty()) {
    std::fprintf(stderr, "mlq: --host goes with --queue-id\n");
    return kExitError;
  }
  mlq::v1::TraceRequest req;
  req.set_message_id(o.message_id);
  req.set_queue_id(o.queue_id);
  req.set_host(o.host);
  req.set_from(o.from);
  req.set_to(o.to);
  req.set_limit(o.limit);
  const int64_t now = NowMicros();
  int64_t since = 0, until = 0;
  std::string error;
  if (!ParseTimeFlag("--since", o.since, g.utc, now, &since, &error) ||
      !ParseTimeFlag("--until", o.until, g.utc, now, &until, &error)) {
    std::fprintf(stderr, "mlq: %s\n", error.c_str());
    return kExitError;
  }
  if (since != 0 && until != 0 && since >= until) {
    std::fprintf(stderr, "mlq: --since must be earlier than --until\n");
    return kExitError;
  }
  req.set_since_us(since);
  req.set_until_us(until);
  mlq::v1::TraceResponse resp;
  const grpc::Status st = CallQuery(g, &mlq::v1::Query::Stub::Trace, req, &resp);
  if (!st.ok()) return ReportRpcError(st, g);
  if (resp.traces().empty()) {
    if (!g.json) std::fprintf(stderr, "mlq: no matching message\n");
    return kExitNotFound;
  }
  std::string out;
  for (int i = 0; i < resp.traces_size(); ++i) {
    if (g.json) {
      out += TraceToJson(resp.traces(i), g.utc) + "\n";
    } else {
      if (i > 0) out += "\n" + std::string(72, '-') + "\n\n";
      out += TraceToText(resp.traces(i), g.utc);
    }
  }
  return PrintOut(out);
}

}  // namespace

Command AddTraceCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<TraceOptions>();
  CLI::App* sub = AddSubcommand(
      app, "trace", "Follow a message across queue IDs and hosts; a verdict per recipient",
      kTraceFooter);
  sub->add_option("-m,--message-id", o->message_id, "Message-ID, with or without <>");
  sub->add_option("-q,--queue-id", o->queue_id, "a queue ID of the message (any hop)");
  sub->add_option("--host", o->host, "the host of --queue-id");
  sub->add_option("--from", o->from, "messages from this sender (with --since/--until)");
  sub->add_option("--to", o->to, "messages to this recipient (with --since/--until)");
  sub->add_option("--since", o->since, "start of the time range (address starts)");
  sub->add_option("--until", o->until, "end of the time range");
  sub->add_option("--limit", o->limit, "most messages for --from/--to (default 20)");
  Command c;
  c.app = sub;
  c.run = [o, &globals] { return RunTrace(*o, globals); };
  return c;
}

}  // namespace mlq::cli
