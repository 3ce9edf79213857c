// Sendmail, from its operations guide ("Log messages"):
//  - "QID: from=sender, size=N, class=N, nrcpts=N, msgid=<...>, ...": the
//    message and how many recipients it has;
//  - "QID: to=a[,b...], ..., dsn=X.Y.Z, stat=TEXT": one delivery attempt of
//    those recipients. stat=Sent delivered (a reply "queued as X" of a
//    Postfix on the same host hands it on to that entry); stat=Deferred or
//    a 4.x.x dsn deferred; any other stat with a 5.x.x dsn bounced;
//  - "QID: NEWQID: DSN: ..." / "QID: NEWQID: return to sender: ...": NEWQID
//    is the notice to the sender, a row of its own.
// Sendmail logs no end of an entry: it is complete when every announced
// recipient has a final verdict.
#include "oracle/rules.h"

namespace mlq::oracle {
namespace {

bool SendmailId(std::string_view w) {
  if (w.size() < 8 || w.size() > 20) return false;
  for (char c : w) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

void SendmailRule(const RawLine& l, const std::string& raw, size_t index, QueueGraph* g) {
  const std::string& m = l.msg;
  size_t colon = m.find(": ");
  if (colon == std::string::npos || !SendmailId(std::string_view(m).substr(0, colon))) return;
  std::string qid = m.substr(0, colon);
  std::string rest = m.substr(colon + 2);
  if (rest.starts_with("from=")) {
    Entry* e = g->Open(l.host, qid, "sendmail", index, raw);
    if (std::string n = Field(rest, "nrcpts="); !n.empty()) e->nrcpt = std::atoi(n.c_str());
    return;
  }
  if (rest.starts_with("to=")) {
    std::string stat = Field(rest, "stat=");
    if (stat.empty()) return;
    std::string dsn = Field(rest, "dsn=");
    Entry* e = g->Open(l.host, qid, "sendmail", index, raw);
    std::string list = Field(rest, "to=");
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string one = NormalAddress(list.substr(start, comma - start));
      start = comma == std::string::npos ? list.size() + 1 : comma + 1;
      if (one.empty()) continue;
      Recipient* r = e->Rcpt(one);
      r->lines.push_back(raw);
      r->next_qid.clear();
      r->next_local = false;
      if (stat.starts_with("Sent")) {
        r->verdict = "delivered";
        r->final = true;
        r->next_qid = After(stat, "queued as ");
        r->next_local = Field(rest, "relay=").starts_with("[127.");
        // The submission program's hand-off to the local sendmail MTA:
        // "stat=Sent (21QCF5O0011754 Message accepted for delivery)".
        if (size_t p = stat.find(" Message accepted for delivery"); p != std::string::npos) {
          size_t open = stat.find('(');
          if (open != std::string::npos && open < p) {
            std::string id = stat.substr(open + 1, p - open - 1);
            if (SendmailId(id)) r->next_qid = id;
            r->next_local = true;
          }
        }
        r->link_index = index;
      } else if (stat.starts_with("Deferred") || dsn.starts_with("4")) {
        r->verdict = "deferred";
        r->final = false;
      } else if (dsn.starts_with("5")) {
        r->verdict = "bounced";
        r->final = true;
      } else {
        r->verdict = "unknown";
        r->final = false;
      }
    }
    return;
  }
  size_t second = rest.find(": ");
  if (second != std::string::npos && SendmailId(std::string_view(rest).substr(0, second))) {
    std::string what = rest.substr(second + 2);
    if (what.starts_with("DSN: ") || what.starts_with("return to sender: ")) {
      g->Open(l.host, qid, "sendmail", index, raw)
          ->notices.push_back({rest.substr(0, second), index});
    }
  }
}

}  // namespace mlq::oracle
