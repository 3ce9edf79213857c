// `mlq import`: streams log files to mlqd's Ingest RPC and prints its summary.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/import_output.h"
#include "cli/ingest_batcher.h"
#include "cli/line_reader.h"
#include "cli/rpc.h"

namespace mlq::cli {
namespace {

constexpr char kImportFooter[] = R"(Examples:
  mlq import /var/log/mail.log
  mlq import --host mx1 /srv/logs/mx1/mail.log.1 /srv/logs/mx1/mail.log.2.gz
  mlq import --dry-run --show-unknown=20 exim_mainlog
  zcat old.log.gz | mlq import --host mx2 -

Files are read line by line (plain text or gzip, detected by content; '-' is
standard input) and streamed to mlqd, which parses, normalizes and stores
them like syslog traffic. Empty lines are skipped.
Exit status: 0 success, 2 usage, file or connection error.)";

struct ImportOptions {
  std::vector<std::string> files;
  std::string host;
  bool dry_run = false;
  uint32_t show_unknown = 0;
};

// Progress on a terminal's stderr, about once a second.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void Update(uint64_t lines, uint64_t bytes) {
    if (!enabled_ || (lines & 0xFFF) != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    std::fprintf(stderr, "\rmlq: sent %s lines (%s)   ", GroupThousands(lines).c_str(),
                 HumanBytes(bytes).c_str());
    shown_ = true;
  }
  void Clear() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

int RunImport(const ImportOptions& o, const GlobalOptions& g) {
  // Check every file first, so a typo fails before anything is sent.
  int stdin_count = 0;
  for (const std::string& path : o.files) {
    if (path == "-") {
      if (++stdin_count > 1) {
        std::fprintf(stderr, "mlq: '-' (standard input) can be given only once\n");
        return kExitError;
      }
      continue;
    }
    std::string error;
    if (LineReader::Open(path, &error) == nullptr) {
      std::fprintf(stderr, "mlq: %s\n", error.c_str());
      return kExitError;
    }
  }

  // The stream has no deadline (an import may take long), so make sure first
  // that something answers at all.
  std::shared_ptr<grpc::Channel> channel = NewChannel(g.server);
  if (!WaitForConnection(*channel, g.timeout_s)) {
    return ReportRpcError(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, ""), g);
  }
  auto stub = mlq::v1::Query::NewStub(channel);
  grpc::ClientContext context;
  mlq::v1::IngestResponse response;
  std::unique_ptr<grpc::ClientWriter<mlq::v1::IngestRequest>> writer =
      stub->Ingest(&context, &response);

  mlq::v1::IngestRequest options;
  options.set_host(o.host);
  options.set_dry_run(o.dry_run);
  options.set_unknown_samples(o.show_unknown);
  IngestBatcher batcher(
      options, [&writer](const mlq::v1::IngestRequest& request) { return writer->Write(request); });

  Progress progress(!g.json && isatty(STDERR_FILENO));
  bool file_errors = false;
  bool stream_ok = true;
  std::string line;
  for (const std::string& path : o.files) {
    if (!stream_ok) break;
    std::string error;
    std::unique_ptr<LineReader> reader = LineReader::Open(path, &error);
    if (reader == nullptr) {
      progress.Clear();
      std::fprintf(stderr, "mlq: %s\n", error.c_str());
      file_errors = true;
      continue;
    }
    while (reader->Next(&line)) {
      if (line.empty()) continue;
      if (!batcher.Add(std::move(line))) {
        stream_ok = false;  // the server went away; Finish says why
        break;
      }
      progress.Update(batcher.lines(), batcher.bytes());
    }
    if (!reader->error().empty()) {
      progress.Clear();
      std::fprintf(stderr, "mlq: %s (the lines before it were sent)\n", reader->error().c_str());
      file_errors = true;
    }
  }
  progress.Clear();
  if (stream_ok) stream_ok = batcher.Finish();
  if (stream_ok) writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) return ReportRpcError(status, g);

  const std::string out =
      g.json ? IngestToJson(response, o.dry_run) + "\n" : IngestToText(response, o.dry_run);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return file_errors ? kExitError : kExitOk;
}

}  // namespace

Command AddImportCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* sub =
      app.add_subcommand("import", "Send log files (plain or .gz) to mlqd to be parsed and stored");
  sub->footer(kImportFooter);
  sub->add_option("file", o->files, "Log files to read ('-' = standard input)")
      ->required()
      ->type_name("FILE");
  sub->add_option("--host", o->host, "Host name for lines whose header names none");
  sub->add_flag("--dry-run", o->dry_run, "Parse and summarize only; store nothing");
  // A flag with an optional value: "--show-unknown" means 10, "--show-unknown=N" N.
  sub->add_flag("--show-unknown{10}", o->show_unknown,
                "Also list up to N lines no normalizer recognized (10 without =N)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->check(CLI::Range(0, 100000).description(""))
      ->type_name("[=N]");
  sub->add_flag("--json", globals.json, "Print the summary as one JSON object");
  return {sub, [o, &globals] { return RunImport(*o, globals); }};
}

}  // namespace mlq::cli
