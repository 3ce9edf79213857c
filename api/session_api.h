// The web UI's login under /api/v1/session (the sessions: session.h):
//
//   GET    /api/v1/session  who the caller is: 200
//          {"auth_required":true,"name":"ops","role":"read","domains":[...],
//           "csrf_token":"<hex>"} for a live session cookie (no CSRF token
//          needed: the answer is how a reloaded page learns it again) or an
//          Authorization header (then no csrf_token); 401 UNAUTHENTICATED
//          without either when tokens are on. Tokens off (no token file):
//          {"auth_required":false,"role":"admin","domains":[]}.
//   POST   /api/v1/session  with "Authorization: Bearer <token>" and no
//          body: the token is checked as the JSON API checks it (any role
//          that may read: query/access.h); 200 with the body above and
//          "Set-Cookie: mlq_session=<id>; HttpOnly; SameSite=Strict;
//          Path=/" (+ "; Secure" over TLS). A missing or unknown token is
//          401, a role that may not read 403 (counted as
//          sessions.rejected). A session cookie sent along is ended.
//          Tokens off: as GET, no cookie.
//   DELETE /api/v1/session  with the cookie and X-MLQ-CSRF: 204, the
//          session ends, the cookie is cleared (Max-Age=0); 403 with the
//          cookie of a live session but without its CSRF token; 204 when
//          there is no live session.
//
// Every answer is JSON ("Content-Type: application/json"), errors as the
// JSON API's ({"code":...,"message":...}). Handle() is quick (a lookup and
// a hash): it runs on the listener's I/O thread.
//
// Thread safety: Handle() may run on any thread concurrently.
#pragma once

#include "api/session.h"
#include "http/router.h"
#include "query/access.h"

namespace mlq::api {

class SessionApi : public http::Handler {
 public:
  // `access` (null = tokens off) and `sessions` must outlive it.
  SessionApi(const Access* access, SessionStore* sessions) : access_(access), sessions_(sessions) {}

  // GET, POST and DELETE /api/v1/session, counted as "api_session".
  void Register(http::Router* router);

  void Handle(const http::Request& request, http::Response* response) override;

 private:
  void Get(const http::Request& request, http::Response* response);
  void Post(const http::Request& request, http::Response* response);
  void Delete(const http::Request& request, http::Response* response);

  const Access* access_;
  SessionStore* sessions_;
};

}  // namespace mlq::api
