#include "cli/import_output.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
      R"({"lines":12345,"stored":12345,"duplicates":0,"unknown":2,"dry_run":false,"families":{)"
      R"("amavis":{"lines":343,"recognized":343,"kinds":{"filter-result":343}},)"
      R"("postfix":{"lines":12000,"recognized":11990,"kinds":{"delivery":500,"queued":300}}},)"
      R"("unknown_samples":["weird \u001b line"],"files":[]})");
}

TEST(IngestToJsonTest, Empty) {
  EXPECT_EQ(IngestToJson(mlq::v1::IngestResponse(), true),
            R"({"lines":0,"stored":0,"duplicates":0,"unknown":0,"dry_run":true,"families":{},)"
            R"("unknown_samples":[],"files":[]})");
}

TEST(IngestToTextTest, Summary) {
  EXPECT_EQ(IngestToText(Sample(), false),
            "Lines       12,345\n"
            "Stored      12,345\n"
            "Duplicates  0\n"
            "Unknown     2\n"
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
  EXPECT_EQ(IngestToText(r, true),
            "Lines       3\nStored      0 (dry run)\nDuplicates  0\nUnknown     0\n");
}

std::vector<ImportedFile> Files() {
  return {{"mail.log.2.gz", "syslog", 10, 4, 6, ""},
          {"mail.log.1", "syslog", 5, 5, 0, ""},
          {"-", "exim", 2, 0, 0, "-: unexpected end of file"}};
}

TEST(IngestToJsonTest, DuplicatesAndFiles) {
  mlq::v1::IngestResponse r;
  r.set_lines(17);
  r.set_stored(9);
  r.set_duplicates(6);
  EXPECT_EQ(IngestToJson(r, false, Files()),
            R"({"lines":17,"stored":9,"duplicates":6,"unknown":0,"dry_run":false,"families":{},)"
            R"("unknown_samples":[],"files":[)"
            R"({"path":"mail.log.2.gz","format":"syslog","lines":10,"stored":4,"duplicates":6},)"
            R"({"path":"mail.log.1","format":"syslog","lines":5,"stored":5,"duplicates":0},)"
            R"({"path":"-","format":"exim","lines":2,"stored":0,"duplicates":0,)"
            R"("error":"-: unexpected end of file"}]})");
}

TEST(IngestToTextTest, DuplicatesAndFiles) {
  mlq::v1::IngestResponse r;
  r.set_lines(17);
  r.set_stored(9);
  r.set_duplicates(6);
  EXPECT_EQ(IngestToText(r, false, Files()),
            "Lines       17\n"
            "Stored      9\n"
            "Duplicates  6 (imported before, not stored again)\n"
            "Unknown     0\n"
            "\n"
            "FILE              FORMAT  LINES  STORED  DUPLICATES  NOTE\n"
            "mail.log.2.gz     syslog     10       4           6\n"
            "mail.log.1        syslog      5       5           0\n"
            "(standard input)  exim        2       0           0  -: unexpected end of file\n");
  // One file without an error: no file table.
  EXPECT_EQ(IngestToText(r, false, {Files()[0]}).find("FILE"), std::string::npos);
}

TEST(MergeIngestResponseTest, SumsCountsFamiliesAndCapsSamples) {
  mlq::v1::IngestResponse total, part;
  part.set_lines(3);
  part.set_stored(2);
  part.set_duplicates(1);
  part.set_unknown(2);
  auto& f = (*part.mutable_families())["postfix"];
  f.set_lines(3);
  f.set_recognized(2);
  (*f.mutable_kinds())["delivery"] = 2;
  part.add_unknown_samples("x");
  part.add_unknown_samples("y");
  MergeIngestResponse(part, 3, &total);
  MergeIngestResponse(part, 3, &total);
  EXPECT_EQ(total.lines(), 6u);
  EXPECT_EQ(total.stored(), 4u);
  EXPECT_EQ(total.duplicates(), 2u);
  EXPECT_EQ(total.unknown(), 4u);
  EXPECT_EQ(total.families().at("postfix").lines(), 6u);
  EXPECT_EQ(total.families().at("postfix").recognized(), 4u);
  EXPECT_EQ(total.families().at("postfix").kinds().at("delivery"), 4u);
  ASSERT_EQ(total.unknown_samples_size(), 3);
  EXPECT_EQ(total.unknown_samples(2), "x");
}

}  // namespace
}  // namespace mlq::cli
