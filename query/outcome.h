// What one record says about the fate of mail: the delivery outcome the
// Stats report counts (stats_builder.h) and the Prometheus metrics export
// (metrics/mail_metrics.h), decided in this one place so both agree.
//
//   delivered    event "delivery", status "sent", not a hand-off to a local
//                content filter (IsContentFilterHandoff): one per recipient.
//   deferred     event "delivery", status "deferred": one per line.
//   bounced      event "delivery", status "bounced" or "undeliverable": one
//                per recipient.
//   rejected     event "reject", "milter-reject", "proxy-reject" of a mail
//                family (sshd's tcp_wrappers rejects are not mail): one per
//                recipient.
//   quarantined  amavis "Blocked" results (event "filter-result", status
//                "blocked"), Postfix "hold" and "milter-hold": one per line.
//   expired      event "expired" (not amavis): one per line.
// Every count is at least 1 ("one per recipient" of a line that names none
// is 1).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "store/record.h"

namespace mlq {

enum class Outcome : uint8_t {
  kNone = 0,  // the record decides nothing
  kDelivered,
  kDeferred,
  kBounced,
  kRejected,
  kQuarantined,
  kExpired,
};
inline constexpr int kOutcomeCount = 7;  // including kNone

// "delivered", "deferred", ..., "" for kNone.
std::string_view OutcomeName(Outcome o);

struct RecordOutcome {
  Outcome outcome = Outcome::kNone;
  uint64_t count = 0;  // how much the record adds to the outcome's total (see above)
};

// The outcome of `rec`, see above.
RecordOutcome OutcomeOf(const LogRecord& rec);

// True for reject lines of a mail family (event reject, milter-reject,
// proxy-reject; not sshd).
bool IsRejectEvent(const LogRecord& rec);

// True when `rec` (a delivery line) hands the message to a local content
// filter rather than delivering it: a relay on a loopback address
// (127.0.0.0/8, ::1, localhost) on a port other than 24 (LMTP), 25 and
// 7025 (Zimbra LMTP); a relay or transport named like a filter ("amavis",
// "smtp-amavis", "*filter*", "spamassassin", "dspam", ...); or an amavis
// reply ("... from MTA([127.0.0.1]:10025): 250 ...").
bool IsContentFilterHandoff(const LogRecord& rec);

}  // namespace mlq
