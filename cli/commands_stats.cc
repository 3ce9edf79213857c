// `mlq stats`: a pflogsumm-style report over a time range.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/rpc.h"
#include "cli/stats_output.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

constexpr char kStatsFooter[] = R"(Examples:
  mlq stats
  mlq stats --since 7d --host mx1 --top 20
  mlq stats --since '2026-11-22' --until '2026-11-23'
  mlq stats --json | jq .totals

Counts: received = messages that entered a queue (each once; a content
filter's re-injection is not a new message), delivered = recipients delivered
to their final destination (hand-offs to amavis & co. are not deliveries),
deferred = deferral lines, bounced = recipients bounced, rejected = recipients
rejected before queueing, quarantined = held or blocked by a filter.
Times (--since, --until): a duration back from now (30s, 15m, 2h, 7d, 1w), a
date or date and time in local time (UTC with --utc), RFC 3339, 'now' or
@<unix seconds>. A long range on a big store may need a larger --timeout.
Exit status: 0 success, 2 usage or connection error.)";

struct StatsOptions {
  std::string since = "24h";
  std::string until;
  std::string host;
  uint32_t top = 10;
};

int RunStats(const StatsOptions& o, const GlobalOptions& g) {
  const int64_t now_us = NowMicros();
  int64_t since = 0;
  int64_t until = 0;
  std::string error;
  if (!ParseTimeFlag("--since", o.since, g.utc, now_us, &since, &error) ||
      !ParseTimeFlag("--until", o.until, g.utc, now_us, &until, &error)) {
    std::fprintf(stderr, "mlq: %s\n", error.c_str());
    return kExitError;
  }
  if (since != 0 && since >= (until != 0 ? until : now_us)) {
    std::fprintf(stderr, "mlq: --since must be earlier than --until (or now)\n");
    return kExitError;
  }
  mlq::v1::StatsRequest request;
  request.set_since_us(since);
  request.set_until_us(until);
  request.set_host(o.host);
  request.set_top(o.top);

  mlq::v1::StatsResponse response;
  const grpc::Status status = CallQuery(g, &mlq::v1::Query::Stub::Stats, request, &response);
  if (!status.ok()) return ReportRpcError(status, g);
  const std::string out =
      g.json ? StatsToJson(response, g.utc) + "\n" : StatsToText(response, o.host, g.utc);
  return PrintOut(out);
}

}  // namespace

Command AddStatsCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* sub = AddSubcommand(app, "stats",
                                "A pflogsumm-style report: totals, per host and hour, top "
                                "senders/recipients/domains, reject/defer/bounce reasons, "
                                "delays, auth failures",
                                kStatsFooter);
  sub->add_option("--since", o->since, "Start of the range (default: 24h ago)");
  sub->add_option("--until", o->until, "End of the range (default: now)");
  sub->add_option("--host", o->host, "Only this mail server's lines");
  sub->add_option("--top", o->top, "Length of the top lists (default 10)")
      ->check(CLI::Range(1, 1000));
  sub->add_flag("--json", globals.json, "One JSON object");
  return {sub, [o, &globals] { return RunStats(*o, globals); }};
}

}  // namespace mlq::cli
