// The iRedAPD policy server normalizer (family "iredapd").
//
// iRedAPD logs without a colon after its tag ("mail iredapd [1.2.3.4] RCPT,
// ..."): the syslog parser gives program "iredapd" and a message starting at
// the bracketed client address.
//
// Events:
//   policy  "[IP] RCPT, a@b -> c@d, REJECT Blacklisted [sasl_username=, sender=a@b,
//           client_name=..., reverse_client_name=..., helo=..., ...,
//           process_time=0.1379s]" and the END-OF-MESSAGE form
//           "[IP] END-OF-MESSAGE, a@b -> c@d, DUNNO [recipient_count=1, size=699, ...]":
//           client_ip, from, to, status = the action keyword (OK, DUNNO, REJECT,
//           DEFER_IF_PERMIT, 451, ...), reply = the whole action when it says
//           more than the keyword ("REJECT Blacklisted"), dsn when the action
//           carries one, sasl_user, helo, client_name, size, nrcpt; extra
//           protocol_state (RCPT, END-OF-MESSAGE, ...), process_time,
//           encryption_protocol
//   wblist  "Whitelisted: wblist=(2, 3, 'W')" / "Blacklisted: wblist=(...)":
//           status "whitelisted"/"blacklisted", extra wblist
//   info    "[IP] Bypass greylisting due to SPF match (domain)" (client_ip,
//           extra greylisting=bypass, spf_domain), other "[IP] ..." notes,
//           start-up lines
//   error   lines reporting errors
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "iredapd".
void RegisterIredapd(NormalizerTable& table);

}  // namespace mlq
