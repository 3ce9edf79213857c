// The Courier MTA normalizer (family "courier"): courieresmtpd, courierd
// and the delivery modules, whose lines are item lists "key=value,...:
// text". (Courier's IMAP/POP3 logins are in imap_pop.h.)
//
// Events:
//   queued          courierd "newmsg,id=..."
//   delivery-start  courierd "started,id=..." ("connect" when no id)
//   delivery        "id=...,from=<a>,addr=<b>,success: ..." / ",status:
//                   deferred" / ",delay: ..." / ": 550 ..."; status "sent",
//                   "deferred", "bounced"; to, reply, dsn,
//                   Link{"queued_as", ID} when the remote reply names its
//                   queue ID
//   reject          "error,relay=...,from=<a>,to=<b>: 550 ..."; status
//                   "reject", client_ip, reply, dsn
//   auth-failure    "error,..." whose reply is a 535 or "authentication failed"
//   removed         courierd "completed,id=..."
//   info            other item lists
//
// Client addresses are stored without the "::ffff:" IPv4-mapped prefix.
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "courieresmtpd", "courieresmtp", "courierd", "courierlocal",
// "courier", "courierdeliver" and "courierfilter".
void RegisterCourier(NormalizerTable& table);

}  // namespace mlq
