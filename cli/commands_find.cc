// `mlq find`: the lines matching every given filter, oldest first (or
// newest first), one page or --all of them.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/find_filters.h"
#include "cli/find_output.h"
#include "cli/format.h"
#include "cli/rpc.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

constexpr char kFindFooter[] = R"(Examples:
  mlq find --message-id '<CAOmnsz0abc@mail.gmail.com>'
  mlq find --queue-id 4Xb3cG2Y0Zz1kH2 --host mx1
  mlq find --address user@example.com --since 2h
  mlq find --address user@example.com --since '2026-11-22 08:00' --until '2026-11-22 12:00'
  mlq find --status deferred --since 1h
  mlq find --program smtp --text 'connection timed out' --since 1d --newest-first
  mlq find --from newsletter@example.com --since 7d --all --json | jq -r .message

Every filter given must match. Index-backed filters (--message-id, --queue-id,
--address, --from, --to, --client-ip, --sasl-user) are fast over any time
range; the others scan the time range, so give them --since. A bare
'mlq find' (no filter and no time) is refused.
Results come in pages of --limit lines (server default 1000); when there are
more, the command for the next page (with --page) is printed on stderr, or
--all follows the pages to the end.
Times (--since, --until): a duration back from now (30s, 15m, 2h, 7d, 1w, 1h30m),
a date (2026-11-22) or date and time ('2026-11-22 10:00:00') in local time (UTC
with --utc), RFC 3339 (2026-11-22T10:00:00Z, 2026-11-22T10:00:00+01:00), 'now',
or @<unix seconds>.
Global options (--server, --utc, --timeout, --json) may follow the command.
Exit status: 0 found, 1 nothing found, 2 usage or connection error.)";

struct FindOptions {
  FilterFlags filters;
  std::string since;
  std::string until;
  uint32_t limit = 0;
  bool newest_first = false;
  std::string page;
  bool all = false;
};

int RunFind(const FindOptions& o, const GlobalOptions& g) {
  mlq::v1::FindRequest request;
  ApplyFilterFlags(o.filters, &request);
  std::string error;
  if (!ApplyTimeFlags(o.since, o.until, g.utc, NowMicros(), &request, &error)) {
    std::fprintf(stderr, "mlq: %s\n", error.c_str());
    return kExitError;
  }
  if (!HasFilter(request) && request.since_us() == 0 && request.until_us() == 0) {
    std::fprintf(stderr,
                 "mlq: find: give a filter or --since (e.g. --status deferred --since 1h); "
                 "see mlq find --help\n");
    return kExitError;
  }
  request.set_limit(o.limit);
  request.set_newest_first(o.newest_first);
  request.set_page_token(o.page);

  auto stub = NewQueryStub(g);
  uint64_t shown = 0;
  bool header_shown = false;
  for (;;) {
    grpc::ClientContext context;
    SetTimeout(&context, g.timeout_s);
    AddCredentials(&context, g);
    mlq::v1::FindResponse response;
    const grpc::Status status = stub->Find(&context, request, &response);
    if (!status.ok()) return ReportRpcError(status, g);

    if (!response.records().empty()) {
      std::string out;
      if (g.json) {
        for (const mlq::v1::Record& r : response.records()) {
          out += RecordToJson(r, g.utc);
          out += '\n';
        }
      } else {
        out = RecordsTable(response, g.utc);
        if (header_shown) out.erase(0, out.find('\n') + 1);  // one header for all pages
        header_shown = true;
      }
      PrintOut(out);
      shown += response.records_size();
    }
    if (!response.truncated()) break;
    if (o.all && !response.next_page_token().empty()) {
      request.set_page_token(response.next_page_token());
      continue;
    }
    if (response.next_page_token().empty()) {
      std::fprintf(stderr, "mlq: showing the first %d matching lines; there are more\n",
                   response.records_size());
    } else {
      request.set_page_token(response.next_page_token());
      std::string again = "mlq";
      if (g.server != kDefaultServer) again += " --server=" + ShellQuote(g.server);
      again += " " + FindArguments(request);
      if (g.json) again += " --json";
      // The page token comes from the server: no control characters.
      std::fprintf(stderr, "mlq: showing %d matching lines; more: %s\n", response.records_size(),
                   SanitizeForTerminal(again).c_str());
    }
    break;
  }
  if (shown == 0) {
    if (!g.json) std::fprintf(stderr, "mlq: no matching lines\n");
    return kExitNotFound;
  }
  return kExitOk;
}

}  // namespace

Command AddFindCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<FindOptions>();
  CLI::App* sub = AddSubcommand(
      app, "find", "Print the log lines matching every given filter, oldest first", kFindFooter);
  AddFilterFlags(sub, &o->filters);
  sub->add_option("--since", o->since, "Only lines at or after this time (e.g. 2h, 2026-11-22)");
  sub->add_option("--until", o->until, "Only lines before this time");
  sub->add_option("-n,--limit", o->limit, "Lines per page (default: the server's, 1000)");
  sub->add_flag("-r,--newest-first,--reverse", o->newest_first, "Newest lines first");
  sub->add_option("--page", o->page, "Continue with the page token printed by a previous find");
  sub->add_flag("--all", o->all, "Follow the pages until every matching line is printed");
  sub->add_flag("--json", globals.json, "One JSON object per line");
  return {sub, [o, &globals] { return RunFind(*o, globals); }};
}

}  // namespace mlq::cli
