// base/scan.h: the case-insensitive comparison shared by the query service.
#include "base/scan.h"

#include <gtest/gtest.h>

namespace mlq::scan {
namespace {

TEST(ScanTest, EqualsIgnoreCaseFoldsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Bearer", "bearer"));
  EXPECT_TRUE(EqualsIgnoreCase("User@Example.ORG", "user@example.org"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("bearer", "bearer "));
  EXPECT_FALSE(EqualsIgnoreCase("a@b", "a@c"));
  // Bytes of UTF-8 sequences are compared as they are: "Ä" is not "ä".
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\x84", "\xC3\xA4"));
  // '@' and '`' sit next to 'A' and 'a' in ASCII: not folded.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
}

}  // namespace
}  // namespace mlq::scan
