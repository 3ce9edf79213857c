// Which files `mlq import` reads, in which order, and what they hold.
//
// Arguments are files, directories (their regular, non-hidden files) and
// "-" (standard input). Files are read oldest first: a rotated set
// (mail.log.3.gz, mail.log.2.gz, mail.log.1, mail.log) by rotation number
// descending, then the live file; sets and other files by the first
// timestamp inside, else their modification time.
//
// Each file's format is told from its first lines: syslog as rsyslog or
// syslogd write it (RFC 3164 "Nov 22 10:11:12 host prog[pid]: ...", RFC
// 5424, rsyslog's "2026-11-22T10:11:12.123456+01:00 host ..."), an Exim
// mainlog ("2026-11-22 10:11:12 ..."), a Kerio Connect log ("[22/Nov/2026
// 10:11:12] ..."), a Zimbra mailbox.log ("2026-11-22 10:11:12,345 INFO
// ..."). Lines are sent as they are whatever the format (mlqd's normalizers
// recognize them); only syslog lines name their host, the others need
// --host.
//
// Pure functions except ExpandImportArgs and InspectImportFile (file
// system). Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlq::cli {

enum class LogFormat {
  kSyslog,   // a syslog header: names its host
  kExim,     // Exim mainlog/rejectlog/paniclog
  kKerio,    // Kerio Connect mail/security/warning log
  kZimbra,   // Zimbra mailbox.log / audit.log (log4j)
  kUnknown,  // text, but none of the above
  kEmpty,    // no line at all
  kBinary,   // not text (NUL or many control bytes): not a log
};

// "syslog", "exim", "kerio", "zimbra", "unknown", "empty", "binary".
std::string_view LogFormatName(LogFormat format);

// Whether lines of `format` carry their host name (only syslog lines do).
bool FormatNamesHost(LogFormat format);

// The format of one line; kUnknown when none matches.
LogFormat DetectLineFormat(std::string_view line);

// The format of a file from its first lines: kBinary when they hold NUL
// bytes or more than 10% control bytes, else the most frequent format of
// the lines (kUnknown when no line has one, kEmpty when there are no lines).
LogFormat DetectFileFormat(const std::vector<std::string>& first_lines);

// The time a line starts with, in seconds since the Unix epoch. Zone-less
// times are local time; a syslog time without a year (RFC 3164) takes the
// year that puts it at most a day after `reference_s` (a file's
// modification time). nullopt when the line starts with no known time.
std::optional<int64_t> LineTime(std::string_view line, int64_t reference_s);

// A file name split into its rotation: "mail.log.2.gz" -> {"mail.log", 2},
// "mail.log.1" -> {"mail.log", 1}, "mail.log" -> {"mail.log", 0}. Only a
// final ".N" (1 to 4 digits, before an optional ".gz") is a rotation number.
struct RotationName {
  std::string base;
  int number = 0;  // 0 = the live file (or not rotated)
};
RotationName ParseRotationName(std::string_view file_name);

struct ImportFile {
  std::string path;   // as given or found in a directory; "-" = standard input
  uint64_t size = 0;  // bytes on disk (compressed size for .gz); 0 = unknown
  // Bytes of text it holds: `size`, or for gzip the size its trailer
  // records (exact below 4 GiB); for progress, to weigh files by work.
  uint64_t text_size = 0;
  int64_t mtime_s = 0;  // modification time
  LogFormat format = LogFormat::kUnknown;
  std::optional<int64_t> first_time_s;  // LineTime of the first line that has one
  // Standard input, a pipe or a device: it can be read only once, so
  // InspectImportFile leaves it alone and its format is told while reading.
  bool stream = false;
};

// Expands the arguments into paths: a directory becomes its regular files
// whose names do not start with '.', sorted by name (not recursive);
// anything else is kept as given. Returns false with *error ("cannot open
// <path>: <reason>") when a directory cannot be listed.
bool ExpandImportArgs(const std::vector<std::string>& args, std::vector<std::string>* paths,
                      std::string* error);

// Fills size, text_size, mtime_s, format and first_time_s of f->path from the file
// system and its first lines (at most 64); for "-" and anything but a
// regular file only sets `stream` (and mtime_s). Returns false with *error
// ("cannot open <path>: <reason>" or "<path>: <reason>") when unreadable.
bool InspectImportFile(ImportFile* f, std::string* error);

// Orders files oldest first (see the top of this file). Files of one
// rotated set share directory and base name; a set's time is that of its
// oldest member. "-" comes first. Stable for equal times (then by path).
void OrderImportFiles(std::vector<ImportFile>& files);

}  // namespace mlq::cli
