// Logins of the web UI (api/session_api.h serves /api/v1/session): a
// browser trades a bearer token for a session cookie once, instead of the
// page keeping the token in script-readable storage.
//
// A session holds the bearer token server-side (it is never sent back) and
// a CSRF token bound to it. Every request the session authenticates runs
// with that bearer through the same Access check as a request that sent it
// itself (query/access.h; Call::Http in query/service.h): a token removed
// from the token file (SIGHUP) stops working for its sessions at once. So
// there is no second authentication path, only a lookup cookie -> bearer.
//
// Ids and CSRF tokens are 256-bit values from OpenSSL's RAND_bytes, as 64
// lower-case hex digits; the store keys sessions by the SHA-256 of the id,
// and CSRF tokens are compared in constant time (CRYPTO_memcmp).
//
// Bounds: at most max_sessions at once (a new one evicts the oldest,
// counted); a session ends after `idle` without use and `absolute` after it
// began (counted as expired, checked on every lookup and when full).
// Counters "listener.http.sessions.{created,rejected,expired,evicted}" and
// "listener.http.csrf_rejected" (rejected and csrf_rejected are counted by
// the callers through Count*()).
//
// Thread safety: every method may run on any thread concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "http/router.h"
#include "store/counters.h"

namespace mlq::api {

inline constexpr std::string_view kSessionCookie = "mlq_session";

struct SessionOptions {
  size_t max_sessions = 1000;
  std::chrono::steady_clock::duration idle = std::chrono::hours(8);
  std::chrono::steady_clock::duration absolute = std::chrono::hours(12);
  // The clock (tests give a fake one); null = steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
};

class SessionStore {
 public:
  // `counters` must outlive the store.
  SessionStore(Counters* counters, SessionOptions options);

  struct Created {
    std::string id;    // the cookie's value
    std::string csrf;  // for X-MLQ-CSRF
  };
  // A new session for `bearer` (already checked by the caller). Internal
  // when the random generator fails.
  absl::StatusOr<Created> Create(std::string bearer);

  struct Session {
    std::string bearer;
    std::string csrf;
  };
  // The live session with this id (its idle time starts again); nullopt
  // when there is none or it has expired (then it is removed).
  std::optional<Session> Find(std::string_view id);

  // Ends the session (no-op when there is none).
  void Remove(std::string_view id);

  size_t size() const;

  // The counters the callers bump.
  void CountRejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }
  void CountCsrfRejected() { csrf_rejected_.fetch_add(1, std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string bearer;
    std::string csrf;
    Clock::time_point created;
    Clock::time_point used;
    std::list<std::string>::iterator order;  // in order_
  };
  Clock::time_point Now() const { return options_.now ? options_.now() : Clock::now(); }
  bool Expired(const Entry& e, Clock::time_point now) const;
  void Erase(std::map<std::string, Entry, std::less<>>::iterator it);  // mu_ held

  SessionOptions options_;
  Counters::Counter& created_;
  Counters::Counter& rejected_;
  Counters::Counter& expired_;
  Counters::Counter& evicted_;
  Counters::Counter& csrf_rejected_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> sessions_;  // sha256(id) -> entry
  std::list<std::string> order_;                        // keys, oldest first
};

// The value of cookie `name` in a Cookie header ("a=1; mlq_session=..."),
// "" when it is absent.
std::string_view CookieValue(std::string_view cookie_header, std::string_view name);

// `a` equals `b`, compared in constant time for equal lengths.
bool SecretEqual(std::string_view a, std::string_view b);

// The bearer token an /api/v1 request runs with: the Authorization header's
// when it has one (no CSRF token needed: a browser does not attach it
// cross-site); else the session of its cookie, when the request carries
// the session's CSRF token in X-MLQ-CSRF, or, when `csrf_in_query` (GET
// /api/v1/tail: EventSource cannot set headers), in the query parameter
// "csrf". A request with neither runs with "" (Access then says 401 when
// tokens are on). PERMISSION_DENIED ("missing or wrong CSRF token") for a
// live session without its CSRF token, counted. `sessions` may be null (no
// sessions: only the header counts).
grpc::Status ResolveBearer(const http::Request& request, SessionStore* sessions, bool csrf_in_query,
                           std::string* bearer);

}  // namespace mlq::api
