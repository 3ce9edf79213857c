#include "cli/import_output.h"

#include <gtest/gtest.h>

#include <string>

namespace mlq::cli {
namespace {

mlq::v1::IngestResponse Sample() {
  mlq::v1::IngestResponse r;
  r.set_lines(12345);
  r.set_stored(12345);
  r.set_unknown(2);
  auto& postfix = (*r.mutable_families())["postfix"];
  postfix.set_lines(12000);
  postfix.set_recognized(11990);
  (*postfix.mutable_kinds())["queued"] = 300;
  (*postfix.mutable_kinds())["delivery"] = 500;
  auto& amavis = (*r.mutable_families())["amavis"];
  amavis.set_lines(343);
  amavis.set_recognized(343);
  (*amavis.mutable_kinds())["filter-result"] = 343;
  r.add_unknown_samples("weird \x1b line");
  return r;
}

TEST(IngestToJsonTest, OneObject) {
  EXPECT_EQ(
      IngestToJson(Sample(), false),
      R"({"lines":12345,"stored":12345,"unknown":2,"dry_run":false,"families":{)"
      R"("amavis":{"lines":343,"recognized":343,"kinds":{"filter-result":343}},)"
      R"("postfix":{"lines":12000,"recognized":11990,"kinds":{"delivery":500,"queued":300}}},)"
      R"("unknown_samples":["weird \u001b line"]})");
}

TEST(IngestToJsonTest, Empty) {
  EXPECT_EQ(
      IngestToJson(mlq::v1::IngestResponse(), true),
      R"({"lines":0,"stored":0,"unknown":0,"dry_run":true,"families":{},"unknown_samples":[]})");
}

TEST(IngestToTextTest, Summary) {
  EXPECT_EQ(IngestToText(Sample(), false),
            "Lines     12,345\n"
            "Stored    12,345\n"
            "Unknown   2\n"
            "\n"
            "FAMILY    LINES  RECOGNIZED  KINDS\n"
            "postfix  12,000      11,990  delivery 500, queued 300\n"
            "amavis      343         343  filter-result 343\n"
            "\n"
            "Unknown lines (1 of 2):\n"
            "  weird \\x1b line\n");
}

TEST(IngestToTextTest, DryRun) {
  mlq::v1::IngestResponse r;
  r.set_lines(3);
  EXPECT_EQ(IngestToText(r, true), "Lines     3\nStored    0 (dry run)\nUnknown   0\n");
}

}  // namespace
}  // namespace mlq::cli
