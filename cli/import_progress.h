// Progress of `mlq import` on stderr: a live bar on a terminal, plain lines
// every few seconds otherwise (logs of a cron job or CI), nothing when off.
//
// The bar shows the current file (name, "n/N", its percentage), the lines
// sent, the text rate in MB/s and the ETA of the whole import from the bytes
// read against the total size (a .gz file weighs what it holds uncompressed);
// after each file a summary line stays on the screen. Formatting is in pure functions (tested);
// ImportProgress adds the clock and the terminal. File names are shown
// through SanitizeForTerminal (format.h): a name found in a directory may
// hold anything.
//
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mlq::cli {

struct ProgressSnapshot {
  std::string file;        // the current file as shown ("-" = standard input)
  size_t file_number = 0;  // 1-based
  size_t file_count = 0;
  uint64_t file_lines = 0;  // lines sent from the current file
  uint64_t file_read = 0;   // bytes of the current file read (compressed for .gz)
  uint64_t file_size = 0;   // its size; 0 = unknown
  uint64_t lines = 0;       // lines sent, all files
  uint64_t text_bytes = 0;  // bytes of line text sent, all files
  uint64_t read = 0;        // work done, all files: text bytes (estimated for .gz)
  uint64_t total = 0;       // all the work: the files' text sizes; 0 = unknown
  double elapsed_s = 0;     // since the import started
};

// "0:42", "12:05", "1:02:03"; "?" for a negative or absurd value.
std::string FormatEta(double seconds);

// "12.3 MB/s" (decimal megabytes of line text per second).
std::string FormatRate(uint64_t bytes, double seconds);

// The ETA of the whole import, in seconds; negative when it cannot be
// told yet (nothing read, no total, too early).
double EstimateEta(const ProgressSnapshot& s);

// One terminal line of at most `width` columns, e.g.
//   "mail.log.1 [2/3] [########-----------]  42%  1,234,567 lines  12.3 MB/s  ETA 0:42"
// The file name is shortened (from the left, "...") when space is short.
std::string FormatProgressBar(const ProgressSnapshot& s, int width);

// One plain line (no newline), e.g.
//   "mlq: import: mail.log.1 (2/3): 42% of the file, 1,234,567 lines sent, 12.3 MB/s, ETA 0:42"
std::string FormatProgressLine(const ProgressSnapshot& s);

class ImportProgress {
 public:
  enum class Mode { kOff, kBar, kPlain };

  // Writes to `out` (stderr in mlq).
  ImportProgress(Mode mode, FILE* out);

  // Call often (every line is fine): redraws the bar at most 5 times a
  // second, prints a plain line every 5 seconds.
  void Update(const ProgressSnapshot& s);

  // After a file: on a terminal, replaces the bar by a line that stays,
  // "  mail.log.1  syslog  123,456 lines  4.2 s"; nothing in the other modes.
  void FileDone(const ProgressSnapshot& s, const std::string& format);

  // Removes the bar (before other messages are printed, and at the end).
  void Clear();

  double elapsed_s() const;

 private:
  Mode mode_;
  FILE* out_;
  bool shown_ = false;
  uint64_t calls_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
  double file_start_s_ = 0;
};

// The terminal's width in columns (of stderr), 80 when it cannot tell.
int TerminalWidth();

}  // namespace mlq::cli
