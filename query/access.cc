#include "query/access.h"

#include <algorithm>

#include "base/scan.h"

namespace mlq {
namespace {

constexpr int64_t kDayUs = 86400LL * 1000000;

bool Allows(TokenRole role, Method m) {
  switch (role) {
    case TokenRole::kAdmin:
      return true;
    case TokenRole::kIngest:
      return m == Method::kIngest;
    case TokenRole::kRead:
      return m != Method::kIngest && m != Method::kBackup;  // kMetrics: read
  }
  return false;
}

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kFind:
      return "Find";
    case Method::kTrace:
      return "Trace";
    case Method::kTail:
      return "Tail";
    case Method::kStats:
      return "Stats";
    case Method::kQueue:
      return "Queue";
    case Method::kStatus:
      return "Status";
    case Method::kIngest:
      return "Ingest";
    case Method::kBackup:
      return "Backup";
    case Method::kMetrics:
      return "/metrics";
  }
  return "?";
}

}  // namespace

void Access::SetTokens(std::optional<std::vector<TokenEntry>> tokens) {
  std::shared_ptr<const std::map<std::string, TokenEntry>> table;
  if (tokens) {
    auto m = std::make_shared<std::map<std::string, TokenEntry>>();
    for (TokenEntry& e : *tokens) {
      std::string hash = e.sha256_hex;
      (*m)[std::move(hash)] = std::move(e);
    }
    table = std::move(m);
  }
  std::lock_guard lock(mu_);
  tokens_ = std::move(table);
}

bool Access::enabled() const {
  std::lock_guard lock(mu_);
  return tokens_ != nullptr;
}

std::string_view Access::BearerOf(std::string_view v) {
  constexpr std::string_view kBearer = "Bearer ";
  if (v.size() <= kBearer.size() || !scan::EqualsIgnoreCase(v.substr(0, kBearer.size()), kBearer))
    return {};
  return scan::TrimSpace(v.substr(kBearer.size()));
}

grpc::Status Access::Check(const grpc::ServerContext& ctx, Method method, Caller* caller) const {
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  std::string_view token;
  if (it != md.end()) token = BearerOf(std::string_view(it->second.data(), it->second.size()));
  return CheckToken(token, method, caller);
}

grpc::Status Access::CheckToken(std::string_view token, Method method, Caller* caller) const {
  std::shared_ptr<const std::map<std::string, TokenEntry>> tokens;
  {
    std::lock_guard lock(mu_);
    tokens = tokens_;
  }
  *caller = Caller{};
  if (tokens == nullptr) return grpc::Status::OK;  // authentication off: admin
  if (token.empty()) {
    if (counters_ != nullptr)
      counters_->Get("auth.unauthenticated").fetch_add(1, std::memory_order_relaxed);
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this mlqd requires a token: give --token or set MLQ_TOKEN");
  }
  // Looked up by hash: the map's comparisons see only digests, never the token.
  auto it = tokens->find(HashToken(token));
  if (it == tokens->end()) {
    if (counters_ != nullptr)
      counters_->Get("auth.unauthenticated").fetch_add(1, std::memory_order_relaxed);
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown or revoked token");
  }
  const TokenEntry& e = it->second;
  if (!Allows(e.role, method)) {
    if (counters_ != nullptr) counters_->Get("auth.denied").fetch_add(1, std::memory_order_relaxed);
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "token \"" + e.name + "\" has role " + std::string(TokenRoleName(e.role)) +
                            ", which may not call " + std::string(MethodName(method)));
  }
  if ((method == Method::kStats || method == Method::kMetrics) && !e.domains.empty()) {
    if (counters_ != nullptr) counters_->Get("auth.denied").fetch_add(1, std::memory_order_relaxed);
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        std::string(method == Method::kStats ? "stats" : "metrics") +
                            " cover every domain; token \"" + e.name +
                            "\" is limited to some domains");
  }
  caller->name = e.name;
  caller->role = e.role;
  caller->domains = e.domains;
  return grpc::Status::OK;
}

bool AddressInDomains(std::string_view address, const std::vector<std::string>& domains) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view d = address.substr(at + 1);
  while (!d.empty() && (d.back() == '>' || d.back() == '.')) d.remove_suffix(1);
  for (const std::string& allowed : domains) {
    if (d.size() < allowed.size()) continue;
    const std::string_view tail = d.substr(d.size() - allowed.size());
    if (!scan::EqualsIgnoreCase(tail, allowed)) continue;
    if (d.size() == allowed.size() || d[d.size() - allowed.size() - 1] == '.') return true;
  }
  return false;
}

bool RecordInvolves(const LogRecord& rec, const std::vector<std::string>& domains) {
  if (AddressInDomains(rec.from, domains) || AddressInDomains(rec.orig_to, domains) ||
      AddressInDomains(rec.sasl_user, domains)) {
    return true;
  }
  return std::any_of(rec.to.begin(), rec.to.end(),
                     [&](const std::string& a) { return AddressInDomains(a, domains); });
}

bool DomainView::Visible(const LogRecord& rec) {
  const bool direct = RecordInvolves(rec, domains_);
  if (rec.queue_id.empty()) return direct;
  const int64_t t = rec.timestamp_us != 0 ? rec.timestamp_us : rec.received_us;
  std::string key = rec.host;
  key.push_back('\0');
  key += rec.queue_id;
  key.push_back('\0');
  key += std::to_string(t / kDayUs);
  if (direct) {
    // Later lines of this entry without addresses (a tail sees them after
    // this one) are shown too.
    if (queue_involves_.size() >= max_cached_) queue_involves_.clear();
    queue_involves_[std::move(key)] = true;
    return true;
  }
  if (auto it = queue_involves_.find(key); it != queue_involves_.end()) return it->second;
  if (store_ == nullptr) return false;
  FindQuery q;
  q.kind = keys::IndexKind::kQueueId;
  q.term = rec.queue_id;
  q.host = rec.host;
  q.since_us = t - kDayUs;
  q.until_us = t + kDayUs;
  q.limit = 1000;
  bool involves = false;
  if (absl::StatusOr<FindResult> found = store_->Find(q); found.ok()) {
    involves =
        std::any_of(found->records.begin(), found->records.end(),
                    [&](const StoredRecord& sr) { return RecordInvolves(sr.record, domains_); });
  }
  if (queue_involves_.size() >= max_cached_) queue_involves_.clear();
  queue_involves_.emplace(std::move(key), involves);
  return involves;
}

bool DomainView::Redact(MessageTraceResult* trace) const {
  bool sender_in = false;
  for (const TraceHopResult& h : trace->hops) sender_in |= AddressInDomains(h.from, domains_);
  bool recipient_in = false;
  for (const RecipientResult& r : trace->recipients) {
    recipient_in |=
        AddressInDomains(r.address, domains_) || AddressInDomains(r.orig_address, domains_);
  }
  if (!sender_in && !recipient_in) return false;
  if (sender_in) return true;
  std::erase_if(trace->recipients, [&](const RecipientResult& r) {
    return !AddressInDomains(r.address, domains_) && !AddressInDomains(r.orig_address, domains_);
  });
  // Lines naming recipients only outside the domains (deliveries to them).
  auto foreign = [&](const StoredRecord& sr) {
    const LogRecord& r = sr.record;
    const bool names_recipient = !r.to.empty() || !r.orig_to.empty();
    return names_recipient && !RecordInvolves(r, domains_);
  };
  for (TraceHopResult& h : trace->hops) std::erase_if(h.lines, foreign);
  std::erase_if(trace->other_lines,
                [&](const StoredRecord& sr) { return !RecordInvolves(sr.record, domains_); });
  // The summary counted the recipients left out: how many there were and
  // their verdicts are not the caller's to know either.
  trace->summary = TraceSummary(*trace);
  return true;
}

bool DomainView::Visible(const v1::QueuedMessage& msg) const {
  if (AddressInDomains(msg.from(), domains_)) return true;
  return std::any_of(msg.recipients().begin(), msg.recipients().end(),
                     [&](const std::string& a) { return AddressInDomains(a, domains_); });
}

}  // namespace mlq
