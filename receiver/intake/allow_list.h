// Which senders a syslog listener serves, and which host names each may
// claim: the --allow entries, "LISTENER=CIDR[:HOST[,HOST...]]".
//
//  - LISTENER is udp, tcp, tls, relp, or all (every listener);
//  - CIDR is an IPv4 or IPv6 network ("192.0.2.0/24", "2001:db8::/32"), or
//    one address ("192.0.2.10" = /32, "2001:db8::1" = /128). An IPv6
//    address followed by hosts is written in brackets:
//    "[2001:db8::1]:mx1". Bits beyond the prefix must be zero
//    ("192.0.2.10/24" is refused as a likely typo);
//  - HOSTs, when given, are the only header hostnames a sender in that
//    network may claim (compared without case and without a trailing dot);
//    a line claiming another is stored flagged `host-unverified`.
//
// A listener without any entry (its own or "all") serves everyone. With
// entries it serves only addresses inside one of them. When several entries
// hold an address, the longest prefix decides which hosts it may claim
// (entries of equal prefix add up); an entry without hosts lets it claim
// any. IPv4-mapped IPv6 addresses (::ffff:192.0.2.10, as a dual-stack
// socket reports IPv4 peers) are treated as the IPv4 address, in entries
// and in peers alike.
//
// Pure values; thread-compatible (const use from any thread).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mlq {

// An IPv4 or IPv6 address; IPv4 in the first 4 bytes.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  bool operator==(const IpAddress&) const = default;
  // "192.0.2.10", "2001:db8::1".
  std::string ToString() const;
};

// Parses a textual IPv4 or IPv6 address (no brackets, no port); an
// IPv4-mapped IPv6 address becomes the IPv4 address. False when malformed.
bool ParseIpAddress(std::string_view text, IpAddress* out);

struct AllowEntry {
  std::string listener;  // "udp", "tcp", "tls", "relp" or "all"
  IpAddress network;
  int prefix = 0;                  // bits
  std::vector<std::string> hosts;  // lower case, no trailing dot; empty = any

  bool Contains(const IpAddress& a) const;
};

// One --allow value; InvalidArgument saying what is wrong.
absl::StatusOr<AllowEntry> ParseAllowEntry(std::string_view spec);

class AllowList {
 public:
  AllowList() = default;

  // Every --allow value; the first malformed one is the error.
  static absl::StatusOr<AllowList> Parse(const std::vector<std::string>& specs);

  // The entries that apply to `listener` (its own and "all").
  AllowList For(std::string_view listener) const;

  // No entry: every address is served.
  bool empty() const { return entries_.empty(); }

  struct Verdict {
    bool allowed = false;
    // The host names the address may claim (the best-matching entries'),
    // empty when it may claim any.
    std::vector<std::string> hosts;
  };
  Verdict Check(const IpAddress& peer) const;

  const std::vector<AllowEntry>& entries() const { return entries_; }

 private:
  std::vector<AllowEntry> entries_;
};

// True when `claimed` (a header hostname) is one of `hosts` (as in
// AllowEntry::hosts), ignoring case and a trailing dot.
bool HostClaimAllowed(const std::vector<std::string>& hosts, std::string_view claimed);

}  // namespace mlq
