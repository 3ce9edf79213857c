// EncodeRecord / DecodeRecord (store/record_codec.h): the value of a record
// in the records column family.
//
// Two things per input:
//  - the input as a stored value (a damaged or hostile table file):
//    DecodeRecord never crashes; a value it accepts encodes again to a value
//    that decodes to the same record;
//  - the input as a record (built field by field with FuzzedDataProvider,
//    any strings, any integers a record can hold): it round-trips,
//    DecodeRecord(EncodeRecord(rec)) == rec, also for a record whose mail
//    fields are the normalizers' and left out of the value (derived).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "receiver/normalizers/normalizer.h"
#include "store/record.h"
#include "store/record_codec.h"

namespace {

std::string Str(FuzzedDataProvider& in) {
  // Mostly short strings (most fields are absent or a few bytes).
  return in.ConsumeRandomLengthString(64);
}

mlq::LogRecord MakeRecord(FuzzedDataProvider& in) {
  mlq::LogRecord r;
  r.timestamp_us = in.ConsumeIntegral<int64_t>();
  // Receive time within a few years of the header time, as real records
  // have; sometimes equal (the common case), sometimes anything.
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      r.received_us = r.timestamp_us;
      break;
    case 1:
      r.received_us = r.timestamp_us / 2 +
                      in.ConsumeIntegralInRange<int64_t>(-(int64_t{1} << 50), int64_t{1} << 50);
      break;
    default:
      r.received_us = in.ConsumeIntegral<int64_t>();
  }
  r.host = Str(in);
  r.peer = Str(in);
  r.peer_subject = Str(in);
  r.transport = static_cast<mlq::Transport>(in.ConsumeIntegralInRange<uint8_t>(0, 5));
  r.format = static_cast<mlq::SyslogFormat>(in.ConsumeIntegralInRange<uint8_t>(0, 2));
  r.facility = in.ConsumeIntegral<int8_t>();
  r.severity = in.ConsumeIntegral<int8_t>();
  r.program = Str(in);
  r.pid = Str(in);
  r.msgid = Str(in);
  r.structured_data = Str(in);
  r.raw = Str(in);
  r.msg_offset = in.ConsumeIntegral<uint32_t>();
  r.flags = in.ConsumeIntegral<uint32_t>();
  r.family = Str(in);
  r.event = Str(in);
  r.queue_id = Str(in);
  r.message_id = Str(in);
  r.from = Str(in);
  for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) r.to.push_back(Str(in));
  r.orig_to = Str(in);
  r.status = Str(in);
  r.dsn = Str(in);
  r.relay = Str(in);
  r.reply = Str(in);
  r.delay = Str(in);
  r.delays = Str(in);
  r.size = in.ConsumeIntegral<int64_t>();
  r.nrcpt = in.ConsumeIntegral<int64_t>();
  r.client_name = Str(in);
  r.client_ip = Str(in);
  r.sasl_user = Str(in);
  r.helo = Str(in);
  r.proto = Str(in);
  for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
    mlq::Link l;
    l.kind = Str(in);
    l.queue_id = Str(in);
    l.host = Str(in);
    r.links.push_back(std::move(l));
  }
  for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
    std::string k = Str(in);
    r.extra.emplace_back(std::move(k), Str(in));
  }
  if (in.ConsumeBool()) {
    // As LineParser leaves a record: the mail fields are the default
    // normalizers' reading of the line, so the value leaves them out and
    // decoding derives them again (store format 3). The normalizers may
    // set the event time and flags, which are stored as they came out.
    r.ClearMailFields();
    mlq::DefaultNormalizers().Normalize(r);
    r.mail_fields_derived = true;
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  {
    mlq::LogRecord rec;
    rec.timestamp_us = 1796587200000000;
    if (mlq::DecodeRecord(value, &rec).ok()) {
      std::string again;
      mlq::EncodeRecord(rec, &again);
      mlq::LogRecord back;
      back.timestamp_us = rec.timestamp_us;
      FUZZ_CHECK(mlq::DecodeRecord(again, &back).ok());
      FUZZ_CHECK(back == rec);
    }
  }
  {
    FuzzedDataProvider in(data, size);
    const mlq::LogRecord rec = MakeRecord(in);
    std::string encoded;
    mlq::EncodeRecord(rec, &encoded);
    mlq::LogRecord back;
    back.timestamp_us = rec.timestamp_us;
    FUZZ_CHECK(mlq::DecodeRecord(encoded, &back).ok());
    FUZZ_CHECK(back == rec);
  }
  return 0;
}
