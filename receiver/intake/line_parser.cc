#include "receiver/intake/line_parser.h"

#include <chrono>
#include <ctime>

#include "receiver/intake/allow_list.h"
#include "receiver/intake/syslog_parser.h"

namespace mlq {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int32_t LocalUtcOffset(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  return static_cast<int32_t>(tm.tm_gmtoff);
}

LineParser::LineParser(const NormalizerTable* normalizers, Counters* counters)
    : normalizers_(normalizers),
      received_{&counters->Get("received.unknown"), &counters->Get("received.udp"),
                &counters->Get("received.tcp"),     &counters->Get("received.tls"),
                &counters->Get("received.ingest"),  &counters->Get("received.relp")},
      parsed_(counters->Get("parsed")),
      unparsed_(counters->Get("unparsed")),
      normalized_(counters->Get("normalized")),
      truncated_(counters->Get("truncated")),
      host_mismatch_{nullptr,
                     &counters->Get("listener.udp.host_mismatch"),
                     &counters->Get("listener.tcp.host_mismatch"),
                     &counters->Get("listener.tls.host_mismatch"),
                     nullptr,
                     &counters->Get("listener.relp.host_mismatch")} {}

LogRecord LineParser::Parse(std::string_view line, uint32_t frame_flags, const LineSource& source,
                            int64_t received_us) const {
  LogRecord rec;
  ParseInto(line, frame_flags, source, received_us, rec);
  return rec;
}

void LineParser::ParseInto(std::string_view line, uint32_t frame_flags, const LineSource& source,
                           int64_t received_us, LogRecord& rec) const {
  // A line end inside the frame (syslog-ng's syslog() driver puts one in
  // each octet-counted frame) is framing, not text; rsyslog drops it too.
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  // A reused record must not keep the previous line's mail fields (the
  // normalizers only set what they find).
  rec.Clear();
  rec.raw.assign(line.data(), line.size());
  rec.received_us = received_us;
  rec.transport = source.transport;
  rec.peer = source.peer;
  rec.peer_subject = source.peer_subject;
  rec.flags = frame_flags;

  ParseContext ctx;
  ctx.received_us = received_us;
  ctx.fallback_host = source.peer_host;
  ctx.utc_offset_s = source.utc_offset_s;
  ParseSyslogLine(rec, ctx);

  const size_t t = static_cast<size_t>(source.transport);
  received_[t < received_.size() ? t : 0]->fetch_add(1, std::memory_order_relaxed);
  if (!source.claim_hosts.empty() && rec.host != source.peer_host &&
      !HostClaimAllowed(source.claim_hosts, rec.host)) {
    rec.flags |= kFlagHostUnverified;
    if (t < host_mismatch_.size() && host_mismatch_[t] != nullptr) {
      host_mismatch_[t]->fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (rec.flags & kFlagHeaderInvalid) {
    unparsed_.fetch_add(1, std::memory_order_relaxed);
  } else {
    parsed_.fetch_add(1, std::memory_order_relaxed);
  }
  if (rec.flags & kFlagTruncated) truncated_.fetch_add(1, std::memory_order_relaxed);
  if (normalizers_ != nullptr && normalizers_->Normalize(rec)) {
    normalized_.fetch_add(1, std::memory_order_relaxed);
  }
  // The store keeps such a record's line only and derives its mail fields
  // again when it reads it (store/record_codec.h).
  rec.mail_fields_derived = normalizers_ == &DefaultNormalizers();
}

}  // namespace mlq
