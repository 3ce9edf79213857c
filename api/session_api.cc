#include "api/session_api.h"

#include "api/json_api.h"

namespace mlq::api {
namespace {

// The token's role must allow reading: Find is what every reader may call.
constexpr Method kLoginMethod = Method::kFind;

void Json(http::Response* response, int status, std::string body) {
  response->status = status;
  response->content_type = "application/json";
  response->body = std::move(body);
}

void Error(http::Response* response, const grpc::Status& st) {
  Json(response, HttpStatus(st.error_code()), ErrorJson(st.error_code(), st.error_message()));
  if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    response->headers.emplace_back("WWW-Authenticate", "Bearer");
  }
}

// {"auth_required":...,"name":...,"role":...,"domains":[...],"csrf_token":...}
std::string Describe(bool auth_required, const Caller& caller, std::string_view csrf) {
  std::string out = "{\"auth_required\":";
  out += auth_required ? "true" : "false";
  if (!caller.name.empty()) {
    out += ",\"name\":";
    AppendJsonString(caller.name, &out);
  }
  out += ",\"role\":";
  AppendJsonString(TokenRoleName(caller.role), &out);
  out += ",\"domains\":[";
  for (size_t i = 0; i < caller.domains.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(caller.domains[i], &out);
  }
  out += "]";
  if (!csrf.empty()) {
    out += ",\"csrf_token\":";
    AppendJsonString(csrf, &out);
  }
  out += "}\n";
  return out;
}

std::string Cookie(std::string_view value, bool tls, bool clear) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(value) +
                  "; HttpOnly; SameSite=Strict; Path=/";
  if (tls) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

}  // namespace

void SessionApi::Register(http::Router* router) {
  for (const char* method : {"GET", "POST", "DELETE"}) {
    router->Add(method, "/api/v1/session", this, "api_session");
  }
}

void SessionApi::Handle(const http::Request& request, http::Response* response) {
  if (request.method == "POST") return Post(request, response);
  if (request.method == "DELETE") return Delete(request, response);
  return Get(request, response);
}

void SessionApi::Get(const http::Request& request, http::Response* response) {
  if (access_ == nullptr || !access_->enabled()) {
    return Json(response, 200, Describe(false, Caller{}, ""));
  }
  Caller caller;
  if (!request.authorization.empty()) {
    const grpc::Status st =
        access_->CheckToken(Access::BearerOf(request.authorization), kLoginMethod, &caller);
    if (!st.ok()) return Error(response, st);
    return Json(response, 200, Describe(true, caller, ""));
  }
  const std::string_view id = CookieValue(request.cookie, kSessionCookie);
  std::optional<SessionStore::Session> session = sessions_->Find(id);
  if (!session) {
    return Error(response, grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                        "no session: log in with a token (POST /api/v1/session)"));
  }
  // The token may have been removed from the token file since the login.
  if (grpc::Status st = access_->CheckToken(session->bearer, kLoginMethod, &caller); !st.ok()) {
    sessions_->Remove(id);
    return Error(response, st);
  }
  Json(response, 200, Describe(true, caller, session->csrf));
}

void SessionApi::Post(const http::Request& request, http::Response* response) {
  if (access_ == nullptr || !access_->enabled()) {
    return Json(response, 200, Describe(false, Caller{}, ""));
  }
  const std::string_view bearer = Access::BearerOf(request.authorization);
  Caller caller;
  grpc::Status st =
      bearer.empty()
          ? grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                         "log in with \"Authorization: Bearer <token>\" (mlq token create)")
          : access_->CheckToken(bearer, kLoginMethod, &caller);
  if (!st.ok()) {
    sessions_->CountRejected();
    return Error(response, st);
  }
  if (const std::string_view old = CookieValue(request.cookie, kSessionCookie); !old.empty()) {
    sessions_->Remove(old);
  }
  absl::StatusOr<SessionStore::Created> created = sessions_->Create(std::string(bearer));
  if (!created.ok()) {
    return Error(response,
                 grpc::Status(grpc::StatusCode::INTERNAL, std::string(created.status().message())));
  }
  Json(response, 200, Describe(true, caller, created->csrf));
  response->headers.emplace_back("Set-Cookie", Cookie(created->id, request.tls, false));
}

void SessionApi::Delete(const http::Request& request, http::Response* response) {
  const std::string_view id = CookieValue(request.cookie, kSessionCookie);
  if (std::optional<SessionStore::Session> session = sessions_->Find(id)) {
    if (request.csrf.empty() || !SecretEqual(request.csrf, session->csrf)) {
      sessions_->CountCsrfRejected();
      return Error(response, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                          "missing or wrong CSRF token"));
    }
    sessions_->Remove(id);
  }
  response->status = 204;
  response->content_type = "application/json";
  response->body.clear();
  response->headers.emplace_back("Set-Cookie", Cookie("", request.tls, true));
}

}  // namespace mlq::api
