// LineParser (receiver/intake/line_parser.h) with DefaultNormalizers(): one
// line through the syslog header parser and every mail normalizer (the
// table sends a line to its family by program name, and unknown programs
// through every sniffer, so the line is tried by all of them).
//
// Each input is one line, parsed as the listeners do (TCP, UDP and Ingest
// sources). Besides ASan/UBSan findings, invariants:
//  - the record keeps the line (minus trailing CR/LF) verbatim, with
//    msg_offset inside it;
//  - a line with an event has a family (a Postfix line may have a family
//    and no event: postfix.cc keeps unknown shapes that way);
//  - the record survives the store's codec unchanged
//    (DecodeRecord(EncodeRecord(rec)) == rec): it is marked
//    mail_fields_derived, so the value holds the line only and decoding
//    runs the normalizers again (store format 3); the check is that they
//    give the same fields from the stored record as from the parsed one;
//  - parsing into a record that held another line (ParseInto, as a
//    reused buffer would) gives the same record as parsing into a new one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"
#include "store/counters.h"
#include "store/record.h"
#include "store/record_codec.h"

namespace {

constexpr int64_t kReceivedUs = int64_t{1796587200} * 1000000;  // 2026-12-06 20:00 UTC

// A line that fills most mail fields, links and extras: what a reused
// record would hold before the fuzzed line.
constexpr std::string_view kBusyLine =
    "<22>Dec  6 19:59:58 mx1 postfix/smtp[4242]: 4Ldr9y6wlvz3xgh: "
    "to=<someone@example.org>, orig_to=<alias@example.org>, "
    "relay=mx.example.org[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, "
    "status=sent (250 2.0.0 Ok: queued as 4XYZabcdEFGhij)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mlq::Counters counters;
  static const mlq::LineParser parser(&mlq::DefaultNormalizers(), &counters);

  std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string_view kept = line;
  while (!kept.empty() && (kept.back() == '\n' || kept.back() == '\r')) kept.remove_suffix(1);

  mlq::LineSource tcp;
  tcp.transport = mlq::Transport::kTcp;
  tcp.peer = "192.0.2.7:40000";
  tcp.peer_host = "192.0.2.7";
  mlq::LineSource ingest;
  ingest.transport = mlq::Transport::kIngest;
  ingest.peer_host = "mx1";
  ingest.utc_offset_s = 3600;

  for (const mlq::LineSource* source : {&tcp, &ingest}) {
    const mlq::LogRecord rec = parser.Parse(line, 0, *source, kReceivedUs);
    FUZZ_CHECK(rec.raw == kept);
    FUZZ_CHECK(rec.msg_offset <= rec.raw.size());
    FUZZ_CHECK(rec.event.empty() || !rec.family.empty());
    FUZZ_CHECK(rec.mail_fields_derived);

    std::string value;
    mlq::EncodeRecord(rec, &value);
    mlq::LogRecord back;
    back.timestamp_us = rec.timestamp_us;
    FUZZ_CHECK(mlq::DecodeRecord(value, &back).ok());
    FUZZ_CHECK(back == rec);

    mlq::LogRecord reused = parser.Parse(kBusyLine, mlq::kFlagTruncated, tcp, kReceivedUs - 1);
    parser.ParseInto(line, 0, *source, kReceivedUs, reused);
    FUZZ_CHECK(reused == rec);
  }
  return 0;
}
