#include "cli/status_output.h"

#include "cli/format.h"
#include "cli/json.h"
#include "cli/sorted.h"
#include "cli/timefmt.h"

namespace mlq::cli {
namespace {

template <typename Map>
void CountMap(JsonWriter& w, std::string_view key, const Map& map) {
  w.Key(key).BeginObject();
  for (const auto& [name, n] : SortedByKey(map)) w.Key(name).Uint(n);
  w.EndObject();
}

// "tcp 2,000, udp 1,000" (zero counts left out) or `none`.
template <typename Map>
std::string CountList(const Map& map, const char* none) {
  std::string out;
  for (const auto& [name, n] : SortedByKey(map)) {
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += name + " " + GroupThousands(n);
  }
  return out.empty() ? none : out;
}

template <typename Map>
uint64_t Total(const Map& map) {
  uint64_t total = 0;
  for (const auto& [name, n] : map) total += n;
  return total;
}

}  // namespace

std::string StatusToJson(const mlq::v1::StatusResponse& s, bool utc) {
  JsonWriter w;
  w.BeginObject();
  w.Key("stored").Uint(s.stored());
  CountMap(w, "received", s.received());
  w.Key("parsed").Uint(s.parsed());
  w.Key("unparsed").Uint(s.unparsed());
  w.Key("normalized").Uint(s.normalized());
  CountMap(w, "dropped", s.dropped());
  w.Key("store_bytes").Uint(s.store_bytes());
  w.Key("store_unavailable").String(s.store_unavailable());
  if (s.store_unavailable_since_us() != 0) {
    w.Key("store_unavailable_since_us").Int(s.store_unavailable_since_us());
  }
  w.Key("store_read_only").Bool(s.store_read_only());
  w.Key("oldest_us").Int(s.oldest_us());
  w.Key("expired_before_us").Int(s.expired_before_us());
  w.Key("retention_us").Int(s.retention_us());
  w.Key("max_disk_bytes").Uint(s.max_disk_bytes());
  w.Key("disk_free_bytes").Uint(s.disk_free_bytes());
  w.Key("disk_reserve_bytes").Uint(s.disk_reserve_bytes());
  CountMap(w, "counters", s.counters());
  w.Key("listeners").BeginArray();
  for (const mlq::v1::Listener& l : s.listeners()) {
    w.BeginObject().Key("transport").String(l.transport()).Key("address").String(l.address());
    CountMap(w, "counters", l.counters());
    w.EndObject();
  }
  w.EndArray();
  w.Key("version").String(s.version());
  if (s.started_us() != 0) {
    w.Key("started").String(FormatRfc3339(s.started_us(), utc));
    w.Key("started_us").Int(s.started_us());
  }
  w.EndObject();
  return w.str();
}

std::string StatusToText(const mlq::v1::StatusResponse& s, const std::string& server, bool utc,
                         int64_t now_us) {
  std::string out;
  const auto line = [&](std::string_view label, const std::string& value) {
    std::string l(label);
    l.resize(12, ' ');
    out += l + SanitizeForTerminal(value) + "\n";
  };
  line("Server", server + (s.version().empty() ? "" : " (mlqd " + s.version() + ")"));
  if (s.started_us() != 0) {
    line("Started", FormatTableTime(s.started_us(), utc) + " (up " +
                        FormatDuration((now_us - s.started_us()) / 1000000) + ")");
  }
  line("Stored",
       GroupThousands(s.stored()) + " records, " + HumanBytes(s.store_bytes()) + " on disk" +
           (s.max_disk_bytes() == 0
                ? std::string()
                : " of --max-disk " + HumanBytes(s.max_disk_bytes()) + " (" +
                      std::to_string(s.store_bytes() * 100 / s.max_disk_bytes()) + " %)"));
  if (!s.store_unavailable().empty()) {
    line("Intake", "PAUSED" +
                       (s.store_unavailable_since_us() != 0
                            ? " since " + FormatTableTime(s.store_unavailable_since_us(), utc)
                            : std::string()) +
                       ": " + s.store_unavailable() + " (resumes by itself)");
  } else {
    line("Intake", "accepting");
  }
  if (s.store_read_only()) line("Store", "read-only (opened on a full or failing disk)");
  line("Disk", HumanBytes(s.disk_free_bytes()) + " free, intake pauses below " +
                   HumanBytes(s.disk_reserve_bytes()));
  line("Oldest", s.oldest_us() == 0 ? std::string("none") : FormatTableTime(s.oldest_us(), utc));
  line("Retention",
       (s.retention_us() == 0 ? std::string("forever")
                              : FormatDuration(s.retention_us() / 1000000)) +
           (s.max_disk_bytes() == 0 ? "" : ", at most " + HumanBytes(s.max_disk_bytes())) +
           (s.expired_before_us() == 0
                ? std::string()
                : "; lines before " + FormatTableTime(s.expired_before_us(), utc) + " deleted"));
  const uint64_t received = Total(s.received());
  line("Received", GroupThousands(received) + " lines" +
                       (received == 0 ? "" : ": " + CountList(s.received(), "")));
  line("Parsed", GroupThousands(s.parsed()));
  line("Unparsed", GroupThousands(s.unparsed()));
  line("Normalized", GroupThousands(s.normalized()));
  const uint64_t dropped = Total(s.dropped());
  line("Dropped", dropped == 0 ? std::string("none")
                               : GroupThousands(dropped) + ": " + CountList(s.dropped(), ""));
  bool first = true;
  for (const mlq::v1::Listener& l : s.listeners()) {
    line(first ? "Listeners" : "", l.transport() + " " + l.address());
    first = false;
  }
  if (first) line("Listeners", "none");
  return out;
}

}  // namespace mlq::cli
