#include "api/session.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "query/access.h"

namespace mlq::api {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string Hex(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

// 256 random bits as hex; nullopt when the generator fails.
std::optional<std::string> RandomHex() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return std::nullopt;
  return Hex(bytes, sizeof bytes);
}

std::string KeyOf(std::string_view id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(id.data()), id.size(), digest);
  return Hex(digest, sizeof digest);
}

// The value of query parameter `name` as sent (CSRF tokens are hex: no
// decoding needed; an encoded one simply does not match).
std::string_view QueryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

}  // namespace

SessionStore::SessionStore(Counters* counters, SessionOptions options)
    : options_(std::move(options)),
      created_(counters->Get("listener.http.sessions.created")),
      rejected_(counters->Get("listener.http.sessions.rejected")),
      expired_(counters->Get("listener.http.sessions.expired")),
      evicted_(counters->Get("listener.http.sessions.evicted")),
      csrf_rejected_(counters->Get("listener.http.csrf_rejected")) {
  if (options_.max_sessions == 0) options_.max_sessions = 1;
}

bool SessionStore::Expired(const Entry& e, Clock::time_point now) const {
  return now - e.used >= options_.idle || now - e.created >= options_.absolute;
}

void SessionStore::Erase(std::map<std::string, Entry, std::less<>>::iterator it) {
  order_.erase(it->second.order);
  sessions_.erase(it);
}

absl::StatusOr<SessionStore::Created> SessionStore::Create(std::string bearer) {
  std::optional<std::string> id = RandomHex();
  std::optional<std::string> csrf = RandomHex();
  if (!id || !csrf) return absl::InternalError("no random bytes for a session (RAND_bytes)");
  const Clock::time_point now = Now();
  std::lock_guard lock(mu_);
  if (sessions_.size() >= options_.max_sessions) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto next = std::next(it);
      if (Expired(it->second, now)) {
        Erase(it);
        expired_.fetch_add(1, std::memory_order_relaxed);
      }
      it = next;
    }
  }
  while (sessions_.size() >= options_.max_sessions) {
    Erase(sessions_.find(order_.front()));
    evicted_.fetch_add(1, std::memory_order_relaxed);
  }
  std::string key = KeyOf(*id);
  order_.push_back(key);
  sessions_[std::move(key)] = Entry{std::move(bearer), *csrf, now, now, std::prev(order_.end())};
  created_.fetch_add(1, std::memory_order_relaxed);
  return Created{std::move(*id), std::move(*csrf)};
}

std::optional<SessionStore::Session> SessionStore::Find(std::string_view id) {
  if (id.empty()) return std::nullopt;
  const std::string key = KeyOf(id);
  const Clock::time_point now = Now();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    Erase(it);
    expired_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  it->second.used = now;
  return Session{it->second.bearer, it->second.csrf};
}

void SessionStore::Remove(std::string_view id) {
  const std::string key = KeyOf(id);
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(key); it != sessions_.end()) Erase(it);
}

size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

bool SecretEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

grpc::Status ResolveBearer(const http::Request& request, SessionStore* sessions, bool csrf_in_query,
                           std::string* bearer) {
  bearer->clear();
  if (!request.authorization.empty() || sessions == nullptr) {
    *bearer = std::string(Access::BearerOf(request.authorization));
    return grpc::Status::OK;
  }
  const std::string_view id = CookieValue(request.cookie, kSessionCookie);
  if (id.empty()) return grpc::Status::OK;
  std::optional<SessionStore::Session> session = sessions->Find(id);
  if (!session) return grpc::Status::OK;  // expired or unknown: as without a cookie
  std::string_view csrf = request.csrf;
  if (csrf.empty() && csrf_in_query) csrf = QueryValue(request.query, "csrf");
  if (csrf.empty() || !SecretEqual(csrf, session->csrf)) {
    sessions->CountCsrfRejected();
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "missing or wrong CSRF token");
  }
  *bearer = std::move(session->bearer);
  return grpc::Status::OK;
}

}  // namespace mlq::api
