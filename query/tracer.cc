#include "query/tracer.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <utility>

#include "base/civil_time.h"
#include "base/scan.h"
#include "query/alias_verdict.h"
#include "query/explain.h"
#include "query/same_message.h"
#include "query/trace_graph.h"
#include "store/keys.h"

namespace mlq {
namespace {

constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kDay = 24 * kHour;

std::string Lower(std::string_view s) { return keys::AddressTerm(s); }

// The key of a recipient row: the address term without whitespace. A bare
// address holds none (RFC 5321 allows it only quoted, which no MTA here
// logs), so a space inside one is a wrapped or damaged line -- e.g. an
// amavis summary "-> <ad min@example.org>" beside Postfix's own
// "to=<admin@example.org>" -- and names the same recipient.
std::string RowAddress(std::string_view s) {
  std::string a = Lower(s);
  std::erase_if(a, [](char c) { return c == ' ' || c == '\t'; });
  return a;
}

bool HasSpace(std::string_view s) { return s.find_first_of(" \t") != std::string_view::npos; }

bool IsLoopbackText(std::string_view s) {
  return s.find("127.0.0.1") != std::string_view::npos ||
         s.find("[::1]") != std::string_view::npos || s.starts_with("localhost") || s == "::1" ||
         s.starts_with("127.");
}

// The port at the end of a Postfix relay "name[ip]:port", or -1.
int RelayPort(std::string_view relay) {
  size_t colon = relay.rfind(':');
  size_t bracket = relay.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return -1;
  }
  int port = 0;
  for (char c : relay.substr(colon + 1)) {
    if (c < '0' || c > '9') return -1;
    port = port * 10 + (c - '0');
  }
  return port;
}

// A start of a queue entry: the line that creates a queue ID.
bool IsEntryStart(const LogRecord& r) {
  return r.event == "client" || r.event == "pickup" || r.event == "message-id" ||
         (r.event == "queued" && r.family != "postfix");
}

bool IsEntryEnd(const LogRecord& r) { return r.event == "removed"; }

// Postfix reuses short queue IDs: split one ID's lines into entries. A new
// entry begins at an entry-creating line after a "removed"; lines that
// trail a "removed" in the same second stay with it.
std::vector<std::vector<StoredRecord>> SplitEntries(std::vector<StoredRecord> recs) {
  std::vector<std::vector<StoredRecord>> entries;
  std::vector<StoredRecord> cur;
  bool ended = false;
  for (auto& r : recs) {
    if (ended && IsEntryStart(r.record) && !cur.empty()) {
      entries.push_back(std::move(cur));
      cur.clear();
      ended = false;
    }
    if (IsEntryEnd(r.record)) ended = true;
    cur.push_back(std::move(r));
  }
  if (!cur.empty()) entries.push_back(std::move(cur));
  return entries;
}

// The entry whose span holds `t`, else the nearest one.
size_t NearestEntry(const std::vector<std::vector<StoredRecord>>& entries, int64_t t) {
  size_t best = 0;
  int64_t best_dist = INT64_MAX;
  for (size_t i = 0; i < entries.size(); ++i) {
    const int64_t first = entries[i].front().record.timestamp_us;
    const int64_t last = entries[i].back().record.timestamp_us;
    const int64_t dist = t < first ? first - t : (t > last ? t - last : 0);
    if (dist < best_dist) {
      best_dist = dist;
      best = i;
    }
  }
  return best;
}

// A client address on the loopback network: 127.0.0.0/8, ::1 (also
// IPv4-mapped, ::ffff:127.x.y.z).
bool IsLoopbackIp(std::string_view ip) {
  if (ip.starts_with("::ffff:") || ip.starts_with("::FFFF:")) ip.remove_prefix(7);
  return ip.starts_with("127.") || ip == "::1" || ip == "0:0:0:0:0:0:0:1";
}

bool IsPolicyFamily(std::string_view family) {
  return family == "iredapd" || family == "postgrey" || family == "policyd-spf" || family == "spf";
}

// One message's walk over the indexes.
class Walk {
 public:
  explicit Walk(const Store* store) : store_(store) {}

  void StartQueueEntry(const QueueKey& key, std::vector<StoredRecord> entry) {
    AcceptQueue(key, std::move(entry));
    Drain();
  }
  // The entry of `key` nearest `anchor` (a Message-ID start's entry).
  void StartQueue(const QueueKey& key, int64_t anchor) {
    pending_queues_.emplace_back(key, anchor);
    Drain();
  }
  void StartMessageId(const std::string& mid) {
    pending_mids_.push_back(mid);
    Drain();
  }
  // A line without a queue ID (an amavis summary, a mailbox delivery with
  // msgid=): its sender, if it names one, is the trace's; the entry of its
  // Message-ID nearest in time is its message (JoinCandidates).
  void StartLoneRecord(const StoredRecord& r) {
    lone_us_ = r.record.timestamp_us;
    same_.Add(EntryFacts::Of({r.record.host, r.record.queue_id}, {r}));
    AddOther(r);
    Drain();
  }

  MessageTraceResult Build() const;
  void LeftOut(MessageTraceResult* out) const;
  // Keys of every record in the trace (to skip covered ones on address starts).
  std::set<std::string> Keys() const;

 private:
  void Drain();
  void ExamineCandidates();
  bool JoinCandidates();
  void VisitQueue(const QueueKey& key, int64_t anchor);
  void AcceptQueue(const QueueKey& key, std::vector<StoredRecord> entry);
  void VisitRecord(const StoredRecord& r);
  void VisitMessageId(const std::string& mid);
  void AddOther(const StoredRecord& r);
  void AttachRejectReport(const StoredRecord& r);
  void AttachSession(const StoredRecord& client_line);
  std::vector<StoredRecord> Lookup(keys::IndexKind kind, const std::string& term,
                                   const std::string& host, int64_t since, int64_t until) const;

  const Store* store_;
  std::map<QueueKey, std::vector<StoredRecord>> queues_;
  std::set<QueueKey> tried_;
  std::set<std::string> mids_;
  std::map<std::string, StoredRecord> others_;  // by primary key
  std::set<std::string> queue_line_keys_;
  std::deque<std::pair<QueueKey, int64_t>> pending_queues_;
  std::deque<std::string> pending_mids_;
  size_t lines_ = 0;
  // Entries found only by a Message-ID (same_message.h): waiting to be
  // looked at, looked at and not (yet) joined, and the trace's profile
  // they are judged against.
  std::deque<std::pair<QueueKey, int64_t>> pending_candidates_;
  std::set<QueueKey> candidate_keys_;
  std::map<QueueKey, std::pair<std::vector<StoredRecord>, EntryFacts>> candidates_;
  size_t examined_ = 0;
  SameMessage same_;
  int64_t lone_us_ = 0;  // a lone line's time, when the walk started from one
};

std::vector<StoredRecord> Walk::Lookup(keys::IndexKind kind, const std::string& term,
                                       const std::string& host, int64_t since,
                                       int64_t until) const {
  if (term.empty() || lines_ >= Tracer::kMaxLines) return {};
  FindQuery q;
  q.kind = kind;
  q.term = term;
  q.host = host;
  q.since_us = since;
  q.until_us = until;
  q.limit = Tracer::kMaxLines;
  absl::StatusOr<FindResult> r = store_->Find(q);
  if (!r.ok()) return {};
  return std::move(r->records);
}

void Walk::Drain() {
  do {
    while (!pending_queues_.empty() || !pending_mids_.empty()) {
      if (!pending_queues_.empty()) {
        auto [key, anchor] = pending_queues_.front();
        pending_queues_.pop_front();
        VisitQueue(key, anchor);
      } else {
        std::string mid = pending_mids_.front();
        pending_mids_.pop_front();
        VisitMessageId(mid);
      }
    }
    // Links first, then the entries that share a Message-ID: each joined
    // one can bring links, Message-IDs and a profile that joins others.
    ExamineCandidates();
  } while (JoinCandidates());
}

// Reads the entries found only by a Message-ID (at most kMaxQueues per
// trace; the rest stay left out unread). Never schedules work itself.
void Walk::ExamineCandidates() {
  while (!pending_candidates_.empty()) {
    auto [key, anchor] = pending_candidates_.front();
    pending_candidates_.pop_front();
    if (queues_.count(key) || candidates_.count(key) || examined_ >= Tracer::kMaxQueues) continue;
    ++examined_;
    std::vector<StoredRecord> recs = Lookup(keys::IndexKind::kQueueId, key.second, key.first, 0, 0);
    if (recs.empty()) continue;
    auto entries = SplitEntries(std::move(recs));
    std::vector<StoredRecord>& entry = entries[NearestEntry(entries, anchor)];
    EntryFacts facts = EntryFacts::Of(key, entry);
    candidates_.emplace(key, std::make_pair(std::move(entry), std::move(facts)));
  }
}

// Joins every candidate that is plausibly the same message as the trace's
// entries (same_message.h). True when one joined (more work to drain).
bool Walk::JoinCandidates() {
  bool joined = false;
  if (queues_.empty() && !candidates_.empty()) {
    // Started from a lone line: the entry nearest it in time is its message.
    auto nearest = candidates_.begin();
    auto dist = [&](const EntryFacts& f) {
      return lone_us_ < f.first_us ? f.first_us - lone_us_
                                   : (lone_us_ > f.last_us ? lone_us_ - f.last_us : 0);
    };
    for (auto it = candidates_.begin(); it != candidates_.end(); ++it) {
      if (dist(it->second.second) < dist(nearest->second.second)) nearest = it;
    }
    const QueueKey key = nearest->first;
    std::vector<StoredRecord> entry = std::move(nearest->second.first);
    candidates_.erase(nearest);
    AcceptQueue(key, std::move(entry));
    joined = true;
  }
  for (auto it = candidates_.begin(); it != candidates_.end();) {
    if (queues_.count(it->first)) {  // reached by a link meanwhile
      it = candidates_.erase(it);
      continue;
    }
    if (queues_.size() >= Tracer::kMaxQueues || same_.Joins(it->second.second).empty()) {
      ++it;
      continue;
    }
    const QueueKey key = it->first;
    std::vector<StoredRecord> entry = std::move(it->second.first);
    it = candidates_.erase(it);
    AcceptQueue(key, std::move(entry));
    joined = true;
  }
  return joined;
}

void Walk::VisitQueue(const QueueKey& key, int64_t anchor) {
  if (queues_.size() >= Tracer::kMaxQueues || !tried_.insert(key).second) return;
  std::vector<StoredRecord> recs = Lookup(keys::IndexKind::kQueueId, key.second, key.first, 0, 0);
  if (recs.empty()) return;
  auto entries = SplitEntries(std::move(recs));
  AcceptQueue(key, std::move(entries[NearestEntry(entries, anchor)]));
}

void Walk::AcceptQueue(const QueueKey& key, std::vector<StoredRecord> entry) {
  tried_.insert(key);
  if (entry.empty() || queues_.count(key)) return;
  lines_ += entry.size();
  for (const auto& r : entry) queue_line_keys_.insert(r.key);
  same_.Add(EntryFacts::Of(key, entry));
  const int64_t first = entry.front().record.timestamp_us;
  const int64_t last = entry.back().record.timestamp_us;
  auto& stored = queues_[key] = std::move(entry);
  for (const StoredRecord& r : std::vector<StoredRecord>(stored)) VisitRecord(r);
  // Lines elsewhere that link to this entry ("queued as <it>"), on any host
  // (a relay from another server of the fleet names it without a host).
  for (const StoredRecord& r :
       Lookup(keys::IndexKind::kLink, key.second, "", first - kDay, last + kDay)) {
    if (!r.record.queue_id.empty()) {
      pending_queues_.emplace_back(QueueKey{r.record.host, r.record.queue_id},
                                   r.record.timestamp_us);
    } else {
      AddOther(r);
    }
  }
}

void Walk::VisitRecord(const StoredRecord& r) {
  const LogRecord& rec = r.record;
  if (!rec.message_id.empty() && mids_.size() < Tracer::kMaxMessageIds &&
      !mids_.count(rec.message_id)) {
    pending_mids_.push_back(rec.message_id);
  }
  for (const Link& link : rec.links) {
    if (link.queue_id.empty()) continue;
    const std::string host = link.host.empty() ? rec.host : link.host;
    // Same host first; a relay to another fleet host names the ID only.
    std::vector<StoredRecord> here = Lookup(keys::IndexKind::kQueueId, link.queue_id, host,
                                            rec.timestamp_us - kDay, rec.timestamp_us + 2 * kDay);
    if (!here.empty()) {
      pending_queues_.emplace_back(QueueKey{host, link.queue_id}, rec.timestamp_us);
      continue;
    }
    // A day either way: the other host's clock may be minutes off, and its
    // zone-less RFC 3164 lines may be read in the wrong zone (hours off).
    std::set<std::string> hosts;
    for (const StoredRecord& o : Lookup(keys::IndexKind::kQueueId, link.queue_id, "",
                                        rec.timestamp_us - kDay, rec.timestamp_us + kDay)) {
      hosts.insert(o.record.host);
    }
    for (const std::string& h : hosts) {
      pending_queues_.emplace_back(QueueKey{h, link.queue_id}, rec.timestamp_us);
    }
  }
  if (rec.event == "client" && !rec.pid.empty()) AttachSession(r);
}

void Walk::VisitMessageId(const std::string& mid) {
  if (!mids_.insert(mid).second) return;
  for (const StoredRecord& r : Lookup(keys::IndexKind::kMessageId, mid, "", 0, 0)) {
    if (!r.record.queue_id.empty()) {
      // Not joined yet: the same message only when same_message.h says so.
      const QueueKey key{r.record.host, r.record.queue_id};
      if (!queues_.count(key) && candidate_keys_.insert(key).second) {
        pending_candidates_.emplace_back(key, r.record.timestamp_us);
      }
    } else {
      AddOther(r);
    }
  }
}

void Walk::AddOther(const StoredRecord& r) {
  if (queue_line_keys_.count(r.key) || others_.count(r.key)) return;
  ++lines_;
  others_.emplace(r.key, r);
  if (!r.record.message_id.empty() && !mids_.count(r.record.message_id)) {
    pending_mids_.push_back(r.record.message_id);
  }
  AttachRejectReport(r);
}

bool IsPrequeueReject(const LogRecord& r) {
  return r.queue_id.empty() && r.event == "reject" && !r.to.empty();
}

bool IsWebmailRejectReport(const LogRecord& r) {
  return r.family == "roundcube" && r.event == "smtp-error" && !r.to.empty();
}

// A pre-queue reject and the webmail's report of it are one event: Roundcube
// logs "SMTP Error: Failed to add recipient 'x'. 5.7.1 <x>: Recipient
// address rejected: ..." on the same host, for the same recipient, in the
// same second as smtpd's NOQUEUE reject (one second either way, for lines
// that straddle a second). Each brings in the other.
void Walk::AttachRejectReport(const StoredRecord& sr) {
  const LogRecord& r = sr.record;
  const bool reject = IsPrequeueReject(r);
  if (!reject && !IsWebmailRejectReport(r)) return;
  constexpr int64_t kSecond = 1000000;
  const int64_t second = r.timestamp_us - r.timestamp_us % kSecond;
  for (const std::string& to : r.to) {
    for (const StoredRecord& o : Lookup(keys::IndexKind::kAddress, Lower(to), r.host,
                                        second - kSecond, second + 2 * kSecond)) {
      const LogRecord& x = o.record;
      if (x.host != r.host || (reject ? !IsWebmailRejectReport(x) : !IsPrequeueReject(x))) {
        continue;
      }
      if (std::any_of(x.to.begin(), x.to.end(),
                      [&](const std::string& t) { return Lower(t) == Lower(to); })) {
        AddOther(o);
      }
    }
  }
}

// The smtpd session around a "client=" line: from its "connect" to the next
// message's "client=" or the "disconnect"; then the policy servers and
// postscreen lines for that client just before it.
//
// The session is read outward from the "client=" line, not as a whole
// [-2 h, +2 h] window: a long-lived smtpd (the content filter's re-injection
// on port 10025, a busy submission service) logs hundreds of lines per pid
// in that window, and Find decodes every one. Backwards in time windows that
// grow until a boundary, forwards in small oldest-first pages; both stay
// within [-2 h, +2 h) of the line, so the lines are the ones the whole window
// would give.
void Walk::AttachSession(const StoredRecord& client_line) {
  const LogRecord& c = client_line.record;
  if (lines_ >= Tracer::kMaxLines) return;
  const std::string term = keys::ProcessTerm(c.host, c.program, c.pid);
  const int64_t lo_bound = c.timestamp_us - 2 * kHour;  // inclusive
  const int64_t hi_bound = c.timestamp_us + 2 * kHour;  // exclusive
  auto find = [&](int64_t since, int64_t until, size_t limit, bool* truncated) {
    FindQuery q;
    q.kind = keys::IndexKind::kProcess;
    q.term = term;
    q.since_us = since;
    q.until_us = until;
    q.limit = limit;
    absl::StatusOr<FindResult> r = store_->Find(q);
    if (!r.ok()) {
      *truncated = false;
      return std::vector<StoredRecord>{};
    }
    *truncated = r->truncated;
    return std::move(r->records);
  };

  // The first slice: a few seconds before the line up to its own time, which
  // holds the line itself (and every line logged in the same microsecond).
  constexpr int64_t kFirstStep = 4 * 1000000LL;
  int64_t lo = std::max(lo_bound, c.timestamp_us - kFirstStep);
  bool truncated = false;
  std::vector<StoredRecord> slice =
      find(lo, std::min(hi_bound, c.timestamp_us + 1), Tracer::kMaxLines, &truncated);
  auto self = std::find_if(slice.begin(), slice.end(),
                           [&](const StoredRecord& s) { return s.key == client_line.key; });
  if (self == slice.end()) return;

  // Backwards: stop after a "connect", or before the previous message's
  // "client=" or a "disconnect".
  std::vector<StoredRecord> before;  // newest first
  bool done = false;
  auto walk_back = [&](std::vector<StoredRecord>::iterator from,
                       std::vector<StoredRecord>::iterator first) {
    while (!done && from != first) {
      --from;
      const std::string& ev = from->record.event;
      if (ev == "client" || ev == "disconnect") {
        done = true;
      } else {
        done = ev == "connect";  // before the move empties `ev`
        before.push_back(std::move(*from));
      }
    }
  };
  // Forwards: stop before the next message's "client=", or after a
  // "disconnect".
  std::vector<StoredRecord> after;  // oldest first
  bool fwd_done = false;
  auto walk_forward = [&](std::vector<StoredRecord>::iterator from,
                          std::vector<StoredRecord>::iterator last) {
    for (; !fwd_done && from != last; ++from) {
      const std::string& ev = from->record.event;
      if (ev == "client") {
        fwd_done = true;
      } else {
        fwd_done = ev == "disconnect";  // before the move empties `ev`
        after.push_back(std::move(*from));
      }
    }
  };
  walk_forward(self + 1, slice.end());
  walk_back(self, slice.begin());
  slice.clear();

  for (int64_t step = kFirstStep * 4; !done && lo > lo_bound; step *= 4) {
    const int64_t since = std::max(lo_bound, lo - step);
    slice = find(since, lo, Tracer::kMaxLines, &truncated);
    lo = since;
    walk_back(slice.end(), slice.begin());
  }

  // Forwards from just after the line's microsecond, a few lines at a time
  // (Find gives the oldest first); a page resumes at the last line's time,
  // skipping what was already read.
  int64_t since = c.timestamp_us + 1;
  std::string last_key;
  for (size_t limit = 8; !fwd_done && since < hi_bound;
       limit = std::min<size_t>(limit * 4, Tracer::kMaxLines)) {
    slice = find(since, hi_bound, limit, &truncated);
    if (slice.empty()) break;
    auto from = slice.begin();
    while (from != slice.end() && !last_key.empty() && from->key <= last_key) ++from;
    const int64_t last_us = slice.back().record.timestamp_us;
    std::string page_last = slice.back().key;
    const bool progress = from != slice.end();
    walk_forward(from, slice.end());
    // Done; or over kMaxLines lines in one microsecond: give up.
    if (!truncated || (!progress && limit >= Tracer::kMaxLines)) break;
    since = last_us;
    last_key = std::move(page_last);
  }

  int64_t connect_us = c.timestamp_us;
  for (auto it = before.rbegin(); it != before.rend(); ++it) {
    connect_us = std::min(connect_us, it->record.timestamp_us);
    AddOther(*it);
  }
  for (const StoredRecord& r : after) {
    connect_us = std::min(connect_us, r.record.timestamp_us);
    AddOther(r);
  }
  // The lines looked for (postscreen, policy servers) concern Internet
  // clients. A loopback client is the content filter's re-injection or a
  // local submission, and its client-IP term holds every host's local
  // traffic (thousands of lines in five minutes, each decoded by Find):
  // skipped.
  if (c.client_ip.empty() || IsLoopbackIp(c.client_ip)) return;
  for (const StoredRecord& p :
       Lookup(keys::IndexKind::kClientIp, c.client_ip, "", connect_us - 300 * 1000000LL,
              c.timestamp_us + 5 * 1000000LL)) {
    const LogRecord& r = p.record;
    const bool policy = IsPolicyFamily(r.family);
    const bool screen = r.program.ends_with("/postscreen") && r.host == c.host;
    if (!policy && !screen) continue;
    // A policy line about another sender is another message.
    if (policy && !c.from.empty() && !r.from.empty() && Lower(r.from) != Lower(c.from)) continue;
    AddOther(p);
  }
}

std::set<std::string> Walk::Keys() const {
  std::set<std::string> keys(queue_line_keys_);
  for (const auto& [k, r] : others_) keys.insert(k);
  return keys;
}

bool IsHandOff(const LogRecord& r, const std::set<QueueKey>& queues) {
  if (r.status != "sent") return false;
  for (const Link& l : r.links) {
    if ((l.kind == "queued_as" || l.kind == "forwarded_as") && !l.queue_id.empty()) {
      for (const auto& q : queues) {
        if (q.second == l.queue_id) return true;
      }
    }
  }
  // A content filter on this host (amavis on 127.0.0.1:10024, ...), not a
  // mailbox: LMTP (24) and SMTP (25) on loopback are real deliveries.
  const int port = RelayPort(r.relay);
  if (IsLoopbackText(r.relay) && port > 0 && port != 24 && port != 25) return true;
  return r.relay.find("amavis") != std::string::npos;
}

std::string DeliveredWhere(const LogRecord& r) {
  const std::string_view relay = r.relay;
  if (relay == "local" || relay == "virtual" || relay == "dovecot" || r.family == "dovecot" ||
      r.family == "zimbra" || r.program.ends_with("/lmtp") || r.program.ends_with("/local") ||
      r.program.ends_with("/virtual") || r.program.ends_with("/pipe")) {
    return relay.empty() ? "mailbox" : "mailbox (" + std::string(relay) + ")";
  }
  return relay.empty() ? "next server" : "remote server " + std::string(relay);
}

// The queue entry a link of a line in `from` names: on the line's host when
// the trace has it there, else the trace's entry with that ID on another host.
bool LinkTarget(const QueueKey& from, const Link& l, const std::set<QueueKey>& queues,
                QueueKey* out) {
  const QueueKey here{l.host.empty() ? from.first : l.host, l.queue_id};
  if (queues.count(here)) {
    *out = here;
    return true;
  }
  for (const QueueKey& q : queues) {
    if (q.second == l.queue_id && q != from) {
      *out = q;
      return true;
    }
  }
  return false;
}

std::string Name(const QueueKey& q) { return q.first + "/" + q.second; }

// The entries that share a Message-ID with the trace but not the message
// (same_message.h): named, so that nobody is silently shown less.
void Walk::LeftOut(MessageTraceResult* out) const {
  size_t n = 0;
  for (const QueueKey& key : candidate_keys_) {
    if (queues_.count(key)) continue;
    if (n++ < Tracer::kMaxLeftOutNamed) out->left_out.push_back(Name(key));
  }
  if (n == 0) return;
  std::string names;
  for (const std::string& name : out->left_out) names += (names.empty() ? "" : ", ") + name;
  if (n > out->left_out.size())
    names += ", and " + std::to_string(n - out->left_out.size()) + " more";
  out->left_out_note =
      (n == 1 ? std::string("1 other queue entry with the same Message-ID was")
              : std::to_string(n) + " other queue entries with the same Message-ID were") +
      " left out (" + names + "): no link joins " + (n == 1 ? "it" : "them") +
      " to this message, and neither does the envelope sender (another one, none logged, or "
      "more than 5 days apart) or a relay between the hosts; the Message-ID was reused. " +
      (n == 1 ? "It is" : "Each is") +
      " a message of its own: trace it by its queue ID (a trace by the Message-ID shows each "
      "message apart).";
}

MessageTraceResult Walk::Build() const {
  MessageTraceResult out;
  std::set<QueueKey> queue_keys;
  for (const auto& [k, v] : queues_) queue_keys.insert(k);
  const TraceGraph graph(queues_);
  const std::map<QueueKey, NoticeOf>& notices = graph.notices();

  // Hops, in journey order: links first, time between unlinked entries (so
  // a host whose clock is behind does not put its hop first).
  std::set<QueueKey> linked_targets;
  std::map<QueueKey, std::vector<std::string>> next;
  for (const TraceEdge& e : graph.edges()) {
    linked_targets.insert(e.to);
    std::vector<std::string>& names = next[e.from];
    if (std::find(names.begin(), names.end(), Name(e.to)) == names.end()) {
      names.push_back(Name(e.to));
    }
  }
  const std::vector<QueueKey> order = graph.JourneyOrder();
  const std::string first_host = order.empty() ? std::string() : order.front().first;
  for (const QueueKey& key : order) {
    const std::vector<StoredRecord>& lines = queues_.at(key);
    TraceHopResult hop;
    hop.host = key.first;
    hop.queue_id = key.second;
    hop.lines = lines;
    hop.first_us = lines.front().record.timestamp_us;
    hop.last_us = lines.back().record.timestamp_us;
    hop.next = next[key];
    std::string client_ip;
    for (const auto& sr : lines) {
      const LogRecord& r = sr.record;
      if ((r.event == "client" || r.event == "pickup" ||
           (r.event == "queued" && r.family != "postfix")) &&
          hop.program.empty()) {
        hop.program = r.program;
        if (!r.client_name.empty() || !r.client_ip.empty()) {
          hop.client = r.client_name + "[" + r.client_ip + "]";
          client_ip = r.client_ip;
        }
      }
      if (r.event == "queued" && hop.from.empty()) hop.from = r.from;
      if (r.event == "delivery" && !r.delay.empty()) hop.delay = r.delay;
    }
    if (hop.program.empty()) hop.program = lines.front().record.program;
    auto notice = notices.find(key);
    if (notice != notices.end() && notice->second.root == key) {
      hop.role = "bounce";
    } else if (!client_ip.empty() && IsLoopbackText(client_ip) && linked_targets.count(key)) {
      hop.role = "after-filter";
    } else if (key.first != first_host) {
      hop.role = "relay";
    } else if (hop.program.ends_with("/pickup")) {
      hop.role = "local";
    } else {
      hop.role = "received";
    }
    out.hops.push_back(std::move(hop));
  }
  for (const auto& [k, r] : others_) out.other_lines.push_back(r);
  std::sort(out.other_lines.begin(), out.other_lines.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  out.message_ids.assign(mids_.begin(), mids_.end());
  LeftOut(&out);

  // Verdicts: gather every recipient-level event, then decide per row. A
  // row is an address of the message, or the recipient of one notice to
  // the sender (whose entries are apart: the notice is not a recipient of
  // the message, and its verdict is its own).
  struct Ev {
    const StoredRecord* sr;
    std::string kind;  // delivered handoff deferred bounced rejected quarantined expired
  };
  using RowKey = std::pair<std::string, std::string>;  // notice root ("" = message), address
  auto group_of = [&](const QueueKey& q) {
    auto it = notices.find(q);
    return it == notices.end() ? std::string() : Name(it->second.root);
  };
  std::map<RowKey, std::vector<Ev>> by_rcpt;
  std::map<RowKey, std::string> display, orig;
  std::map<std::string, size_t> open_entries;  // by notice root ("" = message)
  auto note = [&](const RowKey& row, const std::string& addr, const std::string& orig_addr,
                  const StoredRecord* sr, std::string kind) {
    if (row.second.empty()) return;
    // Shown as a line without the damage names it, when one does.
    auto [shown, fresh] = display.emplace(row, addr);
    if (!fresh && HasSpace(shown->second) && !HasSpace(addr)) shown->second = addr;
    if (!orig_addr.empty() && RowAddress(orig_addr) != row.second) orig.emplace(row, orig_addr);
    by_rcpt[row].push_back({sr, std::move(kind)});
  };
  std::vector<const StoredRecord*> all;
  for (const auto& [key, lines] : queues_) {
    bool removed = false;
    for (const auto& sr : lines) {
      all.push_back(&sr);
      removed = removed || sr.record.event == "removed";
    }
    if (!removed) ++open_entries[group_of(key)];
  }
  for (const auto& [k, sr] : others_) all.push_back(&sr);
  std::map<QueueKey, std::vector<RowKey>> rcpts_of_queue;
  for (const StoredRecord* sr : all) {
    const LogRecord& r = sr->record;
    const QueueKey qk{r.host, r.queue_id};
    const std::string group = r.queue_id.empty() ? std::string() : group_of(qk);
    auto each_to = [&](const std::string& kind) {
      for (const auto& t : r.to) {
        const RowKey row{group, RowAddress(t)};
        note(row, t, r.orig_to, sr, kind);
        if (!r.queue_id.empty()) rcpts_of_queue[qk].push_back(row);
      }
    };
    if (r.event == "delivery" || r.event == "local-delivery") {
      std::string kind;
      if (r.status == "sent" || r.status == "delivered" || r.status == "stored" ||
          r.status == "saved" || r.status == "deliverable") {
        kind = IsHandOff(r, queue_keys) ? "handoff" : "delivered";
      } else if (r.status == "deferred") {
        kind = "deferred";
      } else if (r.status == "bounced" || r.status == "undeliverable" || r.status == "failed" ||
                 r.status == "rejected") {
        kind = "bounced";
      } else if (r.status == "expired") {
        kind = "expired";
      }
      if (!kind.empty()) each_to(kind);
    } else if ((r.event == "reject" || r.event == "milter-reject") && !r.to.empty()) {
      each_to("rejected");
    } else if (r.family == "amavis" && r.status == "blocked") {
      each_to("quarantined");
    } else if (r.family == "amavis" || r.event == "queued") {
      each_to("seen");
    }
  }
  // Whole-message events: apply to the queue's recipients.
  for (const StoredRecord* sr : all) {
    const LogRecord& r = sr->record;
    std::string kind;
    if (r.event == "expired") kind = "expired";
    if (r.event == "milter-reject" && r.to.empty()) kind = "rejected";
    if (r.event == "milter-hold" || r.event == "hold") kind = "quarantined";
    if (kind.empty()) continue;
    for (const RowKey& row : rcpts_of_queue[{r.host, r.queue_id}]) {
      note(row, display[row], "", sr, kind);
    }
  }
  // A notice whose entries name no recipient yet (only its cleanup line
  // was logged): a row for the sender of the message it reports on ("" when
  // no line names it), or for "postmaster".
  for (const auto& [key, n] : notices) {
    if (n.root != key) continue;
    const std::string group = Name(key);
    auto it = by_rcpt.lower_bound({group, ""});
    if (it != by_rcpt.end() && it->first.first == group) continue;
    std::string sender = n.to == "sender" ? "" : n.to;
    for (const auto& h : out.hops) {
      if (n.to == "sender" && h.host == n.reports_on.first && h.queue_id == n.reports_on.second) {
        sender = h.from;
      }
    }
    const RowKey row{group, sender.empty() ? "<>" : RowAddress(sender)};
    display[row] = sender;
    by_rcpt[row];  // no event: queued or unknown below
  }

  // Handing on to the next entry and a deferral rank alike, so the later
  // one wins: a deferral (amavis down, "alias database unavailable") that
  // a later hand-off overcame is not the verdict.
  static const std::map<std::string, int> kRank = {
      {"delivered", 7}, {"bounced", 6},  {"quarantined", 5}, {"rejected", 4},
      {"expired", 3},   {"deferred", 2}, {"handoff", 2},     {"seen", 0}};
  std::vector<std::set<QueueKey>> queues_of, forwarded;
  for (auto& [row, evs] : by_rcpt) {
    std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
      return a.sr->record.timestamp_us < b.sr->record.timestamp_us;
    });
    // The strongest outcome wins; among equals, the latest line.
    const Ev* best = nullptr;
    std::set<QueueKey> in, fwd;
    for (const Ev& e : evs) {
      if (best == nullptr || kRank.at(e.kind) >= kRank.at(best->kind)) best = &e;
      const LogRecord& r = e.sr->record;
      if (r.queue_id.empty()) continue;
      const QueueKey qk{r.host, r.queue_id};
      in.insert(qk);
      for (const Link& l : r.links) {
        QueueKey target;
        if (e.kind == "handoff" && l.kind == "forwarded_as" &&
            LinkTarget(qk, l, queue_keys, &target)) {
          fwd.insert(target);
        }
      }
    }
    RecipientResult v;
    v.address = display[row];
    if (orig.count(row)) v.orig_address = orig[row];
    if (!row.first.empty()) {
      auto n = std::find_if(notices.begin(), notices.end(),
                            [&](const auto& kv) { return Name(kv.first) == row.first; });
      v.notice = n->second.to + " " + n->second.kind;
      v.notice_for = Name(n->second.reports_on);
      v.host = n->first.first;  // until a line about its recipient decides
      v.queue_id = n->first.second;
    }
    if (best == nullptr || best->kind == "handoff" || best->kind == "seen") {
      // Handed on (to a filter or the next queue) and nothing after: still
      // queued somewhere, or its later lines never reached mlq.
      const bool open = open_entries[row.first] > 0;
      v.verdict = open ? "queued" : "unknown";
      v.explanation = open ? "Still in the queue (no delivery, bounce or removal logged yet)."
                           : "Handed on, but no later line about this recipient was found.";
    }
    if (best != nullptr) {
      const LogRecord& r = best->sr->record;
      v.deciding = *best->sr;
      v.dsn = r.dsn;
      v.reply = r.reply;
      v.host = r.host;
      v.queue_id = r.queue_id;
      v.relay = r.relay;
      v.time_us = r.timestamp_us;
      v.step = r.program + (r.event.empty() ? "" : " " + r.event);
    }
    if (best == nullptr || best->kind == "handoff" || best->kind == "seen") {
      // decided above
    } else if (best->kind == "deferred") {
      // A deferral is only the verdict while the entry is still open.
      const LogRecord& r = best->sr->record;
      v.verdict = "deferred";
      v.explanation = Explain(r.dsn, r.reply);
      if (!v.explanation.empty()) v.explanation += " ";
      v.explanation += "Postfix retries until the queue lifetime ends.";
    } else {
      const LogRecord& r = best->sr->record;
      v.verdict = best->kind;
      v.explanation = Explain(r.dsn, r.reply);
      if (v.verdict == "quarantined" && v.explanation.empty()) {
        std::string category(r.Extra("category"));
        v.explanation = "Blocked by the content filter" +
                        (category.empty() ? std::string(".") : " as " + category + ".");
      }
      if (v.verdict == "expired" && v.explanation.empty()) {
        v.explanation =
            "The message stayed in the queue longer than the queue lifetime "
            "(maximal_queue_lifetime) and was returned to the sender.";
      }
      if (v.verdict == "rejected" && r.queue_id.empty()) {
        v.step = r.program + " before queue";
      }
      if (v.verdict == "delivered") v.where = DeliveredWhere(r);
    }
    out.recipients.push_back(std::move(v));
    queues_of.push_back(std::move(in));
    forwarded.push_back(std::move(fwd));
  }
  ResolveAliases(graph, queues_of, forwarded, &out.recipients);

  out.summary = TraceSummary(out);
  return out;
}

bool Matches(const LogRecord& r, const TraceStart& start) {
  if (!start.from.empty()) return Lower(r.from) == Lower(start.from);
  for (const auto& t : r.to) {
    if (Lower(t) == Lower(start.to)) return true;
  }
  return !r.orig_to.empty() && Lower(r.orig_to) == Lower(start.to);
}

}  // namespace

namespace {

// A line that creates a queue entry: the entry began here, not before.
bool CreatesEntry(const LogRecord& r) {
  return r.event == "client" || r.event == "pickup" || r.event == "message-id" ||
         r.event == "queued";
}

std::string FormatUtc(int64_t us) {
  const civil::CivilTime t = civil::CivilFromEpoch(us / 1000000, /*utc=*/true);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d UTC", t.year, t.month, t.day,
                t.hour, t.minute, t.second);
  return buf;
}

void NoteExpired(MessageTraceResult& r, int64_t cutoff_us) {
  constexpr int64_t kQueueLifetimeUs = int64_t{5} * 86400 * 1000000;
  if (cutoff_us == 0 || r.hops.empty()) return;
  const TraceHopResult& first = r.hops.front();
  if (first.first_us - cutoff_us > kQueueLifetimeUs) return;
  // The first entry found began the journey when it has a line of its
  // arrival from outside: not handed on by another entry (a content filter
  // on loopback, another fleet host, a bounce).
  const bool handed_on = first.role == "after-filter" || first.role == "relay" ||
                         first.role == "bounce" || IsLoopbackText(first.client);
  bool arrival = false;
  for (const StoredRecord& sr : first.lines) arrival = arrival || CreatesEntry(sr.record);
  if (arrival && !handed_on) return;
  r.expired_note = "Retention deleted every line before " + FormatUtc(cutoff_us) +
                   "; the oldest queue entry found (" + first.host + " " + first.queue_id + ") " +
                   (handed_on ? "was handed on by an earlier one" : "has no line of its arrival") +
                   ", so the message's earlier hops may have expired.";
}

}  // namespace

absl::StatusOr<std::vector<MessageTraceResult>> Tracer::Trace(const TraceStart& start) const {
  absl::StatusOr<std::vector<MessageTraceResult>> out = TraceKept(start);
  if (!out.ok()) return out;
  const int64_t cutoff = store_->expired_before_us();
  for (MessageTraceResult& r : *out) NoteExpired(r, cutoff);
  return out;
}

absl::StatusOr<std::vector<MessageTraceResult>> Tracer::TraceKept(const TraceStart& start) const {
  std::vector<MessageTraceResult> out;
  if (!start.message_id.empty()) {
    const std::string mid(scan::StripAngles(start.message_id));
    // One trace per message that uses the Message-ID (same_message.h): a
    // walk from its oldest entry not in an earlier trace.
    FindQuery q;
    q.kind = keys::IndexKind::kMessageId;
    q.term = mid;
    q.limit = kMaxLines;
    absl::StatusOr<FindResult> found = store_->Find(q);
    if (!found.ok()) return found.status();
    std::vector<std::pair<QueueKey, int64_t>> entries;
    std::set<QueueKey> seen;
    for (const StoredRecord& r : found->records) {
      const QueueKey key{r.record.host, r.record.queue_id};
      if (!key.second.empty() && seen.insert(key).second) {
        entries.emplace_back(key, r.record.timestamp_us);
      }
    }
    if (entries.empty()) {  // lines without a queue ID only (a mailbox's msgid=)
      Walk walk(store_);
      walk.StartMessageId(mid);
      MessageTraceResult r = walk.Build();
      if (!r.hops.empty() || !r.other_lines.empty()) out.push_back(std::move(r));
      return out;
    }
    std::set<std::string> covered;  // "host/queue_id" of earlier traces' hops
    for (const auto& [key, anchor] : entries) {
      if (out.size() >= start.max_messages) break;
      if (covered.count(Name(key))) continue;
      Walk walk(store_);
      walk.StartQueue(key, anchor);
      MessageTraceResult r = walk.Build();
      for (const TraceHopResult& h : r.hops) covered.insert(h.host + "/" + h.queue_id);
      if (!r.hops.empty()) out.push_back(std::move(r));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.hops.front().first_us < b.hops.front().first_us;
    });
    return out;
  }
  if (!start.queue_id.empty()) {
    FindQuery q{.kind = keys::IndexKind::kQueueId,
                .term = start.queue_id,
                .host = start.host,
                .since_us = start.since_us,
                .until_us = start.until_us,
                .limit = kMaxLines};
    absl::StatusOr<FindResult> found = store_->Find(q);
    if (!found.ok()) return found.status();
    std::map<std::string, std::vector<StoredRecord>> by_host;
    for (auto& r : found->records) by_host[r.record.host].push_back(std::move(r));
    for (auto& [host, recs] : by_host) {
      for (auto& entry : SplitEntries(std::move(recs))) {
        if (out.size() >= start.max_messages) break;
        Walk walk(store_);
        walk.StartQueueEntry({host, start.queue_id}, std::move(entry));
        out.push_back(walk.Build());
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.hops.front().first_us < b.hops.front().first_us;
    });
    return out;
  }
  const std::string& address = start.from.empty() ? start.to : start.from;
  if (address.empty()) {
    return absl::InvalidArgumentError("give a message-id, a queue ID, or a sender/recipient");
  }
  FindQuery q{.kind = keys::IndexKind::kAddress,
              .term = address,
              .since_us = start.since_us,
              .until_us = start.until_us,
              .limit = 20000};
  absl::StatusOr<FindResult> found = store_->Find(q);
  if (!found.ok()) return found.status();
  std::set<std::string> covered;
  for (const StoredRecord& sr : found->records) {
    if (out.size() >= start.max_messages) break;
    if (covered.count(sr.key) || !Matches(sr.record, start)) continue;
    Walk walk(store_);
    if (!sr.record.queue_id.empty()) {
      std::vector<StoredRecord> recs;
      absl::StatusOr<FindResult> q2 = store_->Find({.kind = keys::IndexKind::kQueueId,
                                                    .term = sr.record.queue_id,
                                                    .host = sr.record.host,
                                                    .limit = kMaxLines});
      if (!q2.ok()) return q2.status();
      auto entries = SplitEntries(std::move(q2->records));
      if (entries.empty()) continue;
      walk.StartQueueEntry({sr.record.host, sr.record.queue_id},
                           std::move(entries[NearestEntry(entries, sr.record.timestamp_us)]));
    } else {
      walk.StartLoneRecord(sr);
    }
    for (const auto& k : walk.Keys()) covered.insert(k);
    out.push_back(walk.Build());
  }
  return out;
}

std::string TraceSummary(const MessageTraceResult& trace) {
  // Summary for people: the message's recipients, then the notices.
  std::map<std::string, int> verdict_count;
  size_t message_rows = 0;
  std::string notes;
  for (const RecipientResult& v : trace.recipients) {
    if (v.notice.empty()) {
      ++message_rows;
      ++verdict_count[v.verdict];
      continue;
    }
    const size_t space = v.notice.find(' ');
    notes += "; a " + v.notice.substr(space + 1) + " notice went back to the " +
             v.notice.substr(0, space) + " (" + v.verdict + ")";
  }
  std::string s = std::to_string(message_rows) + " recipient" + (message_rows == 1 ? "" : "s");
  bool first = true;
  for (const auto& [verdict, n] : verdict_count) {
    s += (first ? ": " : ", ") + std::to_string(n) + " " + verdict;
    first = false;
  }
  std::set<std::string> hosts;
  for (const auto& h : trace.hops) hosts.insert(h.host);
  s += "; " + std::to_string(trace.hops.size()) + " queue entr" +
       (trace.hops.size() == 1 ? "y" : "ies") + " on " + std::to_string(hosts.size()) + " host" +
       (hosts.size() == 1 ? "" : "s");
  return s + notes;
}

}  // namespace mlq
