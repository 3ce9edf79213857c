// The MailScanner normalizer (family "mailscanner").
//
// Events:
//   spam-result     "Message QID from IP (a@b) to dom is spam, ..." / "is not
//                   spam" / "is whitelisted"; status "spam" or "ham",
//                   queue_id, client_ip, from; extra to_domain, score,
//                   required, reason
//   requeue         "Requeue: QID to QID2" (Link{"queued_as", QID2})
//   virus-found     "Infected message QID came from IP"
//   info            batch, scanning and start-up lines
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "MailScanner".
void RegisterMailScanner(NormalizerTable& table);

}  // namespace mlq
