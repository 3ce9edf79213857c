// Who may call what on the query API (bearer tokens with roles, from the
// token file: base/token_file.h), and what a reader limited to mail domains
// may see.
//
// Without a token file authentication is off and every caller is admin: the
// zero-config default, which mlqd allows only on a loopback address (or with
// --grpc-insecure). With one, every call must carry the metadata
// "authorization: Bearer <token>"; a missing or unknown token is
// UNAUTHENTICATED, a role that does not cover the method PERMISSION_DENIED.
//
// What "involve" means for a reader limited to domains D (README,
// "Security", says the same for users). An address is in D when the part after its
// last '@' equals a domain of D or is a subdomain of it (mail.example.org is
// in example.org). Then:
//  - a line involves D when its sender, one of its recipients, its original
//    recipient or its SASL user (when that is an address) is in D;
//  - a line without any address (smtpd connect, cleanup message-id, qmgr
//    removed, ...) is shown when it belongs to a queue entry (same host and
//    queue ID, within a day of it) that has a line involving D;
//  - a trace is shown when the message's sender or one of its recipients
//    (or original recipients) is in D. When the sender is in D the whole
//    trace is shown (it is that domain's mail, to whomever it went);
//    otherwise only the recipients in D get a verdict row, and delivery
//    lines that name only recipients outside D are left out of the hops;
//    lines outside any queue (session, rejects) are shown when they involve D.
//  - Stats cover every domain and are refused to limited readers; Queue lists
//    only messages whose sender or a waiting recipient is in D; Status holds
//    no mail data and is allowed.
//
// Thread safety: Check and the views may run on any thread, concurrently
// with SetTokens (the tokens are swapped as a whole).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "base/token_file.h"
#include "mlq/v1/query.pb.h"
#include "query/tracer.h"
#include "store/counters.h"
#include "store/store.h"

namespace mlq {

// kMetrics: the HTTP listener's /metrics (Prometheus). Like Stats it covers
// every domain: read tokens that are not limited to domains, and admin.
enum class Method { kFind, kTrace, kTail, kStats, kQueue, kStatus, kIngest, kBackup, kMetrics };

struct Caller {
  std::string name;  // the token's name; "" when authentication is off
  TokenRole role = TokenRole::kAdmin;
  std::vector<std::string> domains;  // empty = every domain
  bool limited() const { return !domains.empty(); }
};

class Access {
 public:
  // `counters` (may be null) gets auth.unauthenticated and auth.denied.
  explicit Access(Counters* counters = nullptr) : counters_(counters) {}

  // Turns authentication on with these tokens (replacing any before), or
  // off with nullopt.
  void SetTokens(std::optional<std::vector<TokenEntry>> tokens);
  bool enabled() const;

  // The caller of `ctx`, when it may call `method`.
  grpc::Status Check(const grpc::ServerContext& ctx, Method method, Caller* caller) const;

  // The same check for a caller outside gRPC (the HTTP listener): `bearer`
  // is the token of "Authorization: Bearer <token>" ("" when the request had
  // none). UNAUTHENTICATED (HTTP 401) or PERMISSION_DENIED (403) as above.
  grpc::Status CheckToken(std::string_view bearer, Method method, Caller* caller) const;

  // The token of an "authorization" value "Bearer <token>" (case-insensitive
  // scheme, surrounding blanks trimmed), "" when it has another form.
  static std::string_view BearerOf(std::string_view authorization);

 private:
  Counters* counters_;
  mutable std::mutex mu_;
  // sha256 hex -> entry; null = authentication off.
  std::shared_ptr<const std::map<std::string, TokenEntry>> tokens_;
};

// True when the domain of `address` is one of `domains` or below one.
bool AddressInDomains(std::string_view address, const std::vector<std::string>& domains);

// True when one of the record's addresses is in `domains` (see above).
bool RecordInvolves(const LogRecord& rec, const std::vector<std::string>& domains);

// What one request of a limited reader may see; remembers the queue entries
// it has looked up (at most max_cached, then it forgets them all).
class DomainView {
 public:
  DomainView(const Store* store, std::vector<std::string> domains, size_t max_cached = 100000)
      : store_(store), domains_(std::move(domains)), max_cached_(max_cached) {}

  // The line involves the domains, or its queue entry does.
  bool Visible(const LogRecord& rec);

  // Removes what the reader may not see from `trace`; false when nothing of
  // it may be seen (the trace is to be left out).
  bool Redact(MessageTraceResult* trace) const;

  // The queued message may be seen.
  bool Visible(const v1::QueuedMessage& msg) const;

 private:
  const Store* store_;
  std::vector<std::string> domains_;
  size_t max_cached_;
  std::map<std::string, bool> queue_involves_;  // host \0 queue_id \0 day -> involves
};

}  // namespace mlq
