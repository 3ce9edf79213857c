// The IMAP/POP3 daemon normalizer for Courier (family "courier"), Cyrus
// IMAP and its timsieved/lmtpd (family "cyrus") and UW IMAP (family
// "uw-imap"). They share program names; the line's shape decides the family.
//
// Events:
//   auth-failure    Courier "LOGIN FAILED, user=x, ip=[...]", Cyrus
//                   "badlogin: host [ip] MECH [user] SASL(-13): ...", UW
//                   "Login failed user=x ... host=name [ip]"; sasl_user,
//                   client_name, client_ip, reply; extra sasl_method when
//                   logged
//   login, logout   successful logins and logouts (same fields)
//   connect, disconnect   session start/end (client_ip)
//   delivery        Cyrus lmtpd "Delivered: <msgid> to mailbox: user.x"
//                   (status "sent", message_id, extra mailbox)
//   info, error     other recognized Cyrus and UW lines
//
// Client addresses are stored without the "::ffff:" IPv4-mapped prefix.
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "imapd" (and "imapd-ssl"), "pop3d" (and "pop3d-ssl"), "ipop3d",
// "imap", "imaps", "pop3", "pop3s", "cyrus", "lmtpunix", "timsieved",
// "sieve", "courierpop3login", "courierpop3d" and "courierimaplogin".
void RegisterImapPop(NormalizerTable& table);

}  // namespace mlq
