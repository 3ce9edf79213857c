#include "cli/trace_output.h"

#include <algorithm>
#include <cctype>

#include "cli/find_output.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/timefmt.h"

namespace mlq::cli {
namespace {

void Opt(JsonWriter& w, std::string_view key, const std::string& value) {
  if (!value.empty()) w.Key(key).String(value);
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Every string of the trace comes from log lines (or the server): shown
// only through this.
std::string S(std::string_view s) { return SanitizeForTerminal(s); }

std::string LineText(const mlq::v1::Record& r, bool utc) {
  std::string program = r.program();
  if (!r.pid().empty()) program += "[" + r.pid() + "]";
  return "    " + FormatTableTime(r.timestamp_us(), utc) + "  " + S(HostText(r)) + "  " +
         S(program) + ": " + S(r.message()) + "\n";
}

}  // namespace

std::string TraceToJson(const mlq::v1::MessageTrace& t, bool utc) {
  JsonWriter w;
  w.BeginObject();
  w.Key("message_ids").BeginArray();
  for (const auto& id : t.message_ids()) w.String(id);
  w.EndArray();
  w.Key("summary").String(t.summary());
  if (!t.expired_note().empty()) w.Key("expired_note").String(t.expired_note());
  if (!t.left_out().empty()) {
    w.Key("left_out").BeginArray();
    for (const auto& e : t.left_out()) w.String(e);
    w.EndArray();
  }
  if (!t.left_out_note().empty()) w.Key("left_out_note").String(t.left_out_note());
  w.Key("hops").BeginArray();
  for (const auto& h : t.hops()) {
    w.BeginObject();
    w.Key("host").String(h.host());
    w.Key("queue_id").String(h.queue_id());
    w.Key("program").String(h.program());
    w.Key("role").String(h.role());
    w.Key("time").String(FormatRfc3339(h.time_us(), utc));
    w.Key("time_us").Int(h.time_us());
    w.Key("last_us").Int(h.last_us());
    Opt(w, "delay", h.delay());
    Opt(w, "from", h.from());
    Opt(w, "client", h.client());
    w.Key("next").BeginArray();
    for (const auto& n : h.next()) w.String(n);
    w.EndArray();
    w.Key("lines").BeginArray();
    for (const auto& r : h.lines()) w.Number(RecordToJson(r, utc));
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("recipients").BeginArray();
  for (const auto& v : t.recipients()) {
    w.BeginObject();
    w.Key("address").String(v.address());
    Opt(w, "orig_address", v.orig_address());
    w.Key("verdict").String(v.verdict());
    w.Key("dsn").String(v.dsn());
    w.Key("reply").String(v.reply());
    w.Key("host").String(v.host());
    w.Key("queue_id").String(v.queue_id());
    Opt(w, "relay", v.relay());
    Opt(w, "where", v.where());
    Opt(w, "step", v.step());
    Opt(w, "notice", v.notice());
    Opt(w, "notice_for", v.notice_for());
    if (!v.expanded_to().empty()) {
      w.Key("expanded_to").BeginArray();
      for (const auto& e : v.expanded_to()) w.String(e);
      w.EndArray();
    }
    w.Key("time").String(FormatRfc3339(v.time_us(), utc));
    w.Key("explanation").String(v.explanation());
    if (v.has_deciding()) w.Key("line").Number(RecordToJson(v.deciding(), utc));
    w.EndObject();
  }
  w.EndArray();
  w.Key("other_lines").BeginArray();
  for (const auto& r : t.other_lines()) w.Number(RecordToJson(r, utc));
  w.EndArray();
  w.EndObject();
  return w.str();
}

std::string TraceToText(const mlq::v1::MessageTrace& t, bool utc) {
  std::string out;
  out += "Message";
  for (const auto& id : t.message_ids()) out += " <" + S(id) + ">";
  if (t.message_ids().empty()) out += " (no message-id logged)";
  out += "\n  " + S(t.summary()) + "\n";
  if (!t.expired_note().empty()) out += "  NOTE: " + S(t.expired_note()) + "\n";
  if (!t.left_out_note().empty()) out += "  NOTE: " + S(t.left_out_note()) + "\n";
  out += "\nRecipients:\n";
  if (t.recipients().empty()) out += "  (none seen)\n";
  for (const auto& v : t.recipients()) {
    if (!v.notice().empty()) {
      out += "  notice to the " + S(v.notice()) + " about " + S(v.notice_for()) + ": ";
      out += v.address().empty() ? std::string("(the sender)") : S(v.address());
    } else {
      out += "  " + S(v.address());
    }
    if (!v.orig_address().empty()) out += " (was " + S(v.orig_address()) + ")";
    out += "  " + S(Upper(v.verdict()));
    if (!v.where().empty()) out += "  " + S(v.where());
    out += "\n";
    std::string detail = "    ";
    if (v.time_us() != 0) detail += FormatTableTime(v.time_us(), utc) + "  ";
    if (!v.host().empty()) detail += S(v.host());
    if (!v.queue_id().empty()) detail += "/" + S(v.queue_id());
    if (!v.step().empty()) detail += "  by " + S(v.step());
    if (!v.dsn().empty()) detail += "  dsn=" + S(v.dsn());
    out += detail + "\n";
    if (!v.expanded_to().empty()) {
      std::string list;
      for (const auto& e : v.expanded_to()) list += (list.empty() ? "" : ", ") + S(e);
      out += "    expanded to: " + list + "\n";
    }
    if (!v.reply().empty()) out += "    reply: " + S(v.reply()) + "\n";
    if (!v.explanation().empty()) out += "    means: " + S(v.explanation()) + "\n";
  }
  out += "\nJourney:\n";
  for (const auto& h : t.hops()) {
    out += "  " + S(h.host()) + "/" + S(h.queue_id()) + "  " + S(h.role()) + "  " +
           FormatTableTime(h.time_us(), utc);
    if (!h.program().empty()) out += "  via " + S(h.program());
    if (!h.client().empty()) out += " from " + S(h.client());
    if (!h.from().empty()) out += "  sender <" + S(h.from()) + ">";
    if (!h.delay().empty()) out += "  delay " + S(h.delay()) + "s";
    out += "\n";
    for (const auto& r : h.lines()) out += LineText(r, utc);
    for (const auto& n : h.next()) out += "    -> " + S(n) + "\n";
  }
  if (!t.other_lines().empty()) {
    out += "\nRelated lines (session, policy, rejects, mailbox):\n";
    for (const auto& r : t.other_lines()) out += LineText(r, utc);
  }
  return out;
}

}  // namespace mlq::cli
