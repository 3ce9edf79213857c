// The ClamAV normalizer (family "clamav"): clamd, freshclam, clamav-milter
// and clamonacc, through syslog or from their own log files.
//
// Events:
//   selfcheck    "SelfCheck: Database status OK." (status "ok"), "SelfCheck:
//                Database modification detected. Forcing reload." ("reload")
//   virus-found  clamd "/path: Eicar-Test-Signature FOUND" (extra virus, file);
//                clamav-milter "Message QID infected by X", "Message QID from
//                <a> to <b> with subject '...' message-id '<id>' date '...'
//                infected by X" and "QID: ... infected by X": queue_id, from,
//                to, message_id, extra virus, subject
//   clean        clamd "/path: OK"; clamav-milter "Clean message QID ..."
//   info         daemon start/stop ("+++ Started at", "--- Stopped at"; status
//                "started"/"stopped"), database loading, freshclam updates
//                (status "updated", "up-to-date", "available", "started";
//                extra database, version, sigs), configuration dump lines and
//                any other line of a ClamAV program
//   error        "ERROR: ...", "WARNING: ..." (status "error"/"warning",
//                reply = the text), failed updates, scan errors
//
// Log-file lines reach the table without a syslog program; a sniffer
// recognizes them by clamd's LogTime prefix ("Mon Jul 22 01:56:03 2024 -> "),
// a docker-compose prefix ("clamd-mailcow_1 | ") or a docker --timestamps
// prefix ("2024-07-22T01:56:03.692353872Z "), looking at the whole raw line
// because the syslog parser misreads such lines. LogTime, or a compose
// service named "*clam*", identifies ClamAV; behind a bare docker timestamp
// or another service's prefix the text must be a known ClamAV message.
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizer.h"

namespace mlq {

// Registers "clamd", "freshclam", "clamav-milter", "clamonacc" and a sniffer
// for ClamAV log-file lines.
void RegisterClamav(NormalizerTable& table);

}  // namespace mlq
