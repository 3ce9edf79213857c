#include "cli/stats_output.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

#include "cli/format.h"
#include "cli/json.h"
#include "cli/timefmt.h"

namespace mlq::cli {
namespace {

using Counts = google::protobuf::RepeatedPtrField<mlq::v1::Count>;

constexpr size_t kBarWidth = 40;

void TotalsJson(JsonWriter& w, const mlq::v1::Totals& t) {
  w.BeginObject();
  w.Key("received").Uint(t.received());
  w.Key("delivered").Uint(t.delivered());
  w.Key("deferred").Uint(t.deferred());
  w.Key("bounced").Uint(t.bounced());
  w.Key("rejected").Uint(t.rejected());
  w.Key("quarantined").Uint(t.quarantined());
  w.Key("expired").Uint(t.expired());
  w.Key("auth_failures").Uint(t.auth_failures());
  w.Key("lines").Uint(t.lines());
  w.EndObject();
}

void CountsJson(JsonWriter& w, std::string_view key, const Counts& counts) {
  w.Key(key).BeginArray();
  for (const mlq::v1::Count& c : counts) {
    w.BeginObject().Key("key").String(c.key()).Key("count").Uint(c.count()).EndObject();
  }
  w.EndArray();
}

// "12.3%" of n in total; "-" when total is 0.
std::string Percent(uint64_t n, uint64_t total) {
  if (total == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", 100.0 * static_cast<double>(n) / total);
  return buf;
}

const std::vector<std::string> kTotalsHeaders = {"RECEIVED", "DELIVERED", "DEFERRED",
                                                 "BOUNCED",  "REJECTED",  "QUARANTINED",
                                                 "EXPIRED",  "AUTH FAIL", "LINES"};

std::vector<std::string> TotalsCells(const mlq::v1::Totals& t) {
  return {GroupThousands(t.received()), GroupThousands(t.delivered()),
          GroupThousands(t.deferred()), GroupThousands(t.bounced()),
          GroupThousands(t.rejected()), GroupThousands(t.quarantined()),
          GroupThousands(t.expired()),  GroupThousands(t.auth_failures()),
          GroupThousands(t.lines())};
}

// "Title" and a COUNT/label table, or "Title: none".
void CountsSection(std::string& out, const char* title, const char* label, const Counts& counts) {
  out += "\n";
  if (counts.empty()) {
    out += std::string(title) + ": none\n";
    return;
  }
  out += std::string(title) + "\n";
  Table t({"COUNT", label});
  t.SetRightAligned(0);
  for (const mlq::v1::Count& c : counts) t.AddRow({GroupThousands(c.count()), c.key()});
  out += t.Render();
}

}  // namespace

std::string JsonDouble(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "0";
  std::string s(buf, end);
  return IsJsonNumber(s) ? s : "0";
}

std::string FormatSeconds(double seconds) {
  if (!(seconds > 0)) return "0s";
  if (seconds < 60) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), seconds < 10 ? "%.2f" : "%.1f", seconds);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s + "s";
  }
  return FormatDuration(static_cast<int64_t>(std::llround(seconds)));
}

std::string StatsToJson(const mlq::v1::StatsResponse& s, bool utc) {
  JsonWriter w;
  w.BeginObject();
  w.Key("since").String(FormatRfc3339(s.since_us(), utc));
  w.Key("since_us").Int(s.since_us());
  w.Key("until").String(FormatRfc3339(s.until_us(), utc));
  w.Key("until_us").Int(s.until_us());
  w.Key("totals");
  TotalsJson(w, s.totals());
  w.Key("hosts").BeginArray();
  for (const mlq::v1::HostStats& h : s.hosts()) {
    w.BeginObject().Key("host").String(h.host()).Key("totals");
    TotalsJson(w, h.totals());
    w.EndObject();
  }
  w.EndArray();
  w.Key("hours").BeginArray();
  for (const mlq::v1::HourStats& h : s.hours()) {
    w.BeginObject();
    w.Key("hour").String(FormatRfc3339(h.hour_us(), utc));
    w.Key("hour_us").Int(h.hour_us());
    w.Key("totals");
    TotalsJson(w, h.totals());
    w.EndObject();
  }
  w.EndArray();
  CountsJson(w, "sender_domains", s.sender_domains());
  CountsJson(w, "recipient_domains", s.recipient_domains());
  CountsJson(w, "top_senders", s.top_senders());
  CountsJson(w, "top_recipients", s.top_recipients());
  CountsJson(w, "reject_reasons", s.reject_reasons());
  CountsJson(w, "defer_reasons", s.defer_reasons());
  CountsJson(w, "bounce_reasons", s.bounce_reasons());
  CountsJson(w, "auth_failures_by_ip", s.auth_failures_by_ip());
  CountsJson(w, "auth_failures_by_user", s.auth_failures_by_user());
  const mlq::v1::DelayStats& d = s.delays();
  w.Key("delays").BeginObject();
  w.Key("count").Uint(d.count());
  w.Key("p50").Number(JsonDouble(d.p50()));
  w.Key("p90").Number(JsonDouble(d.p90()));
  w.Key("p99").Number(JsonDouble(d.p99()));
  w.Key("max").Number(JsonDouble(d.max()));
  w.EndObject();
  w.EndObject();
  return w.str();
}

std::string StatsToText(const mlq::v1::StatsResponse& s, const std::string& host, bool utc) {
  std::string out =
      "Mail statistics " + FormatTableTime(s.since_us(), utc) + " to " +
      FormatTableTime(s.until_us(), utc) + ", " +
      (host.empty() ? std::string("all hosts") : "host " + SanitizeForTerminal(host)) +
      "\n\nGrand totals\n";
  const mlq::v1::Totals& t = s.totals();
  const std::vector<std::pair<std::string, uint64_t>> rows = {
      {"Received", t.received()}, {"Delivered", t.delivered()},
      {"Deferred", t.deferred()}, {"Bounced", t.bounced()},
      {"Rejected", t.rejected()}, {"Quarantined", t.quarantined()},
      {"Expired", t.expired()},   {"Auth failures", t.auth_failures()},
      {"Log lines", t.lines()},
  };
  size_t width = 0;
  for (const auto& [label, n] : rows) width = std::max(width, GroupThousands(n).size());
  for (const auto& [label, n] : rows) {
    std::string line = "  " + label;
    line.resize(17, ' ');
    std::string num = GroupThousands(n);
    line += std::string(width - num.size(), ' ') + num;
    if (label == "Rejected") {
      line +=
          "  (" + Percent(t.rejected(), t.received() + t.rejected()) + " of received + rejected)";
    }
    out += line + "\n";
  }

  if (!s.hosts().empty()) {
    out += "\nPer host\n";
    std::vector<std::string> headers = {"HOST"};
    headers.insert(headers.end(), kTotalsHeaders.begin(), kTotalsHeaders.end());
    const size_t numbers = headers.size();
    headers.push_back("");  // the last column is never padded: keep LINES before it
    Table table(headers);
    for (size_t c = 1; c < numbers; ++c) table.SetRightAligned(c);
    for (const mlq::v1::HostStats& h : s.hosts()) {
      std::vector<std::string> cells = {h.host()};
      std::vector<std::string> nums = TotalsCells(h.totals());
      cells.insert(cells.end(), nums.begin(), nums.end());
      table.AddRow(std::move(cells));
    }
    out += table.Render();
  }

  if (!s.hours().empty()) {
    out += "\nPer hour (# = received)\n";
    Table table({"HOUR", "RECEIVED", "DELIVERED", "DEFERRED", "BOUNCED", "REJECTED", ""});
    for (size_t c = 1; c <= 5; ++c) table.SetRightAligned(c);
    uint64_t peak = 0;
    for (const mlq::v1::HourStats& h : s.hours()) peak = std::max(peak, h.totals().received());
    for (const mlq::v1::HourStats& h : s.hours()) {
      const mlq::v1::Totals& ht = h.totals();
      std::string time = FormatTableTime(h.hour_us(), utc);
      // "2026-11-22 10:00:00" -> "2026-11-22 10:00" (and the "Z" of UTC kept).
      if (time.size() >= 19) time.erase(16, 3);
      size_t bar = 0;
      if (peak > 0 && ht.received() > 0) {
        bar = std::max<size_t>(1, static_cast<size_t>(ht.received() * kBarWidth / peak));
      }
      table.AddRow({time, GroupThousands(ht.received()), GroupThousands(ht.delivered()),
                    GroupThousands(ht.deferred()), GroupThousands(ht.bounced()),
                    GroupThousands(ht.rejected()), std::string(bar, '#')});
    }
    out += table.Render();
  }

  CountsSection(out, "Top senders", "SENDER", s.top_senders());
  CountsSection(out, "Top recipients", "RECIPIENT", s.top_recipients());
  CountsSection(out, "Sender domains", "DOMAIN", s.sender_domains());
  CountsSection(out, "Recipient domains", "DOMAIN", s.recipient_domains());
  CountsSection(out, "Reject reasons", "REASON", s.reject_reasons());
  CountsSection(out, "Defer reasons", "REASON", s.defer_reasons());
  CountsSection(out, "Bounce reasons", "REASON", s.bounce_reasons());

  const mlq::v1::DelayStats& d = s.delays();
  out += "\n";
  if (d.count() == 0) {
    out += "Delivery delays: none\n";
  } else {
    out += "Delivery delays (" + GroupThousands(d.count()) +
           (d.count() == 1 ? " delivery)\n" : " deliveries)\n");
    out += "  p50 " + FormatSeconds(d.p50()) + "   p90 " + FormatSeconds(d.p90()) + "   p99 " +
           FormatSeconds(d.p99()) + "   max " + FormatSeconds(d.max()) + "\n";
  }

  CountsSection(out, "Auth failures by IP", "CLIENT IP", s.auth_failures_by_ip());
  CountsSection(out, "Auth failures by user", "USER", s.auth_failures_by_user());
  return out;
}

}  // namespace mlq::cli
