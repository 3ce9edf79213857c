#include "receiver/intake/relp_frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mlq {
namespace {

struct Parsed {
  uint32_t txnr;
  std::string command;
  std::string data;
  bool operator==(const Parsed&) const = default;
};

// Feeds `input` in slices of `slice` bytes; collects frames until an error.
RelpFrameParser::Result ParseAll(std::string_view input, size_t slice, std::vector<Parsed>* out,
                                 size_t max_data = 1000) {
  RelpFrameParser parser(max_data);
  RelpFrameParser::Result last = RelpFrameParser::Result::kNeedMore;
  for (size_t pos = 0; pos < input.size(); pos += slice) {
    std::string_view in = input.substr(pos, slice);
    for (;;) {
      RelpFrame f;
      last = parser.Next(&in, &f);
      if (last == RelpFrameParser::Result::kFrame) {
        out->push_back({f.txnr, std::string(f.command), std::string(f.data)});
        continue;
      }
      if (last != RelpFrameParser::Result::kNeedMore) return last;
      break;
    }
  }
  return last;
}

TEST(RelpFrameTest, ParsesFramesInAnySlices) {
  const std::string input =
      "1 open 14 relp_version=0\n2 syslog 5 hello\n3 close 0\n4 syslog 3 a\nb\n";
  const std::vector<Parsed> want = {{1, "open", "relp_version=0"},
                                    {2, "syslog", "hello"},
                                    {3, "close", ""},
                                    {4, "syslog", "a\nb"}};
  for (size_t slice : {input.size(), size_t{1}, size_t{2}, size_t{3}, size_t{7}}) {
    std::vector<Parsed> got;
    EXPECT_EQ(ParseAll(input, slice, &got), RelpFrameParser::Result::kNeedMore) << slice;
    EXPECT_EQ(got, want) << "slice " << slice;
  }
}

TEST(RelpFrameTest, RejectsMalformedFrames) {
  const std::vector<std::pair<std::string, RelpFrameParser::Result>> cases = {
      {"x syslog 3 abc\n", RelpFrameParser::Result::kMalformed},         // txnr not a number
      {"1234567890 syslog 1 a\n", RelpFrameParser::Result::kMalformed},  // txnr of 10 digits
      {" 1 syslog 1 a\n", RelpFrameParser::Result::kMalformed},          // no txnr
      {"1 sys1og 1 a\n", RelpFrameParser::Result::kMalformed},           // digit in the command
      {"1  syslog 1 a\n", RelpFrameParser::Result::kMalformed},          // empty command
      {"1 syslog x1 a\n", RelpFrameParser::Result::kMalformed},          // datalen not a number
      {"1 syslog 1x a\n", RelpFrameParser::Result::kMalformed},          // datalen not a number
      {"1 syslog 1234567890 a\n", RelpFrameParser::Result::kMalformed},  // datalen of 10 digits
      {"1 syslog 3 abcX", RelpFrameParser::Result::kMalformed},          // no trailer LF
      {"1 close 0 \n", RelpFrameParser::Result::kMalformed},             // SP after datalen 0
      {std::string("1 ") + std::string(33, 'a') + " 0\n", RelpFrameParser::Result::kMalformed},
  };
  for (const auto& [input, want] : cases) {
    for (size_t slice : {input.size(), size_t{1}}) {
      std::vector<Parsed> got;
      EXPECT_EQ(ParseAll(input, slice, &got), want) << input;
      EXPECT_TRUE(got.empty()) << input;
    }
  }
  // The error is final.
  RelpFrameParser parser(10);
  std::string_view in = "x";
  RelpFrame f;
  EXPECT_EQ(parser.Next(&in, &f), RelpFrameParser::Result::kMalformed);
  in = "1 close 0\n";
  EXPECT_EQ(parser.Next(&in, &f), RelpFrameParser::Result::kMalformed);
}

TEST(RelpFrameTest, AcceptsExactlyMaxData) {
  std::vector<Parsed> got;
  const std::string data(1000, 'x');
  EXPECT_EQ(ParseAll("7 syslog 1000 " + data + "\n", 100, &got),
            RelpFrameParser::Result::kNeedMore);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, data);
}

// Above max_data: the start is kept, the rest read and dropped, the frame
// flagged, and the next frame parses as usual, whatever the slicing.
TEST(RelpFrameTest, CutsDataAboveMaxAndGoesOn) {
  std::string big;
  for (int i = 0; i < 2500; ++i) big.push_back(static_cast<char>('a' + i % 26));
  const std::string input = "8 syslog 2500 " + big + "\n9 syslog 2 ok\n";
  for (size_t slice : {input.size(), size_t{1}, size_t{7}, size_t{1000}}) {
    RelpFrameParser parser(1000);
    std::vector<std::pair<std::string, bool>> got;
    for (size_t pos = 0; pos < input.size(); pos += slice) {
      std::string_view in = std::string_view(input).substr(pos, slice);
      RelpFrame f;
      RelpFrameParser::Result r;
      while ((r = parser.Next(&in, &f)) == RelpFrameParser::Result::kFrame) {
        got.emplace_back(std::string(f.data), f.truncated);
      }
      ASSERT_EQ(r, RelpFrameParser::Result::kNeedMore) << slice;
    }
    ASSERT_EQ(got.size(), 2u) << slice;
    EXPECT_EQ(got[0].first, big.substr(0, 1000)) << slice;
    EXPECT_TRUE(got[0].second);
    EXPECT_EQ(got[1].first, "ok");
    EXPECT_FALSE(got[1].second);
  }
}

TEST(RelpFrameTest, FormatsResponses) {
  std::string out;
  AppendRelpResponse(12, "200 OK", &out);
  AppendRelpResponse(13, "", &out);
  EXPECT_EQ(out, "12 rsp 6 200 OK\n13 rsp 0\n");
}

}  // namespace
}  // namespace mlq
