// Postfix "warning:", "error:", "fatal:" and "panic:" lines of a known
// shape: what went wrong, classified by the part of Postfix that reports it.
// A helper of the Postfix normalizer (postfix.cc), which calls it for every
// level line; lines of another shape keep the level as their event there
// (or get the few shapes postfix.cc itself knows: tls-error, auth-failure,
// lookup-error after a queue ID). The shapes follow Postfix's msg_warn() / msg_fatal()
// texts (smtpd.c, smtpd_peer.c, anvil-driven limits, master_spawn.c,
// master_ent.c, mail_params.c, sendmail.c, postdrop.c, postfix-script).
//
// Events (fields in LogRecord; the level word stays in the raw text and the
// PRI severity):
//   dns-mismatch        "hostname X does not resolve to address IP[: reason]",
//                       "IP: hostname X verification failed: reason",
//                       "IP: address not listed for hostname X": the client's
//                       reverse and forward DNS disagree; client_ip, extra
//                       hostname, reply = reason
//   non-smtp-command    "non-SMTP command from host[ip]: GET / HTTP/1.1":
//                       client, extra command
//   rate-limit          "Connection rate limit exceeded: 31 from host[ip] for
//                       service smtpd" (any "... limit exceeded: N from ..."):
//                       client, extra limit ("Connection rate"), count, service
//   illegal-address     "Illegal address syntax from host[ip] in MAIL command:
//                       <x>": client, extra stage, from (MAIL) or to (RCPT)
//   sasl-error          "SASL authentication failure: reason" (the Cyrus SASL
//                       library, before smtpd's own auth-failure line): reply
//   dnsbl-error         "NAME: RBL lookup error: ...", "dnsblog_query: lookup
//                       error for DNS query NAME: ...": extra query, reply
//   lookup-error        "virtual_alias_domains lookup failure": extra map (and,
//                       in postfix.cc, "QID: sender_canonical_maps map lookup
//                       problem for ADDR -- ...": queue_id, extra map, address)
//   ipc-error           "private/lmtp socket: malformed response", "problem
//                       talking to service private/scache: reason": extra
//                       service, reply
//   transport-failure   "transport lmtp failure -- see a previous ...": extra
//                       transport
//   process-exit        master: "process /usr/lib/postfix/sbin/smtp pid 1933
//                       exit status 1" / "... killed by signal 11": extra
//                       command, pid, exit_status or signal
//   service-throttled   master: "/usr/lib/postfix/sbin/smtp: bad command
//                       startup -- throttling": extra command
//   startup-failed      master / postfix-script: "daemon initialization
//                       failure", "mail system startup failed", "Postfix
//                       integrity check failed!", "bind 127.0.0.1 port 25:
//                       Address already in use" (extra address, port, reply)
//   master              postfix-script: "the Postfix mail system is not
//                       running" / "is already running": extra state
//                       (not-running, running)
//   config-error        "open /etc/postfix/main.cf: reason", "open database
//                       X: reason", "no /etc/postfix/master.cf file found",
//                       "/etc/postfix/master.cf: <problem>", "file F: parameter
//                       P: <problem>", "config variable P: <problem>", "P is
//                       larger than Q - adjusting P", "unknown service:
//                       private/x/tcp", "host:service: Servname not supported
//                       for ai_socktype", "unsupported dictionary type: X":
//                       extra file, parameter, service, dict_type; reply =
//                       the problem
//   usage-error         sendmail: "Recipient addresses must be specified on the
//                       command line or via the -t option", "-t option cannot
//                       be used with -bv"; postfix-script: "unknown command:
//                       'restart'" (extra command), "usage: postfix start ...";
//                       reply = the text
//   submit-error        sendmail / postdrop: "root(0): error reading input: Is
//                       a directory", "uid=0: File too large", "mail_queue_enter:
//                       create file maildrop/X: reason": extra user, uid; reply
//
// Thread safety: stateless, allocation only for the record's fields.
#pragma once

#include <string_view>

#include "store/record.h"

namespace mlq::postfix_problems {

// Classifies `text`, what follows "warning: ", "error: ", "fatal: " or
// "panic: " in a Postfix line. The daemon is the last path component of
// rec.program. Returns true and sets rec.event and the fields for a known
// shape; returns false and leaves rec untouched otherwise.
bool Classify(std::string_view text, LogRecord& rec);

}  // namespace mlq::postfix_problems
