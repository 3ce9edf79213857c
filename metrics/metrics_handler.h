// GET /metrics: the Prometheus exposition (exposition.h) of everything
// `render` writes, behind the same bearer tokens as the query API
// (query/access.h, Method::kMetrics): with a token file, the request needs
// "Authorization: Bearer <token>" of a read token not limited to domains,
// or of an admin token. Without one: 401 (missing or unknown token,
// "WWW-Authenticate: Bearer"), 403 (a role that may not read metrics);
// Access counts them (auth.unauthenticated, auth.denied), the listener
// counts the answers by code.
//
// Thread safety: Handle() from any thread, when `render` may be.
#pragma once

#include <functional>

#include "http/router.h"
#include "metrics/exposition.h"
#include "query/access.h"

namespace mlq::metrics {

class MetricsHandler : public http::Handler {
 public:
  // `access` must outlive the handler.
  MetricsHandler(const Access* access, std::function<void(Exposition*)> render)
      : access_(access), render_(std::move(render)) {}

  void Handle(const http::Request& request, http::Response* response) override;

 private:
  const Access* access_;
  std::function<void(Exposition*)> render_;
};

}  // namespace mlq::metrics
