// Trace: a message's journey and a verdict per recipient (tracer.h).
#include "query/convert.h"
#include "query/service.h"
#include "query/status_util.h"
#include "query/tracer.h"

namespace mlq {

grpc::Status QueryService::Trace(const Call& call, const v1::TraceRequest* req,
                                 v1::TraceResponse* resp) {
  Caller caller;
  std::shared_ptr<void> slot;
  if (grpc::Status st = Authorize(call, Method::kTrace, &caller, &slot); !st.ok()) return st;
  TraceStart start;
  start.message_id = req->message_id();
  start.queue_id = req->queue_id();
  start.host = req->host();
  start.from = req->from();
  start.to = req->to();
  start.since_us = req->since_us();
  start.until_us = req->until_us();
  start.max_messages = req->limit() == 0 ? 20 : std::min<uint32_t>(req->limit(), 1000);
  int keys = !start.message_id.empty() + !start.queue_id.empty() +
             (!start.from.empty() || !start.to.empty());
  if (keys != 1 || (!start.from.empty() && !start.to.empty())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "give exactly one of message_id, queue_id, from, to");
  }
  if (!start.host.empty() && start.queue_id.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "host narrows queue_id only");
  }
  if (start.since_us != 0 && start.until_us != 0 && start.since_us >= start.until_us) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "since must be before until");
  }
  absl::StatusOr<std::vector<MessageTraceResult>> traces = Tracer(options_.store).Trace(start);
  if (!traces.ok()) return ToGrpc(traces.status());
  if (caller.limited()) {
    const DomainView view(options_.store, caller.domains);
    std::erase_if(*traces, [&](MessageTraceResult& t) { return !view.Redact(&t); });
    // Other messages (a reused Message-ID): not the caller's to know of.
    for (MessageTraceResult& t : *traces) {
      t.left_out.clear();
      t.left_out_note.clear();
    }
  }
  for (const MessageTraceResult& t : *traces) {
    v1::MessageTrace* mt = resp->add_traces();
    for (const auto& id : t.message_ids) mt->add_message_ids(id);
    for (const TraceHopResult& h : t.hops) {
      v1::Hop* hop = mt->add_hops();
      hop->set_host(h.host);
      hop->set_queue_id(h.queue_id);
      hop->set_program(h.program);
      hop->set_time_us(h.first_us);
      hop->set_last_us(h.last_us);
      hop->set_delay(h.delay);
      hop->set_role(h.role);
      hop->set_from(h.from);
      hop->set_client(h.client);
      for (const StoredRecord& sr : h.lines) RecordToProto(sr.key, sr.record, hop->add_lines());
      for (const auto& n : h.next) hop->add_next(n);
    }
    for (const StoredRecord& sr : t.other_lines) {
      RecordToProto(sr.key, sr.record, mt->add_other_lines());
    }
    for (const RecipientResult& r : t.recipients) {
      v1::RecipientVerdict* v = mt->add_recipients();
      v->set_address(r.address);
      v->set_orig_address(r.orig_address);
      v->set_verdict(r.verdict);
      v->set_dsn(r.dsn);
      v->set_reply(r.reply);
      v->set_host(r.host);
      v->set_queue_id(r.queue_id);
      v->set_relay(r.relay);
      v->set_time_us(r.time_us);
      v->set_explanation(r.explanation);
      v->set_where(r.where);
      v->set_step(r.step);
      v->set_notice(r.notice);
      v->set_notice_for(r.notice_for);
      for (const auto& e : r.expanded_to) v->add_expanded_to(e);
      RecordToProto(r.deciding.key, r.deciding.record, v->mutable_deciding());
    }
    mt->set_summary(t.summary);
    mt->set_expired_note(t.expired_note);
    for (const auto& e : t.left_out) mt->add_left_out(e);
    mt->set_left_out_note(t.left_out_note);
  }
  // Fields copied from lines that are not UTF-8 would break the client.
  RepairUtf8(resp);
  return grpc::Status::OK;
}

}  // namespace mlq
