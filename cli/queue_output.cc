#include "cli/queue_output.h"

#include "cli/format.h"
#include "cli/json.h"
#include "cli/timefmt.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

constexpr int kShownRecipients = 3;

std::string Recipients(const mlq::v1::QueuedMessage& m) {
  if (m.recipients().empty()) return "-";
  std::string out;
  const int n = m.recipients_size();
  for (int i = 0; i < n && i < kShownRecipients; ++i) {
    if (i > 0) out += ", ";
    out += m.recipients(i);
  }
  if (n > kShownRecipients) out += " +" + std::to_string(n - kShownRecipients) + " more";
  return out;
}

std::string LastReason(const mlq::v1::QueuedMessage& m) {
  if (!m.last_reply().empty()) return m.last_reply();
  if (m.last_status() == "hold") return "on hold";
  if (m.last_status() == "frozen") return "frozen";
  return "-";
}

}  // namespace

std::string QueuedMessageToJson(const mlq::v1::QueuedMessage& m, bool utc) {
  JsonWriter w;
  w.BeginObject();
  w.Key("host").String(m.host());
  w.Key("queue_id").String(m.queue_id());
  w.Key("message_id").String(m.message_id());
  w.Key("from").String(m.from());
  w.Key("recipients").BeginArray();
  for (const std::string& r : m.recipients()) w.String(r);
  w.EndArray();
  w.Key("queued").String(FormatRfc3339(m.queued_us(), utc));
  w.Key("queued_us").Int(m.queued_us());
  w.Key("age_us").Int(m.age_us());
  w.Key("age_s").Int(m.age_us() / 1000000);
  w.Key("last_status").String(m.last_status());
  w.Key("last_reply").String(m.last_reply());
  w.Key("last_relay").String(m.last_relay());
  w.Key("deferrals").Uint(m.deferrals());
  if (m.size() >= 0) w.Key("size").Int(m.size());
  w.EndObject();
  return w.str();
}

std::string QueueTable(const mlq::v1::QueueResponse& r) {
  Table t({"AGE", "HOST", "QUEUE ID", "FROM", "RECIPIENTS", "DEFERRALS", "LAST REASON"});
  t.SetRightAligned(0);
  t.SetRightAligned(5);
  t.SetMaxWidth(3, 40);
  t.SetMaxWidth(4, 50);
  for (const mlq::v1::QueuedMessage& m : r.messages()) {
    t.AddRow({FormatDuration(m.age_us() / 1000000), m.host(), m.queue_id(),
              m.from().empty() ? "<>" : m.from(), Recipients(m), std::to_string(m.deferrals()),
              LastReason(m)});
  }
  return t.Render();
}

std::optional<int64_t> ParseOlderThan(std::string_view text, int64_t now_us, bool utc,
                                      std::string* error) {
  const std::optional<int64_t> t = ParseTimeSpec(text, now_us, utc, error);
  if (!t) return std::nullopt;
  if (*t > now_us) {
    *error = "'" + std::string(text) + "' is in the future";
    return std::nullopt;
  }
  return now_us - *t;
}

}  // namespace mlq::cli
