// Which queue entries that share a Message-ID are the same message
// (tracer.h, docs/ARCHITECTURE.md "How a trace is assembled").
//
// The Message-ID survives every hop, so a trace follows it; but mailing-list
// software, broken clients, resends and test tools reuse Message-IDs for
// different messages. A queue entry that a trace found only by a
// Message-ID (no link from or to one of its entries) joins it when it is
// plausibly the same message:
//  - the same envelope sender (case-insensitive) as an entry of the trace,
//    and it lies within five days (Postfix's maximal_queue_lifetime) of that
//    sender's entries: a retry or a resend of the same logical message, a
//    separate delivery attempt of it. The null sender <> and an entry with
//    no sender line never match: they join only through a link;
//  - or a relay joins the two hosts: an entry of the trace on host A
//    delivered (status sent) to a server that names the candidate's host B
//    (or whose B entry's client= names A), within a day of the candidate's
//    first line (clock skew, zone-less lines read in the wrong zone); or
//    the candidate relayed to a host of the trace the same way.
// Host names match when equal or when their first DNS labels are equal
// ("mx2" and "mx2.example.org"); IP addresses only when equal.
//
// Cost: Add() and Joins() are O(log n) in the entries added (lookups in
// ordered maps keyed by sender and host label).
//
// Thread safety: none; one per trace walk.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "query/trace_graph.h"
#include "store/store.h"

namespace mlq {

// What the rule reads from one queue entry.
struct EntryFacts {
  QueueKey key;
  int64_t first_us = 0;
  int64_t last_us = 0;
  std::string sender;  // lower case; empty for <> or no sender line
  std::string client;  // the client= name (lower case), else its IP
  struct Relay {
    std::string name;  // the relay's host name (lower case), else its IP
    int64_t time_us = 0;
  };
  std::vector<Relay> relays;  // status=sent deliveries to a server off loopback

  static EntryFacts Of(const QueueKey& key, const std::vector<StoredRecord>& entry);
};

class SameMessage {
 public:
  static constexpr int64_t kResendWindowUs = int64_t{5} * 86400 * 1000000;
  static constexpr int64_t kRelayWindowUs = int64_t{86400} * 1000000;

  // An entry of the trace.
  void Add(const EntryFacts& joined);

  // Why `candidate` is the same message as the entries added ("same
  // sender", "relayed from mx1", "relayed to mx2"), or empty when it shares
  // nothing but the Message-ID.
  std::string Joins(const EntryFacts& candidate) const;

 private:
  // Sender -> first and last line of the trace's entries from it.
  std::map<std::string, std::pair<int64_t, int64_t>> senders_;
  // Host label a relay named -> (relaying host, time).
  std::multimap<std::string, std::pair<std::string, int64_t>> relayed_to_;
  // Relaying host label -> (relay time, the host).
  std::multimap<std::string, std::pair<int64_t, std::string>> relayed_from_;
  // Host label -> (first line, host) of the trace's entries.
  std::multimap<std::string, std::pair<int64_t, std::string>> entries_on_;
  // Client label of an entry -> (first line, host).
  std::multimap<std::string, std::pair<int64_t, std::string>> entries_from_;
};

// "mx2" for "mx2", "MX2.example.org" and "mx2.example.org."; an IP address
// unchanged.
std::string HostLabel(std::string_view name);

}  // namespace mlq
