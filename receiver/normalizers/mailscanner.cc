// MailScanner lines (see mailscanner.h). Hand-written string_view scanning.

#include "receiver/normalizers/mailscanner.h"

#include <string>
#include <string_view>

#include "receiver/normalizers/kv_scan.h"
#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq {
namespace {

using fields::Assign;
using fields::SetExtra;
using kv::CleanIp;
using kv::IdToken;
using kv::IsIp;
using scan::ConsumePrefix;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

// "Message QID from IP (sender) to domain is spam, SpamAssassin (not cached,
// score=7.181, required 4, ...)" / "... is spam (blacklisted)" / "... is not spam, ..."
bool MailScannerMessage(string_view s, LogRecord& rec) {
  string_view v = s;
  if (!ConsumePrefix(v, "Message ")) return false;
  size_t sp = v.find(' ');
  if (sp == npos) return false;
  string_view qid = v.substr(0, sp);
  string_view rest = v.substr(sp + 1);
  size_t is = rest.find(" is ");
  if (!rest.starts_with("from ") || is == npos) return false;
  string_view verdict = rest.substr(is + 4);
  bool spam = verdict.starts_with("spam");
  bool ham = verdict.starts_with("not spam") || verdict.starts_with("whitelisted");
  if (!spam && !ham) return false;
  rec.family = "mailscanner";
  rec.event = "spam-result";
  rec.status = spam ? "spam" : "ham";
  Assign(rec.queue_id, qid);
  string_view who = rest.substr(5, is - 5);  // "IP (sender) to domain"
  string_view ip = who.substr(0, who.find(' '));
  if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
  size_t lp = who.find(" (");
  size_t rp = who.find(')');
  if (lp != npos && rp != npos && rp > lp) Assign(rec.from, who.substr(lp + 2, rp - lp - 2));
  size_t to = who.find(" to ");
  if (to != npos) SetExtra(rec, "to_domain", who.substr(to + 4));
  size_t score = verdict.find("score=");
  if (score != npos) {
    string_view sc = verdict.substr(score + 6);
    SetExtra(rec, "score", sc.substr(0, sc.find(',')));
  }
  size_t req = verdict.find("required ");
  if (req != npos) {
    string_view r = verdict.substr(req + 9);
    SetExtra(rec, "required", r.substr(0, r.find(',')));
  }
  if (verdict.find("(blacklisted)") != npos) SetExtra(rec, "reason", "blacklisted");
  if (verdict.starts_with("whitelisted")) SetExtra(rec, "reason", "whitelisted");
  return true;
}

bool NormalizeMailScanner(string_view msg, LogRecord& rec) {
  string_view s = TrimRight(msg);
  if (MailScannerMessage(s, rec)) return true;
  string_view v = s;
  if (ConsumePrefix(v, "Requeue: ")) {
    // "Requeue: 5A4D3C.A1B2C to 6B5E4D"
    size_t to = v.find(" to ");
    if (to == npos) return false;
    rec.family = "mailscanner";
    rec.event = "requeue";
    Assign(rec.queue_id, v.substr(0, to));
    string_view id = IdToken(v.substr(to + 4));
    if (!id.empty()) rec.links.push_back(Link{"queued_as", std::string(id), ""});
    return true;
  }
  if (ConsumePrefix(v, "Infected message ")) {
    rec.family = "mailscanner";
    rec.event = "virus-found";
    Assign(rec.queue_id, v.substr(0, v.find(' ')));
    size_t from = v.find(" came from ");
    if (from != npos) {
      string_view ip = Trim(v.substr(from + 11));
      if (IsIp(ip)) Assign(rec.client_ip, CleanIp(ip));
    }
    return true;
  }
  static constexpr string_view kInfo[] = {
      "New Batch: ",
      "Virus Scanning: ",
      "Spam Checks: ",
      "Uninfected: ",
      "Deleted ",
      "MailScanner ",
      "Spam Actions: ",
      "Content Checks: ",
      "Delivery of nonspam",
      "Saved infected",
      "Using ",
      "Config: ",
      "Virus and Content Scanning: ",
      "Filename Checks: ",
      "Other Checks: ",
      "Read ",
      "Connected to ",
      "SpamAssassin ",
      "Message ",
      "Found ",
  };
  for (string_view p : kInfo) {
    if (s.starts_with(p)) {
      rec.family = "mailscanner";
      rec.event = "info";
      return true;
    }
  }
  return false;
}

}  // namespace

void RegisterMailScanner(NormalizerTable& table) {
  table.Register("MailScanner", NormalizeMailScanner);
}

}  // namespace mlq
