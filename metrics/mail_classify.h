// What the mail metrics (mail_metrics.h) read out of a stored record beyond
// its delivery outcome (query/outcome.h): the class of a reject, whether a
// remote server's reply says our address is on a block list, and whether
// the line is a mail authentication failure.
//
// Classes are a fixed small set, decided from the reply text (the first
// kMaxScanBytes bytes, case-insensitively), first match in this order:
//   virus              "virus", "infected", "malware"
//   dnsbl              IsBlockListReply below
//   greylist           "greylist", "graylist", "try again later"
//   spam               "spam", "junk", "bulk mail"
//   unknown_recipient  "user unknown", "unknown user", "no such user",
//                      "recipient unknown", "unknown recipient", "does not exist",
//                      "mailbox unavailable", "mailbox not found", "invalid recipient",
//                      "undeliverable address", "unrouteable address"
//   relay_denied       "relay access denied", "relaying denied", "not permitted to relay",
//                      "relay not permitted", "relaying not allowed", "unable to relay"
//   helo               "helo", "ehlo"
//   sender             "sender address rejected", "sender rejected", "sender verify",
//                      "sender domain", "sender address", "domain not found"
//   tls                "tls", "encryption required"
//   policy             "policy", "spf", "dmarc", "dkim", "client host rejected",
//                      "access denied", "rate limit", "too many", "not allowed", "blocked"
//   other              anything else (and an empty reply)
//
// Pure functions; thread-safe; cost linear in the reply (at most
// kMaxScanBytes of it are read).
#pragma once

#include <cstdint>
#include <string_view>

#include "store/record.h"

namespace mlq::metrics {

inline constexpr size_t kMaxScanBytes = 2048;

enum class RejectClass : uint8_t {
  kVirus,
  kDnsbl,
  kGreylist,
  kSpam,
  kUnknownRecipient,
  kRelayDenied,
  kHelo,
  kSender,
  kTls,
  kPolicy,
  kOther,
};
inline constexpr int kRejectClassCount = 11;

// "virus", "dnsbl", ..., "other".
std::string_view RejectClassName(RejectClass c);

// The class of a reject's reply text.
RejectClass ClassifyReject(std::string_view reply);

// True when `reply` says an address is on a block list: "blocked using",
// "listed at", "listed in", "listed on", "blacklist", "blocklist",
// "block list", "black list", "dnsbl", "rbl", and the big lists' names
// (spamhaus, spamcop, barracuda, sorbs, uceprotect, spamrats, psbl,
// mailspike, abuseat, senderscore, invaluement).
bool IsBlockListReply(std::string_view reply);

// True for a remote server's answer to one of our deliveries (a deferred
// or bounced delivery line, by query/outcome.h) that says our address is
// on a block list (IsBlockListReply).
bool IsOwnListing(const LogRecord& rec);

// True for an authentication failure of a mail service (the normalizers'
// event "auth-failure": Postfix SASL "authentication failed", Dovecot "auth
// failed", Exim "authenticator failed", saslauthd, IMAP/POP servers, ...),
// not of sshd.
bool IsMailAuthFailure(const LogRecord& rec);

}  // namespace mlq::metrics
