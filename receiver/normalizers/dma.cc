// DragonFly Mail Agent (dma) lines (see dma.h). Hand-written string_view
// scanning.

#include "receiver/normalizers/dma.h"

#include <algorithm>
#include <string_view>

#include "receiver/normalizers/kv_scan.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using fields::Assign;
using fields::SetExtra;
using kv::FirstToken;
using kv::ParseHostIp;
using kv::PushTo;
using kv::SpaceField;
using scan::ConsumePrefix;
using scan::IsDigits;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

// The dma queue ID: rec.pid when the parser kept the ID there, else the
// bracket group of the raw tag that is not all digits.
string_view DmaId(const LogRecord& rec) {
  if (!rec.pid.empty() && !IsDigits(rec.pid)) return rec.pid;
  string_view head =
      string_view(rec.raw).substr(0, std::min<size_t>(rec.msg_offset, rec.raw.size()));
  size_t p = head.find("dma[");
  if (p == npos) return {};
  size_t s = p + 4;
  while (s < head.size()) {
    size_t e = head.find(']', s);
    if (e == npos) return {};
    string_view g = head.substr(s, e - s);
    if (!g.empty() && !IsDigits(g)) return g;
    if (e + 1 >= head.size() || head[e + 1] != '[') return {};
    s = e + 2;
  }
  return {};
}

bool NormalizeDma(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (s.empty()) return false;
  size_t extras = rec.extra.size();
  rec.family = "dma";
  Assign(rec.queue_id, DmaId(rec));
  string_view v = s;
  if (ConsumePrefix(v, "new mail from user=")) {
    // "new mail from user=root uid=0 envelope_from=<root@host>"
    rec.event = "queued";
    SetExtra(rec, "user", FirstToken(v));
    string_view f;
    if (SpaceField(s, "uid", &f)) SetExtra(rec, "uid", f);
    size_t e = s.find("envelope_from=");
    if (e != npos) Assign(rec.from, StripAngles(Trim(s.substr(e + 14))));
    return true;
  }
  if (ConsumePrefix(v, "trying remote delivery to ")) {
    // "mail.example.org [2001:db8::c8] pref 0"
    rec.event = "delivery-attempt";
    size_t pref = v.rfind(" pref ");
    string_view host = v.substr(0, pref);
    string_view name, ip;
    if (ParseHostIp(host, &name, &ip)) {
      Assign(rec.relay, name);
      rec.relay.push_back('[');
      rec.relay.append(ip.data(), ip.size());
      rec.relay.push_back(']');
    } else {
      Assign(rec.relay, host);
    }
    if (pref != npos) SetExtra(rec, "pref", v.substr(pref + 6));
    return true;
  }
  if (ConsumePrefix(v, "mail to=")) {
    // "mail to=<b> deferred: ..." / "mail to=<b> failed: ..."
    size_t sp = v.find(' ');
    PushTo(rec, StripAngles(v.substr(0, sp)));
    string_view rest = sp == npos ? string_view() : v.substr(sp + 1);
    rec.event = "delivery";
    rec.status = rest.starts_with("deferred") ? "deferred" : "bounced";
    Assign(rec.reply, rest);
    return true;
  }
  if (s.front() == '<') {
    size_t gt = s.find("> ");
    if (gt != npos) {
      string_view addr = s.substr(1, gt - 1);
      string_view rest = s.substr(gt + 2);
      PushTo(rec, addr);
      if (rest.starts_with("trying delivery")) {
        rec.event = "delivery-start";
      } else if (rest.starts_with("delivery successful")) {
        rec.event = "delivery";
        rec.status = "sent";
      } else if (rest.starts_with("delivery deferred") || rest.find("deferred") != npos) {
        rec.event = "delivery";
        rec.status = "deferred";
        Assign(rec.reply, rest);
      } else if (rest.starts_with("delivery failed") || rest.find("failed") != npos ||
                 rest.find("bounce") != npos) {
        rec.event = "delivery";
        rec.status = "bounced";
        Assign(rec.reply, rest);
      } else {
        rec.event = "info";
      }
      return true;
    }
  }
  if (s.starts_with("remote delivery deferred") || s.starts_with("remote delivery failed") ||
      s.starts_with("local delivery deferred") || s.starts_with("local delivery failed")) {
    rec.event = "delivery";
    rec.status = s.find("deferred") != npos ? "deferred" : "bounced";
    size_t c = s.find(": ");
    if (c != npos) Assign(rec.reply, s.substr(c + 2));
    return true;
  }
  if (s.find("error") != npos || s.find("failed") != npos || s.starts_with("can not") ||
      s.starts_with("cannot")) {
    rec.event = "error";
    Assign(rec.reply, s);
    return true;
  }
  if (!rec.queue_id.empty()) {
    rec.event = "info";
    return true;
  }
  rec.family.clear();
  rec.queue_id.clear();
  rec.to.clear();
  if (rec.extra.size() > extras) rec.extra.resize(extras);
  return false;
}

}  // namespace

void RegisterDma(NormalizerTable& table) { table.Register("dma", NormalizeDma); }

}  // namespace mlq
