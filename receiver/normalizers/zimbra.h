// The Zimbra normalizer: the mailbox server's log4j files (mailbox.log,
// audit.log, read from disk with no syslog header or forwarded through
// syslog) and the Zimbra-specific programs of /var/log/zimbra.log.
// Zimbra's Postfix and amavis lines in zimbra.log belong to the postfix and
// amavis normalizers and are not registered here.
//
// mailbox.log / audit.log lines look like
//   2026-11-22 10:11:12,345 INFO  [LmtpServer-1] [name=u@x;mid=5;ip=1.2.3.4;] lmtp - text
// i.e. time, level, [thread], [context key=value;...], category, " - ", text.
// The context gives client_ip (oip, the originating client, else ip) and
// the account (name=): sasl_user for requests, `to` for LMTP deliveries.
// Every recognized line gets family "zimbra" and one of these events:
//   local-delivery  lmtp "Delivering message: size=N bytes, nrcpts=N, sender=a,
//                   msgid=<m>" (size, nrcpt, from, message_id; extra stage
//                   "start"/"complete"), "Delivery OK" (status "delivered"),
//                   "accepted and discarded message" ("discarded"),
//                   "rejecting message ..." ("rejected"), "try again for
//                   message ..." ("deferred"), "Not delivering message with
//                   duplicate Message-ID" ("duplicate")
//   stored          mailop "Adding Message: id=.., Message-ID=<m>, ..., folderName=X"
//                   (message_id, to = the mailbox account, extra folder)
//   login           audit "security - cmd=Auth; account=a; protocol=p;" without error
//                   (sasl_user, client_ip, extra protocol)
//   auth-failure    audit lines with "error=", "authentication failed for [u]"
//                   (SoapEngine handler exceptions), saslauthd auth_zimbra failures
//   audit           other audit "security - cmd=X; ..." lines (extra cmd)
//   mailop          other mailop lines (moves, deletes)
//   dos-alert       jetty "DOS ALERT:ip=..." (client_ip)
//   servlet-start   soap "Servlet SoapServlet starting up" (extra servlet)
//   handler-exception  "handler exception[ com.x.FooError: message]" without an
//                   authentication failure (extra exception, reply)
//   service-exception  "Service exception com.x.ServiceException: message"
//   connection-error   "Fatal error occurred while handling connection" (reply,
//                   extra server: the thread pool, "ImapServer")
//   folder-empty    mailbox "Emptying 9 items from /Trash, ..." (extra count, folder)
//   stack-trace     a stack frame "at com.x.Y.m(Y.java:1)" (extra frame, source) or
//                   "... 3 more" (extra frames_omitted)
//   exception       "com.x.FooException: message" (extra exception, reply),
//                   "Caused by: ..." (extra role "cause"), "chained exception is:
//                   ..." ("chained"), "ExceptionId:ID Code:service.X ..." ("detail";
//                   extra exception_id, code)
//   info, warning, error, debug
//                   other log4j lines by level (FATAL is "error", extra level)
//   continuation    other wrapped lines: a context/category line whose time and
//                   level were on the line before, with a text of no known shape
//   service-status  zimbramon "STATUS: host: service: Running" (extras service, state)
//   stats           zimbramon "zmstat x.csv: ..."
//   config          zmconfigd, zmmtaconfig lines
//   service-control zmmailboxdmgr / zmtomcatmgr / zmcontrol lines
// Timestamps ("YYYY-MM-DD HH:MM:SS,mmm", Zimbra writes local time) become
// rec.timestamp_us when the record has no syslog header (rec.format == kNone);
// lacking a zone they are taken as UTC.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <string_view>

#include "receiver/normalizers/normalizer.h"
#include "store/record.h"

namespace mlq {

// Registers NormalizeZimbra for "zimbra", "mailboxd" (log4j through syslog)
// and the Zimbra programs of zimbra.log: "zimbramon", "zmmailboxdmgr",
// "zmtomcatmgr", "zmconfigd", "zmmtaconfig", "zmcontrol", "zmlogger",
// "zmlogswatch", "zmauditswatch"; "saslauthd" only when the table has no
// saslauthd normalizer yet (Zimbra's auth_zimbra lines). Also registers
// SniffZimbra.
void RegisterZimbra(NormalizerTable& table);

// Normalizes a line of a Zimbra program. Returns true and sets family
// "zimbra" for every line (unknown shapes get "info").
bool NormalizeZimbra(std::string_view msg, LogRecord& rec);

// Recognizes mailbox.log/audit.log lines read without a syslog header (the
// log4j shape above, a "mailbox.log:" grep prefix allowed), their
// stack-trace continuation lines and jetty "YYYY-MM-DD HH:MM:SS.mmm:LEVEL:"
// lines. Returns false and leaves rec untouched otherwise, and for any
// record whose program is set.
bool SniffZimbra(std::string_view msg, LogRecord& rec);

}  // namespace mlq
