// The Exim normalizer: Exim's main log (via syslog as "exim[pid]: ...", or
// read from /var/log/exim4/mainlog with no syslog header), its reject log
// (including the header dump that follows each rejection) and its panic log.
//
// Message IDs are recognized in both forms: the classic 16 characters
// "1pABCd-000Abc-Xy" and the 23 characters of Exim 4.97+
// "1rXyZa-00000000AbC-0aBc"; the ID that starts a line is the queue_id.
// A host "H=name (helo) [ip]:port" of the receiving side fills client_name,
// helo, client_ip and extra client_port (as the postfix normalizer does).
//
// Every recognized line gets family "exim" and one of these events:
//   queued          "<=" arrival: from, size (S=), client (H=), proto (P=),
//                   message_id (id=), sasl_user (A=), to ("for ..."),
//                   extras user (U=), subject (T=), tls (X=), interface (I=);
//                   a bounce's "R=<id>" becomes Link{"bounce", id}
//   delivery        "=>" / "->" / ">>" (status "sent"), "*>" ("suppressed"),
//                   "**" ("bounced"), "==" ("deferred"): to, orig_to, relay
//                   (H=, as "name[ip]:port"), reply (C= or the error text),
//                   dsn, delay (QT=), extras router (R=), transport (T=),
//                   delivered_to (a pipe/file/local part that is not an
//                   address); "queued as X" / "id=X" in the reply become
//                   Link{"queued_as", X}
//   removed         "Completed"
//   frozen/unfrozen "Frozen", "Message is frozen", "Unfrozen by ..."
//   reject          "rejected RCPT/MAIL/EHLO/after DATA/by local_scan()/connection
//                   in ACL", "dropped by ACL", "refused ..." (status "reject";
//                   extras stage, temporary=yes for "temporarily rejected")
//   verify-fail     "sender/recipient verify fail[ed] for <x>" (also "defer")
//   acl-warning     a "warn" ACL statement's message, logged with the
//                   client's fields: "H=host [ip] Warning: ..." (reply)
//   warning         other "Warning: ..." lines
//   auth-failure    "<name> authenticator failed for ...": client, sasl_user
//                   (set_id=), reply, extra authenticator
//   connect, disconnect, connection-lost, no-mail, timeout, dropped,
//   protocol-error, dns-error, tls-error
//                   SMTP session events of the receiving side (client fields)
//   connection-error, reply
//                   the sending side: "Connection refused", "Network is
//                   unreachable", "SMTP error from remote mail server ..."
//   discard         "RCPT <x>: discarded by RCPT ACL" (status "discard")
//   spam-check      sa-exim "SA: Action: ..." (message_id, from, client, to;
//                   extras action, score); "debug" for "SA: Debug: ..."
//   dkim            "DKIM: d=... [verification ...]" (extras dkim_domain, dkim_result)
//   malware-error   "malware acl condition: <scanner> ...: <error>"
//   error-ignored   "<id> addr: error ignored" (a bounce of a bounce dropped)
//   outbound        cPanel's "SMTP connection outbound ..." lines
//   queue-run-start, queue-run-end, daemon-start (extra version), daemon-stop,
//   daemon-reload
//   removed         also "removed by <user>" / "cancelled by ..." (extra reason)
//   queue-only      "<id> no immediate delivery: ..." (extra reason)
//   transport-output "<id> <addr>: pipe transport output: text": to (or extra
//                   delivered_to), extra transport, reply
//   etrn            "ETRN <arg> received from <host>" (extra argument, client)
//   config-error    "Exim configuration error in line N of F:" (reply)
//   expansion-error "failed to expand ...", "expansion of ... failed"
//   filter-error    "Error in system filter: ..."
//   delivery-process-error
//                   "transport process returned non-zero status", "failed to
//                   read delivery status", "unable to set gid/uid", never_users
//   panic           other panic-log material: "unable to ...", taint errors,
//                   invalid option values (all of these: reply = the text)
//   rejectlog-envelope
//                   the reject log's "Envelope-from: <a>" (from) and
//                   "Envelope-to: <b>" (to) after a rejection
//   rejectlog-header one header of the rejected message as the reject log
//                   dumps it, "<flag> Name: value" (extra header; the
//                   Message-Id header fills message_id)
//   continuation    a line that continues the previous one: folded header
//                   lines, the indented second line of a multi-line message,
//                   and parts 2..n of a message Exim split for syslog ("[2/3]")
//   other           any other line of an Exim program, or any other line with
//                   an Exim log timestamp (ACL logwrite texts and the like)
//
// Timestamps: a line read from a file starts "YYYY-MM-DD HH:MM:SS[.fff]
// [+zzzz] [[pid]] ". When the record has no syslog header (rec.format ==
// kNone) that time becomes rec.timestamp_us and kFlagNoTimestamp is cleared;
// the "[pid]" (log_selector +pid), or the pid of a syslog tag left inside
// the text ("host exim[123]: ..."), fills rec.pid when it is empty.
// Exim writes local time and the record carries no zone, so a timestamp
// without an explicit +zzzz offset (log_timezone) is taken as UTC.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <string_view>

#include "receiver/normalizers/normalizer.h"
#include "store/record.h"

namespace mlq {

// Registers NormalizeExim for the programs "exim" and "exim4" (and, through
// the table's fallback, "exim4-heavy" and the like), and SniffExim as a
// sniffer for lines without a registered program.
void RegisterExim(NormalizerTable& table);

// Normalizes a line of an Exim program. Always returns true: every line of
// an Exim program is Exim's (unknown shapes get event "other").
bool NormalizeExim(std::string_view msg, LogRecord& rec);

// Recognizes Exim log lines that carry no program (files read without a
// syslog header): lines starting with an Exim log timestamp followed by one
// space, unheaded Exim shapes ("... authenticator failed for ...", "SMTP
// protocol error in ..."), and reject-log continuation lines (led by a blank,
// "Envelope-from:", or a header-dump "P Received:"). Returns false and
// leaves rec untouched otherwise, and for any record whose program is set.
// Left for other sniffers: Java stack-trace lines ("at x.y(Z.java:1)",
// "Caused by:"), and timed lines of other programs that use the same time
// format ("... INFO ...", "... CRIT: ...", "... imap-login: Info: ...",
// several blanks after the time).
bool SniffExim(std::string_view msg, LogRecord& rec);

}  // namespace mlq
