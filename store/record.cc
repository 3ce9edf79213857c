#include "store/record.h"

namespace mlq {

std::string_view TransportName(Transport t) {
  switch (t) {
    case Transport::kUdp:
      return "udp";
    case Transport::kTcp:
      return "tcp";
    case Transport::kTls:
      return "tls";
    case Transport::kIngest:
      return "ingest";
    case Transport::kRelp:
      return "relp";
    case Transport::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view SyslogFormatName(SyslogFormat f) {
  switch (f) {
    case SyslogFormat::kRfc3164:
      return "rfc3164";
    case SyslogFormat::kRfc5424:
      return "rfc5424";
    case SyslogFormat::kNone:
      break;
  }
  return "none";
}

std::vector<std::string_view> FlagNames(uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kFlagTruncated, "truncated"},      {kFlagHeaderInvalid, "header-invalid"},
      {kFlagNoTimestamp, "no-timestamp"}, {kFlagInvalidUtf8, "invalid-utf8"},
      {kFlagNulBytes, "nul-bytes"},       {kFlagFramingError, "framing-error"},
      {kFlagYearGuessed, "year-guessed"}, {kFlagHostUnverified, "host-unverified"},
  };
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) out.push_back(name);
  }
  return out;
}

std::string_view LogRecord::Extra(std::string_view key) const {
  for (const auto& [k, v] : extra) {
    if (k == key) return v;
  }
  return {};
}

void LogRecord::SetExtra(std::string key, std::string value) {
  for (auto& [k, v] : extra) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  extra.emplace_back(std::move(key), std::move(value));
}

void LogRecord::Clear() {
  received_us = 0;
  timestamp_us = 0;
  host.clear();
  peer.clear();
  peer_subject.clear();
  transport = Transport::kUnknown;
  format = SyslogFormat::kNone;
  facility = -1;
  severity = -1;
  program.clear();
  pid.clear();
  msgid.clear();
  structured_data.clear();
  raw.clear();
  msg_offset = 0;
  flags = 0;
  ClearMailFields();
}

void LogRecord::ClearMailFields() {
  family.clear();
  event.clear();
  queue_id.clear();
  message_id.clear();
  from.clear();
  to.clear();
  orig_to.clear();
  status.clear();
  dsn.clear();
  relay.clear();
  reply.clear();
  delay.clear();
  delays.clear();
  size = -1;
  nrcpt = -1;
  client_name.clear();
  client_ip.clear();
  sasl_user.clear();
  helo.clear();
  proto.clear();
  links.clear();
  extra.clear();
  mail_fields_derived = false;
}

}  // namespace mlq
