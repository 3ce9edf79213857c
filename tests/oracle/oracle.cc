#include "oracle/oracle.h"

#include <fstream>
#include <unordered_set>

#include "oracle/raw_line.h"
#include "oracle/rules.h"

namespace mlq::oracle {
namespace {

// A line a pager cut off and marked with '$' ("...status=sent (250 2.0$")
// that repeats the start of an earlier line is a copy of it.
bool CutCopy(const std::string& raw, const std::vector<std::string>& lines, size_t i) {
  if (raw.size() < 40 || raw.back() != '$') return false;
  std::string_view start(raw.data(), raw.size() - 1);
  for (size_t j = 0; j < i; ++j) {
    if (lines[j].size() > start.size() && std::string_view(lines[j]).starts_with(start)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<Message> Derive(const std::vector<std::string>& lines) {
  QueueGraph g;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& raw = lines[i];
    std::optional<RawLine> l = ReadRawLine(raw);
    if (!l) continue;
    if (!l->host.empty() && (!seen.insert(raw).second || CutCopy(raw, lines, i))) continue;
    const std::string& p = l->program;
    if (p.starts_with("postfix")) {
      PostfixRule(*l, raw, i, &g);
    } else if (p == "exim" || p == "exim4") {
      EximRule(*l, raw, i, &g);
    } else if (p == "sendmail" || p == "sm-mta") {
      SendmailRule(*l, raw, i, &g);
    }
  }
  std::vector<Message> out = g.Resolve();
  for (Message& m : out) {
    if (m.mta == "exim" && m.complete && g.Instances(m.host, m.qid) > 1) {
      m.complete = false;
      m.why_not = "Exim ID arrives more than once in the file";
    }
  }
  return out;
}

std::vector<Message> DeriveFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return Derive(lines);
}

}  // namespace mlq::oracle
