#include "cli/import_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "base/civil_time.h"

namespace mlq::cli {

using civil::EpochFromCivil;
namespace {

using Paths = std::vector<std::string>;

// Everything here reads zone-less times as local time: pin it to UTC.
void PinUtc() {
  setenv("TZ", "UTC", 1);
  tzset();
}

// Once for the binary; the tests that read local times pin it again, as
// tests of other files in the same binary set TZ to other zones.
class UtcZone : public ::testing::Environment {
 public:
  void SetUp() override { PinUtc(); }
};
const auto* const kUtc = ::testing::AddGlobalTestEnvironment(new UtcZone);

int64_t Utc(int y, int mo, int d, int h, int mi, int s) {
  return EpochFromCivil({y, mo, d, h, mi, s}, true);
}

TEST(DetectLineFormatTest, EveryKnownShape) {
  const std::pair<const char*, LogFormat> cases[] = {
      {"Nov 22 10:11:12 mx1 postfix/smtpd[1]: connect from x[1.2.3.4]", LogFormat::kSyslog},
      {"Jul  5 17:57:08 mail postfix/smtps/smtpd[128410]: lost connection", LogFormat::kSyslog},
      {"<22>Nov 22 10:11:12 mx1 postfix/qmgr[3]: ABC: removed", LogFormat::kSyslog},
      {"<165>1 2026-11-22T10:11:12.003Z mx1 postfix 77 - - text", LogFormat::kSyslog},
      {"2026-11-22T10:11:12.123456+01:00 mx1 postfix/smtp[9]: ABC: to=<a@b>", LogFormat::kSyslog},
      {"2017-06-24 15:41:05 1dOqvZ-0002HB-Ob <= a@b H=x [1.2.3.4] P=esmtps S=6297",
       LogFormat::kExim},
      {"2017-06-24 15:41:05.123 1dOqvZ-0002HB-Ob Completed", LogFormat::kExim},
      {"2017-06-24 15:41:05 +0200 1dOqvZ-0002HB-Ob Completed", LogFormat::kExim},
      {"[30/Nov/2005 17:57:14] Recv: Queue-ID: 438dd9ea-00000000, Service: SMTP",
       LogFormat::kKerio},
      {"[18/Jan/2014 06:41:25] SMTP Spam attack detected from 202.169.236.195", LogFormat::kKerio},
      {"2021-03-03 19:26:38,616 INFO  [qtp93314457-137:https://x/service/admin/soap] x",
       LogFormat::kZimbra},
      {"2021-03-03 19:26:38,616 WARN [qtp1-91:https://x] [name=a@b;] mailbox - x",
       LogFormat::kZimbra},
      {"2021-01-15 15:57:32.537:WARN:oejs.DoSFilter:DOS ALERT:ip=127.0.1.1", LogFormat::kZimbra},
      {"hello world", LogFormat::kUnknown},
      {"\tat com.zimbra.cs.Foo(Foo.java:1)", LogFormat::kUnknown},
      {"Nov 22 10:11:12", LogFormat::kUnknown},
      {"2026-11-22 10:11:12", LogFormat::kUnknown},
      {"", LogFormat::kUnknown},
  };
  for (const auto& [line, want] : cases) {
    EXPECT_EQ(LogFormatName(DetectLineFormat(line)), LogFormatName(want)) << line;
  }
}

TEST(DetectFileFormatTest, MajorityEmptyAndBinary) {
  EXPECT_EQ(DetectFileFormat({}), LogFormat::kEmpty);
  EXPECT_EQ(DetectFileFormat({"2017-06-24 15:41:05 1dOqvZ-0002HB-Ob Completed",
                              "  continuation of something", "2017-06-24 15:41:06 x y"}),
            LogFormat::kExim);
  // A Zimbra log with a stack trace stays a Zimbra log.
  EXPECT_EQ(
      DetectFileFormat({"2021-03-03 19:26:38,616 INFO  [t] x - y", "java.lang.Exception: boom",
                        "\tat a.b.C(C.java:1)", "2021-03-03 19:26:39,000 WARN  [t] x - z"}),
      LogFormat::kZimbra);
  EXPECT_EQ(DetectFileFormat({"just", "text"}), LogFormat::kUnknown);
  EXPECT_EQ(DetectFileFormat({std::string("utmp\0\0\0record", 14)}), LogFormat::kBinary);
  EXPECT_EQ(DetectFileFormat({"\x01\x02\x03\x04\x05\x06\x07\x08 ab"}), LogFormat::kBinary);
  EXPECT_FALSE(FormatNamesHost(LogFormat::kExim));
  EXPECT_TRUE(FormatNamesHost(LogFormat::kSyslog));
}

TEST(LineTimeTest, EveryFormat) {
  PinUtc();
  const int64_t ref = Utc(2026, 11, 22, 12, 0, 0);
  EXPECT_EQ(LineTime("Nov 22 10:11:12 mx1 p: x", ref), Utc(2026, 11, 22, 10, 11, 12));
  EXPECT_EQ(LineTime("<22>Nov  2 10:11:12 mx1 p: x", ref), Utc(2026, 11, 2, 10, 11, 12));
  // A 3164 time after the reference (plus a day) is last year's.
  EXPECT_EQ(LineTime("Dec 30 23:59:59 mx1 p: x", ref), Utc(2025, 12, 30, 23, 59, 59));
  EXPECT_EQ(LineTime("Nov 23 01:00:00 mx1 p: x", ref), Utc(2026, 11, 23, 1, 0, 0));
  EXPECT_EQ(LineTime("2026-11-22T10:11:12.5+01:00 mx1 p: x", ref), Utc(2026, 11, 22, 9, 11, 12));
  EXPECT_EQ(LineTime("<165>1 2026-11-22T10:11:12Z mx1 p - - x", ref),
            Utc(2026, 11, 22, 10, 11, 12));
  EXPECT_EQ(LineTime("2017-06-24 15:41:05 1dOqvZ-0002HB-Ob Completed", ref),
            Utc(2017, 6, 24, 15, 41, 5));
  EXPECT_EQ(LineTime("[30/Nov/2005 17:57:14] Recv: x", ref), Utc(2005, 11, 30, 17, 57, 14));
  EXPECT_EQ(LineTime("2021-03-03 19:26:38,616 INFO  [t] x", ref), Utc(2021, 3, 3, 19, 26, 38));
  EXPECT_EQ(LineTime("no time", ref), std::nullopt);
  EXPECT_EQ(LineTime("Nov 31 10:00:00 mx1 p: x", ref), std::nullopt);
  EXPECT_EQ(LineTime("2026-13-01 10:00:00 x y", ref), std::nullopt);
}

TEST(ParseRotationNameTest, Numbers) {
  auto check = [](const char* name, const char* base, int n) {
    const RotationName r = ParseRotationName(name);
    EXPECT_EQ(r.base, base) << name;
    EXPECT_EQ(r.number, n) << name;
  };
  check("mail.log", "mail.log", 0);
  check("mail.log.1", "mail.log", 1);
  check("mail.log.2.gz", "mail.log", 2);
  check("mail.log.10.gz", "mail.log", 10);
  check("mainlog.01", "mainlog", 1);
  check("mail.log.gz", "mail.log", 0);
  check("mail.log-20261122.gz", "mail.log-20261122", 0);
  check("mail.log.20261122", "mail.log.20261122", 0);
  check("mail.log.0", "mail.log.0", 0);
  check("1", "1", 0);
}

ImportFile File(std::string path, int64_t mtime, std::optional<int64_t> first = std::nullopt) {
  ImportFile f;
  f.path = std::move(path);
  f.mtime_s = mtime;
  f.first_time_s = first;
  return f;
}

Paths PathsOf(const std::vector<ImportFile>& files) {
  Paths out;
  for (const auto& f : files) out.push_back(f.path);
  return out;
}

TEST(OrderImportFilesTest, RotatedSetOldestFirstWhateverTheGlobOrder) {
  // The shell's order for /var/log/mail.log*; mtimes say nothing useful.
  std::vector<ImportFile> files = {
      File("/var/log/mail.log", 500),       File("/var/log/mail.log.1", 400),
      File("/var/log/mail.log.10.gz", 900), File("/var/log/mail.log.2.gz", 300),
      File("/var/log/mail.log.3.gz", 200),
  };
  OrderImportFiles(files);
  EXPECT_EQ(PathsOf(files),
            (Paths{"/var/log/mail.log.10.gz", "/var/log/mail.log.3.gz", "/var/log/mail.log.2.gz",
                   "/var/log/mail.log.1", "/var/log/mail.log"}));
}

TEST(OrderImportFilesTest, SetsAndOtherFilesByFirstTimeThenMtime) {
  std::vector<ImportFile> files = {
      File("b/mail.log", 100, 5000),
      File("b/mail.log.1", 100, 3000),            // set b starts at 3000
      File("a/mail.log-20261121.gz", 100, 2000),  // dateext: by time
      File("a/mail.log-20261120.gz", 100, 1000),
      File("exim_mainlog", 2500),  // no time inside: mtime
      File("-", 0),
      File("a/mail.log", 100, 4000),  // another set (other directory)
  };
  OrderImportFiles(files);
  EXPECT_EQ(PathsOf(files), (Paths{"-", "a/mail.log-20261120.gz", "a/mail.log-20261121.gz",
                                   "exim_mainlog", "b/mail.log.1", "b/mail.log", "a/mail.log"}));
}

class ImportFilesFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PinUtc();
    char tmpl[] = "/tmp/mlq_import_files_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Write(const std::string& name, const std::string& content, int64_t mtime) {
    const std::string path = dir_ + "/" + name;
    if (name.ends_with(".gz")) {
      gzFile gz = gzopen(path.c_str(), "wb");
      gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
      gzclose(gz);
    } else {
      std::ofstream(path, std::ios::binary) << content;
    }
    const timeval times[2] = {{mtime, 0}, {mtime, 0}};
    utimes(path.c_str(), times);
    return path;
  }

  std::string dir_;
};

TEST_F(ImportFilesFsTest, ExpandInspectAndOrder) {
  const int64_t now = Utc(2026, 11, 22, 12, 0, 0);
  Write("mail.log", "Nov 22 06:25:01 mx1 p: live\n", now);
  Write("mail.log.1", "Nov 21 06:25:01 mx1 p: yesterday\n", now - 86400);
  Write("mail.log.2.gz", "\nNov 20 06:25:01 mx1 p: before\n", now - 2 * 86400);
  Write("mainlog", "2026-11-19 10:00:00 1abc-000001-AB Completed\n", now);
  Write("wtmp", std::string("\0\0\0\x07pts/0\0\0", 12), now);
  Write(".hidden", "Nov 22 06:25:01 mx1 p: x\n", now);
  mkdir((dir_ + "/sub").c_str(), 0700);

  Paths paths;
  std::string error;
  ASSERT_TRUE(ExpandImportArgs({dir_, "-"}, &paths, &error)) << error;
  EXPECT_EQ(paths, (Paths{dir_ + "/mail.log", dir_ + "/mail.log.1", dir_ + "/mail.log.2.gz",
                          dir_ + "/mainlog", dir_ + "/wtmp", "-"}));
  paths.pop_back();

  std::vector<ImportFile> files;
  for (const auto& p : paths) {
    ImportFile f;
    f.path = p;
    ASSERT_TRUE(InspectImportFile(&f, &error)) << error;
    files.push_back(f);
  }
  EXPECT_EQ(files[0].format, LogFormat::kSyslog);
  EXPECT_EQ(files[0].first_time_s, Utc(2026, 11, 22, 6, 25, 1));
  EXPECT_EQ(files[0].mtime_s, now);
  EXPECT_EQ(files[0].size, 28u);
  EXPECT_EQ(files[0].text_size, 28u);
  EXPECT_EQ(files[2].format, LogFormat::kSyslog) << "read through gzip";
  EXPECT_EQ(files[2].text_size, 31u) << "from the gzip trailer";
  EXPECT_GT(files[2].size, 0u);
  EXPECT_EQ(files[2].first_time_s, Utc(2026, 11, 20, 6, 25, 1));
  EXPECT_EQ(files[3].format, LogFormat::kExim);
  EXPECT_EQ(files[4].format, LogFormat::kBinary);
  EXPECT_EQ(files[4].first_time_s, std::nullopt);

  OrderImportFiles(files);
  EXPECT_EQ(PathsOf(files), (Paths{dir_ + "/mainlog", dir_ + "/mail.log.2.gz", dir_ + "/mail.log.1",
                                   dir_ + "/mail.log", dir_ + "/wtmp"}));

  ImportFile missing;
  missing.path = dir_ + "/missing";
  EXPECT_FALSE(InspectImportFile(&missing, &error));
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

TEST_F(ImportFilesFsTest, PipesAreLeftForTheImportToRead) {
  // A FIFO (or `mlq import <(zcat x.gz)`) can be read once: inspecting it
  // must not open it, let alone take lines from it.
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ImportFile f;
  f.path = fifo;
  std::string error;
  ASSERT_TRUE(InspectImportFile(&f, &error)) << error;
  EXPECT_TRUE(f.stream);
  EXPECT_EQ(f.size, 0u);
  ImportFile in;
  in.path = "-";
  ASSERT_TRUE(InspectImportFile(&in, &error));
  EXPECT_TRUE(in.stream);
  ImportFile plain;
  plain.path = Write("a.log", "x\n", 0);
  ASSERT_TRUE(InspectImportFile(&plain, &error));
  EXPECT_FALSE(plain.stream);
}

}  // namespace
}  // namespace mlq::cli
