#include "cli/find_output.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "base/scan.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/timefmt.h"

namespace mlq::cli {
namespace {

bool AllDigits(const std::string& s) { return s.size() <= 18 && scan::IsDigits(s); }

// Writers that leave out unknown values.
void Str(JsonWriter& w, std::string_view key, const std::string& value) {
  if (!value.empty()) w.Key(key).String(value);
}

void Num(JsonWriter& w, std::string_view key, int64_t value) {
  if (value != -1) w.Key(key).Int(value);
}

// Text that is a number when it looks like one ("1234" -> 1234).
void NumericText(JsonWriter& w, std::string_view key, const std::string& value, bool integer) {
  if (value.empty()) return;
  const bool numeric = integer ? AllDigits(value) : IsJsonNumber(value);
  w.Key(key);
  if (numeric) {
    // Strip leading zeros of integers so "0123" stays valid JSON.
    std::string_view v = value;
    while (integer && v.size() > 1 && v.front() == '0') v.remove_prefix(1);
    w.Number(v);
  } else {
    w.String(value);
  }
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string RecordToJson(const mlq::v1::Record& r, bool utc) {
  JsonWriter w;
  w.BeginObject();
  w.Key("time").String(FormatRfc3339(r.timestamp_us(), utc));
  w.Key("timestamp_us").Int(r.timestamp_us());
  w.Key("received_us").Int(r.received_us());
  w.Key("host").String(r.host());
  Str(w, "program", r.program());
  Str(w, "pid", r.pid());  // text: not every PROCID is a number
  Str(w, "queue_id", r.queue_id());
  Str(w, "message_id", r.message_id());
  Str(w, "from", r.from());
  w.Key("to").BeginArray();
  for (const std::string& to : r.to()) w.String(to);
  w.EndArray();
  Str(w, "status", r.status());
  Str(w, "dsn", r.dsn());
  Str(w, "relay", r.relay());
  Str(w, "event", r.event());
  Str(w, "family", r.family());
  Str(w, "message", r.message());
  w.Key("raw").String(r.raw());

  Str(w, "key", r.key());
  Str(w, "peer", r.peer());
  Str(w, "transport", r.transport());
  Str(w, "format", r.format());
  Num(w, "facility", r.facility());
  Num(w, "severity", r.severity());
  Str(w, "msgid", r.msgid());
  Str(w, "structured_data", r.structured_data());
  if (!r.flags().empty()) {
    w.Key("flags").BeginArray();
    for (const std::string& f : r.flags()) w.String(f);
    w.EndArray();
  }
  Str(w, "orig_to", r.orig_to());
  Str(w, "reply", r.reply());
  NumericText(w, "delay", r.delay(), /*integer=*/false);
  Str(w, "delays", r.delays());
  Num(w, "size", r.size());
  Num(w, "nrcpt", r.nrcpt());
  Str(w, "client_name", r.client_name());
  Str(w, "client_ip", r.client_ip());
  Str(w, "sasl_user", r.sasl_user());
  Str(w, "helo", r.helo());
  Str(w, "proto", r.proto());
  Str(w, "peer_subject", r.peer_subject());
  if (!r.links().empty()) {
    w.Key("links").BeginArray();
    for (const mlq::v1::Link& l : r.links()) {
      w.BeginObject();
      Str(w, "kind", l.kind());
      Str(w, "queue_id", l.queue_id());
      Str(w, "host", l.host());
      w.EndObject();
    }
    w.EndArray();
  }
  if (!r.extra().empty()) {
    // Sorted, so the output does not depend on the map's hash order.
    std::vector<std::pair<std::string, std::string>> extra(r.extra().begin(), r.extra().end());
    std::sort(extra.begin(), extra.end());
    w.Key("extra").BeginObject();
    for (const auto& [k, v] : extra) w.Key(k).String(v);
    w.EndObject();
  }
  w.EndObject();
  return w.str();
}

std::string HostText(const mlq::v1::Record& r) {
  std::string out = r.host();
  bool unverified = false;
  for (const std::string& f : r.flags()) unverified = unverified || f == "host-unverified";
  if (!unverified) return out;
  // "ip:port" or "[v6]:port": the address without the port.
  std::string_view ip = r.peer();
  if (const size_t colon = ip.rfind(':');
      colon != std::string_view::npos && ip.find(':') == colon) {
    ip = ip.substr(0, colon);
  } else if (!ip.empty() && ip.front() == '[' && ip.find(']') != std::string_view::npos) {
    ip = ip.substr(1, ip.find(']') - 1);
  }
  out += " [forged? from " + (ip.empty() ? std::string("unknown address") : std::string(ip)) + "]";
  return out;
}

std::string RecordsTable(const mlq::v1::FindResponse& response, bool utc) {
  Table table({"TIME", "HOST", "PROGRAM[PID]", "QUEUE ID", "EVENT", "MESSAGE"});
  table.SetMaxWidth(1, 24);
  table.SetMaxWidth(2, 28);
  table.SetMaxWidth(3, 16);
  table.SetMaxWidth(4, 14);
  for (const mlq::v1::Record& r : response.records()) {
    std::string program = r.program();
    if (!r.pid().empty()) program += "[" + r.pid() + "]";
    // Lines whose header did not parse have no message part: show the raw line.
    const std::string& text = r.message().empty() ? r.raw() : r.message();
    table.AddRow({FormatTableTime(r.timestamp_us(), utc), OrDash(HostText(r)), OrDash(program),
                  OrDash(r.queue_id()), OrDash(r.event()), text});
  }
  return table.Render();
}

}  // namespace mlq::cli
