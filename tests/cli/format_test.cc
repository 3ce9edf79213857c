#include "cli/format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace mlq::cli {
namespace {

TEST(SanitizeTest, KeepsPrintableText) {
  EXPECT_EQ(SanitizeForTerminal("to=<a@b.c>, status=sent (250 OK) Grüße"),
            "to=<a@b.c>, status=sent (250 OK) Grüße");
}

TEST(SanitizeTest, EscapesControls) {
  EXPECT_EQ(SanitizeForTerminal("a\x1b[31mred\x07\n\t\r\x7f"), "a\\x1b[31mred\\x07\\n\\t\\r\\x7f");
  EXPECT_EQ(SanitizeForTerminal("\xC2\x9B"
                                "2J"),
            "\\u009b2J");  // C1 CSI
  EXPECT_EQ(SanitizeForTerminal("\xff"), "\xEF\xBF\xBD");
}

TEST(SanitizeTest, EscapesBidiAndSeparatorControls) {
  // "Trojan Source": an RLO would show "gpj.exe" as "exe.jpg".
  EXPECT_EQ(SanitizeForTerminal("a\u202Egpj.exe"), "a\\u202egpj.exe");
  EXPECT_EQ(SanitizeForTerminal("\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069"),
            "\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069");
  EXPECT_EQ(SanitizeForTerminal("\u200E\u200F\u061C\u2028\u2029"),
            "\\u200e\\u200f\\u061c\\u2028\\u2029");
  // Their neighbours stay.
  EXPECT_EQ(SanitizeForTerminal("\u2010\u2030\u00A0\u0600"), "\u2010\u2030\u00A0\u0600");
}

TEST(SanitizeTest, EveryC1ControlAndRawByte) {
  for (int c = 0x80; c <= 0x9F; ++c) {
    std::string utf8;
    utf8.push_back(static_cast<char>(0xC0 | (c >> 6)));
    utf8.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    char want[8];
    std::snprintf(want, sizeof want, "\\u%04x", c);
    EXPECT_EQ(SanitizeForTerminal(utf8), want) << c;
    // The raw byte (8-bit C1) is not UTF-8: U+FFFD.
    EXPECT_EQ(SanitizeForTerminal(std::string(1, static_cast<char>(c))), "\xEF\xBF\xBD") << c;
  }
  for (int c = 0; c < 0x20; ++c) {
    const std::string out = SanitizeForTerminal(std::string(1, static_cast<char>(c)));
    for (char b : out) EXPECT_GE(static_cast<unsigned char>(b), 0x20) << c;
  }
}

TEST(HumanBytesTest, Units) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1024), "1.0 KiB");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(23 * 1024 * 1024 + 1), "23 MiB");
  EXPECT_EQ(HumanBytes(uint64_t{1288490189}), "1.2 GiB");
  EXPECT_EQ(HumanBytes(UINT64_MAX), "16 EiB");
}

TEST(GroupThousandsTest, Separators) {
  EXPECT_EQ(GroupThousands(0), "0");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1000), "1,000");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
}

TEST(TableTest, AlignsAllButLastColumn) {
  Table t({"A", "BB", "TEXT"});
  t.AddRow({"x", "y", "free text"});
  t.AddRow({"long", "", "more"});
  EXPECT_EQ(t.Render(),
            "A     BB  TEXT\n"
            "x     y   free text\n"
            "long      more\n");
}

TEST(TableTest, RightAlignmentAndWidthCap) {
  Table t({"NAME", "N", "REST"});
  t.SetRightAligned(1);
  t.SetMaxWidth(0, 5);
  t.AddRow({"abc", "7", "r1"});
  t.AddRow({"a-very-long-name", "1,234", "r2"});  // overflows, not cut
  EXPECT_EQ(t.Render(),
            "NAME       N  REST\n"
            "abc        7  r1\n"
            "a-very-long-name  1,234  r2\n");
}

TEST(TableTest, CountsCodePointsAndSanitizes) {
  Table t({"H", "M"});
  t.AddRow({"äö", "x\ny"});
  t.AddRow({"abc", "z"});
  EXPECT_EQ(t.Render(),
            "H    M\n"
            "äö   x\\ny\n"
            "abc  z\n");
}

TEST(TableTest, MissingCellsAreEmpty) {
  Table t({"A", "B"});
  t.AddRow({"1"});
  EXPECT_EQ(t.Render(), "A  B\n1\n");
  EXPECT_EQ(t.rows(), 1u);
}

}  // namespace
}  // namespace mlq::cli
