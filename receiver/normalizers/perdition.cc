// perdition lines (see perdition.h). Hand-written string_view scanning.

#include "receiver/normalizers/perdition.h"

#include <string_view>

#include "receiver/normalizers/kv_scan.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using fields::Assign;
using fields::SetExtra;
using kv::CleanIp;
using kv::IsIp;
using kv::SpaceField;
using scan::ConsumePrefix;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

// "1.2.3.4:2274->5.6.7.8:993" -> client IP "1.2.3.4".
void SetPerditionClient(string_view s, LogRecord& rec) {
  size_t arrow = s.find("->");
  if (arrow == npos) return;
  string_view from = s.substr(0, arrow);
  size_t sp = from.rfind(' ');
  if (sp != npos) from = from.substr(sp + 1);
  size_t colon = from.rfind(':');
  if (colon != npos) from = from.substr(0, colon);
  if (IsIp(from)) Assign(rec.client_ip, CleanIp(from));
}

// The value of key="..." (or key=token).
bool QuotedField(string_view s, string_view key, string_view* value) {
  string_view v;
  if (!SpaceField(s, key, &v)) return false;
  if (!v.empty() && v.front() == '"') {
    size_t start = static_cast<size_t>(v.data() - s.data()) + 1;
    size_t end = s.find('"', start);
    if (end == npos) return false;
    *value = s.substr(start, end - start);
    return true;
  }
  *value = v;
  return true;
}

bool NormalizePerdition(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  string_view v = s;
  if (ConsumePrefix(v, "Auth: ")) {
    rec.family = "perdition";
    SetPerditionClient(v, rec);
    string_view f;
    if (QuotedField(v, "authentication_id", &f) || QuotedField(v, "user", &f)) {
      Assign(rec.sasl_user, f);
    }
    string_view status;
    QuotedField(v, "status", &status);
    rec.event = status.starts_with("ok") ? "login" : "auth-failure";
    if (!status.empty()) Assign(rec.reply, status);
    if (QuotedField(v, "protocol", &f)) SetExtra(rec, "protocol", f);
    return true;
  }
  if (ConsumePrefix(v, "Connect: ")) {
    rec.family = "perdition";
    rec.event = "connect";
    SetPerditionClient(v, rec);
    return true;
  }
  if (ConsumePrefix(v, "Close: ")) {
    rec.family = "perdition";
    rec.event = "disconnect";
    SetPerditionClient(v, rec);
    string_view f;
    if (QuotedField(v, "user", &f)) Assign(rec.sasl_user, f);
    return true;
  }
  if (s.starts_with("Fatal Error") || s.starts_with("Fatal error")) {
    rec.family = "perdition";
    rec.event = s.find("authentication") != npos ? "auth-failure" : "error";
    SetPerditionClient(s, rec);
    Assign(rec.reply, s);
    return true;
  }
  return false;
}

}  // namespace

void RegisterPerdition(NormalizerTable& table) {
  for (string_view p : {"perdition", "perdition.imap4", "perdition.imap4s", "perdition.imaps",
                        "perdition.pop3", "perdition.pop3s", "perdition.managesieve"}) {
    table.Register(p, NormalizePerdition);
  }
}

}  // namespace mlq
