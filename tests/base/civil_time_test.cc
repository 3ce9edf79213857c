#include "base/civil_time.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace mlq::civil {
namespace {

TEST(CivilTimeTest, RoundTripsInUtc) {
  for (int64_t s :
       {int64_t{0}, int64_t{-1}, int64_t{951782400}, int64_t{4102444799}, int64_t{-2208988800}}) {
    const CivilTime c = CivilFromEpoch(s, true);
    EXPECT_EQ(EpochFromCivil(c, true), s);
  }
  const CivilTime leap = CivilFromEpoch(951782400, true);  // 2000-02-29
  EXPECT_EQ(leap.year, 2000);
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2026, 4), 30);
}

}  // namespace
}  // namespace mlq::civil
