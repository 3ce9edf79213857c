#include "cli/json.h"

#include <gtest/gtest.h>

#include <string>

namespace mlq::cli {
namespace {

TEST(JsonQuoteTest, PlainText) { EXPECT_EQ(JsonQuote("hello"), "\"hello\""); }

TEST(JsonQuoteTest, EscapesQuotesAndBackslash) { EXPECT_EQ(JsonQuote("a\"b\\c"), R"("a\"b\\c")"); }

TEST(JsonQuoteTest, ShortEscapes) { EXPECT_EQ(JsonQuote("\b\f\n\r\t"), R"("\b\f\n\r\t")"); }

TEST(JsonQuoteTest, OtherControlCharsAsUnicodeEscapes) {
  EXPECT_EQ(JsonQuote(std::string("\x00\x01\x1f\x1b", 4)), R"("\u0000\u0001\u001f\u001b")");
  EXPECT_EQ(JsonQuote("\x7f"), R"("\u007f")");
}

TEST(JsonQuoteTest, C1AndBidiControlsAsUnicodeEscapes) {
  // Valid JSON either way, but escaped they cannot act on a terminal that
  // shows `mlq find --json`.
  EXPECT_EQ(JsonQuote("\xC2\x80\xC2\x9B"
                      "2J\xC2\x9D"),
            R"("\u0080\u009b2J\u009d")");
  EXPECT_EQ(JsonQuote("a\u202Eb\u2066c\u2069\u200F\u061C\u2028\u2029"),
            R"("a\u202eb\u2066c\u2069\u200f\u061c\u2028\u2029")");
  EXPECT_EQ(JsonQuote("\u00A0\u200B\u2030"), "\"\u00A0\u200B\u2030\"");  // printable or harmless
  JsonWriter w;
  w.BeginObject().Key("k\x1b\u202E").String("v").EndObject();
  EXPECT_EQ(w.str(), R"({"k\u001b\u202e":"v"})");
}

TEST(JsonQuoteTest, KeepsValidUtf8) { EXPECT_EQ(JsonQuote("Grüße €𝄞"), "\"Grüße €𝄞\""); }

TEST(JsonQuoteTest, ReplacesInvalidUtf8) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(JsonQuote("a\xff"
                      "b"),
            "\"a" + fffd + "b\"");
  EXPECT_EQ(JsonQuote("\xC3"), "\"" + fffd + "\"");                        // truncated sequence
  EXPECT_EQ(JsonQuote("\xC0\xAF"), "\"" + fffd + fffd + "\"");             // overlong '/'
  EXPECT_EQ(JsonQuote("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");  // surrogate
  EXPECT_EQ(JsonQuote("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
  EXPECT_EQ(JsonQuote("\xE2\x82"), "\"" + fffd + fffd + "\"");
  // Latin-1 text, as old mail logs hold.
  EXPECT_EQ(JsonQuote("caf\xe9!"), "\"caf" + fffd + "!\"");
}

TEST(IsJsonNumberTest, Accepts) {
  for (const char* s : {"0", "-0", "1", "1234", "-12", "0.25", "5.4", "1e3", "1E+3", "2.5e-7"}) {
    EXPECT_TRUE(IsJsonNumber(s)) << s;
  }
}

TEST(IsJsonNumberTest, Rejects) {
  for (const char* s : {"", "-", "01", "1.", ".5", "+1", "0x1", "NaN", "inf", "1e", "1 ", "1,5",
                        "0.01/0/0.02/0.09"}) {
    EXPECT_FALSE(IsJsonNumber(s)) << s;
  }
}

TEST(JsonWriterTest, NestedStructureWithCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").Int(-1);
  w.Key("b").BeginArray().String("x").Uint(18446744073709551615u).Bool(true).Null().EndArray();
  w.Key("c").BeginObject().EndObject();
  w.Key("d")
      .BeginArray()
      .BeginObject()
      .Key("k")
      .Number("0.5")
      .EndObject()
      .BeginObject()
      .EndObject();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"a":-1,"b":["x",18446744073709551615,true,null],"c":{},"d":[{"k":0.5},{}]})");
}

TEST(JsonWriterTest, EscapesKeys) {
  JsonWriter w;
  w.BeginObject().Key("a\"\n").String("v").EndObject();
  EXPECT_EQ(w.str(), R"({"a\"\n":"v"})");
}

}  // namespace
}  // namespace mlq::cli
