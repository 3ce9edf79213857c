// The mail side of /metrics, counted from the records as they are stored
// (the writer's stored callback): per sending host the time of its last
// line and lines per normalizer family; delivery outcomes per host and per
// recipient domain; rejects by class; mail authentication failures; replies
// saying our address is on a block list.
//
// Families (label values from syslog senders are bounded, label_admission.h):
//   mlq_host_last_line_timestamp_seconds{host}   gauge: the newest line's own
//       time (its timestamp, capped at the time it was counted)
//   mlq_host_lines_total{host, family}           family "unknown" when no
//       normalizer recognized the line
//   mlq_deliveries_total{host, outcome}          query/outcome.h: the counts
//       of `mlq stats` (delivered/bounced/rejected per recipient, the others
//       per line)
//   mlq_domain_deliveries_total{domain, outcome} one per recipient address of
//       the line, by its domain (lower-cased), top_domains domains + "other"
//   mlq_rejects_total{host, class}               mail_classify.h
//   mlq_auth_failures_total{host}
//   mlq_dnsbl_listings_total{host}               deferred/bounced deliveries
//       whose remote reply names a block list
//   mlq_metrics_labels_overflow_total{label}     observations counted under
//       "other" because max_hosts hosts (or top_domains domains) already have
//       their own series
//   mlq_metrics_mail_dropped_total               records not counted because
//       the counting thread fell behind by max_pending records
// Hosts get a series once they sent admit_host_after lines, domains once
// admit_domain_after recipients (label_admission.h has the rule).
//
// Cost on the writer's thread (Observe): a copy of the few fields counted
// (host, family and, for lines with an event, event, status, relay, reply,
// recipients), appended to a queue under a lock; everything else happens
// on the metrics' own thread. When max_pending records wait, further
// records are not counted (mlq_metrics_mail_dropped_total); memory stays
// bounded.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/label_admission.h"
#include "metrics/mail_classify.h"
#include "query/outcome.h"
#include "store/record.h"

namespace mlq::metrics {

struct MailMetricsOptions {
  size_t max_hosts = 500;
  size_t top_domains = 50;
  uint64_t admit_host_after = 3;
  uint64_t admit_domain_after = 10;
  size_t max_pending = 100000;  // records waiting for the counting thread
  size_t max_families = 64;     // family label values per host (code-defined; a guard)
  // Now, in microseconds since the epoch (tests inject a clock).
  std::function<int64_t()> now_us;
};

class MailMetrics {
 public:
  explicit MailMetrics(MailMetricsOptions options = {});
  ~MailMetrics();  // Stop()s
  MailMetrics(const MailMetrics&) = delete;
  MailMetrics& operator=(const MailMetrics&) = delete;

  // Offers freshly stored records (wire to Writer::SetStoredCallback).
  // Quick and never blocking on the counting.
  void Observe(const std::vector<LogRecord>& records);

  // Counts records at once on the calling thread (tests, and Observe's
  // thread).
  void Count(const std::vector<LogRecord>& records);

  // Waits until every record observed so far is counted (tests).
  void Drain();

  // Stops the counting thread (what waits is dropped). Idempotent.
  void Stop();

  // The host label a host's series use ("other" when not admitted), for the
  // queue metrics.
  std::string HostLabel(std::string_view host) const;

  // Writes the families above.
  void Render(Exposition* out) const;

 private:
  struct HostSeries {
    int64_t last_us = 0;
    std::map<std::string, uint64_t, std::less<>> lines;  // by family
    std::array<uint64_t, kOutcomeCount> outcomes{};
    std::array<uint64_t, kRejectClassCount> rejects{};
    uint64_t auth_failures = 0;
    uint64_t listings = 0;
  };

  // What Observe copies of a record: the fields CountOne reads, and only
  // for the events that need them.
  struct Copied {
    int64_t timestamp_us = 0;
    std::string host, family, event, status, relay, reply, transport;
    std::vector<std::string> to;
  };
  static void Copy(const LogRecord& rec, Copied* out);

  void Run();
  void CountCopied(std::vector<Copied>& batch);
  void CountOne(const LogRecord& rec, int64_t now_us);  // under mu_
  HostSeries& Host(std::string_view host);              // under mu_

  const MailMetricsOptions options_;
  mutable std::mutex mu_;  // the series
  LabelAdmission hosts_;
  LabelAdmission domains_;
  std::map<std::string, HostSeries, std::less<>> host_series_;
  std::map<std::string, std::array<uint64_t, kOutcomeCount>, std::less<>> domain_series_;
  uint64_t host_overflow_ = 0;
  uint64_t domain_overflow_ = 0;

  std::mutex queue_mu_;  // the records waiting for the thread
  std::condition_variable queue_cv_, drained_cv_;
  std::vector<Copied> pending_;
  bool busy_ = false;
  bool stop_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace mlq::metrics
