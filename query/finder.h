// The engine behind Find (and Tail's "last N"): one page of the records a
// RecordFilter matches, through an index when the filter has an
// index-backed key, else by scanning the time range. Page tokens (the resume
// key wrapped for clients) are in page_token.h.
//
// Plan: with an index key (RecordFilter::IndexLookup) the index entries of
// that term are read in chunks through Store::Find and post-filtered; the
// chunks grow until the page is full or the term is exhausted. Newest-first
// index reads walk back from the newest entry in time windows whose size
// adapts to the density of the term, so memory stays bounded by a chunk.
// Without one, Store::Scan walks [since, until) and post-filters.
//
// Bounds: a page holds at most `limit` records; at most `scan_budget`
// records are examined (read and tested) per page. When the budget runs out
// the page ends early, truncated, with a resume key after the last examined
// record, so asking again continues where this page stopped. After the page
// is full up to `lookahead` more records are examined to learn whether
// anything else matches: found -> truncated; the source ended -> not
// truncated; lookahead spent -> truncated (the next page may be empty).
//
// Thread safety: stateless functions; safe to call concurrently (the store
// allows concurrent reads).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/filter.h"
#include "query/page_token.h"  // callers of FindRecords page with these
#include "store/store.h"

namespace mlq {

struct FindPageOptions {
  size_t limit = 1000;  // records per page (>= 1)
  bool newest_first = false;
  std::string resume_after;  // primary key: continue strictly after it ("" = from the start)
  uint64_t scan_budget = 2'000'000;  // records examined per page, at most
  uint64_t lookahead = 10'000;       // records examined after the page is full, at most
  // Bytes of matching records (their raw lines plus a fixed overhead each)
  // a page holds at most: a page of long lines ends early, truncated, with
  // at least one record.
  size_t max_bytes = size_t{32} << 20;
  // Polled now and then; when it returns true the search stops with
  // absl::CancelledError. May be empty.
  std::function<bool()> cancelled;
};

struct FindPage {
  std::vector<StoredRecord> records;  // in the requested order
  bool truncated = false;             // more may match: continue after resume_after
  std::string resume_after;           // primary key, set when truncated
  uint64_t examined = 0;              // records read and tested
  bool used_index = false;            // planned through an index
};

// One page of the records `filter` matches.
absl::StatusOr<FindPage> FindRecords(const Store& store, const RecordFilter& filter,
                                     const FindPageOptions& options);

}  // namespace mlq
