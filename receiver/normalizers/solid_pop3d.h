// The solid-pop3d normalizer (family "solid-pop3d").
//
// Events:
//   auth-failure    "authentication failed: no such user: x - IP", "root login
//                   not allowed - IP" (sasl_user, client_ip, reply)
//   connect         "connection from IP"
//   info            other "... - IP" lines
//
// Thread safety: stateless; the registered function may run on any thread.
#pragma once

#include "receiver/normalizers/normalizer.h"

namespace mlq {

// Registers "solid-pop3d".
void RegisterSolidPop3d(NormalizerTable& table);

}  // namespace mlq
