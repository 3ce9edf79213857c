// Postfix verbose logging (-v in master.cf, debug_peer_list): the recurring
// line shapes that only verbose logging writes, classified by what they
// trace. A helper of the Postfix normalizer (postfix.cc), which calls it
// last, after every normal-log shape; lines of an unknown verbose shape stay
// event "debug" there.
//
// Events (fields in LogRecord; extra.function names the traced function
// where the line starts with one):
//   smtp-trace          "< host[ip]: EHLO x", "> host[ip]: 250-PIPELINING":
//                       the SMTP dialog; client (smtpd) or relay (smtp,
//                       lmtp), extra.direction received|sent, extra.command
//                       (upper-cased verb) or extra.reply_code with reply and
//                       dsn; from/to/helo from MAIL FROM, RCPT TO, EHLO/HELO
//   restriction-trace   ">>> START Recipient address RESTRICTIONS <<<"
//                       (extra.stage), generic_checks, permit_*, reject_*,
//                       check_*, smtpd_check_rewrite (extra.restriction,
//                       extra.result; client of permit_mynetworks)
//   attr-trace          "send attr NAME = VALUE", "input attribute name: X",
//                       "input attribute value: X", "SOCK socket: wanted
//                       attribute: X": the attribute streams between daemons
//                       (extra.attr_op send|receive|want, attr, value, socket)
//   lookup-trace        maps_find, mail_addr_find, match_list_match,
//                       match_string, match_hostname, match_hostaddr, dict_*,
//                       ctable_locate, been_here: table, map and list lookups
//                       (extra.table, key, pattern, result)
//   address-trace       resolve_clnt, rewrite_clnt, extract_addr,
//                       smtpd_check_addr, rewrite_sender: address rewriting
//                       and resolution (extra.address, result, transport,
//                       nexthop)
//   qmgr-trace          qmgr_* functions, transport_event, "start/end sorted
//                       recipient list", "QID: recipient limit N", "wakeup QID
//                       after N secs" (queue_id when the line names one)
//   queue-scan-start    "qmgr_scan_start: start incoming queue scan" (extra.queue)
//   queue-scan-done     "done incoming queue scan" (extra.queue)
//   queue-move          "start move queue active -> incoming" (extra.from_queue,
//                       to_queue, phase)
//   trigger             "trigger_server_accept_local: trigger arrived",
//                       "request: 65 (A)", "request ignored" (extra.request)
//   master-notify       "master_notify: status 1" (extra.process_status)
//   config-trace        name_mask, inet_addr_local, mynetworks, "process
//                       generation", "param_name = value", Berkeley DB
//                       versions, "host name lookup methods" (extra.param, value)
//   smtp-stream-setup   "smtp_stream_setup: maxtime=300 enable_deadline=0"
//   mail-flow           mail_flow_put / mail_flow_get (extra.value)
//   connection-established / connection-closed   the server skeleton's
//                       "connection established" / "connection closed"
//   ipc-connect         "connect to subsystem private/rewrite", auto_clnt_create
//                       (extra.service)
//   ipc-disconnect      "rewrite stream disconnect" (extra.service)
//   daemon-exit         "idle timeout -- exiting", "master disconnect -- exiting"
//                       (extra.reason)
//   cleanup-trace       cleanup_* functions, "cleanup flags = ...", "initial
//                       envelope X ...", "extracted envelope X", "open
//                       incoming/QID" (queue_id)
//   queue-space         fsspace, smtpd_check_queue (extra.block_size,
//                       blocks_free, ...)
//   delivery-trace      deliver_request_*, deliver_message, flush_add
//   smtp-connect-trace  smtp_connect_addr, smtp_addr_one, smtp_find_self,
//                       smtp_parse_destination, "connecting to X port N",
//                       "begin/end X address list", "pref N host X/ip"
//   dns-trace           dns_query, dns_get_answer, "lookup X type A flags N"
//                       (extra.dns_name, dns_type, result)
//
// Thread safety: stateless, allocation only for the record's fields.
#pragma once

#include <string_view>

#include "store/record.h"

namespace mlq::postfix_verbose {

// Classifies `s`, the MSG of a Postfix line after any "QID: " (rec.queue_id
// is then already set), as one of the verbose-logging shapes above. The
// daemon is the last path component of rec.program. Returns true and sets
// rec.event and the fields for a known shape; returns false and leaves rec
// untouched otherwise.
bool Classify(std::string_view s, LogRecord& rec);

}  // namespace mlq::postfix_verbose
