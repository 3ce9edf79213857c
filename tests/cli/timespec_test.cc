#include "cli/timespec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace mlq::cli {
namespace {

constexpr int64_t kSec = 1000000;
// 2026-11-22T10:00:00Z
constexpr int64_t kNow = 1795341600 * kSec;

class TimeSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Local time for the tests: Central European Time (UTC+1 in November,
    // UTC+2 in summer).
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
  }

  int64_t Parse(const std::string& text, bool utc = false) {
    std::string error;
    const auto t = ParseTimeSpec(text, kNow, utc, &error);
    EXPECT_TRUE(t.has_value()) << text << ": " << error;
    return t.value_or(-1);
  }

  std::string Error(const std::string& text) {
    std::string error;
    EXPECT_FALSE(ParseTimeSpec(text, kNow, false, &error).has_value()) << text;
    return error;
  }
};

TEST_F(TimeSpecTest, NowConstantIsRight) { EXPECT_EQ(Parse("2026-11-22T10:00:00Z"), kNow); }

TEST_F(TimeSpecTest, Durations) {
  EXPECT_EQ(Parse("30s"), kNow - 30 * kSec);
  EXPECT_EQ(Parse("15m"), kNow - 15 * 60 * kSec);
  EXPECT_EQ(Parse("2h"), kNow - 2 * 3600 * kSec);
  EXPECT_EQ(Parse("7d"), kNow - 7 * 86400 * kSec);
  EXPECT_EQ(Parse("1w"), kNow - 7 * 86400 * kSec);
  EXPECT_EQ(Parse("1h30m"), kNow - 90 * 60 * kSec);
  EXPECT_EQ(Parse("0s"), kNow);
  EXPECT_EQ(Parse(" 2h "), kNow - 2 * 3600 * kSec);
}

TEST_F(TimeSpecTest, NowAndUnixSeconds) {
  EXPECT_EQ(Parse("now"), kNow);
  EXPECT_EQ(Parse("@1700000000"), 1700000000 * kSec);
  EXPECT_EQ(Parse("@1700000000.25"), 1700000000 * kSec + 250000);
  EXPECT_EQ(Parse("@0"), 0);
}

TEST_F(TimeSpecTest, Rfc3339WithZone) {
  EXPECT_EQ(Parse("2026-11-22T10:00:00Z"), kNow);
  EXPECT_EQ(Parse("2026-11-22t10:00:00z"), kNow);
  EXPECT_EQ(Parse("2026-11-22T11:00:00+01:00"), kNow);
  EXPECT_EQ(Parse("2026-11-22T05:30:00-0430"), kNow);
  EXPECT_EQ(Parse("2026-11-22T12:00:00+02"), kNow);
  EXPECT_EQ(Parse("2026-11-22T10:00:00.123456Z"), kNow + 123456);
  EXPECT_EQ(Parse("2026-11-22T10:00:00.5Z"), kNow + 500000);
  EXPECT_EQ(Parse("2026-11-22T10:00:00.123456789Z"), kNow + 123456);
  // A zone wins over --utc and the local zone.
  EXPECT_EQ(Parse("2026-11-22T11:00:00+01:00", true), kNow);
}

TEST_F(TimeSpecTest, LocalTimeByDefault) {
  // Berlin is UTC+1 in November.
  EXPECT_EQ(Parse("2026-11-22 11:00:00"), kNow);
  EXPECT_EQ(Parse("2026-11-22T11:00"), kNow);
  EXPECT_EQ(Parse("2026-11-22"), kNow - 11 * 3600 * kSec);
  // And UTC+2 in summer.
  EXPECT_EQ(Parse("2026-07-01 02:00:00"), Parse("2026-07-01T00:00:00Z"));
}

TEST_F(TimeSpecTest, UtcWhenAsked) {
  EXPECT_EQ(Parse("2026-11-22 10:00:00", true), kNow);
  EXPECT_EQ(Parse("2026-11-22", true), kNow - 10 * 3600 * kSec);
  EXPECT_EQ(Parse("1970-01-01", true), 0);
  EXPECT_EQ(Parse("2024-02-29 23:59:59", true), Parse("2024-03-01T00:00:00Z") - kSec);
}

TEST_F(TimeSpecTest, Invalid) {
  for (const char* bad : {"",
                          "yesterday",
                          "2h ago",
                          "3x",
                          "12",
                          "-2h",
                          "2026-13-01",
                          "2026-02-29",
                          "2026-11-31",
                          "2026-11-22 24:00",
                          "2026-11-22 10:60",
                          "2026-11-22 10:00:61",
                          "2026-11-22T10",
                          "2026-11-22T10:00:00+25:00",
                          "2026-11-22T10:00:00 UTC",
                          "26-11-22",
                          "2026/11/22",
                          "@",
                          "@abc",
                          "@12x",
                          "99999999999999w"}) {
    EXPECT_FALSE(Error(bad).empty()) << bad;
  }
}

TEST_F(TimeSpecTest, ErrorNamesTextAndForms) {
  const std::string e = Error("2026-13-01");
  EXPECT_NE(e.find("'2026-13-01'"), std::string::npos) << e;
  EXPECT_NE(e.find("month"), std::string::npos) << e;
  EXPECT_NE(e.find("2h"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  EXPECT_NE(Error("12").find("unit"), std::string::npos);
}

}  // namespace
}  // namespace mlq::cli
