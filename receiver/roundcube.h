// The Roundcube webmail normalizer (family "roundcube"), for lines sent to
// syslog (program "roundcube") and for Roundcube's own log files
// ("[10-May-2015 13:02:52 -0400]: <sess> ...", recognized by a sniffer).
// PHP's error_log uses the same date without the colon ("[16-Oct-2021
// 06:43:23 America/Boise] PHP Warning: ..."); such lines are Roundcube's
// only when they name its source path ("roundcube", "rcube") or carry a
// message only Roundcube logs. A leading "<session>" tag becomes extra
// session.
//
// Events:
//   login         "Successful login for USER (ID: 1) from IP in session S":
//                 sasl_user, client_ip
//   auth-failure  "Failed login for USER from IP in session S (error: 0)",
//                 "FAILED login for USER from IP", "IMAP Error: Login failed
//                 for USER [against HOST] from IP. ...": sasl_user, client_ip
//                 (the address Roundcube logs last before the IMAP error
//                 text, so a user name containing " from " cannot forge it),
//                 reply = the IMAP error
//   smtp-error    "SMTP Error: Failed to add recipient 'x'. 5.7.1 <x>: ...
//                 (Code: 554) in ...": to (or from for "Failed to set
//                 sender"), dsn, reply ("554 5.7.1 <x>: ..."), status "reject"
//                 for 5xx/4xx codes; other "SMTP Error: ..." lines
//   submission    "User USER [IP]; Message <id> for <to>, <to>; 250: 2.0.0 Ok:
//                 queued as QID": sasl_user, client_ip, message_id, to, dsn,
//                 reply, Link{"queued_as", QID} from "queued as QID" (Postfix)
//                 or "OK id=ID" (Exim); "Message for ..." when the message
//                 had no Message-ID
//   info          debug output ("Found 1 matches", "In migration: ...")
//   error         "PHP Error: ...", "PHP Warning: ...", "DB Error: ...", other
//                 "IMAP Error: ..." and "... Error: ..." lines; reply = text
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizer.h"

namespace mlq {

// Registers "roundcube" and a sniffer for Roundcube log-file lines.
void RegisterRoundcube(NormalizerTable& table);

}  // namespace mlq
