// Correlation at query time (DESIGN.md, "Correlation"): from a message-id,
// a queue ID or an address, collect every line of a message over all its
// queue IDs and hosts, and decide a verdict per recipient.
//
// The walk follows, through the store's indexes:
//  - all lines of each (host, queue ID), cut to the queue entry's own
//    lifetime (Postfix reuses short queue IDs: a "removed" ends an entry);
//  - links both ways (queued as, amavis queued_as, forwarded as, bounce
//    notices, Exim C="... queued as"), on the same host or, when the ID is
//    not known there, on the fleet host that has it close in time (relay to
//    another server of the fleet);
//  - every message-id seen, which survives every hop and host -- but a
//    queue entry found only by a message-id joins the trace only when it
//    is plausibly the same message (same_message.h: the same envelope
//    sender within 5 days, or a relay between the two hosts); the others
//    are named in `left_out` (a reused Message-ID);
//  - the SMTP session before the queue ID existed (same host/program/pid
//    from "connect" up to "client="), its NOQUEUE rejects, and policy
//    servers' lines (iRedAPD, postgrey, policyd-spf) for the same client;
//  - a NOQUEUE reject and Roundcube's report of it (same host, recipient
//    and second) as one event.
// Verdicts (docs/ARCHITECTURE.md, "Verdicts per recipient"): one row per
// recipient of the message, then one per recipient of each notice back to
// the sender (marked `notice`); a forwarded alias takes its expansions'.
// Bounded: at most kMaxQueues queue entries, kMaxMessageIds ids and
// kMaxLines lines per trace, so a hostile or degenerate store cannot make a
// trace unbounded.
//
// Thread safety: a Tracer only reads the store; many may run concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace mlq {

struct TraceStart {
  std::string message_id;
  std::string queue_id;
  std::string host;  // with queue_id
  std::string from;  // address starts (with since/until)
  std::string to;
  int64_t since_us = 0;
  int64_t until_us = 0;
  size_t max_messages = 20;
};

struct TraceHopResult {
  std::string host;
  std::string queue_id;
  std::string program;  // who created the entry (smtpd, pickup, exim, ...)
  std::string role;     // received, after-filter, relay, bounce, local
  std::string from;
  std::string client;
  std::string delay;
  int64_t first_us = 0;
  int64_t last_us = 0;
  std::vector<StoredRecord> lines;  // time order
  std::vector<std::string> next;    // "host/queue_id"
};

struct RecipientResult {
  std::string address;
  std::string orig_address;
  std::string verdict;  // delivered deferred bounced rejected quarantined expired queued unknown
  std::string dsn;
  std::string reply;
  std::string host;
  std::string queue_id;
  std::string relay;
  std::string where;  // for delivered: "mailbox" or the remote server
  std::string step;   // which step decided: "smtp delivery", "smtpd reject", "amavis", ...
  std::string explanation;
  int64_t time_us = 0;
  StoredRecord deciding;
  // A notice back to the sender (Postfix bounce(8), an Exim or Sendmail
  // DSN) is a row of its own, not one of the message's recipients: who and
  // what ("sender non-delivery", "sender delay", "sender delivery status",
  // "postmaster non-delivery"), and the "host/queue_id" of the message's
  // entry it reports on. Both empty for the message's own recipients.
  std::string notice;
  std::string notice_for;
  // An alias that local(8) forwarded: the addresses it expanded to, whose
  // verdicts decided its own (alias_verdict.h). Sorted.
  std::vector<std::string> expanded_to;
};

struct MessageTraceResult {
  std::vector<std::string> message_ids;
  std::vector<TraceHopResult> hops;       // by first line's time
  std::vector<StoredRecord> other_lines;  // session, rejects, policy, mailbox lines
  // The message's recipients by address, then the notices to the sender
  // (by the entry they report on, then address).
  std::vector<RecipientResult> recipients;
  std::string summary;
  // Not empty when retention has deleted lines this message may have had:
  // its oldest queue entry began within the longest queue lifetime (5 days)
  // after the deletion point and either has no line of its creation (smtpd
  // client=, pickup, cleanup message-id=, an arrival) or was handed on by
  // an earlier entry (from a content filter on loopback, another fleet
  // host, a bounce). Says so instead of presenting a later hop as the start.
  std::string expired_note;
  // Queue entries ("host/queue_id", at most Tracer::kMaxLeftOutNamed) that
  // share a Message-ID with this trace but were not joined to it: no link,
  // another sender (or none, or more than 5 days apart), no relay between
  // the hosts (same_message.h). The note says so in words, with how many.
  std::vector<std::string> left_out;
  std::string left_out_note;
};

// The summary line for people (MessageTraceResult::summary) of `trace`'s
// recipients, hops and notices: "2 recipients: 1 bounced, 1 delivered; 2
// queue entries on 2 hosts". Recomputed after redaction (access.h) so that
// it counts only what the caller sees.
std::string TraceSummary(const MessageTraceResult& trace);

class Tracer {
 public:
  static constexpr size_t kMaxQueues = 64;
  static constexpr size_t kMaxMessageIds = 16;
  static constexpr size_t kMaxLines = 20000;
  static constexpr size_t kMaxLeftOutNamed = 20;

  explicit Tracer(const Store* store) : store_(store) {}

  // Traces of the messages the start designates, oldest first: a
  // Message-ID start gives one per message that uses the ID (walked from
  // its oldest entry not in an earlier trace). InvalidArgument
  // when the start has no key; an empty vector when nothing matches.
  absl::StatusOr<std::vector<MessageTraceResult>> Trace(const TraceStart& start) const;

 private:
  absl::StatusOr<std::vector<MessageTraceResult>> TraceKept(const TraceStart& start) const;

  const Store* store_;
};

}  // namespace mlq
