#include "oracle/queue_graph.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace mlq::oracle {
namespace {

// The order of README "How trace decides a verdict" for an alias whose
// expansions disagree: the worst one wins.
int Badness(const std::string& v) {
  static const char* kOrder[] = {"bounced",  "expired", "rejected", "quarantined",
                                 "deferred", "queued",  "unknown",  "delivered"};
  for (int i = 0; i < 8; ++i) {
    if (v == kOrder[i]) return i;
  }
  return -1;  // probe, suppressed: no verdict
}

struct Outcome {
  std::string verdict;
  bool complete = false;
  std::string why_not;
  std::vector<std::string> lines;
  std::string address;  // the recipient's address at the last hop
};

Outcome Incomplete(std::string why) {
  Outcome o;
  o.why_not = std::move(why);
  return o;
}

Row MakeRow(const Recipient& r, const Outcome& o, bool notice) {
  Row row;
  row.address = r.address;
  row.alt_address = !o.address.empty() && o.address != r.address ? o.address : r.orig;
  row.verdict = o.verdict;
  row.notice = notice;
  row.lines = o.lines;
  return row;
}

class Resolver {
 public:
  explicit Resolver(QueueGraph* g) : g_(g) {}

  // The final verdict of `r` of `e`, following its links; rows for alias
  // expansions go to `rows`, entries visited to `visited_`.
  Outcome Follow(Entry* e, Recipient* r, int depth, std::vector<Row>* rows) {
    visited_.insert(e);
    if (depth > 16) return Incomplete("links deeper than 16");
    if (!r->next_qid.empty()) {
      Entry* t = g_->Nearest(e->host, r->next_qid, r->link_index);
      if (t != nullptr && t != e) {
        visited_.insert(t);
        if (!t->Complete()) {
          return Incomplete("entry " + t->qid + " (after " + e->qid + ") not complete");
        }
        if (r->forwarded) return Alias(e, r, t, depth, rows);
        Recipient* next = nullptr;
        for (auto& x : t->rcpts) {
          if (x.address == r->address || x.orig == r->address ||
              (!r->orig.empty() && x.address == r->orig)) {
            next = &x;
            break;
          }
        }
        // An unqualified address the next MTA qualified ("root" ->
        // root@host); one recipient handed on to an entry of one recipient
        // is the same one, whatever the next MTA calls it.
        for (auto& x : t->rcpts) {
          if (next == nullptr && r->address.find('@') == std::string::npos &&
              x.address.starts_with(r->address + "@")) {
            next = &x;
          }
        }
        if (next == nullptr && t->rcpts.size() == 1 && e->rcpts.size() == 1) next = &t->rcpts[0];
        if (next == nullptr) {
          return Incomplete(r->address + " not found in " + t->qid);
        }
        Outcome o = Follow(t, next, depth + 1, rows);
        o.lines.insert(o.lines.begin(), r->lines.begin(), r->lines.end());
        return o;
      }
      // The next hop is not in this log: on this host (a content filter's
      // re-queue) the message is not complete; elsewhere this hop's answer
      // stands.
      if (t == nullptr && r->next_local) {
        return Incomplete("entry " + r->next_qid + " (after " + e->qid + ") not in the log");
      }
    }
    if (!r->final && !e->Complete()) {
      return Incomplete("entry " + e->qid + " not complete");
    }
    Outcome o;
    o.verdict = r->verdict;
    o.complete = true;
    o.lines = r->lines;
    o.address = r->address;
    return o;
  }

  const std::set<Entry*>& visited() const { return visited_; }

 private:
  // An alias forwarded as `t`: its expansions are t's recipients whose
  // orig_to names the alias (all of t's when none does).
  Outcome Alias(Entry* /*e*/, Recipient* r, Entry* t, int depth, std::vector<Row>* rows) {
    std::vector<Recipient*> expansions;
    for (auto& x : t->rcpts) {
      if (x.orig == r->address || (!r->orig.empty() && x.orig == r->orig)) {
        expansions.push_back(&x);
      }
    }
    if (expansions.empty()) {
      for (auto& x : t->rcpts) expansions.push_back(&x);
    }
    if (expansions.empty()) return Incomplete("no recipient in " + t->qid);
    Outcome worst;
    worst.complete = true;
    for (Recipient* x : expansions) {
      Outcome o = Follow(t, x, depth + 1, rows);
      if (!o.complete) return o;
      rows->push_back(MakeRow(*x, o, false));
      if (worst.verdict.empty() || Badness(o.verdict) < Badness(worst.verdict)) {
        worst.verdict = o.verdict;
        worst.lines = o.lines;
      }
    }
    worst.lines.insert(worst.lines.begin(), r->lines.begin(), r->lines.end());
    worst.address.clear();
    return worst;
  }

  QueueGraph* g_;
  std::set<Entry*> visited_;
};

void AddRow(std::vector<Row>* rows, Row row) {
  for (const Row& r : *rows) {
    if (r.address == row.address && r.notice == row.notice && r.verdict == row.verdict) return;
  }
  rows->push_back(std::move(row));
}

}  // namespace

std::string NormalAddress(std::string_view a) {
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  std::string out(a);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Recipient* Entry::Rcpt(const std::string& address) {
  for (auto& r : rcpts) {
    if (r.address == address) return &r;
  }
  Recipient r;
  r.address = address;
  rcpts.push_back(std::move(r));
  return &rcpts.back();
}

int Entry::Final() const {
  return static_cast<int>(
      std::count_if(rcpts.begin(), rcpts.end(), [](const Recipient& r) { return r.final; }));
}

bool Entry::Complete() const {
  if (closed) return true;
  if (mta == "exim") return false;
  if (nrcpt > 0) return Final() >= nrcpt;
  return mta == "sendmail" && notice && !rcpts.empty() && Final() == static_cast<int>(rcpts.size());
}

Entry* QueueGraph::Open(const std::string& host, const std::string& qid, const std::string& mta,
                        size_t index, const std::string& line) {
  auto& list = entries_[{host, qid}];
  if (list.empty() || list.back().closed) return OpenNew(host, qid, mta, index, line);
  return &list.back();
}

Entry* QueueGraph::OpenNew(const std::string& host, const std::string& qid, const std::string& mta,
                           size_t index, const std::string& line) {
  auto& list = entries_[{host, qid}];
  Entry e;
  e.host = host;
  e.qid = qid;
  e.mta = mta;
  e.first_index = index;
  e.first_line = line;
  list.push_back(std::move(e));
  return &list.back();
}

Entry* QueueGraph::Nearest(const std::string& host, const std::string& qid, size_t index) {
  auto it = entries_.find({host, qid});
  if (it == entries_.end()) return nullptr;
  Entry* best = nullptr;
  size_t best_distance = 0;
  for (auto& e : it->second) {
    size_t d = e.first_index > index ? e.first_index - index : index - e.first_index;
    if (best == nullptr || d < best_distance) {
      best = &e;
      best_distance = d;
    }
  }
  return best;
}

size_t QueueGraph::Instances(const std::string& host, const std::string& qid) const {
  auto it = entries_.find({host, qid});
  return it == entries_.end() ? 0 : it->second.size();
}

std::vector<Message> QueueGraph::Resolve() {
  // Which entries another one leads to: those are no message of their own.
  for (auto& [key, list] : entries_) {
    for (auto& e : list) {
      for (auto& r : e.rcpts) {
        if (r.next_qid.empty()) continue;
        Entry* t = Nearest(e.host, r.next_qid, r.link_index);
        if (t != nullptr && t != &e) t->linked_to = true;
      }
      for (auto& [nqid, index] : e.notices) {
        if (Entry* t = Nearest(e.host, nqid, index)) t->linked_to = t->notice = true;
      }
    }
  }
  std::vector<Message> out;
  for (auto& [key, list] : entries_) {
    for (auto& e : list) {
      if (e.linked_to) continue;
      Message m;
      m.host = e.host;
      m.qid = e.qid;
      m.mta = e.mta;
      m.first_line = e.first_line;
      m.complete = e.Complete() && !e.rcpts.empty();
      if (!m.complete) m.why_not = e.rcpts.empty() ? "no recipient" : "entry not complete";
      Resolver res(this);
      std::vector<Row> expansions;
      for (auto& r : e.rcpts) {
        if (!m.complete) break;
        Outcome o = res.Follow(&e, &r, 0, &expansions);
        if (!o.complete) {
          m.complete = false;
          m.why_not = o.why_not;
          break;
        }
        AddRow(&m.rows, MakeRow(r, o, false));
      }
      for (auto& x : expansions) AddRow(&m.rows, x);
      // Notices to the sender of every entry on the way, when complete.
      std::set<Entry*> on_the_way = res.visited();
      on_the_way.insert(&e);
      for (Entry* v : on_the_way) {
        for (auto& [nqid, index] : v->notices) {
          Entry* t = Nearest(v->host, nqid, index);
          if (t == nullptr || !t->Complete()) continue;
          for (auto& r : t->rcpts) {
            Resolver nres(this);
            std::vector<Row> more;
            Outcome o = nres.Follow(t, &r, 0, &more);
            if (o.complete) AddRow(&m.rows, MakeRow(r, o, true));
          }
        }
      }
      for (const Row& r : m.rows) {
        if (m.complete && Badness(r.verdict) < 0) {
          m.complete = false;
          m.why_not = r.verdict;  // an address probe, an Exim -N run
        }
      }
      out.push_back(std::move(m));
    }
  }
  std::sort(out.begin(), out.end(), [](const Message& a, const Message& b) {
    return std::tie(a.host, a.qid, a.first_line) < std::tie(b.host, b.qid, b.first_line);
  });
  return out;
}

}  // namespace mlq::oracle
