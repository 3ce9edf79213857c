// The oracle's own reading of one raw log line: just enough of the syslog
// header (RFC 3164, RFC 5424, ISO/rsyslog high-precision times) or of an
// Exim mainlog line to know the host, the program, its pid and the message
// text. Written apart from receiver/ on purpose: the oracle must not share
// the daemon's reading of a line, or it would share its mistakes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mlq::oracle {

struct RawLine {
  std::string time;     // the timestamp text as written
  std::string host;     // "" for Exim mainlog lines (no host in the line)
  std::string program;  // "postfix/smtp", "exim", "amavis", "sendmail", "dovecot"
  std::string pid;
  std::string msg;  // the text after "program[pid]: "
};

// nullopt when the line has none of the known shapes.
std::optional<RawLine> ReadRawLine(std::string_view line);

}  // namespace mlq::oracle
