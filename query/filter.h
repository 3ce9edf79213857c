// The filters of a FindRequest, compiled once: matches LogRecords (Find's
// post-filter, Tail's live filter) and chooses the index that narrows a
// lookup best.
//
// Semantics (proto/mlq/v1/query.proto, FindRequest): every given filter
// must match (AND); an empty filter matches every record.
//   message_id  exact, angle brackets ignored on both sides
//   queue_id    exact; host: the record's host, exact
//   address     the sender, a recipient or orig_to, case-insensitive
//   from        the envelope sender, case-insensitive
//   to          a recipient or orig_to, case-insensitive
//   client_ip   exact; sasl_user case-insensitive
//   program     exact ("postfix/smtp") or a trailing run of its path
//               components ("smtp", "submission/smtpd")
//   family, event, status  exact
//   text        substring of the raw line, ASCII case-insensitive
//   since/until inclusive / exclusive bounds on the timestamp (0 = open)
// Addresses given as "<a@b>" lose their angle brackets.
//
// Thread safety: immutable after construction; Matches() may run on many
// threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mlq/v1/query.pb.h"
#include "store/record.h"
#include "store/store.h"

namespace mlq {

class RecordFilter {
 public:
  // An empty filter: matches everything.
  RecordFilter() = default;

  // The filters of `req`. With `ignore_time` (Tail) since/until are left
  // out. limit, newest_first and page_token are not filters.
  static RecordFilter FromRequest(const v1::FindRequest& req, bool ignore_time = false);

  // True when `rec` passes every filter.
  bool Matches(const LogRecord& rec) const;

  // The index lookup to run, with the filter's time bounds (the caller sets
  // the limit), or nullopt when no index-backed key is given. When several
  // are given the most selective one is used, in this order: message_id,
  // queue_id (scoped by host when given), sasl_user, client_ip, to, from,
  // address. The remaining filters still have to be applied (Matches).
  std::optional<FindQuery> IndexLookup() const;

  // True when no filter at all is given (time bounds included).
  bool empty() const;

  int64_t since_us() const { return since_us_; }
  int64_t until_us() const { return until_us_; }

 private:
  std::string message_id_;  // bare
  std::string queue_id_;
  std::string host_;
  std::string address_;  // lower-cased, bare
  std::string from_;     // lower-cased, bare
  std::string to_;       // lower-cased, bare
  std::string client_ip_;
  std::string sasl_user_;  // lower-cased
  std::string program_;
  std::string family_;
  std::string event_;
  std::string status_;
  std::string text_;  // lower-cased
  int64_t since_us_ = 0;
  int64_t until_us_ = 0;
};

// A stable 64-bit fingerprint of everything in `req` that selects and
// orders records (all filters, time bounds, newest_first; not limit or
// page_token). Page tokens carry it so a token only continues the query
// that produced it. Stable across processes and versions of the library.
uint64_t QueryFingerprint(const v1::FindRequest& req);

// True when `needle_lower` (already ASCII lower-case) occurs in `haystack`,
// ignoring ASCII case. An empty needle occurs everywhere.
bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle_lower);

}  // namespace mlq
