#include "receiver/intake/framer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "store/record.h"

namespace mlq {
namespace {

struct Frame {
  std::string data;
  uint32_t flags = 0;
  bool operator==(const Frame&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Frame& f) {
  return os << "{\"" << f.data << "\", flags=" << f.flags << "}";
}

class Recorder : public FrameHandler {
 public:
  void OnFrame(std::string_view frame, uint32_t flags) override {
    frames.push_back({std::string(frame), flags});
    views.push_back(frame.data());
  }
  void OnError(FrameError error) override { errors.push_back(error); }

  std::vector<Frame> frames;
  std::vector<const char*> views;  // where each frame's bytes were when delivered
  std::vector<FrameError> errors;
};

// Feeds `input` in pieces of `chunk` bytes (0 = all at once), then Finish.
// Checks the memory bound after every piece.
Recorder FeedAll(std::string_view input, size_t chunk = 0, FramerOptions options = {},
                 bool finish = true) {
  Recorder r;
  StreamFramer framer(options);
  if (chunk == 0) chunk = input.size() + 1;
  for (size_t i = 0; i < input.size(); i += chunk) {
    framer.Feed(input.substr(i, chunk), r);
    EXPECT_LE(framer.buffered(), options.max_message + 16);
  }
  if (finish) framer.Finish(r);
  EXPECT_EQ(framer.buffered(), finish ? 0u : framer.buffered());
  return r;
}

std::vector<Frame> Frames(std::initializer_list<std::string> data) {
  std::vector<Frame> out;
  for (const auto& d : data) out.push_back({d, 0});
  return out;
}

// The same stream must give the same frames and errors however it is cut.
void ExpectSplitInvariant(std::string_view input, FramerOptions options = {}) {
  const Recorder whole = FeedAll(input, 0, options);
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    Recorder r;
    StreamFramer framer(options);
    framer.Feed(input.substr(0, cut), r);
    framer.Feed(input.substr(cut), r);
    framer.Finish(r);
    ASSERT_EQ(r.frames, whole.frames) << "cut at " << cut;
    ASSERT_EQ(r.errors, whole.errors) << "cut at " << cut;
  }
  const Recorder bytes = FeedAll(input, 1, options);
  EXPECT_EQ(bytes.frames, whole.frames) << "byte by byte";
  EXPECT_EQ(bytes.errors, whole.errors) << "byte by byte";
}

TEST(FrameErrorNameTest, Names) {
  EXPECT_EQ(FrameErrorName(FrameError::kOversize), "oversize");
  EXPECT_EQ(FrameErrorName(FrameError::kBadOctetCount), "bad_octet_count");
  EXPECT_EQ(FrameErrorName(FrameError::kEmpty), "empty");
  EXPECT_EQ(FrameErrorName(FrameError::kIncomplete), "incomplete");
}

TEST(FramerTest, LfFramingStripsOneCr) {
  const Recorder r = FeedAll("<13>one\n<13>two\r\n<13>three\r\r\n");
  EXPECT_EQ(r.frames, Frames({"<13>one", "<13>two", "<13>three\r"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST(FramerTest, OctetCounting) {
  const Recorder r = FeedAll("7 <13>one9 <13>two\n\n3 abc");
  // The count is authoritative: LFs inside a counted frame are data.
  EXPECT_EQ(r.frames, Frames({"<13>one", "<13>two\n\n", "abc"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST(FramerTest, MixedFramingsDetectedPerFrame) {
  const std::string input = "7 <13>one<13>two\n5 three<14>four\r\n12 <1>1 - - - -";
  const Recorder r = FeedAll(input);
  EXPECT_EQ(r.frames, Frames({"<13>one", "<13>two", "three", "<14>four", "<1>1 - - - -"}));
  EXPECT_TRUE(r.errors.empty());
  ExpectSplitInvariant(input);
}

TEST(FramerTest, SplitAtEveryPosition) {
  ExpectSplitInvariant(
      "16 <1>1 - - - - - -<13>Jul  5 17:57:08 mail postfix/smtpd[1]: x\r\n\n0 "
      "12x bad count\n3 abc99999999999 too many digits\npartial");
  FramerOptions small;
  small.max_message = 8;
  ExpectSplitInvariant("20 0123456789abcdefghij123456789ABCDEF\nok\n9 123456789xyz\n", small);
}

TEST(FramerTest, RandomChunking) {
  std::string input;
  std::vector<Frame> expected;
  std::mt19937 rng(42);
  for (int i = 0; i < 500; ++i) {
    std::string msg = "<13>msg " + std::to_string(i) + std::string(rng() % 100, 'x');
    if (i % 2 == 0) {
      input += std::to_string(msg.size()) + " " + msg;
    } else {
      input += msg + (i % 3 == 0 ? "\r\n" : "\n");
    }
    expected.push_back({msg, 0});
  }
  for (size_t chunk : {1, 2, 3, 7, 64, 1000, 4096}) {
    const Recorder r = FeedAll(input, chunk);
    EXPECT_EQ(r.frames, expected) << "chunk " << chunk;
    EXPECT_TRUE(r.errors.empty());
  }
}

TEST(FramerTest, ManyFramesPerReadDeliveredWithoutCopy) {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "<13>line " + std::to_string(i) + "\n";
  for (int i = 0; i < 1000; ++i) input += "6 <13>oc";
  Recorder r;
  StreamFramer framer;
  framer.Feed(input, r);
  framer.Finish(r);
  ASSERT_EQ(r.frames.size(), 2000u);
  EXPECT_EQ(r.frames[999].data, "<13>line 999");
  EXPECT_EQ(r.frames[1999].data, "<13>oc");
  // Every frame lay whole inside the fed chunk: each must be a view into it.
  for (const char* v : r.views) {
    EXPECT_GE(v, input.data());
    EXPECT_LT(v, input.data() + input.size());
  }
  EXPECT_TRUE(r.errors.empty());
}

TEST(FramerTest, OversizeLfDeliveredOnceTruncated) {
  FramerOptions o;
  o.max_message = 10;
  const std::string input = "0123456789ABCDEFGHIJKLMNOP\nnext\n";
  for (size_t chunk : {0, 1, 3, 11, 12}) {
    const Recorder r = FeedAll(input, chunk, o);
    ASSERT_EQ(r.frames.size(), 2u) << chunk;
    EXPECT_EQ(r.frames[0], (Frame{"0123456789", kFlagTruncated}));
    EXPECT_EQ(r.frames[1], (Frame{"next", 0}));
    EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kOversize});
  }
  // Exactly max_message bytes plus a CR is not oversize; one more byte is.
  EXPECT_EQ(FeedAll("0123456789\r\n", 1, o).frames, Frames({"0123456789"}));
  EXPECT_EQ(FeedAll("0123456789\r\n", 0, o).frames, Frames({"0123456789"}));
  const Recorder r = FeedAll("0123456789A\nx\n", 1, o);
  EXPECT_EQ(r.frames, (std::vector<Frame>{{"0123456789", kFlagTruncated}, {"x", 0}}));
  EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kOversize});
}

TEST(FramerTest, OversizeOctetCountedSkipsTheRestOfTheCount) {
  FramerOptions o;
  o.max_message = 10;
  // The 20-byte frame contains an LF and digits: none of it may become a frame.
  const std::string input = "20 0123456789\n5 abcdefg5 hello";
  for (size_t chunk : {0, 1, 2, 5, 13}) {
    const Recorder r = FeedAll(input, chunk, o);
    EXPECT_EQ(r.frames, (std::vector<Frame>{{"0123456789", kFlagTruncated}, {"hello", 0}}))
        << chunk;
    EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kOversize});
  }
}

TEST(FramerTest, OversizeTailMissingAtFinish) {
  FramerOptions o;
  o.max_message = 4;
  Recorder r = FeedAll("10 abcdef", 0, o);
  EXPECT_EQ(r.frames, (std::vector<Frame>{{"abcd", kFlagTruncated}}));
  EXPECT_EQ(r.errors, (std::vector<FrameError>{FrameError::kOversize, FrameError::kIncomplete}));
  r = FeedAll("abcdefgh", 0, o);
  EXPECT_EQ(r.frames, (std::vector<Frame>{{"abcd", kFlagTruncated}}));
  EXPECT_EQ(r.errors, (std::vector<FrameError>{FrameError::kOversize, FrameError::kIncomplete}));
}

TEST(FramerTest, BadOctetCountsFallBackToLfWithoutLosingBytes) {
  struct Case {
    std::string input;
    std::string frame;
  };
  const Case cases[] = {
      {"12x foo\n", "12x foo"},                                // no space after the digits
      {"16<1>1 - - -\n", "16<1>1 - - -"},                      // go-syslog "missing WS"
      {"12345678901 x\n", "12345678901 x"},                    // 11 digits
      {"99999999999999999999 x\n", "99999999999999999999 x"},  // would overflow
      {"4294967297 x\n", "4294967297 x"},                      // above 2^32
      {"2026-11-22T10:11:12Z host a: b\n", "2026-11-22T10:11:12Z host a: b"},  // ISO line
      {"123\n", "123"},
  };
  for (const Case& c : cases) {
    for (size_t chunk : {0, 1}) {
      const Recorder r = FeedAll(c.input, chunk);
      EXPECT_EQ(r.frames, Frames({c.frame})) << c.input;
      EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kBadOctetCount}) << c.input;
    }
  }
  // 2^32 itself is a (believed, oversize) count: skipped, not text.
  FramerOptions o;
  o.max_message = 4;
  const Recorder r = FeedAll("4294967296 abcdefgh", 0, o);
  EXPECT_EQ(r.frames, (std::vector<Frame>{{"abcd", kFlagTruncated}}));
}

TEST(FramerTest, EmptyFramesReportedNotDelivered) {
  const Recorder r = FeedAll("\n\r\n0 <13>a\n0 \n", 0);
  EXPECT_EQ(r.frames, Frames({"<13>a"}));
  EXPECT_EQ(r.errors, std::vector<FrameError>(5, FrameError::kEmpty));
  // A line starting with "0" but not "0 " is text, without an error.
  const Recorder t = FeedAll("09:15:02 host x\n", 1);
  EXPECT_EQ(t.frames, Frames({"09:15:02 host x"}));
  EXPECT_TRUE(t.errors.empty());
}

TEST(FramerTest, FinishDeliversPartialFrame) {
  for (size_t chunk : {0, 1}) {
    Recorder r = FeedAll("<13>complete\n<13>partial", chunk);
    EXPECT_EQ(r.frames,
              (std::vector<Frame>{{"<13>complete", 0}, {"<13>partial", kFlagFramingError}}));
    EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kIncomplete});

    r = FeedAll("16 <1>1", chunk);  // count promises more than arrives
    EXPECT_EQ(r.frames, (std::vector<Frame>{{"<1>1", kFlagFramingError}}));
    EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kIncomplete});

    r = FeedAll("16", chunk);  // stream ends inside the count
    EXPECT_EQ(r.frames, (std::vector<Frame>{{"16", kFlagFramingError}}));
    EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kIncomplete});

    r = FeedAll("16 ", chunk);  // nothing of the frame arrived
    EXPECT_TRUE(r.frames.empty());
    EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kIncomplete});
  }
  // Finish on a clean boundary reports nothing.
  const Recorder clean = FeedAll("<13>a\n", 0);
  EXPECT_TRUE(clean.errors.empty());
}

TEST(FramerTest, FinishResetsTheFramer) {
  Recorder r;
  StreamFramer framer;
  framer.Feed("12 abc", r);
  framer.Finish(r);
  EXPECT_EQ(framer.buffered(), 0u);
  framer.Feed("<13>fresh\n", r);
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(r.frames[1], (Frame{"<13>fresh", 0}));
}

TEST(FramerTest, OneMebibyteLineWithDefaultLimit) {
  const size_t max = FramerOptions{}.max_message;
  ASSERT_EQ(max, 64u * 1024);
  std::string input(1 << 20, 'a');
  input += "\n<13>after\n";
  for (size_t chunk : {0, 4096, 65537}) {
    const Recorder r = FeedAll(input, chunk);
    ASSERT_EQ(r.frames.size(), 2u) << chunk;
    EXPECT_EQ(r.frames[0].data.size(), max);
    EXPECT_EQ(r.frames[0].flags, kFlagTruncated);
    EXPECT_EQ(r.frames[1], (Frame{"<13>after", 0}));
    EXPECT_EQ(r.errors, std::vector<FrameError>{FrameError::kOversize});
  }
  // The same as one octet-counted frame.
  std::string counted = std::to_string(1 << 20) + " " + std::string(1 << 20, 'b') + "9 <13>after";
  const Recorder r = FeedAll(counted, 4096);
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(r.frames[0].data, std::string(max, 'b'));
  EXPECT_EQ(r.frames[1], (Frame{"<13>after", 0}));
}

TEST(FramerTest, GarbageNeverExceedsMemoryBound) {
  std::mt19937 rng(7);
  const char alphabet[] = "0123456789 \n\r<>abc";
  FramerOptions o;
  o.max_message = 64;
  for (int round = 0; round < 200; ++round) {
    std::string input(rng() % 2000, '\0');
    for (char& c : input) c = alphabet[rng() % (sizeof(alphabet) - 1)];
    Recorder r;
    StreamFramer framer(o);
    size_t i = 0;
    while (i < input.size()) {
      const size_t n = 1 + rng() % 50;
      framer.Feed(std::string_view(input).substr(i, n), r);
      ASSERT_LE(framer.buffered(), o.max_message + 16);
      i += n;
    }
    framer.Finish(r);
    for (const Frame& f : r.frames) {
      EXPECT_FALSE(f.data.empty());
      EXPECT_LE(f.data.size(), o.max_message);
    }
  }
}

}  // namespace
}  // namespace mlq
