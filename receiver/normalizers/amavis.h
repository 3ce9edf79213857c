// The amavis (amavisd-new) normalizer: the content filter between two Postfix
// queues. Its "Passed"/"Blocked" line is what ties the queue ID a message had
// before the filter ("Queue-ID: X") to the one it got after it ("queued_as:
// Y"), so that line is parsed in full; the other per-message lines (Checking,
// FWD, the SMTP session) carry the mail_id and envelope.
//
// Every line of an amavis program gets family "amavis" and a non-empty event:
//   filter-result  "Passed CLEAN {RelayedInbound}, ..." / "Blocked SPAM ...":
//                  status "passed"/"blocked", extras category, action, ...
//   checking       "Checking: <mail_id> <policy> [ip] <from> -> <to>"
//   forwarded      "<mail_id> FWD from <a> -> <b>, ... queued as X" (Link queued_as)
//   notification   "SEND from <a> -> <b>, ..." (a DSN or notice amavis sent)
//   smtp-session   "ESMTP :10026 /tmp/dir: <a> -> <b> SIZE=n Received: ..."
//   spam-tag       "SPAM-TAG, <a> -> <b>, Yes, score=..."
//   quarantine     "local delivery: <a> -> <b>, mbx=/var/virusmails/..."
//   timing         "TIMING [total 818 ms] - ..."
//   continuation   the "...rest" part of a line amavis split (over ~980 chars)
//   startup        process start-up lines ("starting.", "Module X 1.2", "Net::Server: ...")
//   warning/error  lines marked "(!)" / "(!!)"
//   info           any other amavis line
// The per-message log ID "(04083-01)" is kept as extra "amavis_id".
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <string_view>

#include "receiver/normalizers/normalizer.h"
#include "store/record.h"

namespace mlq {

// Registers NormalizeAmavis for the programs amavis logs under: "amavis"
// (Debian/Ubuntu, Zimbra), "amavisd" (RHEL, FreeBSD) and "amavisd-new".
void RegisterAmavis(NormalizerTable& table);

// The NormalizeFn behind RegisterAmavis. Returns true and sets family
// "amavis" for every line except those of "amavisd-milter" (a separate
// program that the table's "<name>-<suffix>" fallback would send here).
bool NormalizeAmavis(std::string_view msg, LogRecord& rec);

}  // namespace mlq
