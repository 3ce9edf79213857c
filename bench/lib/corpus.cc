#include "bench/lib/corpus.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bench/lib/flowgen.h"

#ifndef MLQ_SOURCE_DIR
#define MLQ_SOURCE_DIR "."
#endif

namespace mlq::bench {
namespace {

std::string SourceDir() {
  const char* env = std::getenv("MLQ_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? env : MLQ_SOURCE_DIR;
}

void ReadLogs(const std::filesystem::path& dir, std::vector<std::string>* out) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".log") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) out->push_back(line);
    }
  }
}

// The tag of "Mmm dd hh:mm:ss host tag[pid]: msg" (empty when not that shape).
std::string_view Tag(std::string_view l) {
  if (l.size() < 16 || l[3] != ' ' || l[6] != ' ' || l[9] != ':') return {};
  size_t host_end = l.find(' ', 16);
  if (host_end == std::string_view::npos) return {};
  std::string_view rest = l.substr(host_end + 1);
  return rest.substr(0, rest.find_first_of("[: "));
}

}  // namespace

const std::vector<std::string>& CorpusLines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> v;
    const std::filesystem::path root = SourceDir();
    ReadLogs(root / "tests/data/seeds", &v);
    ReadLogs(root / "tests/data/postfix/corpus", &v);
    if (v.empty()) {
      std::fprintf(stderr, "corpus: no lines under %s/tests/data (set MLQ_SOURCE_DIR)\n",
                   root.c_str());
      std::exit(2);
    }
    return v;
  }();
  return lines;
}

const std::vector<std::string>& PostfixCorpusLines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> v;
    for (const std::string& l : CorpusLines()) {
      if (Tag(l).starts_with("postfix")) v.push_back(l);
    }
    return v;
  }();
  return lines;
}

const std::vector<std::string>& GeneratedLines(size_t n) {
  static const std::vector<std::string> lines = [n] {
    FlowGenOptions o;
    FlowGen gen(o);
    std::vector<std::string> v(n);
    int pri = 0, host = 0;
    for (std::string& l : v) gen.Next(&l, &pri, &host);
    return v;
  }();
  return lines;
}

std::vector<std::string> WithPri(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const std::string& l : lines) out.push_back("<22>" + l);
  return out;
}

}  // namespace mlq::bench
