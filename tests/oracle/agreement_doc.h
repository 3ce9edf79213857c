// docs/TRACE_AGREEMENT.md: the generated block between two marker lines,
// the figures it records, and the hand-written reasons for disagreements.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

namespace mlq::oracle {

inline constexpr char kBegin[] = "<!-- trace-agreement: begin (mlq-trace-agreement --update) -->";
inline constexpr char kEnd[] = "<!-- trace-agreement: end -->";

// The text between the markers ("" when they are missing).
std::string Block(const std::string& doc);

// `doc` with its block replaced by `block`; false when the markers are missing.
bool ReplaceBlock(const std::string& doc, const std::string& block, std::string* out);

// The table rows of a block: corpus log -> (complete messages, agreed).
std::map<std::string, std::pair<size_t, size_t>> Figures(const std::string& block);

// The disagreement keys ("file key") a block lists.
std::set<std::string> ListedDisagreements(const std::string& block);

// The keys ("host/qid" or "qid") given a reason outside the block, as list
// items starting "- `key`" or "- `key1`, `key2`".
std::set<std::string> Reasons(const std::string& doc);

}  // namespace mlq::oracle
