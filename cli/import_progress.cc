#include "cli/import_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "cli/format.h"

namespace mlq::cli {
namespace {

// Redraw and print intervals.
constexpr auto kBarInterval = std::chrono::milliseconds(200);
constexpr auto kPlainInterval = std::chrono::seconds(5);

std::string OneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

int Percent(uint64_t done, uint64_t total) {
  if (total == 0) return -1;
  return static_cast<int>(std::min<uint64_t>(100, done * 100 / total));
}

// Code points of UTF-8 text (file names are shown as they are).
size_t Columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The last `columns` code points of s, prefixed by "...".
std::string ShortenLeft(const std::string& s, size_t columns) {
  if (Columns(s) <= columns) return s;
  if (columns <= 3) return std::string(columns, '.');
  size_t keep = columns - 3, start = s.size();
  while (start > 0 && keep > 0) {
    --start;
    if ((static_cast<unsigned char>(s[start]) & 0xC0) != 0x80) --keep;
  }
  return "..." + s.substr(start);
}

}  // namespace

std::string FormatEta(double seconds) {
  if (!(seconds >= 0) || seconds > 100 * 3600.0) return "?";
  const int64_t t = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(t / 3600),
                  static_cast<long long>(t / 60 % 60), static_cast<long long>(t % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(t / 60),
                  static_cast<long long>(t % 60));
  }
  return buf;
}

std::string FormatRate(uint64_t bytes, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0;
  return OneDecimal(rate) + " MB/s";
}

double EstimateEta(const ProgressSnapshot& s) {
  if (s.total == 0 || s.read == 0 || s.elapsed_s < 0.5) return -1;
  const uint64_t left = s.total > s.read ? s.total - s.read : 0;
  return static_cast<double>(left) * s.elapsed_s / static_cast<double>(s.read);
}

std::string FormatProgressBar(const ProgressSnapshot& s, int width) {
  const std::string file = SanitizeForTerminal(s.file);
  const std::string count = s.file_count > 1 ? " [" + std::to_string(s.file_number) + "/" +
                                                   std::to_string(s.file_count) + "]"
                                             : "";
  const int pct = Percent(s.file_read, s.file_size);
  std::string right;
  if (pct >= 0) {
    right += std::string(pct < 10 ? "   " : pct < 100 ? "  " : " ") + std::to_string(pct) + "%";
  }
  right += "  " + GroupThousands(s.lines) + " lines  " + FormatRate(s.text_bytes, s.elapsed_s);
  const double eta = EstimateEta(s);
  if (eta >= 0) right += "  ETA " + FormatEta(eta);

  const size_t w = static_cast<size_t>(std::max(width, 20)) - 1;  // never the last column
  // Room for the right part as it will grow (ETA, more digits), so the bar
  // does not change length while it fills.
  const size_t fixed = Columns(count) + std::max<size_t>(Columns(right), 44);
  const size_t room = w > fixed ? w - fixed : 0;  // for the name and the bar
  size_t name_room = room;
  size_t bar = 0;
  if (pct >= 0) {
    // The whole name if a bar of 8 still fits, else at least 12 columns of it.
    const size_t name = std::min(Columns(file), std::max<size_t>(12, room > 11 ? room - 11 : 0));
    bar = std::min<size_t>(40, room > name + 3 ? room - name - 3 : 0);
    if (bar < 5) bar = 0;
    name_room = bar > 0 ? room - bar - 3 : room;
  }
  std::string line = ShortenLeft(file, name_room) + count;
  if (bar > 0) {
    const size_t filled = static_cast<size_t>(pct) * bar / 100;
    line += " [" + std::string(filled, '#') + std::string(bar - filled, '-') + "]";
  }
  line += right;
  if (Columns(line) > w) line = ShortenLeft(line, w);
  return line;
}

std::string FormatProgressLine(const ProgressSnapshot& s) {
  std::string line = "mlq: import: " + SanitizeForTerminal(s.file);
  if (s.file_count > 1) {
    line += " (" + std::to_string(s.file_number) + "/" + std::to_string(s.file_count) + ")";
  }
  line += ": ";
  const int pct = Percent(s.file_read, s.file_size);
  if (pct >= 0) line += std::to_string(pct) + "% of the file, ";
  line += GroupThousands(s.lines) + " lines sent, " + FormatRate(s.text_bytes, s.elapsed_s);
  const double eta = EstimateEta(s);
  if (eta >= 0) line += ", ETA " + FormatEta(eta);
  return line;
}

ImportProgress::ImportProgress(Mode mode, FILE* out) : mode_(mode), out_(out) {}

double ImportProgress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ImportProgress::Update(const ProgressSnapshot& s) {
  if (mode_ == Mode::kOff || (++calls_ & 0xFF) != 0) return;  // the clock costs too
  const auto now = std::chrono::steady_clock::now();
  if (mode_ == Mode::kBar) {
    if (now - last_ < kBarInterval) return;
    last_ = now;
    std::fprintf(out_, "\r%s\033[K", FormatProgressBar(s, TerminalWidth()).c_str());
    std::fflush(out_);
    shown_ = true;
  } else {
    if (now - last_ < kPlainInterval) return;
    last_ = now;
    std::fprintf(out_, "%s\n", FormatProgressLine(s).c_str());
    std::fflush(out_);
  }
}

void ImportProgress::FileDone(const ProgressSnapshot& s, const std::string& format) {
  const double now = elapsed_s();
  const double took = now - file_start_s_;
  file_start_s_ = now;
  if (mode_ != Mode::kBar) return;
  Clear();
  std::fprintf(out_, "  %s  %s  %s lines  %s s\n", SanitizeForTerminal(s.file).c_str(),
               format.c_str(), GroupThousands(s.file_lines).c_str(), OneDecimal(took).c_str());
  std::fflush(out_);
}

void ImportProgress::Clear() {
  if (shown_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
  }
  shown_ = false;
}

int TerminalWidth() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace mlq::cli
