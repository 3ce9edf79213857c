// mlq-trace-agreement CORPUS [--mlqd PATH] [--mlq PATH] [--jobs N]
//     [--update DOC] [--lines] [--only NAME-PART]
// Measures how often `mlq trace` agrees with the oracle over the corpus
// logs and prints the block of docs/TRACE_AGREEMENT.md (--update writes it
// between the doc's markers; --lines also prints each disagreement's lines
// on standard error). The binaries default to the build's.
#include <fstream>
#include <iostream>
#include <sstream>

#include "oracle/agreement.h"
#include "oracle/agreement_doc.h"

int main(int argc, char** argv) {
  mlq::oracle::AgreementOptions o;
  o.mlqd = MLQD_BIN;
  o.mlq = MLQ_BIN;
  std::string update;
  bool lines = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--mlqd") {
      o.mlqd = value();
    } else if (a == "--mlq") {
      o.mlq = value();
    } else if (a == "--jobs") {
      o.jobs = std::stoi(value());
    } else if (a == "--update") {
      update = value();
    } else if (a == "--only") {
      o.only = value();
    } else if (a == "--lines") {
      lines = true;
    } else {
      o.corpus = a;
    }
  }
  if (o.corpus.empty()) {
    std::cerr << "usage: mlq-trace-agreement CORPUS [--mlqd P] [--mlq P] [--jobs N] "
                 "[--update DOC] [--lines]\n";
    return 2;
  }
  mlq::oracle::AgreementReport r = mlq::oracle::MeasureAgreement(o);
  if (!r.error.empty()) {
    std::cerr << r.error << "\n";
    return 1;
  }
  std::string block = mlq::oracle::FormatReport(r);
  std::cout << block;
  if (lines) {
    for (const auto& d : r.disagreements) {
      std::cerr << "\n" << d.file << " " << d.key << ": " << d.what << "\n";
      for (const auto& l : d.lines) std::cerr << "    " << l << "\n";
    }
  }
  if (!update.empty()) {
    std::ifstream in(update);
    std::stringstream doc;
    doc << in.rdbuf();
    std::string updated;
    if (!mlq::oracle::ReplaceBlock(doc.str(), block, &updated)) {
      std::cerr << update << " lacks the lines " << mlq::oracle::kBegin << " and "
                << mlq::oracle::kEnd << "\n";
      return 1;
    }
    std::ofstream(update) << updated;
  }
  return 0;
}
