// The differential oracle of `mlq trace` (issue 15): reads a raw log and
// derives, for every message whose lines are complete, each recipient's
// final verdict from the rules of its MTA (postfix_rules.cc, exim_rules.cc,
// sendmail_rules.cc). Deliberately simple and independent of query/ and
// receiver/: its own reading of lines, its own model of queue entries.
//
// A line that repeats an earlier line of the file byte for byte (log dumps
// that hold some blocks twice) is read once; Exim mainlog lines, which name
// no host and repeat legitimately in the test suite, are exempt.
#pragma once

#include <string>
#include <vector>

#include "oracle/queue_graph.h"

namespace mlq::oracle {

std::vector<Message> Derive(const std::vector<std::string>& lines);

// Derive() over the lines of a file (empty when it cannot be read).
std::vector<Message> DeriveFile(const std::string& path);

}  // namespace mlq::oracle
