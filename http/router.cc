#include "http/router.h"

#include <set>

namespace mlq::http {

void SetError(Response* response, int status, std::string_view message) {
  response->status = status;
  response->content_type = "text/plain; charset=utf-8";
  response->body.assign(message);
  response->body.push_back('\n');
}

void Router::Add(std::string method, std::string path, Handler* handler, std::string route_name) {
  routes_[std::move(path)][std::move(method)] = Route{handler, std::move(route_name)};
}

void Router::SetFallback(std::string method, Handler* handler, std::string route_name) {
  fallback_method_ = std::move(method);
  fallback_ = Route{handler, std::move(route_name)};
}

Router::Match Router::Find(const Request& request, Response* response) const {
  auto path = routes_.find(request.path);
  if (path == routes_.end()) {
    if (fallback_.handler != nullptr && request.method == fallback_method_) {
      return {fallback_.handler, fallback_.name};
    }
    SetError(response, 404, "not found");
    return {};
  }
  auto method = path->second.find(request.method);
  if (method == path->second.end()) {
    std::string allow;
    for (const auto& [m, route] : path->second) allow += (allow.empty() ? "" : ", ") + m;
    SetError(response, 405, "method not allowed; allowed: " + allow);
    response->headers.emplace_back("Allow", allow);
    return {};
  }
  return {method->second.handler, method->second.name};
}

std::vector<std::string> Router::RouteNames() const {
  std::set<std::string> names;
  for (const auto& [path, methods] : routes_) {
    for (const auto& [m, route] : methods) names.insert(route.name);
  }
  if (fallback_.handler != nullptr) names.insert(fallback_.name);
  return {names.begin(), names.end()};
}

}  // namespace mlq::http
