// The OpenDKIM and OpenDMARC milter normalizers (families "opendkim" and
// "opendmarc"). Both milters log one line per event and prefix lines about a
// message with the MTA's queue ID ("EA8FF222F6: DKIM verification
// successful"), which becomes queue_id and ties the line to the Postfix (or
// Sendmail) lines of the same message.
//
// opendkim events:
//   dkim-signed        "QID: DKIM-Signature field added (s=SEL, d=DOMAIN)";
//                      extra selector, domain
//   dkim-pass          "QID: DKIM verification successful"; status "pass"
//   dkim-fail          "QID: bad signature data" (status "bad-signature"),
//                      "QID: s=SEL d=DOMAIN SSL error:..." (status "ssl-error",
//                      reply = the SSL error, extra selector, domain)
//   no-signature       "QID: no signature data"
//   no-signing-match   "QID: no signing table match for 'a@b'"; from = a@b
//   not-internal       "QID: HOST [IP] not internal"; client_name, client_ip
//   not-authenticated  "QID: not authenticated"
//   key-error          "QID: key retrieval failed (s=, d=)...", key data
//                      problems; extra selector, domain when logged
//   error              other lines that report a failure
//   daemon-start       "OpenDKIM Filter vX starting (args: A)"; status "starting",
//                      extra version, args
//   daemon-stop        "OpenDKIM Filter vX terminating with status N, errno = E";
//                      status "stopping", extra version, exit_status, errno
//   info               other start-up/shutdown lines and other lines about a queue ID
// opendmarc events:
//   daemon-start / daemon-stop  as opendkim's, "OpenDMARC Filter vX ..."
//   config             "additional trusted authentication services: H"; extra
//                      setting "TrustedAuthservIDs", value H
//   dmarc-result       "QID: DOMAIN pass|fail|none|..."; status, extra domain
//   info / error       start-up lines, other lines about a queue ID, failures
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "opendkim" and "opendmarc".
void RegisterOpendkim(NormalizerTable& table);

}  // namespace mlq
