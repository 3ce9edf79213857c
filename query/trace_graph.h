// The links between the queue entries of one trace (tracer.h), as a graph:
// which entry handed the message to which ("queued as", "forwarded as", a
// relay to another fleet host), which entries carry a notice back to the
// sender (bounce(8)'s "sender non-delivery notification: NEWQID", Exim's
// `<= <> R=ORIGID`, Sendmail's DSN lines), and the order of the journey.
//
// Built from the stored lines only, so it is the same whatever clock each
// host has: the journey order follows the links first and the timestamps
// only between entries that no link orders (hosts whose clocks differ by
// minutes, a zone-less RFC 3164 host next to an RFC 3339 one).
//
// Thread safety: immutable once built.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace mlq {

using QueueKey = std::pair<std::string, std::string>;  // host, queue ID

struct TraceEdge {
  QueueKey from;
  QueueKey to;
  std::string kind;  // Link::kind: queued_as, forwarded_as, bounce, dsn, delay, ...
  // A notice edge: `to` is a notice about `from` (not the message itself).
  bool notice() const { return kind == "bounce" || kind == "dsn" || kind == "delay"; }
};

// What a notice queue entry carries.
struct NoticeOf {
  QueueKey root;        // the notice's first queue entry (the one the notice line names)
  QueueKey reports_on;  // the message's queue entry the notice reports on
  std::string kind;     // "non-delivery", "delay", "delivery status"
  std::string to;       // "sender" or "postmaster"
};

class TraceGraph {
 public:
  // `queues`: every queue entry of the trace with its lines in time order.
  // A link whose target has no host names an entry of the same host when
  // the trace has it, else every entry of the trace with that ID on
  // another host (a relay to another server of the fleet).
  explicit TraceGraph(const std::map<QueueKey, std::vector<StoredRecord>>& queues);

  const std::vector<TraceEdge>& edges() const { return edges_; }

  // The entries that carry a notice: the notice's own entry and every entry
  // it was handed on to after it (a content filter's re-queue, a relay).
  // An entry of the message itself is not in the map.
  const std::map<QueueKey, NoticeOf>& notices() const { return notices_; }

  // Every entry reachable from `from` over edges that are not notice edges,
  // `from` excluded: where a forwarded or re-queued copy went.
  std::set<QueueKey> Downstream(const QueueKey& from) const;

  // All entries: an entry after every entry that hands it on (when the
  // links have no cycle), otherwise by first line's time, then queue ID.
  std::vector<QueueKey> JourneyOrder() const;

 private:
  std::map<QueueKey, int64_t> first_us_;
  std::vector<TraceEdge> edges_;
  std::map<QueueKey, NoticeOf> notices_;
};

}  // namespace mlq
