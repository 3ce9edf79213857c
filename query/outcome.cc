#include "query/outcome.h"

#include <algorithm>
#include <string>

#include "base/scan.h"

namespace mlq {
namespace {

using scan::LowerCopy;
using std::string_view;

bool Contains(string_view s, string_view part) { return s.find(part) != string_view::npos; }

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kNone:
      return "";
    case Outcome::kDelivered:
      return "delivered";
    case Outcome::kDeferred:
      return "deferred";
    case Outcome::kBounced:
      return "bounced";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kQuarantined:
      return "quarantined";
    case Outcome::kExpired:
      return "expired";
  }
  return "";
}

bool IsRejectEvent(const LogRecord& rec) {
  if (rec.family == "sshd") return false;  // tcp_wrappers "refused connect": not mail
  return rec.event == "reject" || rec.event == "milter-reject" || rec.event == "proxy-reject";
}

bool IsContentFilterHandoff(const LogRecord& rec) {
  string_view relay = rec.relay;
  string_view name, ip, port;
  size_t lb = relay.find('[');
  if (lb != string_view::npos) {
    name = relay.substr(0, lb);
    size_t rb = relay.find(']', lb);
    if (rb != string_view::npos) {
      ip = relay.substr(lb + 1, rb - lb - 1);
      string_view rest = relay.substr(rb + 1);
      if (rest.starts_with(':')) port = rest.substr(1);
    }
  } else {
    // "host:port" or a transport name ("local", "dovecot", "amavis").
    size_t colon = relay.find(':');
    name = relay.substr(0, colon);
    if (colon != string_view::npos && relay.find(':', colon + 1) == string_view::npos) {
      port = relay.substr(colon + 1);
    }
  }
  const std::string lname = LowerCopy(name);
  if (Contains(lname, "amavis") || Contains(lname, "filter") || lname == "spamassassin" ||
      lname == "spamd" || lname == "dspam" || lname == "clamsmtp" || lname == "mailscanner") {
    return true;
  }
  const string_view transport = rec.Extra("transport");  // Exim T=
  if (Contains(LowerCopy(transport), "amavis")) return true;
  string_view host = ip.empty() ? string_view(lname) : ip;
  const bool loopback = host.starts_with("127.") || host == "::1" || host == "localhost" ||
                        host == "ipv6:::1" || host == "IPv6:::1";
  if (loopback && !port.empty() && port != "24" && port != "25" && port != "7025") return true;
  return Contains(rec.reply, " from MTA(");
}

RecordOutcome OutcomeOf(const LogRecord& rec) {
  const std::string& ev = rec.event;
  if (ev.empty()) return {};
  const uint64_t rcpts = std::max<size_t>(1, rec.to.size());
  if (ev == "delivery") {
    const std::string& st = rec.status;
    if (st == "sent") {
      if (IsContentFilterHandoff(rec)) return {};
      return {Outcome::kDelivered, rcpts};
    }
    if (st == "deferred") return {Outcome::kDeferred, 1};
    if (st == "bounced" || st == "undeliverable") return {Outcome::kBounced, rcpts};
    return {};
  }
  if (IsRejectEvent(rec)) return {Outcome::kRejected, rcpts};
  if ((rec.family == "amavis" && ev == "filter-result" && rec.status == "blocked") ||
      ev == "hold" || ev == "milter-hold") {
    return {Outcome::kQuarantined, 1};
  }
  if (ev == "expired" && rec.family != "amavis") return {Outcome::kExpired, 1};
  return {};
}

}  // namespace mlq
