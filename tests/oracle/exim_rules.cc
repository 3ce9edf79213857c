// Exim, from its specification ("Log files", chapter 52 in 4.9x):
//  - "ID <= sender ..." a message arrives; "<= <> ... R=PARENT" is a bounce
//    (delivery status notification) about message PARENT: a notice to the
//    sender, a row of its own;
//  - "ID => address [<original>] ..." delivered (a row per address; the
//    original it was routed from, an alias or list, is its orig); "->" an extra address of
//    the same delivery; "*>" a delivery suppressed by -N (nothing sent);
//    When it went to an MTA on this host (H=127.0.0.1) whose confirmation
//    C="250 OK id=X" names its new ID, the message goes on as X;
//  - "ID ** address [<original>] ...: reason" failed: bounced;
//  - "ID == address ... defer (...)" deferred, final only when the message
//    completes;
//  - "ID Completed" every address is done: the message ends. Without it the
//    message is not complete (still queued, frozen, or cut off by the log).
// An ID that arrives more than once in one file (the Exim test suite starts
// every test from the same IDs) is not compared: nothing in the lines tells
// its messages apart.
#include <cctype>

#include "oracle/rules.h"

namespace mlq::oracle {
namespace {

// "10HmaX-0005vi-00" / "1pBfgK-000Jxd-2n" / "10HmaX-000000005vi-0000".
bool EximId(std::string_view w) {
  size_t d1 = w.find('-');
  if (d1 != 6) return false;
  size_t d2 = w.find('-', d1 + 1);
  if (d2 == std::string_view::npos || d2 == d1 + 1 || d2 + 1 >= w.size()) return false;
  for (char c : w) {
    if (c != '-' && !std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return w.find('-', d2 + 1) == std::string_view::npos;
}

// The address after a delivery marker, and its <original> when one follows.
void Addresses(const std::string& after, std::string* address, std::string* original) {
  size_t e = after.find(' ');
  std::string first = after.substr(0, e);
  if (!first.empty() && first.back() == ':') first.pop_back();
  *address = NormalAddress(first);
  original->clear();
  if (e != std::string::npos && e + 1 < after.size() && after[e + 1] == '<') {
    size_t close = after.find('>', e + 1);
    if (close != std::string::npos) *original = NormalAddress(after.substr(e + 1, close - e));
  }
}

}  // namespace

void EximRule(const RawLine& l, const std::string& raw, size_t index, QueueGraph* g) {
  const std::string& m = l.msg;
  size_t sp = m.find(' ');
  if (sp == std::string::npos || !EximId(std::string_view(m).substr(0, sp))) return;
  std::string id = m.substr(0, sp);
  std::string rest = m.substr(sp + 1);
  if (rest.starts_with("<= ")) {
    // Lines about the message before its arrival line (spam scans at DATA)
    // belong to it; a second arrival of the ID is another message.
    Entry* e = g->Open(l.host, id, "exim", index, raw);
    if (e->arrived) e = g->OpenNew(l.host, id, "exim", index, raw);
    e->arrived = true;
    if (rest.starts_with("<= <> ")) {
      std::string parent = After(rest, " R=");
      if (EximId(parent)) {
        if (Entry* p = g->Nearest(l.host, parent, index)) p->notices.push_back({id, index});
      }
    }
    return;
  }
  Entry* e = g->Open(l.host, id, "exim", index, raw);
  if (rest == "Completed" || rest.starts_with("Completed ")) {
    e->closed = true;
    return;
  }
  if (rest.size() < 4 || rest[2] != ' ') return;
  std::string mark = rest.substr(0, 2);
  if (mark != "=>" && mark != "->" && mark != "*>" && mark != "**" && mark != "==") return;
  std::string address, original;
  Addresses(rest.substr(3), &address, &original);
  if (address.empty()) return;
  // One row per address delivered to; an original that expanded to
  // several (an alias, a list) is the orig of each.
  Recipient* r = e->Rcpt(address);
  if (!original.empty()) r->orig = original;
  r->lines.push_back(raw);
  r->next_qid.clear();
  r->next_local = false;
  if (mark == "=>" || mark == "->") {
    r->verdict = "delivered";
    r->final = true;
    // Handed to an MTA on this host (H=127.0.0.1 / ::1) that answered with
    // its own ID: the message goes on there.
    size_t c = rest.find(" C=\"");
    if (c != std::string::npos &&
        (rest.find(" [127.") != std::string::npos || rest.find(" [::1]") != std::string::npos)) {
      std::string confirm = rest.substr(c + 4, rest.find('"', c + 4) - (c + 4));
      std::string next = After(confirm, "id=");
      if (next.empty()) next = After(confirm, "queued as ");
      if (!next.empty()) {
        r->next_qid = next;
        r->next_local = true;
        r->link_index = index;
      }
    }
  } else if (mark == "*>") {
    r->verdict = "suppressed";
    r->final = true;
  } else if (mark == "**") {
    r->verdict = "bounced";
    r->final = true;
  } else {
    r->verdict = "deferred";
    r->final = false;
  }
}

}  // namespace mlq::oracle
