#include "query/same_message.h"

#include <algorithm>
#include <cstdlib>

#include "base/scan.h"

namespace mlq {
namespace {

std::string Lower(std::string_view s) { return scan::LowerCopy(s); }

bool IsIpText(std::string_view s) {
  if (s.find(':') != std::string_view::npos) return true;  // IPv6
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

bool IsLoopback(std::string_view ip) {
  if (ip.starts_with("::ffff:")) ip.remove_prefix(7);
  return ip.starts_with("127.") || ip == "::1" || ip == "localhost";
}

// "name[ip]:port" -> name (else ip), lower case; "" for loopback, a local
// transport ("local", "dovecot", "none") or no address at all.
std::string RelayHost(std::string_view relay) {
  const size_t open = relay.find('[');
  if (open == std::string_view::npos) return "";
  const size_t close = relay.find(']', open);
  const std::string_view name = relay.substr(0, open);
  const std::string_view ip = relay.substr(
      open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  if (IsLoopback(ip) || name == "localhost") return "";
  if (ip.starts_with("private/") || ip.starts_with("public/")) return "";  // a UNIX socket
  return Lower(name.empty() ? ip : name);
}

bool Near(int64_t a, int64_t b, int64_t window) { return std::llabs(a - b) <= window; }

}  // namespace

std::string HostLabel(std::string_view name) {
  std::string s = Lower(name);
  while (!s.empty() && s.back() == '.') s.pop_back();
  if (IsIpText(s)) return s;
  const size_t dot = s.find('.');
  return dot == std::string::npos ? s : s.substr(0, dot);
}

EntryFacts EntryFacts::Of(const QueueKey& key, const std::vector<StoredRecord>& entry) {
  EntryFacts f;
  f.key = key;
  if (entry.empty()) return f;
  f.first_us = entry.front().record.timestamp_us;
  f.last_us = entry.back().record.timestamp_us;
  std::string any_sender;
  for (const StoredRecord& sr : entry) {
    const LogRecord& r = sr.record;
    // The queue manager's (or Exim's, Sendmail's) from= is the envelope
    // sender; another line's from= (a milter reject) only when none is.
    const std::string_view from = scan::StripAngles(r.from);
    if (!from.empty()) {
      if (r.event == "queued" && f.sender.empty()) f.sender = Lower(from);
      if (any_sender.empty()) any_sender = Lower(from);
    }
    if (r.event == "client" && f.client.empty()) {
      f.client =
          Lower(r.client_name.empty() || r.client_name == "unknown" ? r.client_ip : r.client_name);
    }
    if ((r.event == "delivery" || r.event == "local-delivery") &&
        (r.status == "sent" || r.status == "delivered")) {
      std::string host = RelayHost(r.relay);
      if (!host.empty()) f.relays.push_back({std::move(host), r.timestamp_us});
    }
  }
  if (f.sender.empty()) f.sender = std::move(any_sender);
  return f;
}

void SameMessage::Add(const EntryFacts& e) {
  const std::string& host = e.key.first;
  if (!e.sender.empty()) {
    auto [it, fresh] = senders_.emplace(e.sender, std::make_pair(e.first_us, e.last_us));
    if (!fresh) {
      it->second.first = std::min(it->second.first, e.first_us);
      it->second.second = std::max(it->second.second, e.last_us);
    }
  }
  for (const EntryFacts::Relay& r : e.relays) {
    relayed_to_.emplace(HostLabel(r.name), std::make_pair(host, r.time_us));
    relayed_from_.emplace(HostLabel(host), std::make_pair(r.time_us, host));
  }
  entries_on_.emplace(HostLabel(host), std::make_pair(e.first_us, host));
  if (!e.client.empty())
    entries_from_.emplace(HostLabel(e.client), std::make_pair(e.first_us, host));
}

std::string SameMessage::Joins(const EntryFacts& c) const {
  const std::string& host = c.key.first;
  if (!c.sender.empty()) {
    auto it = senders_.find(c.sender);
    if (it != senders_.end() && c.first_us <= it->second.second + kResendWindowUs &&
        c.last_us >= it->second.first - kResendWindowUs) {
      return "same sender";
    }
  }
  // Relayed here by an entry of the trace: its relay names this host, or
  // this entry's client names the relaying host.
  const std::string label = HostLabel(host);
  for (auto [it, end] = relayed_to_.equal_range(label); it != end; ++it) {
    const auto& [from, t] = it->second;
    if (from != host && Near(c.first_us, t, kRelayWindowUs)) return "relayed from " + from;
  }
  if (!c.client.empty()) {
    for (auto [it, end] = relayed_from_.equal_range(HostLabel(c.client)); it != end; ++it) {
      const auto& [t, from] = it->second;
      if (from != host && Near(c.first_us, t, kRelayWindowUs)) return "relayed from " + from;
    }
  }
  // Relayed by this entry to a host of the trace, seen from either side.
  for (const EntryFacts::Relay& r : c.relays) {
    for (auto [it, end] = entries_on_.equal_range(HostLabel(r.name)); it != end; ++it) {
      const auto& [first, to] = it->second;
      if (to != host && Near(first, r.time_us, kRelayWindowUs)) return "relayed to " + to;
    }
    for (auto [it, end] = entries_from_.equal_range(label); it != end; ++it) {
      const auto& [first, to] = it->second;
      if (to != host && Near(first, r.time_us, kRelayWindowUs)) return "relayed to " + to;
    }
  }
  return "";
}

}  // namespace mlq
