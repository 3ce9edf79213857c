// Postgrey lines (see postgrey.h). Formats from postgrey's mylog_action():
//   "action=%s, reason=%s[, delay=%d], client_name=%s, client_address=%s,
//    sender=%s, recipient=%s"
// and the database maintenance / Net::Server start-up messages.

#include "receiver/normalizers/postgrey.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/kv_scan.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using kv::ListField;
using scan::ConsumePrefix;
using scan::IsDigit;
using scan::IsLower;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

bool ParseAction(string_view msg, LogRecord& rec) {
  string_view action;
  if (!ListField(msg, "action", &action) || action.empty()) return false;
  rec.family = "postgrey";
  rec.event = "policy";
  Assign(rec.status, action);
  string_view v;
  if (ListField(msg, "reason", &v)) SetExtra(rec, "reason", v);
  if (ListField(msg, "delay", &v)) SetExtra(rec, "delay", v);
  if (ListField(msg, "client_name", &v)) Assign(rec.client_name, v);
  if (ListField(msg, "client_address", &v)) Assign(rec.client_ip, v);
  if (ListField(msg, "sender", &v)) Assign(rec.from, v);
  if (ListField(msg, "recipient", &v) && !v.empty()) rec.to.emplace_back(v);
  return true;
}

// Postgrey before 1.30: "delayed 300 seconds: client=1.2.3.4, from=a@b, to=c@d"
// and "whitelisted: client=..., from=..., to=...".
bool ParseOldStyle(string_view msg, LogRecord& rec) {
  string_view rest = msg;
  string_view delay;
  if (ConsumePrefix(rest, "delayed ")) {
    size_t sp = rest.find(" seconds: ");
    if (sp == npos) return false;
    delay = rest.substr(0, sp);
    rest.remove_prefix(sp + 10);
    rec.status = "greylist";
  } else if (ConsumePrefix(rest, "whitelisted: ")) {
    rec.status = "pass";
    SetExtra(rec, "reason", "whitelisted");
  } else {
    return false;
  }
  rec.family = "postgrey";
  rec.event = "policy";
  if (!delay.empty()) SetExtra(rec, "delay", delay);
  string_view v;
  if (ListField(rest, "client", &v)) {
    // "client=name[1.2.3.4]" or a bare address.
    size_t lb = v.find('[');
    if (lb != npos && v.back() == ']') {
      Assign(rec.client_name, v.substr(0, lb));
      Assign(rec.client_ip, v.substr(lb + 1, v.size() - lb - 2));
    } else {
      Assign(rec.client_ip, v);
    }
  }
  if (ListField(rest, "from", &v)) Assign(rec.from, v);
  if (ListField(rest, "to", &v) && !v.empty()) rec.to.emplace_back(v);
  return true;
}

// "cleaning main database finished. before: 4, after: 4"
bool ParseMaintenance(string_view msg, LogRecord& rec) {
  if (!msg.starts_with("cleaning ")) return false;
  rec.family = "postgrey";
  rec.event = "maintenance";
  size_t b = msg.find("before: ");
  if (b != npos) {
    string_view v = msg.substr(b + 8);
    SetExtra(rec, "before", v.substr(0, v.find(',')));
  }
  size_t a = msg.find("after: ");
  if (a != npos) {
    string_view v = msg.substr(a + 7);
    size_t e = 0;
    while (e < v.size() && IsDigit(v[e])) ++e;
    SetExtra(rec, "after", v.substr(0, e));
  }
  return true;
}

bool IsInfo(string_view msg) {
  static constexpr string_view kPrefixes[] = {
      "Process Backgrounded",
      "Binding to ",
      "Setting gid to ",
      "Setting uid to ",
      "Server closing!",
      "Resolved [",
      "Resolving ",
      "Group Not Defined",
      "User Not Defined",
      "Couldn't ",
      "Process Restarted",
      "Received ",
      "Server ",
      "Starting ",
      "Stopping ",
      "2 processes",
  };
  for (string_view p : kPrefixes) {
    if (msg.starts_with(p)) return true;
  }
  // "2008/11/19-15:00:13 postgrey (type Net::Server::Multiplex) starting! pid(3187)"
  return msg.find(" starting! ") != npos || msg.ends_with(" starting!") ||
         msg.find("Net::Server") != npos;
}

bool NormalizePostgrey(string_view msg, LogRecord& rec) {
  msg = TrimRight(msg);
  if (msg.empty()) return false;
  if (msg.starts_with("action=")) return ParseAction(msg, rec);
  if (ParseOldStyle(msg, rec)) return true;
  if (ParseMaintenance(msg, rec)) return true;
  if (msg.starts_with("warning:") || msg.starts_with("WARNING") || msg.starts_with("fatal") ||
      msg.starts_with("FATAL") || msg.starts_with("ERROR") || msg.starts_with("error") ||
      msg.starts_with("Died ") || msg.find(" at /usr/sbin/postgrey line ") != npos) {
    rec.family = "postgrey";
    rec.event = "error";
    Assign(rec.reply, msg);
    return true;
  }
  if (IsInfo(msg)) {
    rec.family = "postgrey";
    rec.event = "info";
    return true;
  }
  return false;
}

}  // namespace

void RegisterPostgrey(NormalizerTable& table) { table.Register("postgrey", NormalizePostgrey); }

}  // namespace mlq
