// The filter flags of find/tail, the request they make, the "next page"
// command line, and tail's streaming table.
#include "cli/find_filters.h"

#include <gtest/gtest.h>

#include "cli/tail_output.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

constexpr int64_t kT = 1795341600LL * 1000000;  // 2026-11-22T10:00:00Z

// Parses `args` as the options of a command carrying the filter flags.
mlq::v1::FindRequest Parse(std::vector<std::string> args) {
  CLI::App app;
  FilterFlags flags;
  AddFilterFlags(&app, &flags);
  std::vector<const char*> argv = {"test"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  mlq::v1::FindRequest req;
  ApplyFilterFlags(flags, &req);
  return req;
}

TEST(FindFiltersTest, EveryFlagSetsItsField) {
  const mlq::v1::FindRequest r = Parse(
      {"-m",          "<id@x>",   "-q",        "Q1",     "--host",   "mx1",         "-a",
       "A@B",         "--from",   "f@x",       "--to",   "t@x",      "--client-ip", "192.0.2.1",
       "--sasl-user", "bob",      "--program", "smtp",   "--family", "postfix",     "--event",
       "delivery",    "--status", "deferred",  "--text", "timed out"});
  EXPECT_EQ(r.message_id(), "<id@x>");
  EXPECT_EQ(r.queue_id(), "Q1");
  EXPECT_EQ(r.host(), "mx1");
  EXPECT_EQ(r.address(), "A@B");
  EXPECT_EQ(r.from(), "f@x");
  EXPECT_EQ(r.to(), "t@x");
  EXPECT_EQ(r.client_ip(), "192.0.2.1");
  EXPECT_EQ(r.sasl_user(), "bob");
  EXPECT_EQ(r.program(), "smtp");
  EXPECT_EQ(r.family(), "postfix");
  EXPECT_EQ(r.event(), "delivery");
  EXPECT_EQ(r.status(), "deferred");
  EXPECT_EQ(r.text(), "timed out");
  EXPECT_TRUE(HasFilter(r));
  EXPECT_EQ(Parse({"--grep", "x"}).text(), "x") << "--grep is --text";
  EXPECT_TRUE(HasFilter(Parse({"--host", "mx1"}))) << "host alone is a filter";
  EXPECT_FALSE(HasFilter(Parse({})));
}

TEST(FindFiltersTest, TimeFlags) {
  mlq::v1::FindRequest r;
  std::string error;
  ASSERT_TRUE(ApplyTimeFlags("1h", "", true, kT, &r, &error)) << error;
  EXPECT_EQ(r.since_us(), kT - 3600LL * 1000000);
  EXPECT_EQ(r.until_us(), 0);
  ASSERT_TRUE(ApplyTimeFlags("2026-11-22T09:00:00Z", "@1795341600", false, kT, &r, &error));
  EXPECT_EQ(r.until_us(), kT);
  EXPECT_FALSE(ApplyTimeFlags("yesterdayish", "", true, kT, &r, &error));
  EXPECT_EQ(error.rfind("--since: ", 0), 0u) << error;
  EXPECT_FALSE(ApplyTimeFlags("1h", "2h", true, kT, &r, &error)) << "since after until";
  EXPECT_NE(error.find("earlier"), std::string::npos);
  EXPECT_FALSE(ApplyTimeFlags("", "x", true, kT, &r, &error));
  EXPECT_EQ(error.rfind("--until: ", 0), 0u) << error;
}

TEST(FindFiltersTest, FindArgumentsRepeatTheQueryWithAbsoluteTimes) {
  mlq::v1::FindRequest r;
  r.set_status("deferred");
  r.set_text("it's -x");
  r.set_since_us(kT);
  r.set_until_us(kT + 123);
  r.set_newest_first(true);
  r.set_limit(5);
  r.set_page_token("AbC-_");
  const std::string args = FindArguments(r);
  EXPECT_EQ(args,
            "find --status=deferred --text='it'\\''s -x' --since=@1795341600 "
            "--until=@1795341600.000123 --newest-first --limit=5 --page=AbC-_");
  // The absolute times read back to the same instants.
  std::string error;
  EXPECT_EQ(ParseTimeSpec("@1795341600.000123", 0, true, &error), kT + 123);
}

TEST(FindFiltersTest, ShellQuote) {
  EXPECT_EQ(ShellQuote("a@b.c"), "a@b.c");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("$(x)"), "'$(x)'");
}

TEST(TailTableTest, HeaderOnceAndGrowingColumns) {
  TailTable table(/*utc=*/true);
  mlq::v1::TailResponse resp;
  auto* r = resp.add_records();
  r->set_timestamp_us(kT);
  r->set_host("mx1");
  r->set_program("postfix/smtp");
  r->set_pid("42");
  r->set_queue_id("4Xb3");
  r->set_event("queued");
  r->set_message("line 0");
  EXPECT_EQ(table.Rows(resp.records()),
            "TIME                  HOST  PROGRAM[PID]      QUEUE ID  EVENT   MESSAGE\n"
            "2026-11-22 10:00:00Z  mx1   postfix/smtp[42]  4Xb3      queued  line 0\n");
  r->set_event("delivery");
  r->set_message("line 1\x1b[31m");
  r->clear_queue_id();
  EXPECT_EQ(table.Rows(resp.records()),
            "2026-11-22 10:00:00Z  mx1   postfix/smtp[42]  -         delivery  line 1\\x1b[31m\n")
      << "no second header; EVENT grew; control bytes escaped";
}

}  // namespace
}  // namespace mlq::cli
