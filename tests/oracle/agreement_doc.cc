#include "oracle/agreement_doc.h"

#include <regex>
#include <sstream>

namespace mlq::oracle {

std::string Block(const std::string& doc) {
  size_t b = doc.find(kBegin), e = doc.find(kEnd);
  if (b == std::string::npos || e == std::string::npos || e < b) return "";
  b += std::string_view(kBegin).size();
  if (b < doc.size() && doc[b] == '\n') ++b;
  return doc.substr(b, e - b);
}

bool ReplaceBlock(const std::string& doc, const std::string& block, std::string* out) {
  size_t b = doc.find(kBegin), e = doc.find(kEnd);
  if (b == std::string::npos || e == std::string::npos || e < b) return false;
  b += std::string_view(kBegin).size();
  *out = doc.substr(0, b) + "\n" + block + doc.substr(e);
  return true;
}

std::map<std::string, std::pair<size_t, size_t>> Figures(const std::string& block) {
  std::map<std::string, std::pair<size_t, size_t>> out;
  static const std::regex kRow(R"(^\| `([^`]+)` \| (\d+) \| (\d+) \|)");
  std::istringstream in(block);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kRow)) {
      out[m[1]] = {std::stoul(m[2]), std::stoul(m[3])};
    }
  }
  return out;
}

std::set<std::string> ListedDisagreements(const std::string& block) {
  std::set<std::string> out;
  static const std::regex kItem(R"(^- `([^`]+)` `([^`]+)`:)");
  std::istringstream in(block);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kItem)) out.insert(std::string(m[1]) + " " + std::string(m[2]));
  }
  return out;
}

std::set<std::string> Reasons(const std::string& doc) {
  std::string outside = doc;
  size_t b = doc.find(kBegin), e = doc.find(kEnd);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    outside = doc.substr(0, b) + doc.substr(e);
  }
  std::set<std::string> out;
  std::istringstream in(outside);
  std::string line;
  static const std::regex kKey("`([^`]+)`");
  while (std::getline(in, line)) {
    if (!line.starts_with("- `")) continue;
    size_t colon = line.find("`:");
    std::string head = line.substr(0, colon == std::string::npos ? line.size() : colon + 1);
    for (std::sregex_iterator it(head.begin(), head.end(), kKey), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

}  // namespace mlq::oracle
