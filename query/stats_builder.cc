#include "query/stats_builder.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "base/scan.h"
#include "query/outcome.h"
#include "query/reasons.h"

namespace mlq {
namespace {

using std::string_view;
constexpr int64_t kHourUs = int64_t{3600} * 1000000;
// Hour buckets are zero-filled over ranges up to this many hours.
constexpr int64_t kMaxFilledHours = 24 * 366;
constexpr char kOther[] = "(other)";

int64_t HourOf(int64_t us) {
  int64_t h = us / kHourUs;
  if (us < 0 && us % kHourUs != 0) --h;  // floor
  return h * kHourUs;
}

using scan::LowerCopy;

// The domain of an address, lower-cased; "" when it has none.
std::string DomainOf(string_view address) {
  size_t at = address.rfind('@');
  if (at == string_view::npos || at + 1 == address.size()) return "";
  return LowerCopy(address.substr(at + 1));
}

enum class Field {
  kReceived,
  kDelivered,
  kDeferred,
  kBounced,
  kRejected,
  kQuarantined,
  kExpired,
  kAuthFailures,
  kLines
};

void Inc(v1::Totals& t, Field f, uint64_t n) {
  switch (f) {
    case Field::kReceived:
      t.set_received(t.received() + n);
      break;
    case Field::kDelivered:
      t.set_delivered(t.delivered() + n);
      break;
    case Field::kDeferred:
      t.set_deferred(t.deferred() + n);
      break;
    case Field::kBounced:
      t.set_bounced(t.bounced() + n);
      break;
    case Field::kRejected:
      t.set_rejected(t.rejected() + n);
      break;
    case Field::kQuarantined:
      t.set_quarantined(t.quarantined() + n);
      break;
    case Field::kExpired:
      t.set_expired(t.expired() + n);
      break;
    case Field::kAuthFailures:
      t.set_auth_failures(t.auth_failures() + n);
      break;
    case Field::kLines:
      t.set_lines(t.lines() + n);
      break;
  }
}

std::string OpenKey(string_view host, string_view queue_id) {
  std::string key;
  key.reserve(host.size() + 1 + queue_id.size());
  key.append(host);
  key.push_back('\0');
  key.append(queue_id);
  return key;
}

}  // namespace

std::optional<double> ParseDelaySeconds(string_view delay) {
  if (delay.empty()) return std::nullopt;
  // Postfix: "5.4", "0.01", "12".
  bool plain = true;
  for (char c : delay) plain &= scan::IsDigit(c) || c == '.';
  if (plain) {
    double v = 0;
    auto [p, ec] = std::from_chars(delay.data(), delay.data() + delay.size(), v);
    if (ec != std::errc() || p != delay.data() + delay.size()) return std::nullopt;
    return v;
  }
  // Exim: "1d2h3m4s", "3s", "1w".
  double total = 0;
  size_t i = 0;
  while (i < delay.size()) {
    size_t start = i;
    while (i < delay.size() && scan::IsDigit(delay[i])) ++i;
    if (i == start || i == delay.size()) return std::nullopt;
    double n = 0;
    std::from_chars(delay.data() + start, delay.data() + i, n);
    switch (delay[i]) {
      case 'w':
        n *= 7 * 86400;
        break;
      case 'd':
        n *= 86400;
        break;
      case 'h':
        n *= 3600;
        break;
      case 'm':
        n *= 60;
        break;
      case 's':
        break;
      default:
        return std::nullopt;
    }
    total += n;
    ++i;
  }
  return total;
}

void StatsBuilder::Counter::Add(string_view key, uint64_t n) {
  auto it = counts_.find(std::string(key));
  if (it != counts_.end()) {
    it->second += n;
  } else if (counts_.size() < max_keys_) {
    counts_.emplace(std::string(key), n);
  } else {
    counts_[kOther] += n;
  }
}

void StatsBuilder::Counter::Top(uint32_t top,
                                google::protobuf::RepeatedPtrField<v1::Count>* out) const {
  std::vector<std::pair<const std::string*, uint64_t>> all;
  all.reserve(counts_.size());
  for (const auto& [key, n] : counts_) all.emplace_back(&key, n);
  const auto better = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : *a.first < *b.first;
  };
  const size_t n = std::min<size_t>(top, all.size());
  std::partial_sort(all.begin(), all.begin() + n, all.end(), better);
  for (size_t i = 0; i < n; ++i) {
    v1::Count* c = out->Add();
    c->set_key(*all[i].first);
    c->set_count(all[i].second);
  }
}

StatsBuilder::StatsBuilder(StatsOptions options)
    : options_(std::move(options)),
      senders_(options_.max_keys),
      recipients_(options_.max_keys),
      sender_domains_(options_.max_keys),
      recipient_domains_(options_.max_keys),
      reject_reasons_(options_.max_keys),
      defer_reasons_(options_.max_keys),
      bounce_reasons_(options_.max_keys),
      auth_ips_(options_.max_keys),
      auth_users_(options_.max_keys) {}

v1::Totals& StatsBuilder::HostTotals(const std::string& host) {
  auto it = hosts_.find(host);
  if (it != hosts_.end()) return it->second;
  if (hosts_.size() >= options_.max_keys) return hosts_[kOther];
  return hosts_[host];
}

v1::Totals& StatsBuilder::HourTotals(int64_t timestamp_us) { return hours_[HourOf(timestamp_us)]; }

template <typename Fn>
void StatsBuilder::Count(const std::string& host, int64_t timestamp_us, Fn fn) {
  fn(totals_);
  fn(HostTotals(host));
  fn(HourTotals(timestamp_us));
  auto it = host_extra_.find(host);
  if (it == host_extra_.end()) it = host_extra_.find(kOther);
  if (it != host_extra_.end() && it->second.hourly) fn(it->second.hours[HourOf(timestamp_us)]);
}

template <typename Fn>
void StatsBuilder::CountDomains(const LogRecord& rec, Fn apply) {
  for (const std::string& to : rec.to) {
    const std::string domain = DomainOf(to);
    if (domain.empty()) continue;
    auto it = domains_.find(domain);
    if (it == domains_.end()) {
      it = domains_.size() < options_.max_keys ? domains_.try_emplace(domain).first
                                               : domains_.try_emplace(kOther).first;
    }
    apply(it->second);
  }
}

void StatsBuilder::CountReceived(const std::string& host, int64_t timestamp_us, string_view from) {
  Count(host, timestamp_us, [](v1::Totals& t) { Inc(t, Field::kReceived, 1); });
  if (from.empty()) {
    senders_.Add("<>");
    return;
  }
  senders_.Add(LowerCopy(from));
  const std::string domain = DomainOf(from);
  if (!domain.empty()) sender_domains_.Add(domain);
}

void StatsBuilder::CloseEntry(const std::string& key) {
  auto it = open_.find(key);
  if (it == open_.end()) return;
  const OpenEntry& e = it->second;
  if (e.queued && !e.reinjected) CountReceived(e.host, e.timestamp_us, e.from);
  open_.erase(it);
}

void StatsBuilder::CloseAll() {
  for (const auto& [key, e] : open_) {
    if (e.queued && !e.reinjected) CountReceived(e.host, e.timestamp_us, e.from);
  }
  open_.clear();
}

void StatsBuilder::AddDelay(double seconds) {
  ++delay_count_;
  delay_max_ = delay_count_ == 1 ? seconds : std::max(delay_max_, seconds);
  if (delays_.size() < options_.max_delays) {
    delays_.push_back(seconds);
    return;
  }
  // Reservoir sampling (Algorithm R): every value is kept with equal chance.
  std::uniform_int_distribution<uint64_t> pick(0, delay_count_ - 1);
  const uint64_t j = pick(rng_);
  if (j < delays_.size()) delays_[j] = seconds;
}

void StatsBuilder::Add(const LogRecord& rec) {
  if (!options_.host.empty() && rec.host != options_.host) return;
  const int64_t ts = rec.timestamp_us;
  const std::string& host = rec.host;
  {
    // Keyed like hosts_ (HostTotals folds hosts beyond max_keys into "(other)").
    auto [it, added] = host_extra_.try_emplace(
        host_extra_.contains(host) || host_extra_.size() < options_.max_keys ? host : kOther);
    HostExtra& extra = it->second;
    if (added && hourly_hosts_ < kMaxHourlyHosts) {
      extra.hourly = true;
      ++hourly_hosts_;
    }
    extra.last_us = std::max(extra.last_us, ts);
    if (rec.family.empty()) ++extra.unparsed;
  }
  Count(host, ts, [](v1::Totals& t) { Inc(t, Field::kLines, 1); });
  const std::string& ev = rec.event;
  if (ev.empty()) return;

  if (ev == "queued") {
    if (rec.family == "postfix" && !rec.queue_id.empty()) {
      const std::string key = OpenKey(host, rec.queue_id);
      auto it = open_.find(key);
      if (it == open_.end()) {
        if (open_.size() >= options_.max_open) CloseAll();
        it = open_.emplace(key, OpenEntry{}).first;
      }
      OpenEntry& e = it->second;
      if (!e.queued) {  // qmgr logs it again at every retry: count the first
        e.queued = true;
        e.host = host;
        e.timestamp_us = ts;
        e.from = rec.from;
      }
    } else {
      CountReceived(host, ts, rec.from);
    }
    return;
  }
  if (ev == "removed") {
    if (rec.family == "postfix" && !rec.queue_id.empty()) CloseEntry(OpenKey(host, rec.queue_id));
    return;
  }
  // The outcome totals, as the metrics count them too (outcome.h).
  const RecordOutcome outcome = OutcomeOf(rec);
  const uint64_t n = outcome.count;
  if (outcome.outcome != Outcome::kNone) {
    Field field = Field::kDelivered;
    switch (outcome.outcome) {
      case Outcome::kNone:
      case Outcome::kDelivered:
        break;
      case Outcome::kDeferred:
        field = Field::kDeferred;
        break;
      case Outcome::kBounced:
        field = Field::kBounced;
        break;
      case Outcome::kRejected:
        field = Field::kRejected;
        break;
      case Outcome::kQuarantined:
        field = Field::kQuarantined;
        break;
      case Outcome::kExpired:
        field = Field::kExpired;
        break;
    }
    CountDomains(rec, [field](v1::Totals& t) { Inc(t, field, 1); });
    Count(host, ts, [field, n](v1::Totals& t) { Inc(t, field, n); });
  }
  if (ev == "delivery") {
    const std::string& st = rec.status;
    if (st == "sent") {
      if (outcome.outcome != Outcome::kDelivered) {
        // A content filter hand-off: the filter re-queues the message, and
        // that new queue entry is not a new message.
        for (const Link& l : rec.links) {
          if (l.kind != "queued_as") continue;
          const std::string key = OpenKey(l.host.empty() ? host : l.host, l.queue_id);
          if (open_.size() >= options_.max_open && !open_.contains(key)) CloseAll();
          open_[key].reinjected = true;
        }
        return;
      }
      for (const std::string& to : rec.to) {
        recipients_.Add(LowerCopy(to));
        const std::string domain = DomainOf(to);
        if (!domain.empty()) recipient_domains_.Add(domain);
      }
      if (std::optional<double> d = ParseDelaySeconds(rec.delay)) AddDelay(*d);
    } else if (st == "deferred") {
      std::string reason = NormalizeReason(rec.reply, ReasonKind::kDelivery);
      defer_reasons_.Add(reason.empty() ? "(unknown)" : reason);
    } else if (outcome.outcome == Outcome::kBounced) {
      std::string reason = NormalizeReason(rec.reply, ReasonKind::kDelivery);
      bounce_reasons_.Add(reason.empty() ? "(unknown)" : reason, n);
    }
    return;
  }
  if (outcome.outcome == Outcome::kRejected) {
    std::string reason = NormalizeReason(rec.reply, ReasonKind::kReject);
    reject_reasons_.Add(reason.empty() ? "(unknown)" : reason, n);
    return;
  }
  if (rec.family == "amavis") {
    // "Passed CLEAN ..., queued_as: X": X is the filter's re-injection.
    for (const Link& l : rec.links) {
      if (l.kind != "queued_as" && l.kind != "amavis_queued_as") continue;
      const std::string key = OpenKey(l.host.empty() ? host : l.host, l.queue_id);
      if (open_.size() >= options_.max_open && !open_.contains(key)) CloseAll();
      open_[key].reinjected = true;
    }
    return;
  }
  if (outcome.outcome == Outcome::kExpired) return;
  if (ev == "auth-failure") {
    Count(host, ts, [](v1::Totals& t) { Inc(t, Field::kAuthFailures, 1); });
    if (!rec.client_ip.empty()) auth_ips_.Add(rec.client_ip);
    if (!rec.sasl_user.empty()) auth_users_.Add(rec.sasl_user);
  }
}

v1::StatsResponse StatsBuilder::Finish() {
  CloseAll();
  v1::StatsResponse resp;
  *resp.mutable_totals() = totals_;
  resp.set_since_us(options_.since_us);
  resp.set_until_us(options_.until_us);

  std::vector<std::pair<std::string, v1::Totals>> hosts(hosts_.begin(), hosts_.end());
  std::sort(hosts.begin(), hosts.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [name, t] : hosts) {
    v1::HostStats* h = resp.add_hosts();
    h->set_host(name);
    *h->mutable_totals() = std::move(t);
    auto extra = host_extra_.find(name);
    if (extra == host_extra_.end()) continue;
    h->set_last_us(extra->second.last_us);
    h->set_unparsed(extra->second.unparsed);
    std::vector<std::pair<int64_t, v1::Totals>> own(extra->second.hours.begin(),
                                                    extra->second.hours.end());
    std::sort(own.begin(), own.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [hour, ht] : own) {
      v1::HourStats* hs = h->add_hours();
      hs->set_hour_us(hour);
      *hs->mutable_totals() = std::move(ht);
    }
  }

  {
    const auto outcomes = [](const v1::Totals& t) {
      return t.delivered() + t.deferred() + t.bounced() + t.rejected() + t.quarantined() +
             t.expired();
    };
    std::vector<std::pair<const std::string*, const v1::Totals*>> doms;
    doms.reserve(domains_.size());
    for (const auto& [name, t] : domains_) doms.emplace_back(&name, &t);
    const size_t n = std::min<size_t>(options_.top, doms.size());
    std::partial_sort(doms.begin(), doms.begin() + n, doms.end(),
                      [&](const auto& a, const auto& b) {
                        const uint64_t x = outcomes(*a.second), y = outcomes(*b.second);
                        return x != y ? x > y : *a.first < *b.first;
                      });
    for (size_t i = 0; i < n; ++i) {
      v1::DomainStats* d = resp.add_recipient_domain_stats();
      d->set_domain(*doms[i].first);
      *d->mutable_totals() = *doms[i].second;
    }
  }

  // Every hour of the range, empty ones too (when the range is not huge).
  if (options_.since_us != 0 && options_.until_us > options_.since_us &&
      (options_.until_us - options_.since_us) / kHourUs <= kMaxFilledHours) {
    for (int64_t h = HourOf(options_.since_us); h < options_.until_us; h += kHourUs) {
      hours_.try_emplace(h);
    }
  }
  std::vector<std::pair<int64_t, v1::Totals>> hours(hours_.begin(), hours_.end());
  std::sort(hours.begin(), hours.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [hour, t] : hours) {
    v1::HourStats* h = resp.add_hours();
    h->set_hour_us(hour);
    *h->mutable_totals() = std::move(t);
  }

  const uint32_t top = options_.top;
  sender_domains_.Top(top, resp.mutable_sender_domains());
  recipient_domains_.Top(top, resp.mutable_recipient_domains());
  senders_.Top(top, resp.mutable_top_senders());
  recipients_.Top(top, resp.mutable_top_recipients());
  reject_reasons_.Top(top, resp.mutable_reject_reasons());
  defer_reasons_.Top(top, resp.mutable_defer_reasons());
  bounce_reasons_.Top(top, resp.mutable_bounce_reasons());
  auth_ips_.Top(top, resp.mutable_auth_failures_by_ip());
  auth_users_.Top(top, resp.mutable_auth_failures_by_user());

  v1::DelayStats* d = resp.mutable_delays();
  d->set_count(delay_count_);
  if (!delays_.empty()) {
    std::sort(delays_.begin(), delays_.end());
    const uint64_t n = delays_.size();
    const auto rank = [&](uint64_t p) {
      uint64_t r = (p * n + 99) / 100;  // ceil(p/100 * n)
      return delays_[std::max<uint64_t>(r, 1) - 1];
    };
    d->set_p50(rank(50));
    d->set_p90(rank(90));
    d->set_p99(rank(99));
    d->set_max(delay_max_);
  }
  return resp;
}

}  // namespace mlq
