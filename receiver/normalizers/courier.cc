// Courier MTA lines (see courier.h). Hand-written string_view scanning.

#include "receiver/normalizers/courier.h"

#include <string_view>

#include "receiver/normalizers/kv_scan.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using fields::Assign;
using kv::CleanIp;
using kv::LinkQueuedAs;
using kv::PushTo;
using scan::LeadingDsn;
using scan::ParseInt;
using scan::StripAngles;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

// Splits Courier's "a,b=c,d=<e>,msg=\"x, y\": text" into the item list and
// the text after the first ": " outside quotes and angle brackets.
void SplitCourier(string_view s, string_view* items, string_view* text) {
  bool quote = false;
  int angle = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '"') quote = !quote;
    if (quote) continue;
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (angle == 0 && c == ':' && s[i + 1] == ' ') {
      *items = s.substr(0, i);
      *text = s.substr(i + 2);
      return;
    }
  }
  *items = s;
  *text = {};
}

// The value of item "key=" in a Courier item list (quotes removed).
bool CourierItem(string_view items, string_view key, string_view* value) {
  bool quote = false;
  size_t start = 0;
  for (size_t i = 0; i <= items.size(); ++i) {
    if (i < items.size() && items[i] == '"') quote = !quote;
    if (i == items.size() || (!quote && items[i] == ',')) {
      string_view item = items.substr(start, i - start);
      if (item.size() > key.size() && item.starts_with(key) && item[key.size()] == '=') {
        string_view v = item.substr(key.size() + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        *value = v;
        return true;
      }
      start = i + 1;
    }
  }
  return false;
}

bool NormalizeCourierMta(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  // Every Courier MTA line is an item list with at least one "key=value".
  if (s.empty() || s.find('=') == npos) return false;
  string_view items, text;
  SplitCourier(s, &items, &text);
  string_view head = items.substr(0, items.find(','));
  string_view v;
  rec.family = "courier";
  if (CourierItem(items, "relay", &v)) Assign(rec.client_ip, CleanIp(v));
  if (CourierItem(items, "ip", &v)) {
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
    Assign(rec.client_ip, CleanIp(v));
  }
  if (CourierItem(items, "from", &v)) Assign(rec.from, StripAngles(v));
  if (CourierItem(items, "to", &v)) PushTo(rec, StripAngles(v));
  if (CourierItem(items, "addr", &v)) PushTo(rec, StripAngles(v));
  if (CourierItem(items, "id", &v)) Assign(rec.queue_id, v);
  if (CourierItem(items, "size", &v)) rec.size = ParseInt(v);
  if (CourierItem(items, "user", &v)) Assign(rec.sasl_user, v);
  if (head == "error") {
    string_view m;
    string_view reply = text;
    if (CourierItem(items, "msg", &m)) reply = m;
    Assign(rec.reply, reply);
    if (reply.starts_with("535") || reply.find("uthentication failed") != npos) {
      rec.event = "auth-failure";
    } else {
      rec.event = "reject";
      rec.status = "reject";
    }
    Assign(rec.dsn, LeadingDsn(reply));
    return true;
  }
  if (head == "newmsg") {
    rec.event = "queued";
    return true;
  }
  if (head == "started") {
    rec.event = rec.queue_id.empty() ? "connect" : "delivery-start";
    return true;
  }
  if (head == "completed") {
    rec.event = "removed";
    return true;
  }
  if (!rec.queue_id.empty() && !rec.to.empty()) {
    // "id=...,from=<a>,addr=<b>,size=N,success: 250 Ok" / ",status: deferred" / ": 550 ..."
    rec.event = "delivery";
    string_view last = items.substr(items.rfind(',') + 1);
    string_view reply = text;
    if (last == "success") {
      rec.status = "sent";
    } else if (last == "status") {
      rec.status = text.starts_with("success")    ? "sent"
                   : text.starts_with("deferred") ? "deferred"
                                                  : "bounced";
    } else if (last == "delay") {
      rec.status = "deferred";
    } else {
      rec.status = !text.empty() && text[0] == '4' ? "deferred" : "bounced";
    }
    Assign(rec.reply, reply);
    Assign(rec.dsn, LeadingDsn(reply));
    LinkQueuedAs(reply, rec);
    return true;
  }
  rec.event = "info";
  return true;
}

}  // namespace

void RegisterCourier(NormalizerTable& table) {
  for (string_view p : {"courieresmtpd", "courieresmtp", "courierd", "courierlocal", "courier",
                        "courierdeliver", "courierfilter"}) {
    table.Register(p, NormalizeCourierMta);
  }
}

}  // namespace mlq
