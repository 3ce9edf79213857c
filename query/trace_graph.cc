#include "query/trace_graph.h"

#include <algorithm>
#include <deque>
#include <tuple>

namespace mlq {
namespace {

std::string NoticeKind(std::string_view link_kind) {
  if (link_kind == "dsn") return "delivery status";
  if (link_kind == "delay") return "delay";
  return "non-delivery";
}

// A notice line names the notice's ID ("QID: sender non-delivery
// notification: NEWQID", Sendmail's "QID: NEWQID: DSN: ..."); Exim's
// notice names the message it reports on from its own arrival line
// ("NEWID <= <> R=QID").
bool NamesTheNotice(const LogRecord& r) { return r.event.ends_with("-notice"); }

}  // namespace

TraceGraph::TraceGraph(const std::map<QueueKey, std::vector<StoredRecord>>& queues) {
  for (const auto& [key, lines] : queues) {
    if (!lines.empty()) first_us_[key] = lines.front().record.timestamp_us;
  }
  std::set<std::tuple<QueueKey, QueueKey, std::string>> seen;
  auto add = [&](const QueueKey& from, const QueueKey& to, const std::string& kind,
                 const LogRecord& r) {
    if (from == to || !seen.emplace(from, to, kind).second) return;
    TraceEdge e{from, to, kind};
    if (e.notice() && !NamesTheNotice(r)) std::swap(e.from, e.to);
    if (e.notice()) {
      std::string who(r.Extra("notify"));
      notices_.emplace(e.to,
                       NoticeOf{e.to, e.from, NoticeKind(kind), who.empty() ? "sender" : who});
    }
    edges_.push_back(std::move(e));
  };
  for (const auto& [key, lines] : queues) {
    for (const StoredRecord& sr : lines) {
      for (const Link& l : sr.record.links) {
        if (l.queue_id.empty()) continue;
        const QueueKey target{l.host.empty() ? key.first : l.host, l.queue_id};
        if (queues.count(target)) {
          add(key, target, l.kind, sr.record);
          continue;
        }
        // Linked by ID only (relay to another fleet host).
        for (const auto& [other, other_lines] : queues) {
          if (other.second == l.queue_id && other != key) add(key, other, l.kind, sr.record);
        }
      }
    }
  }
  // A notice's later entries carry the same notice.
  std::deque<QueueKey> todo;
  for (const auto& [key, n] : notices_) todo.push_back(key);
  while (!todo.empty()) {
    const QueueKey at = todo.front();
    todo.pop_front();
    for (const TraceEdge& e : edges_) {
      if (e.from != at || e.notice() || notices_.count(e.to)) continue;
      notices_.emplace(e.to, notices_.at(at));
      todo.push_back(e.to);
    }
  }
}

std::set<QueueKey> TraceGraph::Downstream(const QueueKey& from) const {
  std::set<QueueKey> out;
  std::deque<QueueKey> todo{from};
  while (!todo.empty()) {
    const QueueKey at = todo.front();
    todo.pop_front();
    for (const TraceEdge& e : edges_) {
      if (e.from != at || e.notice() || e.to == from || !out.insert(e.to).second) continue;
      todo.push_back(e.to);
    }
  }
  return out;
}

std::vector<QueueKey> TraceGraph::JourneyOrder() const {
  // Kahn's algorithm; among the entries ready, the earliest first.
  std::map<QueueKey, int> incoming;
  for (const auto& [key, t] : first_us_) incoming[key] = 0;
  for (const TraceEdge& e : edges_) ++incoming[e.to];
  auto earlier = [&](const QueueKey& a, const QueueKey& b) {
    const int64_t ta = first_us_.count(a) ? first_us_.at(a) : 0;
    const int64_t tb = first_us_.count(b) ? first_us_.at(b) : 0;
    return ta != tb ? ta < tb : a.second != b.second ? a.second < b.second : a.first < b.first;
  };
  std::vector<QueueKey> ready, out;
  for (const auto& [key, n] : incoming) {
    if (n == 0) ready.push_back(key);
  }
  while (!ready.empty()) {
    auto it = std::min_element(ready.begin(), ready.end(), earlier);
    const QueueKey at = *it;
    ready.erase(it);
    out.push_back(at);
    for (const TraceEdge& e : edges_) {
      if (e.from == at && --incoming[e.to] == 0) ready.push_back(e.to);
    }
  }
  if (out.size() < incoming.size()) {
    // A cycle (two entries naming each other): time order for all.
    out.clear();
    for (const auto& [key, n] : incoming) out.push_back(key);
    std::sort(out.begin(), out.end(), earlier);
  }
  return out;
}

}  // namespace mlq
