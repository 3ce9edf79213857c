// The Postgrey greylisting policy server normalizer (family "postgrey").
//
// Events:
//   policy       one decision: "action=pass|greylist, reason=..., [delay=N,]
//                client_name=..., client_address=..., sender=..., recipient=..."
//                -> status = action, client_name, client_ip, from, to,
//                extra reason (and delay, the seconds the triplet waited);
//                also the pre-1.30 forms "delayed N seconds: client=...,
//                from=..., to=..." (status "greylist") and "whitelisted: ..."
//   maintenance  database cleaning ("cleaning up old entries...",
//                "cleaning main database finished. before: 4, after: 4";
//                extra before/after)
//   info         start-up and shutdown lines (Net::Server messages)
//   error        warnings and fatal errors
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "postgrey".
void RegisterPostgrey(NormalizerTable& table);

}  // namespace mlq
