#include "cli/find_output.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace mlq::cli {
namespace {

constexpr int64_t kT = 1795341600LL * 1000000 + 123456;  // 2026-11-22T10:00:00.123456Z

// A record as the server sends one with nothing known: -1 numbers.
mlq::v1::Record Blank() {
  mlq::v1::Record r;
  r.set_facility(-1);
  r.set_severity(-1);
  r.set_size(-1);
  r.set_nrcpt(-1);
  return r;
}

mlq::v1::Record Delivery() {
  mlq::v1::Record r = Blank();
  r.set_key("00ab");
  r.set_timestamp_us(kT);
  r.set_received_us(kT + 5);
  r.set_host("mx1");
  r.set_transport("tcp");
  r.set_format("rfc3164");
  r.set_facility(2);
  r.set_severity(6);
  r.set_program("postfix/smtp");
  r.set_pid("1234");
  r.set_raw("<22>Nov 22 10:00:00 mx1 postfix/smtp[1234]: 4Xb3: to=<b@example.org>, status=sent");
  r.set_message("4Xb3: to=<b@example.org>, status=sent");
  r.set_family("postfix");
  r.set_event("delivery");
  r.set_queue_id("4Xb3");
  r.add_to("b@example.org");
  r.set_status("sent");
  r.set_dsn("2.0.0");
  r.set_relay("mx.example.org[192.0.2.1]:25");
  r.set_delay("0.25");
  r.set_delays("0.01/0/0.02/0.22");
  r.set_size(0);
  auto* link = r.add_links();
  link->set_kind("queued_as");
  link->set_queue_id("ABC");
  (*r.mutable_extra())["z"] = "2";
  (*r.mutable_extra())["a"] = "1";
  return r;
}

TEST(RecordToJsonTest, FullRecord) {
  EXPECT_EQ(
      RecordToJson(Delivery(), true),
      R"({"time":"2026-11-22T10:00:00.123456Z","timestamp_us":1795341600123456,)"
      R"("received_us":1795341600123461,"host":"mx1","program":"postfix/smtp","pid":"1234",)"
      R"("queue_id":"4Xb3","to":["b@example.org"],"status":"sent","dsn":"2.0.0",)"
      R"("relay":"mx.example.org[192.0.2.1]:25","event":"delivery","family":"postfix",)"
      R"("message":"4Xb3: to=<b@example.org>, status=sent",)"
      R"("raw":"<22>Nov 22 10:00:00 mx1 postfix/smtp[1234]: 4Xb3: to=<b@example.org>, status=sent",)"
      R"("key":"00ab","transport":"tcp","format":"rfc3164","facility":2,"severity":6,)"
      R"("delay":0.25,"delays":"0.01/0/0.02/0.22","size":0,)"
      R"("links":[{"kind":"queued_as","queue_id":"ABC"}],"extra":{"a":"1","z":"2"}})");
}

TEST(RecordToJsonTest, UnknownFieldsLeftOutButCoreKept) {
  EXPECT_EQ(RecordToJson(Blank(), true),
            R"({"time":"1970-01-01T00:00:00.000000Z","timestamp_us":0,"received_us":0,)"
            R"("host":"","to":[],"raw":""})");
}

TEST(RecordToJsonTest, PidIsTextAndNonNumericDelayStaysString) {
  mlq::v1::Record r = Blank();
  r.set_pid("worker-3");
  r.set_delay("n/a");
  const std::string j = RecordToJson(r, true);
  EXPECT_NE(j.find(R"("pid":"worker-3")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("delay":"n/a")"), std::string::npos) << j;
  r.set_pid("007");
  EXPECT_NE(RecordToJson(r, true).find(R"("pid":"007",)"), std::string::npos) << "pid is text";
}

TEST(RecordToJsonTest, LocalOffsetAndHostileBytes) {
  setenv("TZ", "Europe/Berlin", 1);
  tzset();
  mlq::v1::Record r = Blank();
  r.set_timestamp_us(kT);
  r.set_raw(std::string("a\0b\x1b\xff\"", 6));
  const std::string j = RecordToJson(r, false);
  EXPECT_NE(j.find(R"("time":"2026-11-22T11:00:00.123456+01:00")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("raw":"a\u0000b\u001b)"
                   "\xEF\xBF\xBD"
                   R"(\"")"),
            std::string::npos)
      << j;
}

TEST(RecordsTableTest, Columns) {
  mlq::v1::FindResponse resp;
  *resp.add_records() = Delivery();
  mlq::v1::Record unparsed = Blank();
  unparsed.set_timestamp_us(kT + 1000000);
  unparsed.set_host("10.0.0.1");
  unparsed.set_raw("garbage line");
  *resp.add_records() = unparsed;
  EXPECT_EQ(RecordsTable(resp, true),
            "TIME                  HOST      PROGRAM[PID]        QUEUE ID  EVENT     MESSAGE\n"
            "2026-11-22 10:00:00Z  mx1       postfix/smtp[1234]  4Xb3      delivery  "
            "4Xb3: to=<b@example.org>, status=sent\n"
            "2026-11-22 10:00:01Z  10.0.0.1  -                   -         -         "
            "garbage line\n");
}

TEST(HostTextTest, AForgedHostShowsWhereTheLineCameFrom) {
  mlq::v1::Record r = Delivery();
  r.set_peer("203.0.113.9:41234");
  EXPECT_EQ(HostText(r), "mx1") << "not flagged: the host alone";
  r.add_flags("host-unverified");
  EXPECT_EQ(HostText(r), "mx1 [forged? from 203.0.113.9]");
  r.set_peer("[2001:db8::9]:514");
  EXPECT_EQ(HostText(r), "mx1 [forged? from 2001:db8::9]");
  r.set_peer("");
  EXPECT_EQ(HostText(r), "mx1 [forged? from unknown address]");

  // In the table, sanitized like every cell; JSON keeps host, peer and flag.
  r.set_peer("203.0.113.9:41234");
  r.set_host(std::string("mx1") + '\x1b' + "[2J");
  mlq::v1::FindResponse resp;
  *resp.add_records() = r;
  const std::string table = RecordsTable(resp, true);
  EXPECT_NE(table.find("mx1\\x1b[2J [forged? from 203.0.113.9]"), std::string::npos) << table;
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  const std::string json = RecordToJson(r, true);
  EXPECT_NE(json.find("\"peer\":\"203.0.113.9:41234\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"flags\":[\"host-unverified\"]"), std::string::npos) << json;
}

}  // namespace
}  // namespace mlq::cli
