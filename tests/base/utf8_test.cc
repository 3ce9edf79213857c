#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace mlq {
namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

TEST(Utf8Test, ValidTextPasses) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("postfix/smtpd[123]: connect from mail.example.org"));
  EXPECT_TRUE(IsValidUtf8("Grüße \xE2\x82\xAC \xF0\x9F\x93\xA7 \xF4\x8F\xBF\xBF"));
  EXPECT_EQ(ToValidUtf8("Grüße aus Köln, 12345678"), "Grüße aus Köln, 12345678");
}

TEST(Utf8Test, InvalidFormsAreRejected) {
  EXPECT_FALSE(IsValidUtf8("latin-1 \xE9t\xE9"));  // ISO-8859-1 é
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));           // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));       // overlong, three bytes
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));       // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));               // lone continuation
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xE2\x82"));   // truncated at the end
  EXPECT_FALSE(IsValidUtf8(std::string_view("\xFF", 1)));
}

TEST(Utf8Test, RepairReplacesMaximalSubparts) {
  // Each maximal invalid subpart becomes one U+FFFD (Unicode 15, table 3-8).
  EXPECT_EQ(ToValidUtf8("a\xE9z"), "a" + std::string(kFffd) + "z");
  EXPECT_EQ(ToValidUtf8("\xE2\x82z"), std::string(kFffd) + "z");  // truncated sequence: one
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), std::string(kFffd) + std::string(kFffd));
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"),
            std::string(kFffd) + std::string(kFffd) + std::string(kFffd));
  EXPECT_EQ(ToValidUtf8("ok \xE2\x82"), "ok " + std::string(kFffd));
  for (std::string s : {"\xFF\xFE", "\xF0\x9F\x93", "x\x80y\xC3"}) {
    EXPECT_TRUE(IsValidUtf8(ToValidUtf8(s))) << s;
  }
}

}  // namespace
}  // namespace mlq
