#include "store/record_codec.h"

#include <cstdint>

#include "receiver/normalizers/normalizer.h"
#include "store/varint.h"

namespace mlq {
namespace {

constexpr uint8_t kVersion = 1;

// Presence bits, in encoding order. Append new fields at the end only.
enum Field : int {
  kReceived,
  kHost,
  kPeer,
  kTransport,
  kFormat,
  kFacility,
  kSeverity,
  kProgram,
  kPid,
  kMsgid,
  kStructuredData,
  kRaw,
  kMsgOffset,
  kFlags,
  kFamily,
  kEvent,
  kQueueId,
  kMessageId,
  kFrom,
  kTo,
  kOrigTo,
  kStatus,
  kDsn,
  kRelay,
  kReply,
  kDelay,
  kDelays,
  kSize,
  kNrcpt,
  kClientName,
  kClientIp,
  kSaslUser,
  kHelo,
  kProto,
  kLinks,
  kExtra,
  kPeerSubject,
  // No payload: the mail fields (kFamily..kLinks, kExtra) are not stored;
  // the reader derives them from the line (LogRecord::mail_fields_derived).
  kDerived,
  kFieldCount,
};
static_assert(kFieldCount <= 63);

// The presence bits of the mail fields, which a derived record never has.
constexpr uint64_t kMailFieldMask =
    ((uint64_t{1} << (kLinks + 1)) - (uint64_t{1} << kFamily)) | (uint64_t{1} << kExtra);

// Fills r's mail fields as LineParser did when the record arrived. The
// normalizers may also set the event time and clear kFlagNoTimestamp (a
// line with a time of its own in its text); those were stored as they came
// out, so they are kept as stored.
void DeriveMailFields(LogRecord* r) {
  const int64_t timestamp_us = r->timestamp_us;
  const uint32_t flags = r->flags;
  r->ClearMailFields();
  DefaultNormalizers().Normalize(*r);
  r->timestamp_us = timestamp_us;
  r->flags = flags;
  r->mail_fields_derived = true;
}

// received_us is stored as its distance from timestamp_us, modulo 2^64.
using varint::PutString;
using varint::Reader;
using varint::WrappingAdd;
using varint::WrappingSub;
using varint::ZigZag;
void PutVarint(std::string* out, uint64_t v) { varint::Put(out, v); }

}  // namespace

void EncodeRecord(const LogRecord& r, std::string* out) {
  uint64_t mask = 0;
  auto mark = [&mask](Field f, bool present) {
    if (present) mask |= uint64_t{1} << f;
  };
  mark(kReceived, r.received_us != r.timestamp_us);
  mark(kHost, !r.host.empty());
  mark(kPeer, !r.peer.empty());
  mark(kTransport, r.transport != Transport::kUnknown);
  mark(kFormat, r.format != SyslogFormat::kNone);
  mark(kFacility, r.facility != -1);
  mark(kSeverity, r.severity != -1);
  mark(kProgram, !r.program.empty());
  mark(kPid, !r.pid.empty());
  mark(kMsgid, !r.msgid.empty());
  mark(kStructuredData, !r.structured_data.empty());
  mark(kRaw, !r.raw.empty());
  mark(kMsgOffset, r.msg_offset != 0);
  mark(kFlags, r.flags != 0);
  mark(kFamily, !r.family.empty());
  mark(kEvent, !r.event.empty());
  mark(kQueueId, !r.queue_id.empty());
  mark(kMessageId, !r.message_id.empty());
  mark(kFrom, !r.from.empty());
  mark(kTo, !r.to.empty());
  mark(kOrigTo, !r.orig_to.empty());
  mark(kStatus, !r.status.empty());
  mark(kDsn, !r.dsn.empty());
  mark(kRelay, !r.relay.empty());
  mark(kReply, !r.reply.empty());
  mark(kDelay, !r.delay.empty());
  mark(kDelays, !r.delays.empty());
  mark(kSize, r.size != -1);
  mark(kNrcpt, r.nrcpt != -1);
  mark(kClientName, !r.client_name.empty());
  mark(kClientIp, !r.client_ip.empty());
  mark(kSaslUser, !r.sasl_user.empty());
  mark(kHelo, !r.helo.empty());
  mark(kProto, !r.proto.empty());
  mark(kLinks, !r.links.empty());
  mark(kExtra, !r.extra.empty());
  mark(kPeerSubject, !r.peer_subject.empty());
  if (r.mail_fields_derived) mask = (mask & ~kMailFieldMask) | (uint64_t{1} << kDerived);

  out->push_back(static_cast<char>(kVersion));
  PutVarint(out, mask);
  auto has = [mask](Field f) { return (mask >> f) & 1; };
  if (has(kReceived)) PutVarint(out, ZigZag(WrappingSub(r.received_us, r.timestamp_us)));
  if (has(kHost)) PutString(out, r.host);
  if (has(kPeer)) PutString(out, r.peer);
  if (has(kTransport)) PutVarint(out, static_cast<uint8_t>(r.transport));
  if (has(kFormat)) PutVarint(out, static_cast<uint8_t>(r.format));
  if (has(kFacility)) PutVarint(out, ZigZag(r.facility));
  if (has(kSeverity)) PutVarint(out, ZigZag(r.severity));
  if (has(kProgram)) PutString(out, r.program);
  if (has(kPid)) PutString(out, r.pid);
  if (has(kMsgid)) PutString(out, r.msgid);
  if (has(kStructuredData)) PutString(out, r.structured_data);
  if (has(kRaw)) PutString(out, r.raw);
  if (has(kMsgOffset)) PutVarint(out, r.msg_offset);
  if (has(kFlags)) PutVarint(out, r.flags);
  if (has(kFamily)) PutString(out, r.family);
  if (has(kEvent)) PutString(out, r.event);
  if (has(kQueueId)) PutString(out, r.queue_id);
  if (has(kMessageId)) PutString(out, r.message_id);
  if (has(kFrom)) PutString(out, r.from);
  if (has(kTo)) {
    PutVarint(out, r.to.size());
    for (const auto& t : r.to) PutString(out, t);
  }
  if (has(kOrigTo)) PutString(out, r.orig_to);
  if (has(kStatus)) PutString(out, r.status);
  if (has(kDsn)) PutString(out, r.dsn);
  if (has(kRelay)) PutString(out, r.relay);
  if (has(kReply)) PutString(out, r.reply);
  if (has(kDelay)) PutString(out, r.delay);
  if (has(kDelays)) PutString(out, r.delays);
  if (has(kSize)) PutVarint(out, ZigZag(r.size));
  if (has(kNrcpt)) PutVarint(out, ZigZag(r.nrcpt));
  if (has(kClientName)) PutString(out, r.client_name);
  if (has(kClientIp)) PutString(out, r.client_ip);
  if (has(kSaslUser)) PutString(out, r.sasl_user);
  if (has(kHelo)) PutString(out, r.helo);
  if (has(kProto)) PutString(out, r.proto);
  if (has(kLinks)) {
    PutVarint(out, r.links.size());
    for (const auto& l : r.links) {
      PutString(out, l.kind);
      PutString(out, l.queue_id);
      PutString(out, l.host);
    }
  }
  if (has(kExtra)) {
    PutVarint(out, r.extra.size());
    for (const auto& [k, v] : r.extra) {
      PutString(out, k);
      PutString(out, v);
    }
  }
  if (has(kPeerSubject)) PutString(out, r.peer_subject);
}

absl::Status DecodeRecord(std::string_view value, LogRecord* r) {
  const absl::Status bad = absl::DataLossError("malformed record value");
  Reader in(value);
  uint8_t version;
  uint64_t mask;
  if (!in.Byte(&version) || version != kVersion)
    return absl::DataLossError("unknown record version");
  if (!in.Varint(&mask)) return bad;
  if (mask >> kFieldCount) return absl::DataLossError("record value with unknown fields");
  const bool derived = (mask >> kDerived) & 1;
  if (derived && (mask & kMailFieldMask)) return bad;
  r->mail_fields_derived = false;
  auto has = [mask](Field f) { return (mask >> f) & 1; };
  uint64_t u;
  int64_t s;
  bool ok = true;
  r->received_us = r->timestamp_us;
  if (has(kReceived)) {
    ok = ok && in.Signed(&s) && ((r->received_us = WrappingAdd(r->timestamp_us, s)), true);
  }
  if (has(kHost)) ok = ok && in.String(&r->host);
  if (has(kPeer)) ok = ok && in.String(&r->peer);
  if (has(kTransport))
    ok = ok && in.Varint(&u) && ((r->transport = static_cast<Transport>(u)), true);
  if (has(kFormat)) ok = ok && in.Varint(&u) && ((r->format = static_cast<SyslogFormat>(u)), true);
  if (has(kFacility)) ok = ok && in.Signed(&s) && ((r->facility = static_cast<int8_t>(s)), true);
  if (has(kSeverity)) ok = ok && in.Signed(&s) && ((r->severity = static_cast<int8_t>(s)), true);
  if (has(kProgram)) ok = ok && in.String(&r->program);
  if (has(kPid)) ok = ok && in.String(&r->pid);
  if (has(kMsgid)) ok = ok && in.String(&r->msgid);
  if (has(kStructuredData)) ok = ok && in.String(&r->structured_data);
  if (has(kRaw)) ok = ok && in.String(&r->raw);
  if (has(kMsgOffset))
    ok = ok && in.Varint(&u) && ((r->msg_offset = static_cast<uint32_t>(u)), true);
  if (has(kFlags)) ok = ok && in.Varint(&u) && ((r->flags = static_cast<uint32_t>(u)), true);
  if (has(kFamily)) ok = ok && in.String(&r->family);
  if (has(kEvent)) ok = ok && in.String(&r->event);
  if (has(kQueueId)) ok = ok && in.String(&r->queue_id);
  if (has(kMessageId)) ok = ok && in.String(&r->message_id);
  if (has(kFrom)) ok = ok && in.String(&r->from);
  if (has(kTo)) {
    ok = ok && in.Varint(&u) && u <= value.size();
    if (ok) r->to.resize(u);
    for (size_t i = 0; ok && i < r->to.size(); ++i) ok = in.String(&r->to[i]);
  }
  if (has(kOrigTo)) ok = ok && in.String(&r->orig_to);
  if (has(kStatus)) ok = ok && in.String(&r->status);
  if (has(kDsn)) ok = ok && in.String(&r->dsn);
  if (has(kRelay)) ok = ok && in.String(&r->relay);
  if (has(kReply)) ok = ok && in.String(&r->reply);
  if (has(kDelay)) ok = ok && in.String(&r->delay);
  if (has(kDelays)) ok = ok && in.String(&r->delays);
  if (has(kSize)) ok = ok && in.Signed(&r->size);
  if (has(kNrcpt)) ok = ok && in.Signed(&r->nrcpt);
  if (has(kClientName)) ok = ok && in.String(&r->client_name);
  if (has(kClientIp)) ok = ok && in.String(&r->client_ip);
  if (has(kSaslUser)) ok = ok && in.String(&r->sasl_user);
  if (has(kHelo)) ok = ok && in.String(&r->helo);
  if (has(kProto)) ok = ok && in.String(&r->proto);
  if (has(kLinks)) {
    ok = ok && in.Varint(&u) && u <= value.size();
    if (ok) r->links.resize(u);
    for (size_t i = 0; ok && i < r->links.size(); ++i) {
      ok = in.String(&r->links[i].kind) && in.String(&r->links[i].queue_id) &&
           in.String(&r->links[i].host);
    }
  }
  if (has(kExtra)) {
    ok = ok && in.Varint(&u) && u <= value.size();
    if (ok) r->extra.resize(u);
    for (size_t i = 0; ok && i < r->extra.size(); ++i) {
      ok = in.String(&r->extra[i].first) && in.String(&r->extra[i].second);
    }
  }
  if (has(kPeerSubject)) ok = ok && in.String(&r->peer_subject);
  if (!ok || !in.done()) return bad;
  if (derived) DeriveMailFields(r);
  return absl::OkStatus();
}

}  // namespace mlq
