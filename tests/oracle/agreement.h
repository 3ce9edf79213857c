// The oracle against `mlq trace --json` (issue 15): every corpus log with
// complete messages is imported into a real mlqd of its own (`mlq import`,
// --timezone UTC), every complete message the oracle found is traced by
// its first queue ID, and the verdicts are compared per recipient.
//
// A message agrees when every recipient row of the oracle has a trace row
// of the same address (or its orig_to / Exim original), of the same kind
// (a notice to the sender or not) and the same verdict, and the trace has
// no other row of the message's own recipients (pre-queue rejects and
// notices the oracle cannot judge aside).
#pragma once

#include <string>
#include <vector>

#include "oracle/queue_graph.h"

namespace mlq::oracle {

struct Disagreement {
  std::string file;                // "postfix/x.log"
  std::string key;                 // "host/qid" (or "qid" for Exim mainlogs)
  std::string what;                // "a@b: oracle delivered, trace unknown; ..."
  std::vector<std::string> lines;  // the oracle's deciding lines
};

struct FileAgreement {
  std::string file;
  size_t messages = 0;  // complete messages the oracle found
  size_t agreed = 0;
};

struct AgreementReport {
  std::vector<FileAgreement> files;
  std::vector<Disagreement> disagreements;
  std::string error;  // set when a daemon or import failed
};

struct AgreementOptions {
  std::string corpus;  // the folder holding mail/
  std::string mlqd;
  std::string mlq;
  int jobs = 4;      // traces at once
  std::string only;  // measure only the logs whose name contains this
};

// The corpus logs the oracle reads: mail/<folder>/*.log but *-subset.log
// (derived) and *-msgbodies.log (no syslog header), as "folder/name".
std::vector<std::string> CorpusLogs(const std::string& corpus);

AgreementReport MeasureAgreement(const AgreementOptions& options);

// The Markdown block of docs/TRACE_AGREEMENT.md: the table and the list of
// disagreements.
std::string FormatReport(const AgreementReport& report);

// Compares one trace (`mlq trace --json` lines) with the oracle's message;
// "" when they agree, else what differs.
std::string CompareTrace(const Message& m, const std::string& trace_json);

}  // namespace mlq::oracle
