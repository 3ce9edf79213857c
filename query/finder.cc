#include "query/finder.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "query/status_util.h"
#include "store/keys.h"

namespace mlq {
namespace {

using Visit = std::function<bool(std::string_view key, const LogRecord& rec)>;

constexpr size_t kMinChunk = 64;
constexpr size_t kFirstChunkMax = 4096;
constexpr size_t kMaxChunk = 16384;
constexpr int64_t kInitialWindowUs = int64_t{3600} * 1000000;  // newest-first index reads
constexpr uint64_t kCancelCheckEvery = 4096;                   // records examined

int64_t KeyTime(std::string_view key) {
  int64_t ts = 0;
  uint64_t seq = 0;
  keys::ParsePrimaryKey(key, &ts, &seq);
  return ts;
}

// hi - lo for hi >= lo, saturated to INT64_MAX.
int64_t Width(int64_t lo, int64_t hi) {
  const uint64_t w = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  return w > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(w);
}

// Collects one page from candidates visited in order (see finder.h for the
// budget and lookahead rules).
// What a record costs in a response besides its raw line (parsed fields).
constexpr size_t kRecordOverhead = 512;

class PageCollector {
 public:
  PageCollector(const RecordFilter& filter, const FindPageOptions& options)
      : filter_(filter), options_(options) {}

  bool Visit(std::string_view key, const LogRecord& rec) {
    ++page_.examined;
    if (options_.cancelled && page_.examined % kCancelCheckEvery == 0 && options_.cancelled()) {
      cancelled_ = true;
      return false;
    }
    if (filter_.Matches(rec)) {
      if (Full()) {
        more_ = true;  // not consumed: the next page starts with it
        return false;
      }
      page_.records.push_back(StoredRecord{std::string(key), rec});
      // A response carries the raw line and its MSG part (about the same again).
      bytes_ += 2 * rec.raw.size() + kRecordOverhead;
    }
    last_.assign(key.data(), key.size());
    if (Full() && after_full_++ >= options_.lookahead) {
      stopped_ = true;
      return false;
    }
    if (page_.examined >= options_.scan_budget) {
      stopped_ = true;
      return false;
    }
    return true;
  }

  // The page holds `limit` records or `max_bytes` of them.
  bool Full() const {
    return page_.records.size() >= options_.limit || bytes_ >= options_.max_bytes;
  }

  absl::StatusOr<FindPage> Finish(bool used_index) {
    if (cancelled_) return absl::CancelledError("the request was cancelled");
    page_.used_index = used_index;
    if (more_ || stopped_) {
      page_.truncated = true;
      page_.resume_after = std::move(last_);
    }
    return std::move(page_);
  }

 private:
  const RecordFilter& filter_;
  const FindPageOptions& options_;
  FindPage page_;
  std::string last_;  // the last consumed (returned or rejected) key
  uint64_t after_full_ = 0;
  size_t bytes_ = 0;  // of the records in the page
  bool more_ = false;
  bool stopped_ = false;
  bool cancelled_ = false;
};

// Index entries of q's term in key order, strictly after `resume`, in
// chunks of growing size.
absl::Status VisitIndexAscending(const Store& store, FindQuery q, std::string_view resume,
                                 size_t chunk, const Visit& visit) {
  std::string after(resume);
  int64_t lo = q.since_us;
  if (!after.empty()) {
    const int64_t ts = KeyTime(after);
    if (lo == 0 || ts > lo) lo = ts;
  }
  for (;;) {
    q.since_us = lo;
    q.limit = chunk;
    absl::StatusOr<FindResult> res = store.Find(q);
    if (!res.ok()) return res.status();
    for (const StoredRecord& sr : res->records) {
      if (!after.empty() && sr.key <= after) continue;  // seen on the previous chunk
      if (!visit(sr.key, sr.record)) return absl::OkStatus();
      after = sr.key;
    }
    if (!res->truncated || res->records.empty()) return absl::OkStatus();
    const int64_t last = KeyTime(res->records.back().key);
    if (last == lo) {
      chunk *= 2;  // the whole chunk shares one microsecond: read more of it at once
    } else {
      lo = last;  // entries at `last` come again and are skipped by key
      chunk = std::min(chunk * 2, kMaxChunk);
    }
  }
}

// The time of the oldest entry of q's term in [since, until) (0 = open).
absl::StatusOr<std::optional<int64_t>> OldestEntry(const Store& store, FindQuery q, int64_t since,
                                                   int64_t until) {
  q.since_us = since;
  q.until_us = until;
  q.limit = 1;
  absl::StatusOr<FindResult> res = store.Find(q);
  if (!res.ok()) return res.status();
  if (res->records.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(KeyTime(res->records.front().key));
}

// Index entries of q's term newest first, strictly before `resume`. The
// store reads oldest first, so this walks back in time windows: a window
// holding more than a chunk is shrunk (using the density it showed), a
// sparse one makes the next window twice as wide.
absl::Status VisitIndexDescending(const Store& store, FindQuery q, std::string_view resume,
                                  size_t chunk, const Visit& visit) {
  const int64_t since = q.since_us;
  int64_t hi = q.until_us;  // exclusive; 0 = open
  if (!resume.empty()) {
    const int64_t r = KeyTime(resume) + 1;  // entries at that time before the key remain
    if (hi == 0 || r < hi) hi = r;
  }
  absl::StatusOr<std::optional<int64_t>> oldest = OldestEntry(store, q, since, hi);
  if (!oldest.ok()) return oldest.status();
  if (!oldest->has_value()) return absl::OkStatus();
  const int64_t floor = **oldest;  // nothing older matches
  if (hi == 0) {
    // Find the newest entry's time: the largest t with an entry at or after t.
    int64_t yes = floor;                               // an entry at or after `yes`
    int64_t no = std::numeric_limits<int64_t>::max();  // none at or after `no`
    const int64_t now = NowUs();
    if (now > yes) {
      absl::StatusOr<std::optional<int64_t>> r = OldestEntry(store, q, now, 0);
      if (!r.ok()) return r.status();
      if (r->has_value()) {
        yes = **r;
      } else {
        no = now;
      }
    }
    while (Width(yes, no) > 1) {
      const int64_t mid = yes + Width(yes, no) / 2;
      absl::StatusOr<std::optional<int64_t>> r = OldestEntry(store, q, mid, 0);
      if (!r.ok()) return r.status();
      if (r->has_value()) {
        yes = std::max(**r, mid);  // jump to the entry found
      } else {
        no = mid;
      }
    }
    hi = yes == std::numeric_limits<int64_t>::max() ? yes : yes + 1;
  }

  int64_t window = kInitialWindowUs;
  while (hi > floor) {
    int64_t a = Width(floor, hi) <= window ? floor : hi - window;
    if (a == 0 && floor < 0) a = -1;  // 0 would mean "no lower bound"
    q.since_us = a;
    q.until_us = hi;
    q.limit = chunk;
    absl::StatusOr<FindResult> res = store.Find(q);
    if (!res.ok()) return res.status();
    if (res->truncated && !res->records.empty()) {
      const int64_t width = Width(a, hi);
      if (width <= 1) {
        chunk *= 2;  // more than a chunk in one microsecond
        continue;
      }
      // The chunk covered [a, last]: aim for about half a chunk per window.
      const int64_t span = Width(a, KeyTime(res->records.back().key)) + 1;
      window = std::max<int64_t>(1, std::min(width / 2, span / 2));
      continue;
    }
    for (auto it = res->records.rbegin(); it != res->records.rend(); ++it) {
      if (!resume.empty() && it->key >= resume) continue;
      if (!visit(it->key, it->record)) return absl::OkStatus();
    }
    hi = a;
    if (res->records.size() < chunk / 4 && window < (std::numeric_limits<int64_t>::max() >> 2)) {
      window *= 2;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FindPage> FindRecords(const Store& store, const RecordFilter& filter,
                                     const FindPageOptions& options) {
  FindPageOptions o = options;
  o.limit = std::max<size_t>(o.limit, 1);
  o.scan_budget = std::max<uint64_t>(o.scan_budget, 1);
  PageCollector collector(filter, o);
  const Visit visit = [&collector](std::string_view key, const LogRecord& rec) {
    return collector.Visit(key, rec);
  };
  const std::optional<FindQuery> lookup = filter.IndexLookup();
  absl::Status st;
  if (lookup.has_value()) {
    const size_t chunk = std::clamp<size_t>(o.limit + 1, kMinChunk, kFirstChunkMax);
    st = o.newest_first ? VisitIndexDescending(store, *lookup, o.resume_after, chunk, visit)
                        : VisitIndexAscending(store, *lookup, o.resume_after, chunk, visit);
  } else {
    st = store.Scan(filter.since_us(), filter.until_us(), o.newest_first, o.resume_after, visit);
  }
  if (!st.ok()) return st;
  return collector.Finish(lookup.has_value());
}

}  // namespace mlq
