// A fixed set of records with every kind of index term, for the tests that
// compare what one store layout wrote with what another reads
// (index_shards_test.cc). tests/data/store/v1_store.tar.gz was written from
// exactly these records by the format 1 Store (see its README): change them
// and that store no longer matches.
#pragma once

#include <string>
#include <vector>

#include "store/record.h"

namespace mlq::sample {

// Records per day, and the days they span.
inline constexpr int kPerDay = 120;
inline constexpr int kDays = 3;
// 2025-07-01 00:00:00 UTC.
inline constexpr int64_t kFirstDayUs = 1751328000LL * 1000000;
inline constexpr int64_t kDayUs = 86400LL * 1000000;

// Record n of kPerDay * kDays: on mx1 or mx2, with a queue ID that both
// hosts use (n / 2), its own message-id, two addresses of 40, a client IP of
// 16, a SASL user on every fifth, a link to the next queue ID on every
// third, and an smtpd process on every fourth.
inline LogRecord Record(int n) {
  LogRecord r;
  r.timestamp_us = kFirstDayUs + (n / kPerDay) * kDayUs + (n % kPerDay) * 600'000'000LL;
  r.received_us = r.timestamp_us;
  r.host = n % 2 == 0 ? "mx1" : "mx2";
  r.family = "postfix";
  r.program = n % 4 == 0 ? "postfix/smtpd" : "postfix/qmgr";
  r.pid = std::to_string(100 + n % 7);
  r.queue_id = "4Q" + std::to_string(1000 + n / 2);
  r.message_id = "m" + std::to_string(n) + "@example.org";
  r.from = "Sender" + std::to_string(n % 40) + "@Example.org";
  r.to = {"rcpt" + std::to_string((n * 7) % 40) + "@example.net"};
  r.client_ip = "192.0.2." + std::to_string(n % 16);
  if (n % 5 == 0) r.sasl_user = "user" + std::to_string(n % 3);
  if (n % 3 == 0) {
    r.links.push_back({.kind = "queued_as", .queue_id = "4Q" + std::to_string(1001 + n / 2)});
  }
  r.raw = "<22>Jul  1 00:00:00 " + r.host + " " + r.program + "[" + r.pid + "]: " + r.queue_id +
          ": from=<" + r.from + ">, to=<" + r.to[0] + ">";
  r.msg_offset = 0;
  return r;
}

inline std::vector<LogRecord> Day(int day) {
  std::vector<LogRecord> out;
  for (int i = 0; i < kPerDay; ++i) out.push_back(Record(day * kPerDay + i));
  return out;
}

}  // namespace mlq::sample
