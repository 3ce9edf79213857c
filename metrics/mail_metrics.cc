#include "metrics/mail_metrics.h"

#include <algorithm>
#include <chrono>

namespace mlq::metrics {
namespace {

int64_t SystemNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The domain of an address, lower-cased, cleaned for a label; "" when none.
std::string DomainOf(std::string_view address) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string_view d = address.substr(at + 1);
  while (!d.empty() && (d.back() == '>' || d.back() == '.')) d.remove_suffix(1);
  if (d.empty()) return "";
  std::string lower(d.substr(0, kMaxLabelValueBytes));
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return CleanLabelValue(lower);
}

}  // namespace

MailMetrics::MailMetrics(MailMetricsOptions options)
    : options_(std::move(options)),
      hosts_(options_.max_hosts, options_.admit_host_after, 4 * options_.max_hosts + 16),
      domains_(options_.top_domains, options_.admit_domain_after, 8 * options_.top_domains + 64),
      thread_([this] { Run(); }) {}

MailMetrics::~MailMetrics() { Stop(); }

void MailMetrics::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  queue_cv_.notify_all();
  drained_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MailMetrics::Observe(const std::vector<LogRecord>& records) {
  std::lock_guard lock(queue_mu_);
  if (stop_) return;
  size_t room = options_.max_pending > pending_.size() ? options_.max_pending - pending_.size() : 0;
  const size_t take = std::min(room, records.size());
  if (take < records.size()) {
    dropped_.fetch_add(records.size() - take, std::memory_order_relaxed);
  }
  for (size_t i = 0; i < take; ++i) Copy(records[i], &pending_.emplace_back());
  if (take != 0) queue_cv_.notify_one();
}

void MailMetrics::Run() {
  std::vector<Copied> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      busy_ = false;
      drained_cv_.notify_all();
      queue_cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      batch.swap(pending_);
      busy_ = true;
    }
    CountCopied(batch);
    batch.clear();
  }
}

void MailMetrics::Copy(const LogRecord& rec, Copied* out) {
  out->timestamp_us = rec.timestamp_us != 0 ? rec.timestamp_us : rec.received_us;
  out->host = rec.host;
  out->family = rec.family;
  if (rec.event.empty()) return;
  out->event = rec.event;
  out->status = rec.status;
  const bool delivery = rec.event == "delivery";
  if (!delivery && !IsRejectEvent(rec)) return;  // no outcome needs more (query/outcome.h)
  // Deliveries: the relay, the Exim transport and the reply decide a content
  // filter hand-off; replies classify rejects and name block lists.
  if (delivery) {
    out->relay = rec.relay;
    out->transport = rec.Extra("transport");
  }
  out->reply = rec.reply.substr(0, kMaxScanBytes);
  out->to = rec.to;
}

void MailMetrics::CountCopied(std::vector<Copied>& batch) {
  const int64_t now = options_.now_us ? options_.now_us() : SystemNowUs();
  LogRecord rec;  // reused: the copied fields are moved in
  std::lock_guard lock(mu_);
  for (Copied& c : batch) {
    rec.timestamp_us = c.timestamp_us;
    rec.host = std::move(c.host);
    rec.family = std::move(c.family);
    rec.event = std::move(c.event);
    rec.status = std::move(c.status);
    rec.relay = std::move(c.relay);
    rec.reply = std::move(c.reply);
    rec.to = std::move(c.to);
    rec.extra.clear();
    if (!c.transport.empty()) rec.SetExtra("transport", std::move(c.transport));
    CountOne(rec, now);
  }
}

void MailMetrics::Drain() {
  std::unique_lock lock(queue_mu_);
  drained_cv_.wait(lock, [&] { return stop_ || (pending_.empty() && !busy_); });
}

void MailMetrics::Count(const std::vector<LogRecord>& records) {
  const int64_t now = options_.now_us ? options_.now_us() : SystemNowUs();
  std::lock_guard lock(mu_);
  for (const LogRecord& rec : records) CountOne(rec, now);
}

MailMetrics::HostSeries& MailMetrics::Host(std::string_view host) {
  const LabelAdmission::Result r = hosts_.Observe(CleanLabelValue(host));
  if (r.overflow) ++host_overflow_;
  auto it = host_series_.find(r.label);
  if (it == host_series_.end()) it = host_series_.emplace(std::string(r.label), HostSeries{}).first;
  return it->second;
}

void MailMetrics::CountOne(const LogRecord& rec, int64_t now_us) {
  HostSeries& h = Host(rec.host);
  const int64_t t = std::min(rec.timestamp_us != 0 ? rec.timestamp_us : rec.received_us, now_us);
  h.last_us = std::max(h.last_us, t);
  std::string_view family = rec.family.empty() ? std::string_view("unknown") : rec.family;
  auto fam = h.lines.find(family);
  if (fam == h.lines.end()) {
    fam = h.lines.size() < options_.max_families
              ? h.lines.emplace(CleanLabelValue(family), 0).first
              : h.lines.emplace(std::string(kOtherLabel), 0).first;
  }
  ++fam->second;
  if (rec.event.empty()) return;

  const RecordOutcome outcome = OutcomeOf(rec);
  if (outcome.outcome != Outcome::kNone) {
    h.outcomes[static_cast<size_t>(outcome.outcome)] += outcome.count;
    for (const std::string& to : rec.to) {
      const std::string domain = DomainOf(to);
      if (domain.empty()) continue;
      const LabelAdmission::Result r = domains_.Observe(domain);
      if (r.overflow) ++domain_overflow_;
      auto it = domain_series_.find(r.label);
      if (it == domain_series_.end())
        it = domain_series_.emplace(std::string(r.label), std::array<uint64_t, kOutcomeCount>{})
                 .first;
      ++it->second[static_cast<size_t>(outcome.outcome)];
    }
  }
  if (outcome.outcome == Outcome::kRejected) {
    h.rejects[static_cast<size_t>(ClassifyReject(rec.reply))] += outcome.count;
  }
  if ((outcome.outcome == Outcome::kDeferred || outcome.outcome == Outcome::kBounced) &&
      IsBlockListReply(rec.reply)) {
    ++h.listings;
  }
  if (IsMailAuthFailure(rec)) ++h.auth_failures;
}

std::string MailMetrics::HostLabel(std::string_view host) const {
  std::lock_guard lock(mu_);
  return std::string(hosts_.Label(CleanLabelValue(host)));
}

void MailMetrics::Render(Exposition* out) const {
  using T = Exposition::Type;
  out->Declare("mlq_host_last_line_timestamp_seconds", T::kGauge,
               "Time of the newest line stored from the host (its own timestamp, at most the "
               "time it was counted).");
  out->Declare("mlq_host_lines_total", T::kCounter,
               "Lines stored from the host, by normalizer family (unknown: not recognized).");
  out->Declare("mlq_deliveries_total", T::kCounter,
               "Delivery outcomes by host, counted as mlq stats counts them.");
  out->Declare("mlq_domain_deliveries_total", T::kCounter,
               "Delivery outcomes per recipient, by recipient domain (the top domains by "
               "volume, the rest under other).");
  out->Declare("mlq_rejects_total", T::kCounter, "Rejected recipients by host and reject class.");
  out->Declare("mlq_auth_failures_total", T::kCounter,
               "Mail authentication failures (SASL, IMAP, POP, ...) by host.");
  out->Declare("mlq_dnsbl_listings_total", T::kCounter,
               "Deferred or bounced deliveries whose remote reply says our address is on a "
               "block list, by host.");
  out->Declare("mlq_metrics_labels_overflow_total", T::kCounter,
               "Observations counted under other because the label's series limit is reached.");
  out->Declare("mlq_metrics_mail_dropped_total", T::kCounter,
               "Stored records the mail metrics did not count because counting fell behind.");
  std::lock_guard lock(mu_);
  for (const auto& [host, h] : host_series_) {
    out->Add("mlq_host_last_line_timestamp_seconds", {{"host", host}},
             static_cast<double>(h.last_us / 1000000));
    for (const auto& [family, n] : h.lines) {
      out->Add("mlq_host_lines_total", {{"host", host}, {"family", family}},
               static_cast<double>(n));
    }
    for (int o = 1; o < kOutcomeCount; ++o) {
      out->Add("mlq_deliveries_total",
               {{"host", host}, {"outcome", OutcomeName(static_cast<Outcome>(o))}},
               static_cast<double>(h.outcomes[o]));
    }
    for (int c = 0; c < kRejectClassCount; ++c) {
      if (h.rejects[c] == 0) continue;
      out->Add("mlq_rejects_total",
               {{"host", host}, {"class", RejectClassName(static_cast<RejectClass>(c))}},
               static_cast<double>(h.rejects[c]));
    }
    out->Add("mlq_auth_failures_total", {{"host", host}}, static_cast<double>(h.auth_failures));
    out->Add("mlq_dnsbl_listings_total", {{"host", host}}, static_cast<double>(h.listings));
  }
  for (const auto& [domain, counts] : domain_series_) {
    for (int o = 1; o < kOutcomeCount; ++o) {
      if (counts[o] == 0) continue;
      out->Add("mlq_domain_deliveries_total",
               {{"domain", domain}, {"outcome", OutcomeName(static_cast<Outcome>(o))}},
               static_cast<double>(counts[o]));
    }
  }
  out->Add("mlq_metrics_labels_overflow_total", {{"label", "host"}},
           static_cast<double>(host_overflow_));
  out->Add("mlq_metrics_labels_overflow_total", {{"label", "domain"}},
           static_cast<double>(domain_overflow_));
  out->Add("mlq_metrics_mail_dropped_total", {},
           static_cast<double>(dropped_.load(std::memory_order_relaxed)));
}

}  // namespace mlq::metrics
