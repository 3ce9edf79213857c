#include "cli/import_progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace mlq::cli {
namespace {

ProgressSnapshot Sample() {
  ProgressSnapshot s;
  s.file = "/var/log/mail.log.1";
  s.file_number = 2;
  s.file_count = 3;
  s.file_lines = 1000;
  s.file_read = 42;
  s.file_size = 100;
  s.lines = 1234567;
  s.text_bytes = 123000000;  // 123 MB in 10 s
  s.read = 250;
  s.total = 1000;  // a quarter in 10 s: 30 s to go
  s.elapsed_s = 10;
  return s;
}

size_t Columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(ImportProgressTest, EtaAndRate) {
  EXPECT_EQ(FormatEta(0), "0:00");
  EXPECT_EQ(FormatEta(42.4), "0:42");
  EXPECT_EQ(FormatEta(725), "12:05");
  EXPECT_EQ(FormatEta(3723), "1:02:03");
  EXPECT_EQ(FormatEta(-1), "?");
  EXPECT_EQ(FormatEta(1e12), "?");
  EXPECT_EQ(FormatRate(123000000, 10), "12.3 MB/s");
  EXPECT_EQ(FormatRate(5, 0), "0.0 MB/s");
  EXPECT_DOUBLE_EQ(EstimateEta(Sample()), 30);
  ProgressSnapshot s = Sample();
  s.total = 0;  // standard input: unknown size
  EXPECT_LT(EstimateEta(s), 0);
  s = Sample();
  s.elapsed_s = 0.1;  // too early to tell
  EXPECT_LT(EstimateEta(s), 0);
}

TEST(ImportProgressTest, BarShowsFilePercentLinesRateEta) {
  const std::string bar = FormatProgressBar(Sample(), 120);
  EXPECT_EQ(bar,
            "/var/log/mail.log.1 [2/3] [################------------------------]  42%  "
            "1,234,567 lines  12.3 MB/s  ETA 0:30");
  EXPECT_LT(Columns(bar), 120u);
}

TEST(ImportProgressTest, BarFitsNarrowTerminals) {
  for (int width : {20, 40, 60, 80, 100}) {
    const std::string bar = FormatProgressBar(Sample(), width);
    EXPECT_LT(Columns(bar), static_cast<size_t>(width)) << width << ": " << bar;
    EXPECT_NE(bar.find("ETA"), std::string::npos) << width << ": " << bar;
  }
  // A long name is shortened from the left; the bar stays.
  ProgressSnapshot s = Sample();
  s.file = "/srv/logs/" + std::string(100, 'x') + "/mail.log.1";
  const std::string bar = FormatProgressBar(s, 100);
  EXPECT_LT(Columns(bar), 100u) << bar;
  EXPECT_EQ(bar.rfind("...", 0), 0u) << bar;
  EXPECT_NE(bar.find("mail.log.1 [2/3] ["), std::string::npos) << bar;
}

TEST(ImportProgressTest, StandardInputHasNoPercentNorEta) {
  ProgressSnapshot s = Sample();
  s.file = "-";
  s.file_count = 1;
  s.file_size = 0;
  s.total = 0;
  EXPECT_EQ(FormatProgressBar(s, 80), "-  1,234,567 lines  12.3 MB/s");
  EXPECT_EQ(FormatProgressLine(s), "mlq: import: -: 1,234,567 lines sent, 12.3 MB/s");
}

TEST(ImportProgressTest, PlainLine) {
  EXPECT_EQ(FormatProgressLine(Sample()),
            "mlq: import: /var/log/mail.log.1 (2/3): 42% of the file, 1,234,567 lines sent, "
            "12.3 MB/s, ETA 0:30");
}

TEST(ImportProgressTest, OffPrintsNothingAndBarLeavesFileLines) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  ImportProgress off(ImportProgress::Mode::kOff, out);
  for (int i = 0; i < 5000; ++i) off.Update(Sample());
  off.FileDone(Sample(), "syslog");
  off.Clear();
  ImportProgress bar(ImportProgress::Mode::kBar, out);
  bar.FileDone(Sample(), "syslog");
  std::fclose(out);
  const std::string text(buf, len);
  std::free(buf);
  EXPECT_EQ(text.rfind("  /var/log/mail.log.1  syslog  1,000 lines  ", 0), 0u) << text;
  EXPECT_TRUE(text.ends_with(" s\n")) << text;
}

}  // namespace
}  // namespace mlq::cli
