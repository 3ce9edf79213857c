#include "cli/timefmt.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace mlq::cli {

namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kNow = 1795341600 * kSec;  // 2026-11-22T10:00:00Z

class TimeFmtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
  }
};

TEST_F(TimeFmtTest, TableTime) {
  EXPECT_EQ(FormatTableTime(kNow + 999999, true), "2026-11-22 10:00:00Z");
  EXPECT_EQ(FormatTableTime(kNow, false), "2026-11-22 11:00:00");
  EXPECT_EQ(FormatTableTime(0, true), "1970-01-01 00:00:00Z");
}

TEST_F(TimeFmtTest, Rfc3339) {
  EXPECT_EQ(FormatRfc3339(kNow + 123456, true), "2026-11-22T10:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339(kNow + 7, false), "2026-11-22T11:00:00.000007+01:00");
  // Summer time.
  EXPECT_EQ(FormatRfc3339(1782864000 * kSec, false), "2026-07-01T02:00:00.000000+02:00");
}

TEST_F(TimeFmtTest, NegativeOffsetsAndTimes) {
  setenv("TZ", "America/New_York", 1);
  tzset();
  EXPECT_EQ(FormatRfc3339(kNow, false), "2026-11-22T05:00:00.000000-05:00");
  EXPECT_EQ(FormatRfc3339(-1, true), "1969-12-31T23:59:59.999999Z");
}

TEST_F(TimeFmtTest, Duration) {
  EXPECT_EQ(FormatDuration(-5), "0s");
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(45), "45s");
  EXPECT_EQ(FormatDuration(60), "1m");
  EXPECT_EQ(FormatDuration(725), "12m 5s");
  EXPECT_EQ(FormatDuration(3 * 3600 + 12 * 60 + 9), "3h 12m");
  EXPECT_EQ(FormatDuration(4 * 86400 + 2 * 3600 + 1), "4d 2h");
}

}  // namespace
}  // namespace mlq::cli
