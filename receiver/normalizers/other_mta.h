// Normalizers for the less common MTAs and mail-access daemons: Sendmail,
// qmail, DragonFly Mail Agent (dma), Courier (MTA and IMAP/POP3), Cyrus IMAP
// (and its timsieved), UW IMAP, solid-pop3d, perdition and MailScanner. Each
// sets its own family ("sendmail", "qmail", "dma", "courier", "cyrus",
// "uw-imap", "solid-pop3d", "perdition", "mailscanner").
//
// Events shared by these families:
//   queued          a message entered the queue (sendmail "QID: from=<a>,
//                   size=, class=, nrcpts=, msgid=<id>, proto=, daemon=,
//                   relay=host [ip]"; qmail "new msg N" / "info msg N: bytes
//                   B from <a> qp Q uid U"; dma "new mail from user=..
//                   uid=.. envelope_from=<a>"; courierd "newmsg,id=...")
//   delivery-start  qmail "starting delivery D: msg N to remote b@c", dma
//                   "<b@c> trying delivery", courierd "started,id=..."
//   delivery        a delivery attempt's outcome; status "sent", "deferred",
//                   "bounced" (sendmail "QID: to=<b>, ..., dsn=2.0.0,
//                   stat=Sent (...)"; qmail "delivery D: success|deferral|
//                   failure: ..."; dma "<b> delivery successful|deferred|
//                   failed"; Courier "id=...,addr=<b>,success: ..."); relay,
//                   dsn, reply, delay (seconds), Link{"queued_as", ID} when
//                   the remote reply names its queue ID
//   reject          a refused envelope/connection (sendmail "ruleset=check_rcpt,
//                   arg1=<x>, relay=..., reject=550 5.7.1 ...", "<x>... User
//                   unknown", pre-greeting traffic; qmail rblsmtpd; Courier
//                   "error,relay=...,from=<a>,to=<b>: 550 ..."); status
//                   "reject", client_name, client_ip, dsn, reply
//   auth-failure    failed SMTP AUTH / IMAP / POP3 logins: sasl_user,
//                   client_ip, client_name; extra sasl_method when logged
//   login, logout   successful IMAP/POP3/SMTP AUTH logins and logouts
//   connect, disconnect, lost-connection   session start/end
//   bounce-notice, delay-notice   sendmail "QID: QID2: DSN: ..." (Link
//                   {"bounce", QID2}); qmail "bounce msg N"
//   removed         qmail "end msg N", courierd "completed,id=..."
//   tls, tls-error  sendmail "STARTTLS=server|client, relay=..., version=..."
//   delivery-attempt  dma "trying remote delivery to HOST [IP] pref N" (relay)
//   vrfy-expn       sendmail "[ip]: EXPN root [rejected]" (status "reject"
//                   when refused; extra command)
//   possible-attack sendmail "possible SMTP attack: command=X" for commands
//                   other than AUTH (AUTH gives auth-failure)
//   timeout, milter sendmail "timeout waiting for input from ...", milter notes
//   spam-result     MailScanner "Message QID from IP (a@b) to dom is spam, ..."
//   requeue         MailScanner "Requeue: QID to QID2" (Link{"queued_as", QID2})
//   info, error     other recognized lines of these programs
//
// dma logs "dma[1e92be2.3ccbf7647000][24326]: ...": its queue ID is the
// first bracket group. The syslog parser keeps the numeric group as the pid,
// so the ID is taken from rec.pid when that is not numeric, else from the
// tag in the raw header.
//
// Client addresses are stored without the "::ffff:" IPv4-mapped prefix and
// without Sendmail's "IPv6:" tag, so they compare with Postfix's.
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers: sendmail, sm-mta, sm-msp-queue, sm-acceptingconnections; qmail
// (and qmail-* by the table's dash fallback), rblsmtpd; dma; courieresmtpd,
// courieresmtp, courierd, courierlocal, courier, courierpop3login,
// courierpop3d, courierimaplogin; imapd (and imapd-ssl), pop3d (and
// pop3d-ssl), ipop3d, imap, imaps, pop3, pop3s, cyrus, lmtpunix (Courier,
// Cyrus and UW IMAP share these program names; the line's shape decides);
// solid-pop3d; perdition and perdition.<protocol>; MailScanner.
void RegisterOtherMta(NormalizerTable& table);

}  // namespace mlq
