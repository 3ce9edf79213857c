// Plain-language explanations of delivery outcomes: DSN status codes (RFC
// 3463 and the common extensions) and the error texts admins meet most
// often in Postfix, Exim, Dovecot and remote servers' replies.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>

namespace mlq {

// What `dsn` ("5.7.26") and the reply text mean, e.g. "The receiving server
// rejected the message because the sender's domain failed its DMARC check
// (SPF/DKIM not aligned): fix SPF/DKIM for the sender domain." Known texts
// in `reply` win over the generic meaning of the code. "" when nothing is
// known about either.
std::string Explain(std::string_view dsn, std::string_view reply);

}  // namespace mlq
