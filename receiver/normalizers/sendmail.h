// The Sendmail normalizer (family "sendmail").
//
// Events ("QID: " before the text when the line has a queue ID, "NOQUEUE: "
// dropped):
//   queued          "QID: from=<a>, size=, class=, nrcpts=, msgid=<id>, proto=,
//                   daemon=, relay=host [ip]" -> from, size, nrcpt,
//                   message_id, proto, client_name, client_ip, extra daemon
//                   (extra submitter for a local "relay=root@localhost")
//   delivery        "QID: to=<b>, ..., delay=, mailer=, relay=, dsn=2.0.0,
//                   stat=Sent (...)"; status "sent", "deferred", "bounced"
//                   (from the DSN class, else the stat text); relay, dsn,
//                   reply, delay (seconds), Link{"queued_as", ID} when the
//                   remote reply names its queue ID
//   reject          "ruleset=check_rcpt, arg1=<x>, relay=..., reject=550 5.7.1
//                   ...", "<x>... User unknown", "rejecting commands from
//                   ...", milter rejects; status "reject", client_name,
//                   client_ip, dsn, reply
//   auth-failure    "AUTH failure (MECH): ..., user=x, relay=host [ip]"
//                   (sasl_user, client_name, client_ip, extra sasl_method) and
//                   "possible SMTP attack: command=AUTH"
//   login           "AUTH=server, relay=..., authid=x, mech=M"
//   connect, disconnect, lost-connection, timeout   session start/end
//   bounce-notice, delay-notice   "QID: QID2: DSN: ..." (Link{"bounce", QID2})
//   tls, tls-error  "STARTTLS=server|client, relay=..., version=..."
//   vrfy-expn       "[ip]: EXPN root [rejected]" (status "reject" when
//                   refused; extra command)
//   possible-attack "possible SMTP attack: command=X" for commands other than
//                   AUTH
//   milter          milter notes
//   info, error     other recognized lines
//
// Client addresses are stored without the "::ffff:" IPv4-mapped prefix and
// without Sendmail's "IPv6:" tag (kv::CleanIp), so they compare with
// Postfix's.
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "sendmail", "sm-mta", "sm-msp-queue" and "sm-acceptingconnections".
void RegisterSendmail(NormalizerTable& table);

}  // namespace mlq
