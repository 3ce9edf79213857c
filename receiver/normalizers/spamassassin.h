// The SpamAssassin daemon normalizer (family "spamassassin"): spamd and
// spamc. spamd prefixes most lines with its module name ("spamd: result:
// ...", "prefork: child states: II"); older versions log without "spamd: ".
//
// Events:
//   spam-result  "spamd: result: Y 15 - TEST1,TEST2 scantime=..,size=..,user=..,
//                uid=..,required_score=..,rhost=..,raddr=..,rport=..,mid=<id>,
//                autolearn=.." -> status "spam" (Y) / "ham" (.), message_id,
//                size; extra score, required, tests, user, autolearn, scantime.
//                "identified spam (9.3/5.0) for user:1000 in 0.9 seconds, 5 bytes."
//                and "clean message (-0.1/5.0) for user:1000 in 0.3 seconds,
//                1234 bytes." -> status, size; extra score, required, user,
//                uid, scantime
//   checking     "checking message <id> for user:uid." / "processing message
//                <id> for user:uid" -> message_id, extra user
//   connect      "connection from host [ip] at port N", "connection from
//                host [ip]:port to port 783, fd 5", "got connection over
//                /path" -> client_name, client_ip
//   info         child/prefork management, start-up, configuration notes
//   error        "error: ...", "warn: ...", spamc failures (status
//                "error"/"warning", reply = the text)
//
// Thread safety: stateless; the registered functions may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "spamd" and "spamc".
void RegisterSpamassassin(NormalizerTable& table);

}  // namespace mlq
