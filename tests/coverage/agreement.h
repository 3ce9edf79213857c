// Field-by-field agreement of our records with what other parsers expect
// from the same lines: the shared corpus' expected/*.jsonl files and the
// expected-fields tables derived from them (tests/data/<family>/
// expected-fields.tsv). Used by the family tests and by the coverage report
// (docs/COVERAGE.md), so both count the same way.
//
// Each Compare* function reads one expected file, builds our record for each
// of its lines with the caller's function (a family-only table in the family
// tests, the daemon's path in the report) and checks every expected field
// that has an equivalent in LogRecord. A file that cannot be read compares
// nothing.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/record.h"

namespace mlq::testing {

struct Agreement {
  size_t compared = 0;
  size_t agreed = 0;
  std::vector<std::string> differences;  // "field: expected "x", we say "y"" + the line

  void Check(std::string_view field, std::string_view theirs, std::string_view ours,
             std::string_view line);
  void Merge(const Agreement& o);
  double Percent() const { return compared == 0 ? 100.0 : 100.0 * agreed / compared; }
};

using LineFn = std::function<LogRecord(std::string_view line)>;
using BodyFn = std::function<LogRecord(std::string_view program, std::string_view msg)>;
using RecordFilter = std::function<bool(const LogRecord&)>;

// fail2ban-*.jsonl (failJSON comments), lines with "match": true:
// "host" (when an address) against client_ip, "user" against sasl_user and,
// with `compare_time`, "time" (naive, compared as UTC) against the record's
// timestamp; for an RFC 3164 line, whose year we take from the receive time,
// without the year. `counts` (when set) selects the records to compare.
Agreement CompareFail2ban(const std::string& path, const LineFn& normalize,
                          const RecordFilter& counts = nullptr, bool compare_time = false);

// crowdsec-hub-*.jsonl, "s01-parse" entries of the parsers we have a field
// mapping for (CrowdsecParserMapped): amavis, dovecot, postfix, postscreen.
Agreement CompareCrowdsec(const std::string& path, const LineFn& normalize);
bool CrowdsecParserMapped(std::string_view parser);

// sshguard-parser-tests-mail.jsonl: the attacker address ("addr") of the
// matching lines of one section against client_ip.
Agreement CompareSshguard(const std::string& path, std::string_view section,
                          const LineFn& normalize);

// tests/data/<family>/expected-fields.tsv (columns source, line, field,
// expected; the mapping from the expected files is in each file's header).
// Field "recognized" means family `family` with an event. With
// `only_source`, only the rows of that source.
Agreement CompareExpectedFieldsTsv(const std::string& path, std::string_view family,
                                   const LineFn& normalize, std::string_view only_source = {});

// postfix-grok-patterns.jsonl: message bodies with the fields
// whyscream/postfix-grok-patterns extracts, program from the grok pattern.
// Compared: queue ID (grok's "NOQUEUE" is our empty one), client name/IP/port, status, enhanced
// status code, sender, message-id, relay, bounce queue ID, and the key=value pairs of
// postfix_keyvalue_data (to, orig_to, from, relay, delay, delays, dsn, size,
// nrcpt, proto, helo).
Agreement ComparePostfixGrok(const std::string& path, const BodyFn& normalize);

}  // namespace mlq::testing
