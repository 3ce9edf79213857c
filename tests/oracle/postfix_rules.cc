// Postfix, from its documentation and its log format:
//  - "QID: to=<a>, [orig_to=<o>,] relay=..., status=S (reply)" is the
//    outcome of one delivery attempt of recipient a. S = sent: delivered,
//    unless the reply says the next hop is another queue entry of this host
//    ("queued as X" of a content filter or a local re-injection,
//    "forwarded as X" of an alias or .forward), where the recipient goes on;
//    a filter's "2.7.0 Ok, discarded" is a quarantine. bounced and expired
//    are final; deferred is final only when the entry ends.
//    deliverable/undeliverable: an address verification, nothing was sent.
//  - qmgr "QID: from=<s>, size=N, nrcpt=N (queue active)": how many
//    recipients the entry has; "QID: from=<s>, status=expired, returned to
//    sender": every recipient not yet final expired; "QID: removed": the
//    entry ends (every deferred recipient keeps deferred as its last word).
//  - bounce "QID: sender non-delivery notification: N" (and the delay,
//    delivery-status and postmaster variants): N is a notice to the sender,
//    a row of its own whose verdict is N's delivery.
//  - cleanup "QID: milter-reject: ..." / "QID: reject: ..." with to=<a>:
//    the message was refused after queueing: rejected, and the entry ends.
#include <string_view>

#include "oracle/rules.h"

namespace mlq::oracle {
namespace {

bool QueueIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The queue ID that starts `msg` ("4Ldr9y6wlvz3xgh: ..."); "" when none.
std::string QueueId(const std::string& msg, std::string* rest) {
  size_t e = 0;
  while (e < msg.size() && QueueIdChar(msg[e])) ++e;
  if (e < 6 || e + 1 >= msg.size() || msg[e] != ':' || msg[e + 1] != ' ') return "";
  std::string id = msg.substr(0, e);
  // Short IDs are upper-case hex; long ones (enable_long_queue_ids) mixed.
  bool hex = true, digit = false;
  for (char c : id) {
    hex = hex && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
    digit = digit || (c >= '0' && c <= '9');
  }
  if (!digit || (!hex && e < 12)) return "";
  if (id == "NOQUEUE") return "";
  *rest = msg.substr(e + 2);
  return id;
}

std::string Status(const std::string& rest) {
  size_t p = rest.find(", status=");
  if (p == std::string::npos) return "";
  p += 9;
  size_t e = p;
  while (e < rest.size() && rest[e] >= 'a' && rest[e] <= 'z') ++e;
  return rest.substr(p, e - p);
}

void Delivery(const std::string& qid, const std::string& rest, const RawLine& l,
              const std::string& raw, size_t index, QueueGraph* g) {
  std::string status = Status(rest);
  if (status.empty()) return;
  Entry* e = g->Open(l.host, qid, "postfix", index, raw);
  std::string to = NormalAddress(Field(rest, "to="));
  if (to.empty()) return;
  if (status == "expired") {  // qmgr "from=<s>, status=expired, returned to sender"
    return;
  }
  Recipient* r = e->Rcpt(to);
  std::string orig = NormalAddress(Field(rest, "orig_to="));
  if (!orig.empty()) r->orig = orig;
  r->lines.push_back(raw);
  size_t open = rest.find('(', rest.find(", status="));
  std::string reply = open == std::string::npos ? "" : rest.substr(open);
  r->next_qid.clear();
  r->next_local = false;
  r->forwarded = false;
  if (status == "sent") {
    r->verdict = "delivered";
    r->final = true;
    if (std::string x = After(reply, "forwarded as "); !x.empty()) {
      r->next_qid = x;
      r->forwarded = true;
    } else if (std::string y = After(reply, "queued as "); !y.empty()) {
      r->next_qid = y;
    }
    r->link_index = index;
    const std::string relay = Field(rest, "relay=");
    r->next_local = relay.find("[127.") != std::string::npos ||
                    relay.find("[::1]") != std::string::npos || relay.starts_with("localhost");
    if (reply.find(", discarded") != std::string::npos) r->verdict = "quarantined";
  } else if (status == "bounced") {
    r->verdict = "bounced";
    r->final = true;
  } else if (status == "deferred") {
    r->verdict = "deferred";
    r->final = false;
  } else if (status == "deliverable" || status == "undeliverable") {
    r->verdict = "probe";
    r->final = true;
  } else {
    r->verdict = status;
    r->final = false;
  }
}

}  // namespace

std::string Field(const std::string& msg, const std::string& key) {
  size_t p = 0;
  while (true) {
    p = msg.find(key, p);
    if (p == std::string::npos) return "";
    if (p == 0 || msg[p - 1] == ' ' || msg[p - 1] == ',') break;
    ++p;
  }
  p += key.size();
  if (p < msg.size() && msg[p] == '<') {
    size_t e = msg.find('>', p);
    return e == std::string::npos ? "" : msg.substr(p, e - p + 1);
  }
  size_t e = msg.find(", ", p);
  return msg.substr(p, e == std::string::npos ? std::string::npos : e - p);
}

std::string After(const std::string& text, const std::string& marker) {
  size_t p = text.find(marker);
  if (p == std::string::npos) return "";
  p += marker.size();
  size_t e = p;
  while (e < text.size() && text[e] != ' ' && text[e] != ')' && text[e] != ',' && text[e] != ';') {
    ++e;
  }
  return text.substr(p, e - p);
}

void PostfixRule(const RawLine& l, const std::string& raw, size_t index, QueueGraph* g) {
  std::string rest;
  std::string qid = QueueId(l.msg, &rest);
  if (qid.empty()) return;
  const std::string_view daemon = std::string_view(l.program).substr(l.program.rfind('/') + 1);
  if (rest.starts_with("to=<")) {
    Delivery(qid, rest, l, raw, index, g);
    return;
  }
  if (daemon == "qmgr" && rest == "removed") {
    g->Open(l.host, qid, "postfix", index, raw)->closed = true;
    return;
  }
  if (daemon == "qmgr" && rest.starts_with("from=<")) {
    Entry* e = g->Open(l.host, qid, "postfix", index, raw);
    if (std::string n = Field(rest, "nrcpt="); !n.empty()) {
      e->nrcpt = std::atoi(n.c_str());
    }
    if (Status(rest) == "expired") {
      for (auto& r : e->rcpts) {
        if (r.final) continue;
        r.verdict = "expired";
        r.final = true;
        r.lines.push_back(raw);
      }
    }
    return;
  }
  if (daemon == "bounce") {
    size_t p = rest.find(" notification: ");
    if (p == std::string::npos) return;
    std::string notice = After(rest.substr(p), "notification: ");
    if (notice.empty()) return;
    g->Open(l.host, qid, "postfix", index, raw)->notices.push_back({notice, index});
    return;
  }
  if (daemon == "cleanup" &&
      (rest.starts_with("milter-reject: ") || rest.starts_with("reject: "))) {
    Entry* e = g->Open(l.host, qid, "postfix", index, raw);
    std::string to = NormalAddress(Field(rest, "to="));
    if (!to.empty()) {
      Recipient* r = e->Rcpt(to);
      r->verdict = "rejected";
      r->final = true;
      r->lines.push_back(raw);
    }
    e->closed = true;
    return;
  }
  // Every other line of the entry still opens it (client=, message-id=, ...).
  g->Open(l.host, qid, "postfix", index, raw);
}

}  // namespace mlq::oracle
