// `mlq status`: mlqd's counters and store figures.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/rpc.h"
#include "cli/status_output.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

constexpr char kStatusFooter[] = R"(Examples:
  mlq status
  mlq --server mlq.example.net:7600 status
  mlq status --json | jq .dropped

Exit status: 0 success, 2 usage or connection error.)";

int RunStatus(const GlobalOptions& g) {
  mlq::v1::StatusResponse response;
  const grpc::Status status =
      CallQuery(g, &mlq::v1::Query::Stub::Status, mlq::v1::StatusRequest(), &response);
  if (!status.ok()) return ReportRpcError(status, g);
  const std::string out = g.json ? StatusToJson(response, g.utc) + "\n"
                                 : StatusToText(response, g.server, g.utc, NowMicros());
  return PrintOut(out);
}

}  // namespace

Command AddStatusCommand(CLI::App& app, GlobalOptions& globals) {
  CLI::App* sub = AddSubcommand(
      app, "status", "Show mlqd's state: stored records, store size, lines received and dropped",
      kStatusFooter);
  sub->add_flag("--json", globals.json, "One JSON object");
  return {sub, [&globals] { return RunStatus(globals); }};
}

}  // namespace mlq::cli
