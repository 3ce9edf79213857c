// Input data of the micro benchmarks: real log lines from the test corpus
// (tests/data/seeds/*.log, tests/data/postfix/corpus/*.log) and generated
// flows (flowgen.h), in file form ("Mmm dd hh:mm:ss host tag: msg") and wire
// form ("<PRI>" + file form).
#pragma once

#include <string>
#include <vector>

namespace mlq::bench {

// Lines of every *.log file in the seeds and Postfix corpus folders of the
// source tree (MLQ_SOURCE_DIR, or $MLQ_SOURCE_DIR at run time). Lines that
// have no RFC 3164 header (bare messages in some corpus files) are kept.
const std::vector<std::string>& CorpusLines();

// The corpus lines whose program starts with "postfix" (by a simple scan of
// the header), i.e. the real Postfix mix.
const std::vector<std::string>& PostfixCorpusLines();

// `n` generated lines (seed 1, 4 hosts), file form.
const std::vector<std::string>& GeneratedLines(size_t n = 100000);

// "<22>" + line for each line (RFC 3164 as rsyslog forwards it).
std::vector<std::string> WithPri(const std::vector<std::string>& lines);

}  // namespace mlq::bench
