// The Kerio Connect (formerly Kerio MailServer) normalizer: its mail.log
// (one line per message received and per recipient delivered) and its
// security.log (rejections, failed logins), as files written with a
// "[22/Nov/2026 10:11:12] " prefix or forwarded through syslog.
//
// Every recognized line gets family "kerio" and one of these events:
//   queued        "Recv: Queue-ID: q, Service: SMTP, From: <a>, To: <b>, Size: n,
//                 User: u, Sender-Host: ip, SSL: yes, Subject: s, Msg-Id: <m>"
//                 (queue_id, from, to, size, sasl_user, client_ip, message_id;
//                 extras service, ssl, subject, report) and the Kerio 6 form
//                 "SMTP: From: <a>, To: <b>, ..." / "DSN: From: <>, ..., Report: failed"
//   delivery      "Sent: Queue-ID: q, Recipient: <b>, Result: delivered,
//                 Status: 2.0.0, Remote-Host: ip, Msg-Id: <m>": to, dsn, relay,
//                 message_id, reply (Answer:), status from Result: delivered/
//                 relayed -> "sent", delayed/deferred -> "deferred",
//                 failed/bounced -> "bounced" (extra result keeps the word)
//   auth-failure  "Failed SMTP login from ip with SASL method X", "Failed IMAP
//                 login from ip, ...", "SMTP: User u doesn't exist. Attempt from
//                 IP address ip", "HTTP/WebMail: Invalid password for user u.
//                 Attempt from IP address ip", "Administration login ... from ip
//                 failed: ..." (client_ip, sasl_user, reply, extras service, sasl_method)
//   reject        "Attempt to deliver to unknown recipient <b>, from <a>, IP address ip",
//                 "IP address ip found in DNS blacklist X, mail from <a> to <b>"
//                 (extra dnsbl), "Relay attempt from IP address ip, ...",
//                 "Client with IP address ip has no reverse DNS entry, ...",
//                 "Message from ... rejected ..." (status "reject", reply)
//   spam-attack   "SMTP Spam attack detected from ip, client ... before SMTP greeting"
//   spf-fail      "SPF check failed: The IP address 'ip' is not in permitted set
//                 for sender 'a' (FAIL)"
//   virus         "Found virus in mail from <a> to <b>: name" (extra virus)
//   mailbox-operation  operations.log "{MOVE} Protocol: p, User: u, IP: ip, ...,
//                 Msg-Id: <<m>>, Size: n" (sasl_user, client_ip, from,
//                 message_id, size; extras operation, protocol, folder, destination)
//   av-update     "Kerio Antivirus database has been successfully updated. Kerio
//                 Antivirus engine version/Signature count: (E/n) is now active."
//                 (status "updated"; extras engine, sigs)
//   config-change config.log "admin@x - Update ..." (sasl_user)
//   info          any other Kerio line
// The bracketed time (local time, no zone: taken as UTC) becomes
// rec.timestamp_us when the record has no syslog header (rec.format == kNone).
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <string_view>

#include "receiver/normalizers/normalizer.h"
#include "store/record.h"

namespace mlq {

// Registers NormalizeKerio for "kerio", "kerioconnect", "keriomailserver"
// and "mailserver" (the Kerio daemon's name on Linux), and SniffKerio.
void RegisterKerio(NormalizerTable& table);

// Normalizes a Kerio line (with or without its bracketed time). Always
// returns true (unknown shapes get "info"), except for a "mailserver" line
// that neither starts with Kerio's time nor has a known Kerio shape.
bool NormalizeKerio(std::string_view msg, LogRecord& rec);

// Recognizes lines that start with Kerio's "[DD/Mon/YYYY HH:MM:SS] " and
// carry no program. Returns false and leaves rec untouched otherwise.
bool SniffKerio(std::string_view msg, LogRecord& rec);

}  // namespace mlq
