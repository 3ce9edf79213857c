#include "query/queue_builder.h"

#include <algorithm>

#include "base/scan.h"

namespace mlq {
namespace {

using std::string_view;
constexpr int64_t kHourUs = int64_t{3600} * 1000000;

// MTAs that log the end of every queue entry.
bool EndsWithRemoval(string_view family) {
  return family == "postfix" || family == "exim" || family == "qmail";
}

bool IsMta(string_view family) {
  return EndsWithRemoval(family) || family == "kerio" || family == "sendmail" ||
         family == "courier" || family == "dma";
}

// Lines after which the queue entry no longer exists.
bool EndsEntry(const LogRecord& rec) {
  const std::string& ev = rec.event;
  if (ev == "removed" || ev == "expired") return true;
  if (ev == "postsuper") return rec.Extra("action") == "removed";
  // cleanup/milter drop the queue file of a rejected or discarded message.
  return ev == "reject" || ev == "milter-reject" || ev == "discard" || ev == "milter-discard";
}

}  // namespace

QueueBuilder::QueueBuilder(QueueOptions options) : options_(std::move(options)) {}

void QueueBuilder::NoteRecipient(Entry& e, const std::string& address, bool final) {
  if (address.empty()) return;
  for (Recipient& r : e.recipients) {
    if (scan::EqualsIgnoreCase(r.address, address)) {
      r.final |= final;
      return;
    }
  }
  e.recipients.push_back(Recipient{address, final});
}

void QueueBuilder::Sweep(int64_t now_us) {
  // What an aborted SMTP session leaves (client=, message-id= and nothing
  // else) goes first.
  std::erase_if(open_, [&](const auto& kv) {
    return !kv.second.evidence && kv.second.last_us < now_us - kHourUs;
  });
  if (open_.size() >= options_.max_open) {
    std::erase_if(open_, [](const auto& kv) { return !kv.second.evidence; });
  }
}

QueueBuilder::Entry* QueueBuilder::FindOrCreate(const LogRecord& rec, const std::string& key) {
  auto it = open_.find(key);
  if (it != open_.end()) return &it->second;
  if (open_.size() >= options_.max_open) {
    Sweep(rec.timestamp_us);
    if (open_.size() >= options_.max_open) return nullptr;
  }
  Entry& e = open_[key];
  e.host = rec.host;
  e.queue_id = rec.queue_id;
  e.family = rec.family;
  e.first_us = rec.timestamp_us;
  return &e;
}

void QueueBuilder::Add(const LogRecord& rec) {
  if (rec.queue_id.empty() || !IsMta(rec.family)) return;
  if (!options_.host.empty() && rec.host != options_.host) return;
  std::string key;
  key.reserve(rec.host.size() + 1 + rec.queue_id.size());
  key.append(rec.host).push_back('\0');
  key.append(rec.queue_id);
  if (EndsEntry(rec)) {
    open_.erase(key);
    return;
  }
  Entry* e = FindOrCreate(rec, key);
  if (e == nullptr) return;
  e->last_us = rec.timestamp_us;
  if (!rec.message_id.empty() && e->message_id.empty()) e->message_id = rec.message_id;
  const std::string& ev = rec.event;
  if (ev == "queued") {
    e->evidence = true;
    if (e->queued_us == 0) e->queued_us = rec.timestamp_us;
    if (!e->from_queued) {
      e->from = rec.from;
      e->from_queued = true;
    }
    if (rec.size >= 0) e->size = rec.size;
    for (const std::string& to : rec.to) NoteRecipient(*e, to, false);
    return;
  }
  if (!e->from_queued && !rec.from.empty()) e->from = rec.from;
  if (ev == "delivery") {
    e->evidence = true;
    const std::string& st = rec.status;
    const bool final = st == "sent" || st == "bounced" || st == "undeliverable";
    for (const std::string& to : rec.to) NoteRecipient(*e, to, final);
    if (st == "deferred") {
      ++e->deferrals;
      e->last_reply = rec.reply;
      e->last_relay = rec.relay;
    }
    if (!st.empty()) e->last_delivery_status = st;
    // Without an end-of-entry line, an entry whose recipients are all done is done.
    if (!EndsWithRemoval(e->family) && std::none_of(e->recipients.begin(), e->recipients.end(),
                                                    [](const Recipient& r) { return !r.final; })) {
      open_.erase(key);
    }
    return;
  }
  if (ev == "hold" || ev == "milter-hold") {
    e->evidence = true;
    e->held = true;
    for (const std::string& to : rec.to) NoteRecipient(*e, to, false);
    return;
  }
  if (ev == "postsuper") {
    const string_view action = rec.Extra("action");
    if (action == "placed on hold") e->held = true;
    if (action == "released from hold") e->held = false;
    return;
  }
  if (ev == "queue-status") {
    const string_view action = rec.Extra("action");
    if (action == "placed on hold") e->held = true;
    if (action == "released from hold") e->held = false;
    return;
  }
  if (ev == "frozen") e->frozen = true;
  if (ev == "unfrozen") e->frozen = false;
}

v1::QueueResponse QueueBuilder::Finish() {
  std::vector<const Entry*> shown;
  for (const auto& [key, e] : open_) {
    const bool pending = std::any_of(e.recipients.begin(), e.recipients.end(),
                                     [](const Recipient& r) { return !r.final; });
    if (EndsWithRemoval(e.family) ? !e.evidence : !pending) continue;
    const int64_t queued = e.queued_us != 0 ? e.queued_us : e.first_us;
    if (options_.older_than_us > 0 && options_.now_us - queued < options_.older_than_us) continue;
    shown.push_back(&e);
  }
  const auto queued_at = [](const Entry* e) {
    return e->queued_us != 0 ? e->queued_us : e->first_us;
  };
  std::sort(shown.begin(), shown.end(), [&](const Entry* a, const Entry* b) {
    if (queued_at(a) != queued_at(b)) return queued_at(a) < queued_at(b);
    if (a->host != b->host) return a->host < b->host;
    return a->queue_id < b->queue_id;
  });
  if (shown.size() > options_.limit) shown.resize(options_.limit);

  v1::QueueResponse resp;
  for (const Entry* e : shown) {
    v1::QueuedMessage* m = resp.add_messages();
    m->set_host(e->host);
    m->set_queue_id(e->queue_id);
    m->set_message_id(e->message_id);
    m->set_from(e->from);
    for (const Recipient& r : e->recipients) {
      if (!r.final) m->add_recipients(r.address);
    }
    m->set_queued_us(queued_at(e));
    m->set_age_us(std::max<int64_t>(0, options_.now_us - queued_at(e)));
    std::string status = e->frozen                          ? "frozen"
                         : e->held                          ? "hold"
                         : !e->last_delivery_status.empty() ? e->last_delivery_status
                                                            : "queued";
    m->set_last_status(status);
    m->set_last_reply(e->last_reply);
    m->set_last_relay(e->last_relay);
    m->set_deferrals(e->deferrals);
    m->set_size(e->size);
  }
  return resp;
}

}  // namespace mlq
