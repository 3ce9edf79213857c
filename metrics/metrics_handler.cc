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
  Exposition out;
  render_(&out);
  response->status = 200;
  response->content_type = std::string(kContentType);
  response->body = out.Text();
}

}  // namespace mlq::metrics
