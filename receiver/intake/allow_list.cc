#include "receiver/intake/allow_list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace mlq {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsV4Mapped(const IpAddress& a) {
  return a.v6 && std::memcmp(a.bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Host names as they appear in syslog headers: letters, digits, '-', '_', '.'.
bool ValidHostName(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string_view StripDot(std::string_view h) {
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  return h;
}

absl::Status Bad(std::string_view spec, std::string_view why) {
  return absl::InvalidArgumentError("--allow " + std::string(spec) + ": " + std::string(why) +
                                    " (expected LISTENER=CIDR[:HOST[,HOST...]], e.g. "
                                    "tcp=192.0.2.0/24 or all=192.0.2.10/32:mx1,mx1.example.org)");
}

}  // namespace

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

bool ParseIpAddress(std::string_view text, IpAddress* out) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    *out = a;
    return true;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return false;
  a.v6 = true;
  if (IsV4Mapped(a)) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
    a = v4;
  }
  *out = a;
  return true;
}

bool AllowEntry::Contains(const IpAddress& a) const {
  if (a.v6 != network.v6) return false;
  const int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.bytes.data(), network.bytes.data(), static_cast<size_t>(full)) != 0) {
    return false;
  }
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (network.bytes[full] & mask);
}

absl::StatusOr<AllowEntry> ParseAllowEntry(std::string_view spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string_view::npos) return Bad(spec, "no '='");
  AllowEntry e;
  e.listener = Lower(spec.substr(0, eq));
  if (e.listener != "udp" && e.listener != "tcp" && e.listener != "tls" && e.listener != "relp" &&
      e.listener != "all") {
    return Bad(spec, "the listener is udp, tcp, tls, relp or all");
  }
  std::string_view v = spec.substr(eq + 1);
  std::string_view cidr, hosts;
  bool has_hosts = false;
  if (!v.empty() && v.front() == '[') {
    const size_t close = v.find(']');
    if (close == std::string_view::npos) return Bad(spec, "'[' without ']'");
    cidr = v.substr(1, close - 1);
    std::string_view rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Bad(spec, "':' expected after ']'");
      hosts = rest.substr(1);
      has_hosts = true;
    }
  } else if (const size_t slash = v.find('/'); slash != std::string_view::npos) {
    size_t end = slash + 1;
    while (end < v.size() && v[end] >= '0' && v[end] <= '9') ++end;
    cidr = v.substr(0, end);
    if (end < v.size()) {
      if (v[end] != ':') return Bad(spec, "':' expected after the prefix length");
      hosts = v.substr(end + 1);
      has_hosts = true;
    }
  } else if (std::count(v.begin(), v.end(), ':') == 1) {  // IPv4:hosts
    const size_t colon = v.find(':');
    cidr = v.substr(0, colon);
    hosts = v.substr(colon + 1);
    has_hosts = true;
  } else {
    cidr = v;  // an address alone (IPv6 with hosts needs brackets)
  }

  std::string_view addr = cidr;
  int prefix = -1;
  if (const size_t slash = cidr.find('/'); slash != std::string_view::npos) {
    addr = cidr.substr(0, slash);
    std::string_view digits = cidr.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return Bad(spec, "bad prefix length");
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return Bad(spec, "bad prefix length");
      prefix = prefix * 10 + (c - '0');
    }
  }
  // Parsed without the IPv4-mapped folding first, so that a mapped network
  // keeps its prefix meaning (::ffff:192.0.2.0/120 = 192.0.2.0/24).
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.empty() || addr.size() >= sizeof buf) return Bad(spec, "not an IP address");
  std::memcpy(buf, addr.data(), addr.size());
  IpAddress net;
  if (inet_pton(AF_INET, buf, net.bytes.data()) != 1) {
    if (inet_pton(AF_INET6, buf, net.bytes.data()) != 1) {
      return Bad(spec, std::string(addr).find(':') != std::string::npos
                           ? "not an IP address (an IPv6 address with hosts goes in brackets: "
                             "[2001:db8::1]:mx1)"
                           : "not an IP address");
    }
    net.v6 = true;
  }
  const int bits = net.v6 ? 128 : 32;
  if (prefix < 0) prefix = bits;
  if (prefix > bits) return Bad(spec, "prefix longer than the address");
  if (IsV4Mapped(net) && prefix >= 96) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), net.bytes.data() + 12, 4);
    net = v4;
    prefix -= 96;
  }
  e.network = net;
  e.prefix = prefix;
  // Host bits set: "192.0.2.10/24" means a /24 where a /32 was likely meant.
  AllowEntry masked = e;
  masked.network.bytes = {};
  for (int i = 0; i < prefix / 8; ++i) masked.network.bytes[i] = net.bytes[i];
  if (prefix % 8 != 0) {
    masked.network.bytes[prefix / 8] =
        static_cast<uint8_t>(net.bytes[prefix / 8] & (0xff << (8 - prefix % 8)));
  }
  if (!(masked.network == net)) {
    return Bad(spec, "address bits beyond the prefix are set (did you mean " +
                         masked.network.ToString() + "/" + std::to_string(prefix) + " or " +
                         net.ToString() + "/" + std::to_string(bits) + "?)");
  }

  if (has_hosts) {
    if (hosts.empty()) return Bad(spec, "empty host list after ':'");
    while (true) {
      const size_t comma = hosts.find(',');
      std::string_view h = StripDot(hosts.substr(0, comma));
      if (!ValidHostName(h)) {
        return Bad(spec, "bad host name '" + std::string(hosts.substr(0, comma)) + "'");
      }
      e.hosts.push_back(Lower(h));
      if (comma == std::string_view::npos) break;
      hosts = hosts.substr(comma + 1);
    }
  }
  return e;
}

absl::StatusOr<AllowList> AllowList::Parse(const std::vector<std::string>& specs) {
  AllowList list;
  for (const std::string& s : specs) {
    absl::StatusOr<AllowEntry> e = ParseAllowEntry(s);
    if (!e.ok()) return e.status();
    list.entries_.push_back(*std::move(e));
  }
  return list;
}

AllowList AllowList::For(std::string_view listener) const {
  AllowList out;
  for (const AllowEntry& e : entries_) {
    if (e.listener == listener || e.listener == "all") out.entries_.push_back(e);
  }
  return out;
}

AllowList::Verdict AllowList::Check(const IpAddress& peer_in) const {
  Verdict v;
  if (entries_.empty()) {
    v.allowed = true;
    return v;
  }
  IpAddress peer = peer_in;
  if (IsV4Mapped(peer)) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), peer.bytes.data() + 12, 4);
    peer = v4;
  }
  int best = -1;
  bool any_host = false;
  for (const AllowEntry& e : entries_) {
    if (!e.Contains(peer) || e.prefix < best) continue;
    if (e.prefix > best) {
      best = e.prefix;
      v.hosts.clear();
      any_host = false;
    }
    if (e.hosts.empty()) any_host = true;
    v.hosts.insert(v.hosts.end(), e.hosts.begin(), e.hosts.end());
  }
  v.allowed = best >= 0;
  if (any_host) v.hosts.clear();
  return v;
}

bool HostClaimAllowed(const std::vector<std::string>& hosts, std::string_view claimed) {
  claimed = StripDot(claimed);
  for (const std::string& h : hosts) {
    if (h.size() != claimed.size()) continue;
    bool same = true;
    for (size_t i = 0; i < h.size() && same; ++i) {
      char c = claimed[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == h[i];
    }
    if (same) return true;
  }
  return false;
}

}  // namespace mlq
