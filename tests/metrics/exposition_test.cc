#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <sstream>

namespace mlq::metrics {
namespace {

int CountOf(const std::string& text, std::string_view part) {
  int n = 0;
  for (size_t p = text.find(part); p != std::string::npos; p = text.find(part, p + 1)) ++n;
  return n;
}

TEST(ExpositionTest, EscapesLabelValuesAsTheFormatAsks) {
  EXPECT_EQ(EscapeLabelValue(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(EscapeLabelValue("say \"hi\""), R"(say \"hi\")");
  EXPECT_EQ(EscapeLabelValue("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(EscapeLabelValue("tab\tstays"), "tab\tstays");
  Exposition e;
  e.Declare("mlq_x_total", Exposition::Type::kCounter, "x");
  e.Add("mlq_x_total", {{"host", "evil\"} 1\nmlq_fake 2"}}, 3);
  EXPECT_NE(e.Text().find("mlq_x_total{host=\"evil\\\"} 1\\nmlq_fake 2\"} 3\n"), std::string::npos)
      << e.Text();
  EXPECT_EQ(e.Text().find("\nmlq_fake"), std::string::npos);
}

TEST(ExpositionTest, RepairsInvalidUtf8AndCapsLength) {
  EXPECT_EQ(CleanLabelValue("ok\xff"), "ok\xEF\xBF\xBD");  // U+FFFD
  const std::string long_value(1000, 'a');
  EXPECT_EQ(CleanLabelValue(long_value).size(), kMaxLabelValueBytes);
  // A cut never splits a character: 127 ASCII bytes and a 2-byte "é".
  const std::string s = std::string(127, 'a') + "\xC3\xA9" + "tail";
  const std::string clean = CleanLabelValue(s);
  EXPECT_EQ(clean.size(), 127u);
  EXPECT_EQ(clean, std::string(127, 'a'));
}

TEST(ExpositionTest, HelpAndTypeOncePerFamilySamplesTogether) {
  Exposition e;
  e.Declare("a_total", Exposition::Type::kCounter, "A things.");
  e.Declare("b", Exposition::Type::kGauge, "B level.");
  e.Add("a_total", {{"k", "1"}}, 1);
  e.Add("b", {}, 7);
  e.Declare("a_total", Exposition::Type::kGauge, "ignored");
  e.Add("a_total", {{"k", "2"}}, 2);
  const std::string text = e.Text();
  EXPECT_EQ(text,
            "# HELP a_total A things.\n"
            "# TYPE a_total counter\n"
            "a_total{k=\"1\"} 1\n"
            "a_total{k=\"2\"} 2\n"
            "# HELP b B level.\n"
            "# TYPE b gauge\n"
            "b 7\n");
  EXPECT_EQ(CountOf(text, "# TYPE a_total"), 1);
}

TEST(ExpositionTest, HelpTextIsEscaped) {
  Exposition e;
  e.Declare("x", Exposition::Type::kGauge, "back\\slash\nnewline");
  EXPECT_EQ(e.Text(), "# HELP x back\\\\slash\\nnewline\n# TYPE x gauge\n");
}

TEST(ExpositionTest, ValuesInTheFormatsSpelling) {
  auto v = [](double d) {
    std::string s;
    AppendValue(d, &s);
    return s;
  };
  EXPECT_EQ(v(0), "0");
  EXPECT_EQ(v(42), "42");
  EXPECT_EQ(v(-3), "-3");
  EXPECT_EQ(v(0.25), "0.25");
  EXPECT_EQ(v(1e300), "1e+300");
  EXPECT_EQ(v(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(v(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(v(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(ExpositionTest, HistogramBucketsAreCumulative) {
  Exposition e;
  e.Declare("d_seconds", Exposition::Type::kHistogram, "D.");
  const double bounds[] = {0.1, 1, 10};
  const uint64_t counts[] = {2, 0, 3, 1};  // the last: above 10
  const Label labels[] = {{"method", "Find"}};
  e.AddHistogram("d_seconds", labels, bounds, counts, 25.5);
  EXPECT_EQ(e.Text(),
            "# HELP d_seconds D.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{method=\"Find\",le=\"0.1\"} 2\n"
            "d_seconds_bucket{method=\"Find\",le=\"1\"} 2\n"
            "d_seconds_bucket{method=\"Find\",le=\"10\"} 5\n"
            "d_seconds_bucket{method=\"Find\",le=\"+Inf\"} 6\n"
            "d_seconds_sum{method=\"Find\"} 25.5\n"
            "d_seconds_count{method=\"Find\"} 6\n");
}

}  // namespace
}  // namespace mlq::metrics
