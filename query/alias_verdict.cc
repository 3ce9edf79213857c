#include "query/alias_verdict.h"

#include <algorithm>
#include <map>
#include <string>

#include "store/keys.h"

namespace mlq {
namespace {

// Lower is worse: what the sender most needs to hear about comes first.
int Severity(const std::string& verdict) {
  static const std::map<std::string, int> kOrder = {
      {"bounced", 0},  {"expired", 1}, {"rejected", 2}, {"quarantined", 3},
      {"deferred", 4}, {"queued", 5},  {"unknown", 6},  {"delivered", 7}};
  auto it = kOrder.find(verdict);
  return it == kOrder.end() ? 6 : it->second;
}

bool SameAddress(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && keys::AddressTerm(a) == keys::AddressTerm(b);
}

class Resolver {
 public:
  Resolver(const TraceGraph& graph, const std::vector<std::set<QueueKey>>& queues_of,
           const std::vector<std::set<QueueKey>>& forwarded, std::vector<RecipientResult>* rows)
      : graph_(graph), queues_of_(queues_of), forwarded_(forwarded), rows_(*rows) {
    state_.assign(rows_.size(), 0);
  }

  void Resolve(size_t i) {
    if (state_[i] != 0) return;  // done, or on the stack (a forwarding loop)
    state_[i] = 1;
    if (!forwarded_[i].empty() && (rows_[i].verdict == "queued" || rows_[i].verdict == "unknown")) {
      Aggregate(i);
    }
    state_[i] = 2;
  }

 private:
  std::vector<size_t> Expansions(size_t i) const {
    std::set<QueueKey> reach;
    for (const QueueKey& f : forwarded_[i]) {
      reach.insert(f);
      for (const QueueKey& d : graph_.Downstream(f)) reach.insert(d);
    }
    const RecipientResult& alias = rows_[i];
    std::vector<size_t> out;
    for (size_t j = 0; j < rows_.size(); ++j) {
      const RecipientResult& r = rows_[j];
      if (j == i || r.notice != alias.notice || r.notice_for != alias.notice_for) continue;
      if (!r.orig_address.empty() && !SameAddress(r.orig_address, alias.address) &&
          !SameAddress(r.orig_address, alias.orig_address)) {
        continue;  // another alias's expansion in the same entry
      }
      const bool there = std::any_of(queues_of_[j].begin(), queues_of_[j].end(),
                                     [&](const QueueKey& q) { return reach.count(q) > 0; });
      if (there) out.push_back(j);
    }
    return out;
  }

  void Aggregate(size_t i) {
    std::vector<size_t> exp = Expansions(i);
    if (exp.empty()) return;
    for (size_t j : exp) Resolve(j);
    // The deciding expansion: the worst verdict; among equals, the latest.
    size_t pick = exp.front();
    std::map<std::string, std::vector<std::string>> by_verdict;
    for (size_t j : exp) {
      by_verdict[rows_[j].verdict].push_back(rows_[j].address);
      const int s = Severity(rows_[j].verdict), best = Severity(rows_[pick].verdict);
      if (s < best || (s == best && rows_[j].time_us > rows_[pick].time_us)) pick = j;
    }
    const RecipientResult d = rows_[pick];
    RecipientResult& a = rows_[i];
    std::string forwarded_as;
    for (const QueueKey& f : forwarded_[i]) {
      forwarded_as += (forwarded_as.empty() ? "" : ", ") + f.second;
    }
    a.expanded_to.clear();
    for (size_t j : exp) a.expanded_to.push_back(rows_[j].address);
    std::sort(a.expanded_to.begin(), a.expanded_to.end());
    a.verdict = d.verdict;
    a.dsn = d.dsn;
    a.reply = d.reply;
    a.host = d.host;
    a.queue_id = d.queue_id;
    a.relay = d.relay;
    a.time_us = d.time_us;
    a.deciding = d.deciding;
    a.step = "alias expansion, then " + d.step;
    const size_t n = exp.size();
    a.where =
        n == 1 ? "forwarded to " + d.address : "forwarded to " + std::to_string(n) + " addresses";
    std::string text = "An alias (or .forward): forwarded as " + forwarded_as + " to " +
                       (n == 1 ? d.address : std::to_string(n) + " addresses");
    if (by_verdict.size() == 1) {
      text += n == 1 ? ", which was " + d.verdict + "." : ", all " + d.verdict + ".";
    } else {
      // Worst first: "bounced for 1: c@x; delivered to 2 of 3".
      std::vector<std::pair<int, std::string>> parts;
      for (auto& [verdict, addrs] : by_verdict) {
        std::sort(addrs.begin(), addrs.end());
        std::string part = verdict + (verdict == "delivered" ? " to " : " for ") +
                           std::to_string(addrs.size()) + " of " + std::to_string(n);
        if (verdict != "delivered") {
          std::string list;
          for (const auto& x : addrs) list += (list.empty() ? "" : ", ") + x;
          part += " (" + list + ")";
        }
        parts.emplace_back(Severity(verdict), std::move(part));
      }
      std::sort(parts.begin(), parts.end());
      text += ": ";
      for (size_t k = 0; k < parts.size(); ++k) text += (k ? "; " : "") + parts[k].second;
      text += ". The alias gets the worst of its expansions' verdicts.";
    }
    if (!d.explanation.empty()) text += " " + d.address + ": " + d.explanation;
    a.explanation = std::move(text);
  }

  const TraceGraph& graph_;
  const std::vector<std::set<QueueKey>>& queues_of_;
  const std::vector<std::set<QueueKey>>& forwarded_;
  std::vector<RecipientResult>& rows_;
  std::vector<int> state_;  // 0 not visited, 1 resolving, 2 done
};

}  // namespace

void ResolveAliases(const TraceGraph& graph, const std::vector<std::set<QueueKey>>& queues_of,
                    const std::vector<std::set<QueueKey>>& forwarded,
                    std::vector<RecipientResult>* rows) {
  Resolver resolver(graph, queues_of, forwarded, rows);
  for (size_t i = 0; i < rows->size(); ++i) resolver.Resolve(i);
}

}  // namespace mlq
