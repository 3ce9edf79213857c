// Normalizers for authentication-related daemons that show up in mail
// servers' logs: saslauthd (family "saslauthd"), OpenSSH sshd (family
// "sshd") and policyd-spf (family "policyd-spf").
//
// saslauthd events:
//   auth-failure  "auth failure: [user=x] [service=smtp] [realm=] [mech=pam]
//                 [reason=PAM auth error]" (also after a "do_auth : " debug
//                 prefix) and pam_unix "authentication failure; ... rhost=..
//                 user=x": sasl_user, client_ip (rhost); extra service,
//                 realm, mech, reason
//   login         "auth success: [user=x] [service=imap] ..."
//   info          start-up lines ("master pid is: N", "listening on socket: ...")
//   Zimbra's "auth_zimbra: ..." lines are handed to NormalizeZimbra (family
//   "zimbra"), since this registration replaces Zimbra's own for saslauthd.
// sshd events (also "sshd(pam_unix)", which the table needs registered on
// its own because the program's first path component includes the
// parentheses):
//   auth-failure  "Failed password for [invalid user] x from IP port N ssh2",
//                 "Invalid user x from IP [port N]", "error: PAM:
//                 Authentication failure for x from HOST", pam_unix
//                 "authentication failure; ... rhost=IP user=x", "User x
//                 from HOST not allowed because ...", "maximum authentication
//                 attempts exceeded for x from IP ...", "Disconnecting: Too
//                 many authentication failures ...": sasl_user, client_ip or
//                 client_name; extra method, invalid_user=yes
//   login         "Accepted password|publickey|... for x from IP port N ssh2":
//                 sasl_user, client_ip; extra method
//   disconnect    "Connection closed by [authenticating user x] IP port N",
//                 "Disconnected from user x IP port N", "Received disconnect
//                 from IP port N:11: ...", "Connection reset by IP port N",
//                 "Did not receive identification string from IP"
//   connect       "Connection from IP port N on IP port 22"
//   session       pam_unix "session opened|closed for user x": status
//                 "opened"/"closed", sasl_user
//   info          "Server listening on ...", "Received signal 15; terminating."
// policyd-spf events:
//   spf           "prepend Received-SPF: Pass (mailfrom) identity=mailfrom;
//                 client-ip=..; helo=..; envelope-from=..; receiver=.." and
//                 "... Message rejected due to: SPF fail ...": status pass,
//                 fail, softfail, neutral, none, temperror, permerror;
//                 client_ip, helo, from (envelope-from), to (receiver);
//                 extra identity; reply for rejects
//   info          start-up and configuration lines
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "saslauthd", "sshd", "sshd(pam_unix)", "policyd-spf" and
// "policy-spf".
void RegisterAuthMisc(NormalizerTable& table);

}  // namespace mlq
