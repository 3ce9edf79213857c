// `mlq import`: streams log files to mlqd's Ingest RPC and prints its summary.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/import_files.h"
#include "cli/import_output.h"
#include "cli/import_progress.h"
#include "cli/ingest_batcher.h"
#include "cli/line_reader.h"
#include "cli/rpc.h"

namespace mlq::cli {
namespace {

constexpr char kImportFooter[] = R"(Examples:
  mlq import /var/log/mail.log*
  mlq import /srv/logs/mx1/
  mlq import --host mx1 /var/log/exim4/mainlog /var/log/exim4/mainlog.1
  mlq import --dry-run --show-unknown=20 exim_mainlog
  zcat old.log.gz | mlq import --host mx2 -

Files are read line by line (plain text or gzip, detected by content; '-' is
standard input; a directory means its files) and streamed to mlqd, which
parses, normalizes and stores them like syslog traffic. Empty lines are
skipped. Files are read oldest first: a rotated set (mail.log.2.gz,
mail.log.1, mail.log) by rotation number, others by the first time inside
(--keep-order reads them as given). Each file's format is detected: syslog
(names its host), Exim mainlog, Kerio, Zimbra mailbox.log (need --host).
Importing a file again stores nothing twice: lines mlqd already has from an
earlier import are counted as duplicates.
Exit status: 0 success, 2 usage, file or connection error.)";

struct ImportOptions {
  std::vector<std::string> files;
  std::string host;
  bool dry_run = false;
  uint32_t show_unknown = 0;
  bool keep_order = false;
  bool no_progress = false;
  std::string token;  // the global --token, sent with each file's stream
};

constexpr size_t kSampleLines = 64;

// "mlq: <message>" on stderr. Messages name files, and file names (found in
// a directory) and read errors are not ours: sanitized.
void PrintError(const std::string& message) {
  std::fprintf(stderr, "mlq: %s\n", SanitizeForTerminal(message).c_str());
}

// Sends one file in its own Ingest stream. Occurrences of identical lines
// are counted per stream (the server's deduplication), so a line repeated
// in two overlapping files is stored once.
class FileSender {
 public:
  FileSender(mlq::v1::Query::Stub* stub, const ImportOptions& o, ImportProgress* progress,
             ProgressSnapshot* snap)
      : stub_(stub), o_(o), progress_(progress), snap_(snap) {}

  // Reads `reader` (whose first lines may already be in `head`) to the end
  // and sends its lines. Returns the RPC's status; *response is the server's
  // summary for this file, *read_error the reader's error ("" if none).
  grpc::Status Send(LineReader& reader, std::vector<std::string> head, uint64_t work,
                    uint32_t samples, mlq::v1::IngestResponse* response, std::string* read_error) {
    grpc::ClientContext context;
    if (!o_.token.empty()) context.AddMetadata("authorization", "Bearer " + o_.token);
    std::unique_ptr<grpc::ClientWriter<mlq::v1::IngestRequest>> writer =
        stub_->Ingest(&context, response);
    mlq::v1::IngestRequest options;
    options.set_host(o_.host);
    options.set_dry_run(o_.dry_run);
    options.set_unknown_samples(samples);
    IngestBatcher batcher(options, [&writer](const mlq::v1::IngestRequest& request) {
      return writer->Write(request);
    });
    const uint64_t lines0 = snap_->lines, text0 = snap_->text_bytes, read0 = snap_->read;
    bool stream_ok = true;
    auto add = [&](std::string&& line) {
      if (line.empty()) return true;
      if (!batcher.Add(std::move(line))) return false;  // the server went away; Finish says why
      snap_->file_lines = batcher.lines();
      snap_->lines = lines0 + batcher.lines();
      snap_->text_bytes = text0 + batcher.bytes();
      snap_->file_read = reader.bytes_read();
      // Work done: the part of the file read, weighed by the text it holds.
      if (snap_->file_size > 0) {
        snap_->read = read0 + static_cast<uint64_t>(static_cast<double>(work) *
                                                    static_cast<double>(snap_->file_read) /
                                                    static_cast<double>(snap_->file_size));
      }
      snap_->elapsed_s = progress_->elapsed_s();
      progress_->Update(*snap_);
      return true;
    };
    for (std::string& line : head) {
      if (!add(std::move(line))) {
        stream_ok = false;
        break;
      }
    }
    std::string line;
    while (stream_ok && reader.Next(&line)) {
      if (!add(std::move(line))) stream_ok = false;
    }
    *read_error = reader.error();
    snap_->read = read0 + work;  // the whole file counts as read now
    if (stream_ok) stream_ok = batcher.Finish();
    if (stream_ok) writer->WritesDone();
    return writer->Finish();
  }

 private:
  mlq::v1::Query::Stub* stub_;
  const ImportOptions& o_;
  ImportProgress* progress_;
  ProgressSnapshot* snap_;
};

// What the import will read: files checked, formats known, in order.
// Returns false after printing why nothing can be sent.
bool PlanImport(const ImportOptions& o, std::vector<ImportFile>* files) {
  int stdin_count = 0;
  for (const std::string& path : o.files) {
    if (path == "-" && ++stdin_count > 1) {
      std::fprintf(stderr, "mlq: '-' (standard input) can be given only once\n");
      return false;
    }
  }
  std::vector<std::string> paths;
  std::string error;
  if (!ExpandImportArgs(o.files, &paths, &error)) {
    PrintError(error);
    return false;
  }
  if (paths.empty()) {
    std::fprintf(stderr, "mlq: no files to import (the directories are empty)\n");
    return false;
  }
  // Check every file first, so a typo fails before anything is sent.
  for (const std::string& path : paths) {
    ImportFile f;
    f.path = path;
    if (!InspectImportFile(&f, &error)) {
      PrintError(error);
      return false;
    }
    files->push_back(std::move(f));
  }
  if (!o.keep_order) OrderImportFiles(*files);
  return true;
}

void WarnHostless(const ImportFile& f, const ImportOptions& o) {
  if (!o.host.empty() || f.format == LogFormat::kSyslog || f.format == LogFormat::kEmpty ||
      f.format == LogFormat::kBinary || f.format == LogFormat::kUnknown) {
    return;
  }
  PrintError(f.path + ": " + std::string(LogFormatName(f.format)) +
             " log lines name no host; they are stored without one (give --host)");
}

int RunImport(ImportOptions o, const GlobalOptions& g) {
  o.token = g.token;
  std::vector<ImportFile> files;
  if (!PlanImport(o, &files)) return kExitError;
  const std::set<std::string> explicit_paths(o.files.begin(), o.files.end());

  // The streams have no deadline (an import may take long), so make sure
  // first that something answers at all.
  std::shared_ptr<grpc::Channel> channel = NewChannel(g);
  if (!WaitForConnection(*channel, g.timeout_s)) {
    return ReportRpcError(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, ""), g);
  }
  auto stub = mlq::v1::Query::NewStub(channel);

  ImportProgress progress(o.no_progress           ? ImportProgress::Mode::kOff
                          : isatty(STDERR_FILENO) ? ImportProgress::Mode::kBar
                                                  : ImportProgress::Mode::kPlain,
                          stderr);
  ProgressSnapshot snap;
  snap.file_count = files.size();
  for (const ImportFile& f : files) snap.total += f.text_size;

  FileSender sender(stub.get(), o, &progress, &snap);
  mlq::v1::IngestResponse total;
  std::vector<ImportedFile> summaries;
  bool file_errors = false;
  for (size_t i = 0; i < files.size(); ++i) {
    ImportFile& f = files[i];
    ImportedFile& summary = summaries.emplace_back();
    summary.path = f.path;
    snap.file = f.path;
    snap.file_number = i + 1;
    snap.file_lines = 0;
    snap.file_read = 0;
    snap.file_size = f.size;

    std::string error;
    std::unique_ptr<LineReader> reader = LineReader::Open(f.path, &error);
    if (reader == nullptr) {
      progress.Clear();
      PrintError(error);
      summary.format = std::string(LogFormatName(f.format));
      summary.error = error;
      file_errors = true;
      continue;
    }
    std::vector<std::string> head;
    if (f.stream) {  // a pipe cannot be read twice: detect on the way
      std::string line;
      while (head.size() < kSampleLines && reader->Next(&line)) {
        if (!line.empty()) head.push_back(std::move(line));
      }
      f.format = DetectFileFormat(head);
    }
    summary.format = std::string(LogFormatName(f.format));
    if (f.format == LogFormat::kBinary) {
      progress.Clear();
      summary.error = "skipped: not a text log";
      if (explicit_paths.count(f.path) != 0) {
        PrintError(f.path + ": not a text log (binary content); skipped");
        file_errors = true;
      }
      snap.read += f.text_size;
      continue;
    }
    progress.Clear();
    WarnHostless(f, o);

    const uint32_t samples =
        o.show_unknown - std::min<uint32_t>(o.show_unknown, total.unknown_samples_size());
    mlq::v1::IngestResponse response;
    std::string read_error;
    const grpc::Status status =
        sender.Send(*reader, std::move(head), f.text_size, samples, &response, &read_error);
    if (!status.ok()) {
      progress.Clear();
      return ReportRpcError(status, g);
    }
    MergeIngestResponse(response, o.show_unknown, &total);
    summary.lines = response.lines();
    summary.stored = response.stored();
    summary.duplicates = response.duplicates();
    progress.FileDone(snap, summary.format);
    if (!read_error.empty()) {
      progress.Clear();
      PrintError(read_error + " (the lines before it were sent)");
      summary.error = read_error;
      file_errors = true;
    }
  }
  progress.Clear();

  const std::string out = g.json ? IngestToJson(total, o.dry_run, summaries) + "\n"
                                 : IngestToText(total, o.dry_run, summaries);
  PrintOut(out);
  return file_errors ? kExitError : kExitOk;
}

}  // namespace

Command AddImportCommand(CLI::App& app, GlobalOptions& globals) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* sub =
      AddSubcommand(app, "import", "Send log files (plain or .gz) to mlqd to be parsed and stored",
                    kImportFooter);
  sub->add_option("file", o->files, "Log files or directories to read ('-' = standard input)")
      ->required()
      ->type_name("FILE");
  sub->add_option("--host", o->host,
                  "Host name for lines that name none (Exim, Kerio, Zimbra logs)");
  sub->add_flag("--dry-run", o->dry_run, "Parse and summarize only; store nothing");
  // A flag with an optional value: "--show-unknown" means 10, "--show-unknown=N" N.
  sub->add_flag("--show-unknown{10}", o->show_unknown,
                "Also list up to N lines no normalizer recognized (10 without =N)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->check(CLI::Range(0, 100000).description(""))
      ->type_name("[=N]");
  sub->add_flag("--keep-order", o->keep_order,
                "Read the files in the order given (default: oldest first)");
  sub->add_flag("--no-progress", o->no_progress, "Print no progress on standard error");
  sub->add_flag("--json", globals.json, "Print the summary as one JSON object");
  return {sub, [o, &globals] { return RunImport(*o, globals); }};
}

}  // namespace mlq::cli
