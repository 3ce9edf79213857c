// mlq-trace-oracle FILE...: the oracle's messages and verdicts, one
// message per block, for reading and debugging the oracle by hand.
#include <iostream>

#include "oracle/oracle.h"

int main(int argc, char** argv) {
  bool all = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--all") {
      all = true;
      continue;
    }
    size_t complete = 0, total = 0;
    for (const auto& m : mlq::oracle::DeriveFile(arg)) {
      ++total;
      complete += m.complete;
      if (!m.complete && !all) continue;
      std::cout << m.mta << " " << (m.host.empty() ? "-" : m.host) << " " << m.qid
                << (m.complete ? "" : " NOT COMPLETE: " + m.why_not) << "\n";
      for (const auto& r : m.rows) {
        std::cout << "  " << (r.notice ? "notice " : "") << r.address
                  << (r.alt_address.empty() ? "" : " (" + r.alt_address + ")") << " " << r.verdict
                  << "\n";
      }
    }
    std::cerr << arg << ": " << complete << " complete of " << total << " messages\n";
  }
  return 0;
}
