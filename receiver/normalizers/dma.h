// The DragonFly Mail Agent normalizer (family "dma").
//
// Events:
//   queued            "new mail from user=.. uid=.. envelope_from=<a>" (from;
//                     extra user, uid)
//   delivery-attempt  "trying remote delivery to HOST [IP] pref N" (relay;
//                     extra pref)
//   delivery-start    "<b@c> trying delivery"
//   delivery          "<b> delivery successful|deferred|failed", "mail to=<b>
//                     deferred|failed: ...", "remote delivery deferred: ...";
//                     status "sent", "deferred", "bounced"; to, reply
//   info, error       other recognized lines
//
// dma logs "dma[1e92be2.3ccbf7647000][24326]: ...": its queue ID is the
// first bracket group. The syslog parser keeps the numeric group as the pid,
// so the ID is taken from rec.pid when that is not numeric, else from the
// tag in the raw header.
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "dma".
void RegisterDma(NormalizerTable& table);

}  // namespace mlq
