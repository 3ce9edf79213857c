// GET /metrics: the Prometheus exposition (exposition.h) of everything
// `render` writes, behind the same bearer tokens as the query API
// (query/access.h, Method::kMetrics): with a token file, the request needs
// "Authorization: Bearer <token>" of a read token not limited to domains,
// or of an admin token. Without one: 401 (missing or unknown token,
// "WWW-Authenticate: Bearer"), 403 (a role that may not read metrics);
// Access counts them (auth.unauthenticated, auth.denied), the listener
// counts the answers by code.
//
// Rendering runs on the listener's I/O thread, which the syslog listeners
// share: so that a client scraping in a loop cannot take that thread, a
// rendering is reused for `reuse` (the daemon: --metrics-cache-ms, 1 s by
// default; 0 = render every scrape). Counters stay monotonic; a value is at
// most `reuse` old.
//
// Thread safety: Handle() from any thread, when `render` may be.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "http/router.h"
#include "metrics/exposition.h"
#include "query/access.h"

namespace mlq::metrics {

class MetricsHandler : public http::Handler {
 public:
  // `access` must outlive the handler.
  MetricsHandler(const Access* access, std::function<void(Exposition*)> render,
                 std::chrono::milliseconds reuse = std::chrono::seconds(1))
      : access_(access), render_(std::move(render)), reuse_(reuse) {}

  void Handle(const http::Request& request, http::Response* response) override;

 private:
  const Access* access_;
  std::function<void(Exposition*)> render_;
  const std::chrono::milliseconds reuse_;
  std::mutex mu_;
  std::string cached_;  // guarded by mu_
  std::chrono::steady_clock::time_point rendered_at_;
  bool have_cached_ = false;
};

}  // namespace mlq::metrics
