// Terminal safety (issue 12): whatever log lines, file names or the server
// put into a field, no text output of mlq carries a control character to
// the terminal. Every string field of every response is filled (through
// protobuf reflection, so a field added later is covered too) with escape
// sequences, C0/C1 controls, DEL, bidi overrides and invalid UTF-8; the
// formatters of every command, and the mlq binary against a hostile fake
// mlqd, must show them escaped.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "cli/backup_output.h"
#include "cli/find_output.h"
#include "cli/format.h"
#include "cli/import_output.h"
#include "cli/import_progress.h"
#include "cli/json.h"
#include "cli/options.h"
#include "cli/queue_output.h"
#include "cli/rpc.h"
#include "cli/stats_output.h"
#include "cli/status_output.h"
#include "cli/tail_output.h"
#include "cli/trace_output.h"
#include "fake_server.h"
#include "mlq/v1/query.grpc.pb.h"

namespace mlq::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Valid UTF-8 (so it can cross the wire in proto3 strings): an OSC title, a
// clear screen, 8-bit CSI as U+009B, NEL, a bell, backspace, CR, LF, TAB,
// NUL, DEL, a DCS introducer, RLO (U+202E), LRI (U+2066), U+2028.
using std::string_literals::operator""s;
const std::string kEvilUtf8 =
    "\x1b]0;pwned\x07"
    "\x1b[2J"
    "\xc2\x9b"
    "31m"
    "\xc2\x85"
    "\x08\r\n\t"
    "\x00"
    "\x7f"
    "\x1bP"
    "\xe2\x80\xae"
    "gpj.exe"
    "\xe2\x81\xa6"
    "\xe2\x80\xa8"s;
// Plus what is not UTF-8: a raw 8-bit CSI and a Latin-1 byte.
const std::string kEvil = kEvilUtf8 + "\x9b" + "1m" + "\xe9";

// How the OSC title shows once sanitized (text) or JSON-escaped.
constexpr char kShownText[] = "\\x1b]0;pwned\\x07";
constexpr char kShownJson[] = "\\u001b]0;pwned\\u0007";

// Sets every field of *m, recursively: strings (and map keys) to
// `text` + "#n" with a counter n (so map keys differ), two elements in every
// repeated field and map, numbers to 1, bools to true.
void Fill(Message* m, const std::string& text, int* n, int depth = 0) {
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const bool rep = f->is_repeated();
    for (int k = 0; k < (rep ? 2 : 1); ++k) {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string v = text + "#" + std::to_string((*n)++);
          rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth < 5)
            Fill(rep ? r->AddMessage(m, f) : r->MutableMessage(m, f), text, n, depth + 1);
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          rep ? r->AddInt32(m, f, 1) : r->SetInt32(m, f, 1);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          rep ? r->AddInt64(m, f, 1) : r->SetInt64(m, f, 1);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          rep ? r->AddUInt32(m, f, 1) : r->SetUInt32(m, f, 1);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          rep ? r->AddUInt64(m, f, 1) : r->SetUInt64(m, f, 1);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          rep ? r->AddDouble(m, f, 1.5) : r->SetDouble(m, f, 1.5);
          break;
        case FieldDescriptor::CPPTYPE_FLOAT:
          rep ? r->AddFloat(m, f, 1.5f) : r->SetFloat(m, f, 1.5f);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          rep ? r->AddBool(m, f, true) : r->SetBool(m, f, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM:
          break;
      }
    }
  }
}

template <typename M>
M Filled(const std::string& text) {
  M m;
  int n = 0;
  Fill(&m, text, &n);
  return m;
}

// Success when `out` is valid UTF-8 holding no C0 control (but '\n' when
// `newlines`), no DEL, no C1 control and no bidi/separator control.
::testing::AssertionResult TerminalSafe(const std::string& out, bool newlines = true) {
  for (size_t pos = 0; pos < out.size();) {
    const size_t at = pos;
    const int32_t cp = DecodeUtf8(out, &pos);
    const bool bad = cp < 0 || (cp < 0x20 && !(cp == '\n' && newlines)) ||
                     (cp >= 0x7F && cp <= 0x9F) || IsInvisibleLayoutControl(cp);
    if (bad) {
      const size_t from = at < 40 ? 0 : at - 40;
      return ::testing::AssertionFailure() << "code point " << cp << " at byte " << at
                                           << " after \"" << out.substr(from, at - from) << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

size_t Lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

// Renders `render` over a response full of evil strings and over the same
// response with harmless ones: the first is terminal-safe, shows the evil
// text escaped, and has exactly as many lines as the second (no newline
// from the data).
template <typename M>
void ExpectSafeText(const std::function<std::string(const M&)>& render) {
  const std::string evil = render(Filled<M>(kEvil));
  const std::string benign = render(Filled<M>("x"));
  EXPECT_TRUE(TerminalSafe(evil)) << evil;
  EXPECT_NE(evil.find(kShownText), std::string::npos) << evil;
  EXPECT_EQ(Lines(evil), Lines(benign)) << evil << "\n---\n" << benign;
}

// JSON: one line, terminal-safe, the evil text \u-escaped.
template <typename M>
void ExpectSafeJson(const std::function<std::string(const M&)>& render) {
  const std::string json = render(Filled<M>(kEvil));
  EXPECT_TRUE(TerminalSafe(json, /*newlines=*/false)) << json;
  EXPECT_NE(json.find(kShownJson), std::string::npos) << json;
}

TEST(TerminalSafetyTest, TheCheckCatchesWhatItShould) {
  EXPECT_FALSE(TerminalSafe("a\x1b[2J"));
  EXPECT_FALSE(TerminalSafe("a\xc2\x9b"));
  EXPECT_FALSE(TerminalSafe("a\x9b"));
  EXPECT_FALSE(TerminalSafe("a\xe2\x80\xae"));
  EXPECT_FALSE(TerminalSafe("a\r"));
  EXPECT_FALSE(TerminalSafe("a\n", /*newlines=*/false));
  EXPECT_TRUE(TerminalSafe("Grüße\n"));
  EXPECT_TRUE(TerminalSafe(SanitizeForTerminal(kEvil), /*newlines=*/false));
  const auto record = Filled<mlq::v1::Record>(kEvil);
  EXPECT_EQ(record.host().substr(0, kEvil.size()), kEvil);
  EXPECT_EQ(record.links_size(), 2);
  EXPECT_EQ(record.extra_size(), 2);
}

TEST(TerminalSafetyTest, Find) {
  ExpectSafeText<mlq::v1::FindResponse>(
      [](const mlq::v1::FindResponse& r) { return RecordsTable(r, true); });
  // A record without message shows its raw line.
  ExpectSafeText<mlq::v1::FindResponse>([](const mlq::v1::FindResponse& r) {
    mlq::v1::FindResponse copy = r;
    for (auto& rec : *copy.mutable_records()) rec.clear_message();
    return RecordsTable(copy, false);
  });
  ExpectSafeJson<mlq::v1::Record>([](const mlq::v1::Record& r) { return RecordToJson(r, true); });
}

TEST(TerminalSafetyTest, Trace) {
  ExpectSafeText<mlq::v1::MessageTrace>(
      [](const mlq::v1::MessageTrace& t) { return TraceToText(t, true); });
  ExpectSafeJson<mlq::v1::MessageTrace>(
      [](const mlq::v1::MessageTrace& t) { return TraceToJson(t, true); });
  // Each field on its own, so one left raw cannot hide behind another's
  // escape: the text of a trace with only that field set is still safe.
  const mlq::v1::MessageTrace full = Filled<mlq::v1::MessageTrace>(kEvil);
  const std::string text = TraceToText(full, false);
  for (const char* shown : {"<\\x1b]0;pwned", "  \\x1b]0;pwned", "reply: \\x1b", "means: \\x1b",
                            "NOTE: \\x1b", "-> \\x1b", "via \\x1b", "sender <\\x1b", "by \\x1b",
                            "dsn=\\x1b", "(was \\x1b", "delay \\x1b", "from \\x1b", "/\\x1b"}) {
    EXPECT_NE(text.find(shown), std::string::npos) << shown;
  }
}

TEST(TerminalSafetyTest, Tail) {
  ExpectSafeText<mlq::v1::TailResponse>([](const mlq::v1::TailResponse& r) {
    TailTable table(true);
    std::string out = table.Rows(r.records());
    return out + table.Rows(r.records());  // the header, then later batches
  });
  const std::string note = TailDroppedNote(kEvil);
  EXPECT_TRUE(TerminalSafe(note)) << note;
  EXPECT_EQ(Lines(note), 1u);
  EXPECT_NE(note.find(kShownText), std::string::npos);
}

TEST(TerminalSafetyTest, Stats) {
  ExpectSafeText<mlq::v1::StatsResponse>(
      [](const mlq::v1::StatsResponse& s) { return StatsToText(s, s.hosts(0).host(), true); });
  ExpectSafeJson<mlq::v1::StatsResponse>(
      [](const mlq::v1::StatsResponse& s) { return StatsToJson(s, true); });
}

TEST(TerminalSafetyTest, Queue) {
  ExpectSafeText<mlq::v1::QueueResponse>(
      [](const mlq::v1::QueueResponse& r) { return QueueTable(r); });
  ExpectSafeText<mlq::v1::QueueResponse>([](const mlq::v1::QueueResponse& r) {
    mlq::v1::QueueResponse copy = r;  // no reply: the status shown instead
    for (auto& m : *copy.mutable_messages()) m.clear_last_reply();
    return QueueTable(copy) + QueueTable(r);
  });
  ExpectSafeJson<mlq::v1::QueuedMessage>(
      [](const mlq::v1::QueuedMessage& m) { return QueuedMessageToJson(m, true); });
}

TEST(TerminalSafetyTest, Status) {
  ExpectSafeText<mlq::v1::StatusResponse>([](const mlq::v1::StatusResponse& s) {
    // The server address is the user's, but shown through the same path.
    return StatusToText(s, s.version(), true, 1000000);
  });
  ExpectSafeJson<mlq::v1::StatusResponse>(
      [](const mlq::v1::StatusResponse& s) { return StatusToJson(s, true); });
}

TEST(TerminalSafetyTest, Backup) {
  ExpectSafeText<mlq::v1::BackupResponse>(
      [](const mlq::v1::BackupResponse& r) { return BackupToText(r); });
}

std::vector<ImportedFile> Files(const std::string& text) {
  std::vector<ImportedFile> files(2);
  for (ImportedFile& f : files) {
    f.path = text + "/mail.log";  // a name found in a directory
    f.format = text;
    f.lines = 3;
    f.error = "cannot open " + text + ": Permission denied";
  }
  return files;
}

TEST(TerminalSafetyTest, Import) {
  for (const bool dry_run : {false, true}) {
    ExpectSafeText<mlq::v1::IngestResponse>([dry_run](const mlq::v1::IngestResponse& r) {
      const bool evil = r.unknown_samples(0).starts_with(kEvil);
      return IngestToText(r, dry_run, Files(evil ? kEvil : "x"));
    });
  }
  ExpectSafeJson<mlq::v1::IngestResponse>(
      [](const mlq::v1::IngestResponse& r) { return IngestToJson(r, false, Files(kEvil)); });
}

TEST(TerminalSafetyTest, ImportProgress) {
  ProgressSnapshot s;
  s.file = kEvil + "/mail.log";
  s.file_number = 1;
  s.file_count = 2;
  s.file_read = 50;
  s.file_size = 100;
  s.elapsed_s = 2;
  for (int width : {20, 80, 300}) {
    const std::string bar = FormatProgressBar(s, width);
    EXPECT_TRUE(TerminalSafe(bar, /*newlines=*/false)) << bar;
  }
  EXPECT_NE(FormatProgressBar(s, 300).find(kShownText), std::string::npos);
  const std::string line = FormatProgressLine(s);
  EXPECT_TRUE(TerminalSafe(line, /*newlines=*/false)) << line;
  EXPECT_NE(line.find(kShownText), std::string::npos) << line;
}

TEST(TerminalSafetyTest, ServerErrorMessages) {
  GlobalOptions g;
  for (const grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::INVALID_ARGUMENT,
        grpc::StatusCode::UNIMPLEMENTED, grpc::StatusCode::INTERNAL,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNKNOWN}) {
    for (const std::string& prefix : {std::string(), std::string("store unavailable: ")}) {
      const std::string msg = RpcErrorMessage(grpc::Status(code, prefix + kEvil), g);
      EXPECT_TRUE(TerminalSafe(msg, /*newlines=*/false)) << msg;
      EXPECT_NE(msg.find(kShownText), std::string::npos) << msg;
    }
  }
}

// The mlq binary against a fake mlqd whose every answer is hostile.
class HostileQuery final : public mlq::v1::Query::Service {
 public:
  grpc::Status Find(grpc::ServerContext*, const mlq::v1::FindRequest* req,
                    mlq::v1::FindResponse* resp) override {
    if (req->message_id() == "fail") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, kEvilUtf8);
    }
    *resp = Filled<mlq::v1::FindResponse>(kEvilUtf8);  // truncated, with a page token
    return grpc::Status::OK;
  }
  grpc::Status Trace(grpc::ServerContext*, const mlq::v1::TraceRequest* req,
                     mlq::v1::TraceResponse* resp) override {
    if (req->message_id() == "fail") return grpc::Status(grpc::StatusCode::INTERNAL, kEvilUtf8);
    *resp = Filled<mlq::v1::TraceResponse>(kEvilUtf8);
    return grpc::Status::OK;
  }
  grpc::Status Tail(grpc::ServerContext* context, const mlq::v1::TailRequest*,
                    grpc::ServerWriter<mlq::v1::TailResponse>* writer) override {
    writer->Write(Filled<mlq::v1::TailResponse>(kEvilUtf8));
    writer->Write(Filled<mlq::v1::TailResponse>(kEvilUtf8));
    // Metadata values cannot hold control characters; the note's own
    // sanitizing is tested on TailDroppedNote.
    context->AddTrailingMetadata("mlq-tail-dropped", "7");
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, kEvilUtf8);
  }
  grpc::Status Stats(grpc::ServerContext*, const mlq::v1::StatsRequest*,
                     mlq::v1::StatsResponse* resp) override {
    *resp = Filled<mlq::v1::StatsResponse>(kEvilUtf8);
    return grpc::Status::OK;
  }
  grpc::Status Queue(grpc::ServerContext*, const mlq::v1::QueueRequest*,
                     mlq::v1::QueueResponse* resp) override {
    *resp = Filled<mlq::v1::QueueResponse>(kEvilUtf8);
    return grpc::Status::OK;
  }
  grpc::Status Status(grpc::ServerContext*, const mlq::v1::StatusRequest*,
                      mlq::v1::StatusResponse* resp) override {
    *resp = Filled<mlq::v1::StatusResponse>(kEvilUtf8);
    return grpc::Status::OK;
  }
  grpc::Status Backup(grpc::ServerContext*, const mlq::v1::BackupRequest* req,
                      mlq::v1::BackupResponse* resp) override {
    if (req->dir().ends_with("/fail")) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, kEvilUtf8);
    }
    *resp = Filled<mlq::v1::BackupResponse>(kEvilUtf8);
    return grpc::Status::OK;
  }
  grpc::Status Ingest(grpc::ServerContext*, grpc::ServerReader<mlq::v1::IngestRequest>* reader,
                      mlq::v1::IngestResponse* resp) override {
    mlq::v1::IngestRequest req;
    while (reader->Read(&req)) {
    }
    *resp = Filled<mlq::v1::IngestResponse>(kEvilUtf8);
    return grpc::Status::OK;
  }
};

class HostileServerTest : public FakeServerTest<HostileQuery> {
 protected:
  // Runs `mlq <args>` (shell syntax) against the hostile fake, TZ=UTC.
  Result Run(const std::string& args) {
    return RunShell("TZ=UTC MLQ_SERVER=" + Server() + " " + MLQ_BIN + " " + args, dir_);
  }

  // stdout and stderr of `mlq <args>` are terminal-safe, and the evil text
  // shows (escaped) in `where` ("out", "err" or "both").
  void ExpectSafe(const std::string& args, int rc, const std::string& where) {
    SCOPED_TRACE("mlq " + args);
    const Result r = Run(args);
    EXPECT_EQ(r.rc, rc) << r.err;
    EXPECT_TRUE(TerminalSafe(r.out)) << r.out;
    EXPECT_TRUE(TerminalSafe(r.err)) << r.err;
    const bool json = args.find("--json") != std::string::npos;
    const char* shown = json ? kShownJson : kShownText;
    if (where != "err") {
      EXPECT_NE(r.out.find(shown), std::string::npos) << r.out;
    }
    if (where != "out") {
      EXPECT_NE(r.err.find(kShownText), std::string::npos) << r.err;
    }
  }
};

TEST_F(HostileServerTest, EveryCommandsOutput) {
  // find: the table, and the next-page command built from the server's token.
  ExpectSafe("find -m x", 0, "both");
  ExpectSafe("find -m x --json", 0, "out");
  ExpectSafe("trace -m x", 0, "out");
  ExpectSafe("trace -m x --json", 0, "out");
  ExpectSafe("tail -n 1", 2, "both");  // the lines, then the server's error
  ExpectSafe("tail -n 1 --json", 2, "both");
  ExpectSafe("stats", 0, "out");
  ExpectSafe("stats --json", 0, "out");
  ExpectSafe("queue", 0, "out");
  ExpectSafe("queue --json", 0, "out");
  ExpectSafe("status", 0, "out");
  ExpectSafe("status --json", 0, "out");
  ExpectSafe("backup " + dir_ + "/copy", 0, "out");
}

TEST_F(HostileServerTest, ServerErrors) {
  ExpectSafe("find -m fail", 2, "err");
  ExpectSafe("trace -m fail", 2, "err");
  ExpectSafe("backup " + dir_ + "/fail", 2, "err");
}

TEST_F(HostileServerTest, ImportWithHostileFileNames) {
  // File names are bytes: everything but '/' and NUL, even invalid UTF-8.
  std::string name = kEvil;
  name.erase(std::remove(name.begin(), name.end(), '\0'), name.end());
  const std::string logs = dir_ + "/logs";
  ASSERT_EQ(mkdir(logs.c_str(), 0700), 0);
  // An Exim log (a warning naming it: no host) and a binary file (skipped).
  std::ofstream(logs + "/" + name + ".exim") << "2026-11-22 10:11:12 1vABCD-000123-XY Completed\n";
  std::ofstream(logs + "/" + name + ".bin") << std::string("\0\0\0\7pts/0\0\0\0\n", 12);
  ASSERT_TRUE(std::ifstream(logs + "/" + name + ".exim").good());
  // The summary (several files: the table of files) and the warning.
  ExpectSafe("import " + logs, 0, "both");
  ExpectSafe("import --json " + logs, 0, "both");
  // Named explicitly, the binary file is an error naming it.
  const std::string quoted = "'" + logs + "/" + name + ".bin'";
  ASSERT_EQ(name.find('\''), std::string::npos);
  ExpectSafe("import --host mx1 " + quoted, 2, "err");
  // A file that cannot be read.
  ExpectSafe("import '" + logs + "/" + name + ".missing'", 2, "err");
}

}  // namespace
}  // namespace mlq::cli
