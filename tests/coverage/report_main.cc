// mlq-coverage-report: the corpus coverage table of docs/COVERAGE.md.
//
//   mlq-coverage-report CORPUS                  print the table and its notes
//   mlq-coverage-report CORPUS --update DOC     rewrite them in DOC, between
//                                               the coverage-report markers
//   mlq-coverage-report CORPUS --detail FOLDER [N]
//                                               per-file rows of FOLDER and
//                                               its first N (20) lines
//                                               without a specific event
//
// CORPUS is the shared corpus folder (../shared/corpus from the project
// root). Exit status: 0 done, 1 a file could not be read or written, 2 usage.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "coverage/coverage_report.h"

namespace {

int Usage() {
  std::cerr << "usage: mlq-coverage-report CORPUS [--update DOC.md | --detail FOLDER [N]]\n";
  return 2;
}

// Replaces what lies between the markers of `doc` with `block`.
int Update(const std::string& doc, const std::string& block) {
  std::ifstream in(doc, std::ios::binary);
  if (!in) {
    std::cerr << "mlq-coverage-report: cannot read " << doc << "\n";
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t begin = text.find(mlq::testing::kBeginMarker);
  size_t end = text.find(mlq::testing::kEndMarker);
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    std::cerr << "mlq-coverage-report: " << doc << " lacks the markers "
              << mlq::testing::kBeginMarker << " and " << mlq::testing::kEndMarker << "\n";
    return 1;
  }
  begin += std::string_view(mlq::testing::kBeginMarker).size();
  text = text.substr(0, begin) + "\n" + block + text.substr(end);
  std::ofstream out(doc, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    std::cerr << "mlq-coverage-report: cannot write " << doc << "\n";
    return 1;
  }
  std::cout << "updated " << doc << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string corpus = argv[1];
  if (!std::filesystem::is_directory(std::filesystem::path(corpus) / "mail")) {
    std::cerr << "mlq-coverage-report: no mail/ folder in " << corpus << "\n";
    return 1;
  }
  mlq::testing::CoverageReport report =
      mlq::testing::BuildCoverageReport(corpus, std::string(MLQ_TEST_DATA));
  const std::string mode = argc > 2 ? argv[2] : "";
  if (mode.empty() && argc == 2) {
    std::cout << mlq::testing::RenderCoverageReport(report);
    return 0;
  }
  if (mode == "--update" && argc == 4) {
    return Update(argv[3], mlq::testing::RenderCoverageReport(report));
  }
  if (mode == "--detail" && (argc == 4 || argc == 5)) {
    size_t max = argc == 5 ? std::strtoul(argv[4], nullptr, 10) : 20;
    for (const mlq::testing::FolderCoverage& f : report.folders) {
      if (f.folder == argv[3]) {
        std::cout << mlq::testing::RenderFolderDetail(f, max);
        return 0;
      }
    }
    std::cerr << "mlq-coverage-report: no folder " << argv[3] << "\n";
    return 1;
  }
  return Usage();
}
