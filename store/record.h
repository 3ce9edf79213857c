// The record type shared by every module: one syslog line as received, plus
// the fields the syslog header parser and the mail normalizers extracted.
//
// A plain struct on purpose: no RocksDB, no protobuf, no Asio. The receiver
// fills it, the store encodes it, the query service converts it to proto.
// Every line becomes a record, understood or not; `raw` is always kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlq {

// How a line reached mlqd.
enum class Transport : uint8_t {
  kUnknown = 0,
  kUdp = 1,
  kTcp = 2,
  kTls = 3,
  kIngest = 4,
  kRelp = 5
};
std::string_view TransportName(Transport t);

// Which syslog header the line carried.
enum class SyslogFormat : uint8_t { kNone = 0, kRfc3164 = 1, kRfc5424 = 2 };
std::string_view SyslogFormatName(SyslogFormat f);

// Bits of LogRecord::flags: what was odd about the line. A flagged line is
// still stored; flags say why a field may be missing.
enum RecordFlag : uint32_t {
  kFlagTruncated = 1u << 0,      // longer than the maximum message size; cut
  kFlagHeaderInvalid = 1u << 1,  // the syslog header did not parse; raw kept
  kFlagNoTimestamp = 1u << 2,    // no usable timestamp: received time used
  kFlagInvalidUtf8 = 1u << 3,    // bytes that are not valid UTF-8
  kFlagNulBytes = 1u << 4,       // contained NUL bytes
  kFlagFramingError = 1u << 5,   // the frame around it was damaged
  kFlagYearGuessed = 1u << 6,    // RFC 3164: year resolved from receive time
  // The header's hostname is not one the sender's address may claim (an
  // --allow entry maps the address to host names): possibly forged; `peer`
  // says where it really came from.
  kFlagHostUnverified = 1u << 7,
};
// Names of the set bits, e.g. {"truncated", "header-invalid"}.
std::vector<std::string_view> FlagNames(uint32_t flags);

// A reference from one line to another queue entry: Postfix "queued as X",
// amavis "queued_as: X", "forwarded as X", a bounce notice's queue ID, ...
struct Link {
  std::string kind;      // "queued_as", "forwarded_as", "bounce", "amavis_queued_as", ...
  std::string queue_id;  // the other queue ID
  std::string host;      // where it lives, when known to differ from the record's host

  bool operator==(const Link&) const = default;
};

struct LogRecord {
  // ---- identity (filled by the receiver / syslog parser) ----
  int64_t received_us = 0;   // when mlqd received it, µs since the Unix epoch (UTC)
  int64_t timestamp_us = 0;  // the event time from the header; received_us when absent
  std::string host;          // header hostname, or the peer address when none
  std::string peer;          // sender's address "ip:port" ("" for imports)
  std::string peer_subject;  // TLS client certificate subject (mutual TLS), else ""
  Transport transport = Transport::kUnknown;
  SyslogFormat format = SyslogFormat::kNone;
  int8_t facility = -1;         // 0..23, -1 when the line had no PRI
  int8_t severity = -1;         // 0..7, -1 when the line had no PRI
  std::string program;          // APP-NAME / tag without pid, e.g. "postfix/submission/smtpd"
  std::string pid;              // PROCID / "[pid]" text, "" when none
  std::string msgid;            // RFC 5424 MSGID, "" when NILVALUE or absent
  std::string structured_data;  // RFC 5424 SD, verbatim ("" for NILVALUE)
  std::string raw;              // the whole line as received (after framing), verbatim
  uint32_t msg_offset = 0;      // where the MSG part starts inside `raw`
  uint32_t flags = 0;           // RecordFlag bits

  // ---- mail fields (filled by the normalizers; empty when unknown) ----
  std::string family;  // "postfix", "amavis", "dovecot", ...; "" = not recognized
  std::string event;   // "connect", "client", "message-id", "queued", "delivery", ...
  std::string queue_id;
  std::string message_id;  // without angle brackets
  std::string from;        // envelope sender ("" also for the null sender <>)
  std::vector<std::string> to;
  std::string orig_to;
  std::string status;  // "sent", "deferred", "bounced", "reject", ...
  std::string dsn;     // "2.0.0"
  std::string relay;   // "host[ip]:port", "local", "dovecot", ...
  std::string reply;   // the remote reply / reason text
  std::string delay;   // seconds, as logged ("5.4")
  std::string delays;  // "a/b/c/d" as logged
  int64_t size = -1;
  int64_t nrcpt = -1;
  std::string client_name;
  std::string client_ip;
  std::string sasl_user;
  std::string helo;
  std::string proto;  // "ESMTP", "SMTP", ...
  std::vector<Link> links;
  // Family-specific extras that have no field of their own ("sasl_method",
  // "mail_id", "hits", "category", ...). Small; kept in insertion order.
  std::vector<std::pair<std::string, std::string>> extra;

  // True when every mail field above is exactly what DefaultNormalizers()
  // (receiver/normalizers/normalizer.h) derive from this record's program,
  // format and message(), i.e. the record came from LineParser with the
  // default table and nothing changed its mail fields since. The store then
  // keeps only the line and what arrived with it, and derives the mail
  // fields again when it reads the record (store/record_codec.h). Whoever
  // changes a mail field of such a record must clear it.
  bool mail_fields_derived = false;

  // The MSG part of the line (what follows the syslog header).
  std::string_view message() const {
    return msg_offset <= raw.size() ? std::string_view(raw).substr(msg_offset) : std::string_view();
  }
  // Extra value by key, "" when absent.
  std::string_view Extra(std::string_view key) const;
  void SetExtra(std::string key, std::string value);

  // Every field back to its default (as a new LogRecord), strings and
  // vectors keeping their capacity, so a record can be reused for the next
  // line. A field added to LogRecord must be reset here too (record.cc).
  void Clear();
  // The mail fields only (family ... extra, and mail_fields_derived).
  void ClearMailFields();

  bool operator==(const LogRecord&) const = default;
};

}  // namespace mlq
