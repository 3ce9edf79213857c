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
//   daemon-start / daemon-stop  "+++ Started at DATE" / "--- Stopped at DATE"
//                (status "started" / "stopped")
//   daemon-version  "clamd daemon 1.0.7 (OS: Linux, ARCH: x86_64, CPU: x86_64)"
//                (extra daemon, version, os, arch, cpu)
//   socket-activation  "Received 0 file descriptor(s) from systemd." (extra fds)
//   signal       "Received signal: wake up" (extra signal)
//   config       clamd's start-up report of a setting: "Limits: File size
//                limit set to 26214400 bytes.", "Log file size limited to N
//                bytes.", "Not loading PUA signatures.", "Bytecode: Security
//                mode set to \"TrustSigned\".", "Self checking every N seconds.",
//                "Archive support enabled." (extra setting, value, unit when
//                logged; the last shape only with strong evidence)
//   db-load      "Reading databases from DIR" (status "loading", extra dir),
//                "Loaded N signatures." (status "loaded", extra sigs)
//   db-load-error  "ERROR: Malformed database" and the other cl_strerror()
//                texts only a failed database load gives (status "error", reply)
//   db-reload    "Database correctly reloaded (N signatures)" (status "ok", sigs)
//   update-start "ClamAV update process started at DATE" (status "started")
//   db-update-available  "daily database available for update (local version:
//                N, remote version: M)" (status "available"; extra database,
//                version = the remote one, local_version)
//   db-test      "Testing database: 'PATH' ..." (status "testing", extra file),
//                "Database test passed." (status "passed")
//   db-update    "daily.cld updated (version: N, sigs: N, f-level: N, builder:
//                B)" (status "updated"; extra database, version, sigs, f_level,
//                builder), "Database updated (N signatures) from HOST (IP: ip)"
//                (extra sigs, mirror, mirror_ip)
//   db-up-to-date  "main.cvd database is up-to-date (version: ...)" (status
//                "up-to-date", the same extras)
//   db-update-fallback  "Incremental update failed, trying to download
//                daily.cvd" (status "warning", extra database, reply)
//   clamd-notify "Clamd successfully notified about the update." (status "ok"),
//                "Clamd was NOT notified: ..." (status "failed", reply)
//   info         any other line of a ClamAV program
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

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "clamd", "freshclam", "clamav-milter", "clamonacc" and a sniffer
// for ClamAV log-file lines.
void RegisterClamav(NormalizerTable& table);

}  // namespace mlq
