// The perdition IMAP/POP3 proxy normalizer (family "perdition").
//
// Events:
//   login, auth-failure   "Auth: IP:port->IP:port client-secure=... user=\"x\"
//                   ... status=\"ok\"" (sasl_user, client_ip, reply = status;
//                   extra protocol); "Fatal Error ... authentication ..."
//   connect         "Connect: IP:port->IP:port"
//   disconnect      "Close: IP:port->IP:port user=\"x\" ..."
//   error           other "Fatal Error" lines
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "perdition" and "perdition.imap4", "perdition.imap4s",
// "perdition.imaps", "perdition.pop3", "perdition.pop3s",
// "perdition.managesieve".
void RegisterPerdition(NormalizerTable& table);

}  // namespace mlq
