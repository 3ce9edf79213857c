// The log lines of the shared corpus (../shared/corpus/mail/<folder>/*.log;
// layout in its README.md), as the coverage report reads them.
//
// - Every line of a *.log file that is not blank is a line; nothing else is
//   left out, whoever wrote it.
// - A line is a message body (no syslog header) when the file's matching
//   expected file (expected/<file stem>.jsonl) gives it a program:
//   postfix-grok-patterns entries by their grok pattern (POSTFIX_SMTPD ->
//   postfix/smtpd), msimerson entries of the "postfixLines" array by their
//   "program". In *-msgbodies.log files, where every line is a body, a line
//   without a program there (continuation lines of multi-line bodies, grok
//   fragment patterns such as POSTFIX_DELAYS, files without an expected
//   file) cannot be read as the daemon would: it is left out and listed.
// - *-subset.log files repeat lines of a mixed log elsewhere (`derived`):
//   they count in their folder, not in totals over folders.
//
// Reading never fails: a missing folder or file yields nothing.
#pragma once

#include <string>
#include <vector>

namespace mlq::testing {

struct CorpusLine {
  std::string text;
  std::string program;  // set: `text` is the MSG part of a line of `program`
};

struct CorpusFile {
  std::string folder;  // "postfix"
  std::string name;    // "fail2ban-postfix.log"
  bool derived = false;
  std::vector<CorpusLine> lines;
  std::vector<std::string> left_out;  // message bodies without a known program
};

// The sub-folders of <corpus>/mail, sorted.
std::vector<std::string> MailFolders(const std::string& corpus);

// The *.log files of <corpus>/mail/<folder>, sorted by name.
std::vector<CorpusFile> ReadMailFolder(const std::string& corpus, const std::string& folder);

// The program an expected/*.jsonl entry gives its "line" when that line is a
// message body; "" when it is a whole syslog line or names no program.
std::string BodyProgram(const std::string& json_entry);

}  // namespace mlq::testing
