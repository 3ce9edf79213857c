#include "metrics/metrics_handler.h"

namespace mlq::metrics {

void MetricsHandler::Handle(const http::Request& request, http::Response* response) {
  Caller caller;
  const grpc::Status st =
      access_->CheckToken(Access::BearerOf(request.authorization), Method::kMetrics, &caller);
  if (!st.ok()) {
    if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      http::SetError(response, 401, st.error_message());
      response->headers.emplace_back("WWW-Authenticate", "Bearer realm=\"mlqd\"");
    } else {
      http::SetError(response, 403, st.error_message());
    }
    return;
  }
  response->status = 200;
  response->content_type = std::string(kContentType);
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (!have_cached_ || reuse_.count() <= 0 || now - rendered_at_ >= reuse_) {
    Exposition out;
    render_(&out);
    cached_ = out.Text();
    rendered_at_ = now;
    have_cached_ = true;
  }
  response->body = cached_;
}

}  // namespace mlq::metrics
