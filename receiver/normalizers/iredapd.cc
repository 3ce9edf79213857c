// iRedAPD lines (see iredapd.h). The policy line is built by iRedAPD's
// log_policy_request(): "[%(client_address)s] %(protocol_state)s, %(sender)s
// -> %(recipient)s, %(action)s [%(key)s=%(value)s, ...]".

#include "receiver/normalizers/iredapd.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using scan::IsDsn;
using scan::IsUpper;
using scan::ParseInt;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

// Splits "[ip] rest". The address may be "127.0.0.1", IPv6 or "local".
bool SplitClient(string_view msg, string_view* ip, string_view* rest) {
  if (msg.size() < 3 || msg.front() != '[') return false;
  size_t rb = msg.find(']');
  if (rb == npos || rb == 1 || rb + 1 >= msg.size() || msg[rb + 1] != ' ') return false;
  string_view inner = msg.substr(1, rb - 1);
  if (inner.find(' ') != npos) return false;
  *ip = inner;
  *rest = msg.substr(rb + 2);
  return true;
}

// True for a protocol state word: uppercase letters and '-' ("RCPT",
// "END-OF-MESSAGE", "DATA").
bool IsProtocolState(string_view w) {
  if (w.empty()) return false;
  for (char c : w) {
    if (!IsUpper(c) && c != '-' && c != '_') return false;
  }
  return true;
}

// The "[k=v, k=v]" attribute list: sets the fields it knows.
void ParseAttributes(string_view attrs, LogRecord& rec) {
  while (!attrs.empty()) {
    size_t comma = attrs.find(", ");
    string_view item = attrs.substr(0, comma);
    attrs = comma == npos ? string_view() : attrs.substr(comma + 2);
    size_t eq = item.find('=');
    if (eq == npos) continue;
    string_view k = item.substr(0, eq);
    string_view v = item.substr(eq + 1);
    if (k == "sasl_username") {
      Assign(rec.sasl_user, v);
    } else if (k == "sender") {
      if (rec.from.empty()) Assign(rec.from, v);
    } else if (k == "client_name") {
      if (v != "unknown") Assign(rec.client_name, v);
    } else if (k == "helo") {
      Assign(rec.helo, v);
    } else if (k == "size") {
      rec.size = ParseInt(v);
    } else if (k == "recipient_count") {
      rec.nrcpt = ParseInt(v);
    } else if (k == "process_time" || k == "encryption_protocol") {
      if (!v.empty()) SetExtra(rec, k, v);
    }
  }
}

// "RCPT, a@b -> c@d, REJECT Blacklisted [sasl_username=, ...]"
bool ParsePolicy(string_view ip, string_view rest, LogRecord& rec) {
  size_t c1 = rest.find(", ");
  if (c1 == npos) return false;
  string_view state = rest.substr(0, c1);
  if (!IsProtocolState(state)) return false;
  string_view tail = rest.substr(c1 + 2);
  size_t arrow = tail.find(" -> ");
  if (arrow == npos) return false;
  string_view sender = tail.substr(0, arrow);
  tail = tail.substr(arrow + 4);
  size_t c2 = tail.find(", ");
  if (c2 == npos) return false;
  string_view recipient = tail.substr(0, c2);
  string_view action = tail.substr(c2 + 2);
  string_view attrs;
  size_t lb = action.rfind(" [");
  if (lb != npos && !action.empty() && action.back() == ']') {
    attrs = action.substr(lb + 2, action.size() - lb - 3);
    action = action.substr(0, lb);
  } else if (action.starts_with("[")) {
    // An empty action: "..., [k=v]" never happens, but do not mistake it.
    return false;
  }
  action = Trim(action);

  rec.family = "iredapd";
  rec.event = "policy";
  Assign(rec.client_ip, ip);
  Assign(rec.from, sender == "<>" ? string_view() : sender);
  if (!recipient.empty()) rec.to.emplace_back(recipient);
  SetExtra(rec, "protocol_state", state);
  size_t sp = action.find(' ');
  Assign(rec.status, action.substr(0, sp));
  if (sp != npos) {
    Assign(rec.reply, action);
    // "451 4.7.1 Intentional policy rejection ..."
    string_view rest_action = action.substr(sp + 1);
    string_view code = rest_action.substr(0, rest_action.find(' '));
    if (IsDsn(code)) Assign(rec.dsn, code);
  }
  ParseAttributes(attrs, rec);
  return true;
}

bool NormalizeIredapd(string_view msg, LogRecord& rec) {
  msg = TrimRight(msg);
  if (msg.empty()) return false;
  string_view ip, rest;
  if (SplitClient(msg, &ip, &rest)) {
    if (ParsePolicy(ip, rest, rec)) return true;
    rec.family = "iredapd";
    rec.event = "info";
    Assign(rec.client_ip, ip);
    constexpr string_view kBypass = "Bypass greylisting due to SPF match (";
    if (rest.starts_with(kBypass) && rest.back() == ')') {
      SetExtra(rec, "greylisting", "bypass");
      SetExtra(rec, "spf_domain", rest.substr(kBypass.size(), rest.size() - kBypass.size() - 1));
    }
    return true;
  }
  bool white = msg.starts_with("Whitelisted: ");
  if (white || msg.starts_with("Blacklisted: ")) {
    rec.family = "iredapd";
    rec.event = "wblist";
    rec.status = white ? "whitelisted" : "blacklisted";
    string_view v = msg.substr(13);
    if (v.starts_with("wblist=")) v.remove_prefix(7);
    SetExtra(rec, "wblist", Trim(v));
    return true;
  }
  if (msg.starts_with("Starting iRedAPD") || msg.starts_with("Loading plugin") ||
      msg.starts_with("Loaded plugin") || msg.starts_with("Stopping iRedAPD") ||
      msg.starts_with("iRedAPD ") || msg.starts_with("Received signal") ||
      msg.starts_with("Greylisting") || msg.starts_with("Bypass ")) {
    rec.family = "iredapd";
    rec.event = "info";
    return true;
  }
  if (msg.starts_with("Error") || msg.starts_with("ERROR") || msg.starts_with("Traceback") ||
      msg.find("Error:") != npos || msg.find("error while") != npos) {
    rec.family = "iredapd";
    rec.event = "error";
    Assign(rec.reply, msg);
    return true;
  }
  return false;
}

}  // namespace

void RegisterIredapd(NormalizerTable& table) { table.Register("iredapd", NormalizeIredapd); }

}  // namespace mlq
