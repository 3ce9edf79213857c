// The Dovecot normalizer: IMAP/POP3 logins and authentication failures, local
// delivery (LDA, LMTP, Sieve) and mailbox sessions.
//
// Dovecot logs through syslog with the tag "dovecot" and names the process in
// the message: "imap-login: Login: user=<u>, ...", "auth-worker(123): pam(u,
// ip): unknown user", "lmtp(user)<pid><session>: msgid=<x>: saved mail to
// INBOX". Written to its own log file instead, the process name is the first
// word of the line ("Jan 29 09:33:58 pop3-login: Info: ..."), which a syslog
// header parser takes for the tag; both forms are understood.
//
// Events (family "dovecot"):
//   login           "<proto>-login: Login: user=<u>, method=PLAIN, rip=..., session=<s>"
//   auth-failure    "...-login: Disconnected (auth failed, 1 attempts ...)", "auth:
//                   passwd-file(u,ip): unknown user", "pam_unix(dovecot:auth):
//                   authentication failure; ...", "Password mismatch", ...
//   aborted-login   "...-login: Aborted login (...)", "Login aborted: ..." without an
//                   authentication failure
//   disconnect      "...-login: Disconnected (no auth attempts ...)" and the like
//   login-refused   "...-login: Maximum number of connections from user+IP exceeded"
//   local-delivery  lda/lmtp/deliver: "msgid=<x>: saved mail to INBOX", Sieve "stored
//                   mail into mailbox 'X'", "forwarded to <y>", "discarded", quota and
//                   other failures; status "stored", "failed", "quota", "rejected",
//                   "discarded", "forwarded"
//   connect, disconnect  lmtp "Connect from local" / "Disconnect from local: ..."
//   session         "imap(user)<pid><session>: Logged out in=.. out=.." and other ends
//                   of a mail session
//   sieve           IMAPSieve actions in a mail session ("sieve: left message in ...")
//   mail-log        the mail_log plugin ("expunge: box=INBOX, uid=7, msgid=<x>, ...")
//   master          master process start-up ("Dovecot v2.3.4 starting up ...")
//   process-killed  "master: Warning: Killed with signal 15 (by pid=1 uid=0 code=kill)"
//                   (extra signal, sender_pid, sender_uid, signal_code), "service(imap):
//                   child 1234 killed with signal 9 ..." (extra process, pid, signal)
//   process-died    1.x "Auth process died too early - shutting down" (extra process)
//   auth-driver-missing  "auth(default): Support not compiled in for passdb driver
//                   'ldap'", "Unknown userdb driver 'x'" (extra db, driver)
//   auth-request    auth_debug "client in: AUTH#0111#011PLAIN#011service=imap..."
//                   (status "received"; extra sasl_method, auth_service, session,
//                   local_ip, ports; client_ip) and "auth(u,ip): Auth request finished"
//                   (status "finished")
//   passdb-lookup, userdb-lookup  "Performing passdb lookup" / "Finished ..." (status
//                   "started" / "finished")
//   passwd-file-lookup  "passwd-file(u,ip): lookup: user=u file=F" (extra lookup_user, file)
//   master-user-lookup, master-user-login  "Master user lookup for login: L",
//                   "Master user logging in as L" (extra login_user)
//   mailbox-indexed indexer-worker "Mailbox X: Indexed 1 messages (UIDs 419..419)"
//                   (extra mailbox, count, uids)
//   info, debug, warning, error, fatal   anything else, by Dovecot's log level
// Fields: sasl_user (login/auth user; the mailbox user of a session), client_ip
// (rip / remote IP), to (the delivery user), from, message_id, size, status,
// reply (reason text; passwords that auth_verbose_passwords appends are cut
// off). Extras: service, session (Dovecot session ID; also lmtp_session for
// LMTP, the ID Postfix's LMTP reply quotes), mail_pid, local_ip, sasl_method,
// auth_db, mailbox, sieve_action, ...
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <string_view>

#include "receiver/normalizers/normalizer.h"
#include "store/record.h"

namespace mlq {

// Registers NormalizeDovecot for the program names only Dovecot uses
// ("dovecot" and with it "dovecot-*", "imap-login", "pop3-login",
// "submission-login", "managesieve-login", "auth-worker") and SniffDovecot
// as a sniffer for lines whose program names no entry.
void RegisterDovecot(NormalizerTable& table);

// The NormalizeFn behind the registered programs: always recognizes the line
// (family "dovecot", a non-empty event) and returns true.
bool NormalizeDovecot(std::string_view msg, LogRecord& rec);

// For lines whose program is not a Dovecot name: recognizes (and normalizes
// like NormalizeDovecot) only lines that are unmistakably Dovecot's, returns
// false and leaves rec untouched otherwise. Accepts
// - no program: "[@<tai64n> | YYYY-MM-DD hh:mm:ss ]<dovecot process>: ..." (file logs);
// - program "auth-worker(N)", "auth(user,ip,...)", "lmtp(user)", "imap(user)", ...:
//   a Dovecot process name with Dovecot's "(...)" suffix;
// - program "auth" with a Dovecot passdb line ("pam(u,ip): ...",
//   "pam_unix(dovecot:auth): ..."). "auth" alone is too common a tag to
//   register; a normalizer that owns it may delegate here.
bool SniffDovecot(std::string_view msg, LogRecord& rec);

}  // namespace mlq
