// The qmail normalizer (family "qmail"): qmail-send and the other qmail
// programs (also through splogger or multilog, whose timestamps are
// skipped), rblsmtpd, tcpserver and qmail-smtpd patches.
//
// Events:
//   queued          "new msg N" / "info msg N: bytes B from <a> qp Q uid U"
//                   (queue_id, size, from; extra qp, uid)
//   delivery-start  "starting delivery D: msg N to remote b@c" (extra
//                   delivery_id, channel)
//   delivery        "delivery D: success|deferral|failure: ..."; status "sent",
//                   "deferred", "bounced"; reply, dsn from "(#5.1.2)",
//                   Link{"queued_as", ID} when the remote reply names its
//                   queue ID
//   removed         "end msg N"
//   bounce-notice   "bounce msg N"
//   reject          rblsmtpd "IP pid N rbl: 451 ..." / "rbl blocked IP ..."
//                   (client_ip, extra rbl), qmail-smtpd "421 ... ip X",
//                   tcpserver "deny"; status "reject"
//   connect, disconnect   tcpserver "ok ..." / "end ...", qmail-smtpd "pid N
//                   from IP"
//   info, error     other recognized lines
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "qmail" (and "qmail-*" through the table's dash fallback) and
// "rblsmtpd".
void RegisterQmail(NormalizerTable& table);

}  // namespace mlq
