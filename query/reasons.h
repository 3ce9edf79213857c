// Reply texts of rejects, deferrals and bounces folded into reasons that can
// be counted: the parts that name one client, recipient or server (addresses,
// [ip] and host[ip]:port, URLs, quoted names, session and tracking tokens,
// multi-line reply continuations, "(in reply to ... command)") are removed,
// so the same cause counts as the same reason for every message.
//
//   "554 5.7.1 <x@y>: Recipient address rejected: Blacklisted"
//       -> "Recipient address rejected: Blacklisted"              (reject)
//   "connect to mx.example.com[192.0.2.1]:25: Connection timed out"
//       -> "connect to host: Connection timed out"                (defer)
//   "host mx[192.0.2.1] said: 550 5.1.1 <bob@x>... User unknown (in reply to RCPT TO command)"
//       -> "550 5.1.1 User unknown"                               (bounce)
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace mlq {

enum class ReasonKind {
  kReject,    // pre-queue rejects: the SMTP code and DSN are left out
  kDelivery,  // deferrals and bounces: the remote's code and DSN are kept ("550 5.1.1 ...")
};

// The reason for `reply` (the record's reply text), at most kMaxReasonLength
// bytes (cut at a word boundary, on a UTF-8 character boundary). "" stays "".
std::string NormalizeReason(std::string_view reply, ReasonKind kind);

inline constexpr size_t kMaxReasonLength = 120;

}  // namespace mlq
