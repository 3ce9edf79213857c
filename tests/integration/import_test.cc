// `mlq import` against a real mlqd: rotated sets oldest first, files stored
// once however often they are imported, overlapping rotated files, Exim /
// Kerio / Zimbra files with --host and the times their records get.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

std::string Iso(time_t t, const char* format = "%Y-%m-%d %H:%M:%S") {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

int64_t Stored(const Daemon& d) {
  json s = d.Status();
  return s.is_object() ? s["stored"].get<int64_t>() : -1;
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/data",
                                       std::vector<std::string>{"--timezone", "UTC"});
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
    logs_ = dir_.path() + "/logs";
    std::filesystem::create_directories(logs_);
  }

  // Writes lines to logs/<name>; a name ending in .gz is compressed.
  std::string Write(const std::string& name, const std::vector<std::string>& lines) {
    std::string path = logs_ + "/" + name;
    const bool gz = name.ends_with(".gz");
    const std::string plain = gz ? path.substr(0, path.size() - 3) : path;
    std::ofstream out(plain, std::ios::binary | std::ios::trunc);
    for (const auto& l : lines) out << l << "\n";
    out.close();
    if (gz) EXPECT_EQ(RunCommand({"gzip", "-f", plain}).exit_code, 0);
    return path;
  }

  // `mlq import --json args...`, parsed.
  json Import(std::vector<std::string> args, int want_exit = 0) {
    args.insert(args.begin(), {"import", "--json"});
    CommandResult r = daemon_->Mlq(args);
    EXPECT_EQ(r.exit_code, want_exit) << r.out << r.err;
    last_err_ = r.err;
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  std::vector<json> Find(std::vector<std::string> args) {
    args.insert(args.begin(), {"find", "--json"});
    CommandResult r = daemon_->Mlq(args);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
    return ParseJsonLines(r.out);
  }

  static std::vector<std::string> Paths(const json& summary) {
    std::vector<std::string> out;
    for (const auto& f : summary["files"]) out.push_back(f["path"]);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::string logs_;
  std::string last_err_;
};

// Four days of a rotated mail.log, three lines a day.
std::vector<std::string> Day(time_t day, const std::string& qid) {
  return {"<22>" + Bsd(day) + " mx1 postfix/pickup[10]: " + qid + ": uid=0 from=<root>",
          "<22>" + Bsd(day + 1) + " mx1 postfix/qmgr[11]: " + qid +
              ": from=<root@mx1.example>, size=300, nrcpt=1 (queue active)",
          "<22>" + Bsd(day + 2) + " mx1 postfix/qmgr[11]: " + qid + ": removed"};
}

TEST_F(ImportTest, RotatedSetOldestFirstAndReimportStoresNothing) {
  const time_t now = time(nullptr);
  const time_t d = now - 4 * 86400;
  Write("mail.log.3.gz", Day(d, "4AAAAAAAAA1"));
  Write("mail.log.2.gz", Day(d + 86400, "4AAAAAAAAA2"));
  Write("mail.log.1", Day(d + 2 * 86400, "4AAAAAAAAA3"));
  Write("mail.log", Day(d + 3 * 86400, "4AAAAAAAAA4"));

  // As the shell expands /var/log/mail.log*: alphabetical.
  json r = Import({logs_ + "/mail.log", logs_ + "/mail.log.1", logs_ + "/mail.log.2.gz",
                   logs_ + "/mail.log.3.gz"});
  EXPECT_EQ(Paths(r), (std::vector<std::string>{logs_ + "/mail.log.3.gz", logs_ + "/mail.log.2.gz",
                                                logs_ + "/mail.log.1", logs_ + "/mail.log"}));
  EXPECT_EQ(r["lines"], 12);
  EXPECT_EQ(r["stored"], 12);
  EXPECT_EQ(r["duplicates"], 0);
  for (const auto& f : r["files"]) {
    EXPECT_EQ(f["format"], "syslog") << f.dump();
    EXPECT_EQ(f["stored"], 3) << f.dump();
  }
  EXPECT_EQ(last_err_, "") << "syslog names its host: no warning";
  EXPECT_EQ(Stored(*daemon_), 12);

  // The records got the times inside the files, and their host.
  auto rows = Find({"--queue-id", "4AAAAAAAAA1", "--host", "mx1"});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["timestamp_us"], static_cast<int64_t>(d) * 1000000);
  EXPECT_EQ(rows[0]["transport"], "ingest");

  // The same files again, as a directory: nothing new.
  r = Import({logs_});
  EXPECT_EQ(r["lines"], 12);
  EXPECT_EQ(r["stored"], 0);
  EXPECT_EQ(r["duplicates"], 12);
  EXPECT_EQ(Stored(*daemon_), 12);
  EXPECT_EQ(Find({"--queue-id", "4AAAAAAAAA1"}).size(), 3u);
}

TEST_F(ImportTest, OverlappingRotatedFileAddsOnlyTheNewLines) {
  const time_t d = time(nullptr) - 2 * 86400;
  const std::vector<std::string> morning = Day(d, "4BBBBBBBBB1");
  std::vector<std::string> evening = Day(d + 3600, "4BBBBBBBBB2");
  Write("mail.log", morning);
  json r = Import({logs_ + "/mail.log"});
  EXPECT_EQ(r["stored"], 3);

  // Rotated since: yesterday's live file became mail.log.1 and grew.
  std::vector<std::string> rotated = morning;
  rotated.insert(rotated.end(), evening.begin(), evening.end());
  Write("mail.log.1", rotated);
  Write("mail.log", Day(d + 86400, "4BBBBBBBBB3"));
  r = Import({logs_ + "/mail.log", logs_ + "/mail.log.1"});
  EXPECT_EQ(r["lines"], 9);
  EXPECT_EQ(r["stored"], 6);
  EXPECT_EQ(r["duplicates"], 3);
  EXPECT_EQ(r["files"][0]["path"], logs_ + "/mail.log.1");
  EXPECT_EQ(r["files"][0]["duplicates"], 3);
  EXPECT_EQ(Stored(*daemon_), 9);
}

TEST_F(ImportTest, RepeatedLinesAreKeptAndLiveSyslogIsNotDeduplicated) {
  const time_t t = time(nullptr) - 3600;
  const std::string line =
      "<22>" + Bsd(t) + " mx1 postfix/smtpd[77]: connect from unknown[198.51.100.9]";
  Write("mail.log", {line, line, line});
  json r = Import({logs_ + "/mail.log"});
  EXPECT_EQ(r["stored"], 3) << "a line logged three times in a second is three events";
  r = Import({logs_ + "/mail.log"});
  EXPECT_EQ(r["stored"], 0);
  EXPECT_EQ(r["duplicates"], 3);

  // The same line over TCP twice: live traffic is stored as received.
  ASSERT_TRUE(SendTcp(daemon_->tcp_port(), line + "\n" + line + "\n"));
  EXPECT_TRUE(WaitFor([&] { return Stored(*daemon_) == 5; })) << Stored(*daemon_);

  // A dry run counts what would be new.
  Write("more.log", {line, line, line, line});
  r = Import({"--dry-run", logs_ + "/more.log"});
  EXPECT_EQ(r["stored"], 0);
  EXPECT_EQ(r["duplicates"], 3);
  EXPECT_EQ(Stored(*daemon_), 5);
}

TEST_F(ImportTest, GzipAndStandardInputStillWork) {
  const time_t d = time(nullptr) - 86400;
  Write("old.log.gz", Day(d, "4CCCCCCCCC1"));
  json r = Import({logs_ + "/old.log.gz"});
  EXPECT_EQ(r["stored"], 3);
  std::string in;
  for (const auto& l : Day(d + 60, "4CCCCCCCCC2")) in += l + "\n";
  CommandResult c = RunCommand({MLQ_BIN, "--server", daemon_->grpc(), "import", "--json", "-"}, in);
  EXPECT_EQ(c.exit_code, 0) << c.err;
  r = json::parse(c.out, nullptr, false);
  EXPECT_EQ(r["stored"], 3);
  EXPECT_EQ(r["files"][0]["format"], "syslog");
  EXPECT_EQ(Stored(*daemon_), 6);
}

// Files whose lines carry no syslog header: the normalizers recognize them
// (sniffers), --host supplies the host, the time comes from the line.
TEST_F(ImportTest, EximKerioZimbraFilesWithHost) {
  const time_t t = time(nullptr) - 2 * 3600;
  const std::string exim_time = Iso(t);
  Write("mainlog", {exim_time + " 1vXyZa-000ABC-Q1 <= alice@example.org H=client.example.org "
                                "[192.0.2.5]:52100 P=esmtps S=2048 id=exim-1@example.org",
                    exim_time + " 1vXyZa-000ABC-Q1 => bob@example.net R=dnslookup T=remote_smtp "
                                "H=mx.example.net [198.51.100.25] C=\"250 2.0.0 OK id=1vXyZb\"",
                    exim_time + " 1vXyZa-000ABC-Q1 Completed"});
  Write("kerio-mail.log",
        {"[" + Iso(t, "%d/%b/%Y %H:%M:%S") +
         "] Recv: Queue-ID: 65a1b2c3-00000001, Service: SMTP, From: <carol@example.org>, To: "
         "<dave@example.net>, Size: 1229, Sender-Host: 192.0.2.8, SSL: yes"});
  Write("mailbox.log",
        {Iso(t, "%Y-%m-%d %H:%M:%S") +
         ",123 INFO  [qtp1-42:https://mail.example.org/service/soap/AuthRequest] "
         "[name=erin@example.org;oip=192.0.2.9;ua=zclient/9.0.0;] account - authentication "
         "failed for [erin@example.org], invalid password"});

  // Without --host: imported, with a warning per file.
  json r = Import({"--dry-run", logs_});
  EXPECT_NE(last_err_.find("mainlog: exim log lines name no host"), std::string::npos) << last_err_;
  EXPECT_NE(last_err_.find("kerio-mail.log: kerio log lines name no host"), std::string::npos)
      << last_err_;
  EXPECT_NE(last_err_.find("mailbox.log: zimbra log lines name no host"), std::string::npos)
      << last_err_;

  r = Import({"--host", "mx9", logs_});
  EXPECT_EQ(last_err_, "");
  ASSERT_EQ(r["files"].size(), 3u) << r.dump();
  std::map<std::string, std::string> formats;
  for (const auto& f : r["files"]) formats[f["path"]] = f["format"];
  EXPECT_EQ(formats[logs_ + "/mainlog"], "exim");
  EXPECT_EQ(formats[logs_ + "/kerio-mail.log"], "kerio");
  EXPECT_EQ(formats[logs_ + "/mailbox.log"], "zimbra");
  EXPECT_EQ(r["stored"], 5);
  EXPECT_EQ(r["unknown"], 0) << "every line recognized: " << r.dump();
  EXPECT_EQ(r["families"]["exim"]["lines"], 3) << r.dump();
  EXPECT_EQ(r["families"]["kerio"]["lines"], 1) << r.dump();
  EXPECT_EQ(r["families"]["zimbra"]["lines"], 1) << r.dump();

  // The lines as sent, the host from --host, the time from the line (the
  // files are UTC here, like mlqd's --timezone).
  const int64_t want_us = static_cast<int64_t>(t) * 1000000;
  auto exim = Find({"--queue-id", "1vXyZa-000ABC-Q1", "--host", "mx9"});
  ASSERT_EQ(exim.size(), 3u);
  for (const auto& row : exim) {
    EXPECT_EQ(row["host"], "mx9") << row.dump();
    EXPECT_EQ(row["timestamp_us"], want_us) << row.dump();
    EXPECT_EQ(row["family"], "exim") << row.dump();
    EXPECT_FALSE(row.contains("flags") &&
                 row["flags"].dump().find("no-timestamp") != std::string::npos)
        << row.dump();
  }
  EXPECT_EQ(exim[0]["raw"], exim_time +
                                " 1vXyZa-000ABC-Q1 <= alice@example.org H=client.example.org "
                                "[192.0.2.5]:52100 P=esmtps S=2048 id=exim-1@example.org");
  auto kerio = Find({"--family", "kerio", "--host", "mx9"});
  ASSERT_EQ(kerio.size(), 1u);
  EXPECT_EQ(kerio[0]["timestamp_us"], want_us) << kerio[0].dump();
  auto zimbra = Find({"--family", "zimbra", "--host", "mx9"});
  ASSERT_EQ(zimbra.size(), 1u);
  EXPECT_EQ(zimbra[0]["timestamp_us"], want_us + 123000) << zimbra[0].dump();

  // Once only, whatever the format.
  r = Import({"--host", "mx9", logs_});
  EXPECT_EQ(r["stored"], 0);
  EXPECT_EQ(r["duplicates"], 5);
}

}  // namespace
}  // namespace mlq::testing
