// solid-pop3d lines (see solid_pop3d.h). Hand-written string_view scanning.

#include "receiver/normalizers/solid_pop3d.h"

#include <string_view>

#include "receiver/normalizers/kv_scan.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using fields::Assign;
using kv::CleanIp;
using kv::IsIp;
using scan::ConsumePrefix;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

// "authentication failed: no such user: adrian - 123.33.44.45",
// "root login not allowed - 1.2.3.4", "APOP authentication failed for user x - IP".
bool NormalizeSolidPop3d(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  size_t dash = s.rfind(" - ");
  if (dash != npos && IsIp(s.substr(dash + 3))) {
    string_view head = s.substr(0, dash);
    rec.family = "solid-pop3d";
    Assign(rec.client_ip, CleanIp(s.substr(dash + 3)));
    bool fail = head.find("fail") != npos || head.find("not allowed") != npos ||
                head.find("can't") != npos || head.find("no such") != npos;
    rec.event = fail ? "auth-failure" : "info";
    if (head.starts_with("root login")) {
      rec.sasl_user = "root";
    } else {
      size_t sp = head.rfind(' ');
      if (sp != npos && (head.find("user") != npos)) Assign(rec.sasl_user, head.substr(sp + 1));
    }
    if (fail) Assign(rec.reply, head);
    return true;
  }
  string_view v = s;
  if (ConsumePrefix(v, "connection from ")) {
    rec.family = "solid-pop3d";
    rec.event = "connect";
    string_view ip = v.substr(0, v.find(' '));
    if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
    return true;
  }
  return false;
}

}  // namespace

void RegisterSolidPop3d(NormalizerTable& table) {
  table.Register("solid-pop3d", NormalizeSolidPop3d);
}

}  // namespace mlq
