// `mlq find`: the lines matching one lookup key, oldest first.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/find_output.h"
#include "cli/rpc.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

constexpr char kFindFooter[] = R"(Examples:
  mlq find --message-id '<CAOmnsz0abc@mail.gmail.com>'
  mlq find --queue-id 4Xb3cG2Y0Zz1kH2 --host mx1
  mlq find --address user@example.com --since 2h
  mlq find --address user@example.com --since '2026-11-22 08:00' --until '2026-11-22 12:00'
  mlq find --message-id abc@example.com --json | jq -r .message

Times (--since, --until): a duration back from now (30s, 15m, 2h, 7d, 1w, 1h30m),
a date (2026-11-22) or date and time ('2026-11-22 10:00:00') in local time (UTC
with --utc), RFC 3339 (2026-11-22T10:00:00Z, 2026-11-22T10:00:00+01:00), 'now',
or @<unix seconds>.
Global options (--server, --utc, --timeout, --json) may follow the command.
Exit status: 0 found, 1 nothing found, 2 usage or connection error.)";

struct FindOptions {
  std::string message_id;
  std::string queue_id;
  std::string address;
  std::string host;
  std::string since;
  std::string until;
  uint32_t limit = 0;
};

// Parses a --since/--until value into *us; prints the error and returns false when invalid.
bool ParseTimeFlag(const char* flag, const std::string& text, bool utc, int64_t now_us,
                   int64_t* us) {
  if (text.empty()) return true;
  std::string error;
  const std::optional<int64_t> t = ParseTimeSpec(text, now_us, utc, &error);
  if (!t) {
    std::fprintf(stderr, "mlq: %s: %s\n", flag, error.c_str());
    return false;
  }
  // 0 means "no bound" on the wire; the epoch itself is never a useful bound.
  *us = *t == 0 ? 1 : *t;
  return true;
}

int RunFind(const FindOptions& o, const GlobalOptions& g) {
  const int keys = !o.message_id.empty() + !o.queue_id.empty() + !o.address.empty();
  if (keys != 1) {
    std::fprintf(stderr, "mlq: find needs exactly one of --message-id, --queue-id, --address\n");
    return kExitError;
  }
  mlq::v1::FindRequest request;
  request.set_message_id(o.message_id);
  request.set_queue_id(o.queue_id);
  request.set_address(o.address);
  request.set_host(o.host);
  request.set_limit(o.limit);
  const int64_t now_us = NowMicros();
  int64_t since = 0;
  int64_t until = 0;
  if (!ParseTimeFlag("--since", o.since, g.utc, now_us, &since) ||
      !ParseTimeFlag("--until", o.until, g.utc, now_us, &until)) {
    return kExitError;
  }
  if (since != 0 && until != 0 && since >= until) {
    std::fprintf(stderr, "mlq: --since must be earlier than --until\n");
    return kExitError;
  }
  request.set_since_us(since);
  request.set_until_us(until);

  auto stub = NewQueryStub(g.server);
  grpc::ClientContext context;
  SetTimeout(&context, g.timeout_s);
  mlq::v1::FindResponse response;
  const grpc::Status status = stub->Find(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status, g);

  if (response.records().empty()) {
    if (!g.json) std::fprintf(stderr, "mlq: no matching lines\n");
    return kExitNotFound;
  }
  std::string out;
  if (g.json) {
    for (const mlq::v1::Record& r : response.records()) {
      out += RecordToJson(r, g.utc);
      out += '\n';
    }
  } else {
    out = RecordsTable(response, g.utc);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (response.truncated()) {
    std::fprintf(stderr,
                 "mlq: showing the first %d matching lines; there are more (raise --limit or "
                 "narrow the time with --since/--until)\n",
                 response.records_size());
  }
  return kExitOk;
}

}  // namespace

Command AddFindCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<FindOptions>();
  CLI::App* sub = app.add_subcommand(
      "find", "Print the log lines of one message, queue ID or address, oldest first");
  sub->footer(kFindFooter);
  auto* mid = sub->add_option("-m,--message-id", o->message_id,
                              "Message-ID header value, with or without <>");
  auto* qid =
      sub->add_option("-q,--queue-id", o->queue_id, "MTA queue ID, e.g. Postfix 4Xb3cG2Y0Zz1kH2");
  auto* addr = sub->add_option("-a,--address", o->address,
                               "Envelope sender or recipient address (case-insensitive)");
  mid->excludes(qid)->excludes(addr);
  qid->excludes(addr);
  sub->add_option("--host", o->host, "With --queue-id: only this mail server's queue")->needs(qid);
  sub->add_option("--since", o->since, "Only lines at or after this time (e.g. 2h, 2026-11-22)");
  sub->add_option("--until", o->until, "Only lines before this time");
  sub->add_option("-n,--limit", o->limit, "At most N lines (default: the server's, 1000)");
  sub->add_flag("--json", globals.json, "One JSON object per line");
  return {sub, [o, &globals] { return RunFind(*o, globals); }};
}

}  // namespace mlq::cli
