#include "query/convert.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "base/utf8.h"

namespace mlq {

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

void RecordToProto(std::string_view primary_key, const LogRecord& r, v1::Record* out) {
  out->set_key(HexEncode(primary_key));
  out->set_received_us(r.received_us);
  out->set_timestamp_us(r.timestamp_us);
  out->set_host(r.host);
  out->set_peer(r.peer);
  out->set_peer_subject(r.peer_subject);
  out->set_transport(std::string(TransportName(r.transport)));
  out->set_format(std::string(SyslogFormatName(r.format)));
  out->set_facility(r.facility);
  out->set_severity(r.severity);
  out->set_program(r.program);
  out->set_pid(r.pid);
  out->set_msgid(r.msgid);
  out->set_structured_data(r.structured_data);
  out->set_raw(r.raw);
  out->set_message(std::string(r.message()));
  for (std::string_view f : FlagNames(r.flags)) out->add_flags(std::string(f));
  out->set_family(r.family);
  out->set_event(r.event);
  out->set_queue_id(r.queue_id);
  out->set_message_id(r.message_id);
  out->set_from(r.from);
  for (const auto& t : r.to) out->add_to(t);
  out->set_orig_to(r.orig_to);
  out->set_status(r.status);
  out->set_dsn(r.dsn);
  out->set_relay(r.relay);
  out->set_reply(r.reply);
  out->set_delay(r.delay);
  out->set_delays(r.delays);
  out->set_size(r.size);
  out->set_nrcpt(r.nrcpt);
  out->set_client_name(r.client_name);
  out->set_client_ip(r.client_ip);
  out->set_sasl_user(r.sasl_user);
  out->set_helo(r.helo);
  out->set_proto(r.proto);
  for (const auto& l : r.links) {
    v1::Link* pl = out->add_links();
    pl->set_kind(l.kind);
    pl->set_queue_id(l.queue_id);
    pl->set_host(l.host);
  }
  for (const auto& [k, v] : r.extra) (*out->mutable_extra())[k] = v;
  if ((r.flags & kFlagInvalidUtf8) != 0 || !IsValidUtf8(r.peer_subject)) {
    if (!IsValidUtf8(r.raw)) out->set_raw_bytes(r.raw);
    RepairUtf8(out);
  }
}

void RepairUtf8(google::protobuf::Message* m) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* refl = m->GetReflection();
  std::string scratch;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        // Map entries are repeated messages here; their keys are repaired
        // like any other string.
        for (int k = 0, n = refl->FieldSize(*m, f); k < n; ++k) {
          RepairUtf8(refl->MutableRepeatedMessage(m, f, k));
        }
      } else if (refl->HasField(*m, f)) {
        RepairUtf8(refl->MutableMessage(m, f));
      }
      continue;
    }
    if (f->type() != FieldDescriptor::TYPE_STRING) continue;  // bytes stay bytes
    if (f->is_repeated()) {
      for (int k = 0, n = refl->FieldSize(*m, f); k < n; ++k) {
        const std::string& v = refl->GetRepeatedStringReference(*m, f, k, &scratch);
        if (!IsValidUtf8(v)) refl->SetRepeatedString(m, f, k, ToValidUtf8(v));
      }
    } else {
      const std::string& v = refl->GetStringReference(*m, f, &scratch);
      if (!IsValidUtf8(v)) refl->SetString(m, f, ToValidUtf8(v));
    }
  }
}

}  // namespace mlq
