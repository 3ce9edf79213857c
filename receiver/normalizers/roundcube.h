// The Roundcube webmail normalizer (family "roundcube"), for lines sent to
// syslog (program "roundcube") and for Roundcube's own log files
// ("[10-May-2015 13:02:52 -0400]: <sess> ...", recognized by a sniffer).
// PHP's error_log uses the same date without the colon ("[16-Oct-2021
// 06:43:23 America/Boise] PHP Warning: ..."); such lines are Roundcube's
// only when they name its source path ("roundcube", "rcube") or carry a
// message only Roundcube logs. A leading "<session>" tag becomes extra
// session.
//
// Lines with a numeric zone offset ("+0200", "UTC") in the log-file date
// and no syslog header get that instant as their timestamp; a zone name
// ("America/Boise") keeps the receive time.
//
// Events:
//   login         "Successful login for USER (ID: 1) from IP in session S":
//                 sasl_user, client_ip
//   auth-failure  "Failed login for USER from IP in session S (error: 0)",
//                 "FAILED login for USER from IP", "IMAP Error: Login failed
//                 for USER [against HOST] from IP. ...": sasl_user, client_ip
//                 (the address Roundcube logs last before the IMAP error
//                 text, so a user name containing " from " cannot forge it),
//                 reply = the IMAP error, extra imap_server = HOST
//   smtp-error    "SMTP Error: Failed to add recipient 'x'. 5.7.1 <x>: ...
//                 (Code: 554) in ...": to (or from for "Failed to set
//                 sender"), dsn, reply ("554 5.7.1 <x>: ..."), status "reject"
//                 for 5xx/4xx codes; other "SMTP Error: ..." lines
//   submission    "User USER [IP]; Message <id> for <to>, <to>; 250: 2.0.0 Ok:
//                 queued as QID": sasl_user, client_ip, message_id, to, dsn,
//                 reply, Link{"queued_as", QID} from "queued as QID" (Postfix)
//                 or "OK id=ID" (Exim); "Message for ..." when the message
//                 had no Message-ID
//   imap-error    other "IMAP Error: ..." lines and "Unexpected condition from
//                 IMAP server, closed or corrupt connection ...": reply = the
//                 text without the source trailer, extra server when it ends
//                 with "(host:port)"
//   php-error     PHP's own error_log lines "PHP Warning:  TEXT in FILE on line
//                 N" (Fatal error, Parse error, Warning, Notice, Deprecated,
//                 ...): reply = TEXT, extra php_level, file, line
//   db-error      "DB Error: [2002] Connection refused (SQL Query: ...) in
//                 ...": reply, extra db_code, query
//   db-migration  the CardDAV plugin's schema migrations: "In migration:
//                 0000-dbinit" (extra migration), "Found 7 matches" (extra
//                 statements: the SQL statements of that migration script)
//   request-check-failed
//                 "[PHP Error: ]Request security check failed (POST /url)":
//                 the CSRF token check refused a request; reply
//   error         other "PHP Error: ...", "... Error: ..." lines; reply = text
// Lines ending with Roundcube's request trailer "(METHOD /url)" get extra
// method, url and, from the URL, task and action (imap-error, db-error,
// request-check-failed).
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "roundcube" and a sniffer for Roundcube log-file lines.
void RegisterRoundcube(NormalizerTable& table);

}  // namespace mlq
