#include "cli/import_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <utility>

#include "base/civil_time.h"
#include "base/scan.h"
#include "cli/line_reader.h"

namespace mlq::cli {

using civil::CivilFromEpoch;
using civil::CivilTime;
using civil::DaysInMonth;
using civil::DigitsAt;
using civil::EpochFromCivil;
using civil::MonthNumber;
using scan::IsDigit;
namespace {

constexpr size_t kSampleLines = 64;

bool ValidCivil(const CivilTime& c) {
  return c.year >= 1970 && c.year < 10000 && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
         c.day <= DaysInMonth(c.year, c.month) && c.hour >= 0 && c.hour <= 23 && c.minute >= 0 &&
         c.minute <= 59 && c.second >= 0 && c.second <= 60;
}

// "YYYY-MM-DD?HH:MM:SS" at the start of s with `sep` between date and time.
bool ParseIsoPrefix(std::string_view s, char sep, CivilTime* c) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != sep || s[13] != ':' || s[16] != ':') {
    return false;
  }
  *c = {DigitsAt(s, 0, 4),  DigitsAt(s, 5, 2),  DigitsAt(s, 8, 2),
        DigitsAt(s, 11, 2), DigitsAt(s, 14, 2), DigitsAt(s, 17, 2)};
  if (c->second == 60) c->second = 59;
  return ValidCivil(*c);
}

// "Mmm dd HH:MM:SS" (day space-padded or not) at the start of s; the year
// is left at 0. Returns its length, 0 when absent.
size_t ParseBsdPrefix(std::string_view s, CivilTime* c) {
  if (s.size() < 15 || s[3] != ' ') return 0;
  const int month = MonthNumber(s.substr(0, 3));
  if (month == 0) return 0;
  size_t p = 4;
  if (s[p] == ' ') ++p;  // "Jul  5"
  int day = 0;
  size_t digits = 0;
  while (p < s.size() && IsDigit(s[p]) && digits < 2) {
    day = day * 10 + (s[p] - '0');
    ++p;
    ++digits;
  }
  if (digits == 0 || p >= s.size() || s[p] != ' ') return 0;
  ++p;
  if (p + 8 > s.size() || s[p + 2] != ':' || s[p + 5] != ':') return 0;
  const int h = DigitsAt(s, p, 2), mi = DigitsAt(s, p + 3, 2), se = DigitsAt(s, p + 6, 2);
  if (day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return 0;
  *c = {0, month, day, h, mi, se == 60 ? 59 : se};
  return p + 8;
}

// Skips a "<PRI>" prefix (1 to 3 digits).
std::string_view SkipPri(std::string_view s) {
  if (s.size() < 3 || s[0] != '<') return s;
  size_t p = 1;
  while (p < s.size() && p <= 4 && IsDigit(s[p])) ++p;
  if (p == 1 || p > 4 || p >= s.size() || s[p] != '>') return s;
  return s.substr(p + 1);
}

// A log level as log4j writes it.
bool IsLevelWord(std::string_view w) {
  return w == "INFO" || w == "WARN" || w == "ERROR" || w == "FATAL" || w == "DEBUG" ||
         w == "TRACE" || w == "WARNING";
}

// After "YYYY-MM-DD HH:MM:SS": Zimbra's ",mmm LEVEL" or jetty's ".mmm:LEVEL:".
bool IsZimbraTail(std::string_view rest) {
  if (rest.empty() || (rest[0] != ',' && rest[0] != '.')) return false;
  size_t p = 1;
  while (p < rest.size() && IsDigit(rest[p])) ++p;
  if (p == 1 || p > 7 || p >= rest.size()) return false;
  if (rest[p] == ':') {
    const size_t end = rest.find(':', p + 1);
    return end != std::string_view::npos && IsLevelWord(rest.substr(p + 1, end - p - 1));
  }
  if (rest[p] != ' ') return false;
  while (p < rest.size() && rest[p] == ' ') ++p;
  const size_t end = rest.find(' ', p);
  return IsLevelWord(rest.substr(p, end == std::string_view::npos ? end : end - p));
}

// After "YYYY-MM-DD HH:MM:SS": Exim's optional ".mmm" (+millisec), optional
// " +zzzz" (log_timezone), then a space and more text.
bool IsEximTail(std::string_view rest) {
  size_t p = 0;
  if (p < rest.size() && rest[p] == '.') {
    ++p;
    while (p < rest.size() && IsDigit(rest[p])) ++p;
    if (p == 1) return false;
  }
  if (p + 6 <= rest.size() && rest[p] == ' ' && (rest[p + 1] == '+' || rest[p + 1] == '-') &&
      DigitsAt(rest, p + 2, 4) >= 0) {
    p += 6;
  }
  return p + 1 < rest.size() && rest[p] == ' ' && rest[p + 1] != ' ';
}

// "[DD/Mon/YYYY HH:MM:SS]" at the start of s.
bool ParseKerioPrefix(std::string_view s, CivilTime* c) {
  if (s.size() < 22 || s[0] != '[' || s[3] != '/' || s[7] != '/' || s[12] != ' ' || s[15] != ':' ||
      s[18] != ':' || s[21] != ']') {
    return false;
  }
  *c = {DigitsAt(s, 8, 4),  MonthNumber(s.substr(4, 3)), DigitsAt(s, 1, 2),
        DigitsAt(s, 13, 2), DigitsAt(s, 16, 2),          DigitsAt(s, 19, 2)};
  if (c->second == 60) c->second = 59;
  return ValidCivil(*c);
}

// rsyslog's RFC 3339 time after "YYYY-MM-DDTHH:MM:SS": fraction, then "Z"
// or "+hh:mm"; returns the offset east of UTC in seconds, or nullopt when
// there is no zone.
std::optional<int> IsoZone(std::string_view rest) {
  size_t p = 0;
  if (p < rest.size() && rest[p] == '.') {
    ++p;
    while (p < rest.size() && IsDigit(rest[p])) ++p;
  }
  if (p < rest.size() && rest[p] == 'Z') return 0;
  if (p + 6 <= rest.size() && (rest[p] == '+' || rest[p] == '-') && rest[p + 3] == ':') {
    const int h = DigitsAt(rest, p + 1, 2), m = DigitsAt(rest, p + 4, 2);
    if (h < 0 || m < 0) return std::nullopt;
    return (rest[p] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  }
  return std::nullopt;
}

bool HasControlBytes(const std::vector<std::string>& lines) {
  uint64_t total = 0, control = 0;
  for (const std::string& l : lines) {
    for (unsigned char c : l) {
      if (c == 0) return true;
      if ((c < 0x20 && c != '\t' && c != '\x1b' && c != '\f') || c == 0x7f) ++control;
    }
    total += l.size();
  }
  return total > 0 && control * 10 > total;
}

// For a gzip file, the uncompressed size its trailer records (ISIZE, the
// size modulo 2^32): exact below 4 MiB compressed (deflate expands at most
// 1032 times), else taken when it is at least the compressed size.
std::optional<uint64_t> GzipTextSize(const std::string& path, uint64_t size) {
  if (size < 18) return std::nullopt;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  unsigned char magic[2] = {0, 0}, trailer[4] = {0, 0, 0, 0};
  const bool ok = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b &&
                  pread(fd, trailer, 4, static_cast<off_t>(size - 4)) == 4;
  close(fd);
  if (!ok) return std::nullopt;
  const uint64_t isize = uint64_t{trailer[0]} | uint64_t{trailer[1]} << 8 |
                         uint64_t{trailer[2]} << 16 | uint64_t{trailer[3]} << 24;
  if (size >= (uint64_t{4} << 20) && isize < size) return std::nullopt;
  return isize;
}

bool IsHidden(std::string_view name) { return !name.empty() && name[0] == '.'; }

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string_view LogFormatName(LogFormat format) {
  switch (format) {
    case LogFormat::kSyslog:
      return "syslog";
    case LogFormat::kExim:
      return "exim";
    case LogFormat::kKerio:
      return "kerio";
    case LogFormat::kZimbra:
      return "zimbra";
    case LogFormat::kUnknown:
      return "unknown";
    case LogFormat::kEmpty:
      return "empty";
    case LogFormat::kBinary:
      return "binary";
  }
  return "unknown";
}

bool FormatNamesHost(LogFormat format) { return format == LogFormat::kSyslog; }

LogFormat DetectLineFormat(std::string_view line) {
  CivilTime c;
  if (ParseKerioPrefix(line, &c)) return LogFormat::kKerio;
  if (ParseIsoPrefix(line, ' ', &c)) {
    const std::string_view rest = line.substr(19);
    if (IsZimbraTail(rest)) return LogFormat::kZimbra;
    if (IsEximTail(rest)) return LogFormat::kExim;
    return LogFormat::kUnknown;
  }
  const std::string_view s = SkipPri(line);
  // RFC 5424: "<PRI>1 " then a timestamp or "-".
  if (s.size() != line.size() && s.starts_with("1 ")) return LogFormat::kSyslog;
  // rsyslog's high-precision format, "YYYY-MM-DDTHH:MM:SS... host ...".
  if (ParseIsoPrefix(s, 'T', &c) && s.find(' ', 19) != std::string_view::npos) {
    return LogFormat::kSyslog;
  }
  const size_t n = ParseBsdPrefix(s, &c);
  if (n > 0 && n + 1 < s.size() && s[n] == ' ' && s[n + 1] != ' ') return LogFormat::kSyslog;
  return LogFormat::kUnknown;
}

LogFormat DetectFileFormat(const std::vector<std::string>& first_lines) {
  if (first_lines.empty()) return LogFormat::kEmpty;
  if (HasControlBytes(first_lines)) return LogFormat::kBinary;
  std::map<LogFormat, size_t> votes;
  for (const std::string& l : first_lines) {
    const LogFormat f = DetectLineFormat(l);
    if (f != LogFormat::kUnknown) ++votes[f];
  }
  LogFormat best = LogFormat::kUnknown;
  size_t most = 0;
  for (const auto& [format, n] : votes) {
    if (n > most) {
      best = format;
      most = n;
    }
  }
  return best;
}

std::optional<int64_t> LineTime(std::string_view line, int64_t reference_s) {
  CivilTime c;
  if (ParseKerioPrefix(line, &c)) return EpochFromCivil(c, /*utc=*/false);
  if (ParseIsoPrefix(line, ' ', &c)) return EpochFromCivil(c, false);
  const std::string_view s = SkipPri(line);
  std::string_view iso = s;
  if (s.size() != line.size() && s.starts_with("1 ")) iso = s.substr(2);
  if (ParseIsoPrefix(iso, 'T', &c)) {
    if (std::optional<int> zone = IsoZone(iso.substr(19))) {
      return EpochFromCivil(c, /*utc=*/true) - *zone;
    }
    return EpochFromCivil(c, false);
  }
  if (ParseBsdPrefix(s, &c) > 0) {
    if (c.day > DaysInMonth(2000, c.month)) return std::nullopt;  // 2000: Feb 29 exists
    // No year: the latest one that is not more than a day after the reference.
    c.year = CivilFromEpoch(reference_s, false).year;
    for (int i = 0; i < 2; ++i) {
      if (c.month == 2 && c.day == 29 && DaysInMonth(c.year, 2) == 28) {
        --c.year;
        continue;
      }
      const int64_t t = EpochFromCivil(c, false);
      if (t <= reference_s + 86400) return t;
      --c.year;
    }
    if (c.day <= DaysInMonth(c.year, c.month)) return EpochFromCivil(c, false);
  }
  return std::nullopt;
}

RotationName ParseRotationName(std::string_view file_name) {
  std::string_view s = file_name;
  if (s.ends_with(".gz")) s.remove_suffix(3);
  const size_t dot = s.rfind('.');
  if (dot != std::string_view::npos && dot > 0) {
    const std::string_view digits = s.substr(dot + 1);
    if (digits.size() <= 4 && scan::IsDigits(digits)) {
      const int n = std::stoi(std::string(digits));
      if (n > 0) return {std::string(s.substr(0, dot)), n};
    }
  }
  return {std::string(s), 0};
}

bool ExpandImportArgs(const std::vector<std::string>& args, std::vector<std::string>* paths,
                      std::string* error) {
  for (const std::string& arg : args) {
    struct stat st {};
    if (arg == "-" || stat(arg.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      paths->push_back(arg);  // opening it reports any problem
      continue;
    }
    DIR* dir = opendir(arg.c_str());
    if (dir == nullptr) {
      *error = "cannot open " + arg + ": " + std::strerror(errno);
      return false;
    }
    std::vector<std::string> found;
    const std::string prefix = arg.ends_with('/') ? arg : arg + "/";
    while (const dirent* e = readdir(dir)) {
      const std::string name = e->d_name;
      if (IsHidden(name)) continue;
      struct stat fst {};
      const std::string path = prefix + name;
      if (stat(path.c_str(), &fst) == 0 && S_ISREG(fst.st_mode)) found.push_back(path);
    }
    closedir(dir);
    std::sort(found.begin(), found.end());
    paths->insert(paths->end(), found.begin(), found.end());
  }
  return true;
}

bool InspectImportFile(ImportFile* f, std::string* error) {
  if (f->path == "-") {
    f->stream = true;
    return true;
  }
  struct stat st {};
  if (stat(f->path.c_str(), &st) != 0) {
    *error = "cannot open " + f->path + ": " + std::strerror(errno);
    return false;
  }
  f->mtime_s = st.st_mtime;
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    f->stream = true;  // reading it here would take lines from the import
    return true;
  }
  std::unique_ptr<LineReader> reader = LineReader::Open(f->path, error);
  if (reader == nullptr) return false;
  f->size = static_cast<uint64_t>(st.st_size);
  f->text_size = GzipTextSize(f->path, f->size).value_or(f->size);
  std::vector<std::string> sample;
  std::string line;
  while (sample.size() < kSampleLines && reader->Next(&line)) {
    if (line.empty()) continue;
    if (line.size() > 4096) line.resize(4096);
    sample.push_back(std::move(line));
  }
  if (!reader->error().empty() && sample.empty()) {
    *error = reader->error();
    return false;
  }
  f->format = DetectFileFormat(sample);
  f->first_time_s.reset();
  if (f->format != LogFormat::kBinary) {
    for (const std::string& l : sample) {
      if (std::optional<int64_t> t = LineTime(l, f->mtime_s)) {
        f->first_time_s = t;
        break;
      }
    }
  }
  return true;
}

void OrderImportFiles(std::vector<ImportFile>& files) {
  struct Member {
    ImportFile file;
    int number;
  };
  struct Group {
    std::vector<Member> members;
    int64_t time = 0;
    std::string first_path;
    bool is_stdin = false;
  };
  std::map<std::pair<std::string, std::string>, size_t> index;  // (dir, base) -> group
  std::vector<Group> groups;
  for (ImportFile& f : files) {
    const bool is_stdin = f.path == "-";
    const RotationName r = ParseRotationName(BaseName(f.path));
    auto key = is_stdin ? std::make_pair(std::string("-"), std::to_string(groups.size()))
                        : std::make_pair(DirName(f.path), r.base);
    auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.emplace_back();
    Group& g = groups[it->second];
    g.is_stdin = is_stdin;
    g.members.push_back({std::move(f), is_stdin ? 0 : r.number});
  }
  for (Group& g : groups) {
    std::stable_sort(g.members.begin(), g.members.end(), [](const Member& a, const Member& b) {
      // Rotation number descending, the live file (0) last.
      const int ra = a.number == 0 ? -1 : a.number, rb = b.number == 0 ? -1 : b.number;
      if (ra != rb) return ra > rb;
      return a.file.path < b.file.path;
    });
    const ImportFile& oldest = g.members.front().file;
    g.time = oldest.first_time_s.value_or(oldest.mtime_s);
    g.first_path = oldest.path;
  }
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    if (a.is_stdin != b.is_stdin) return a.is_stdin;
    if (a.time != b.time) return a.time < b.time;
    return a.first_path < b.first_path;
  });
  files.clear();
  for (Group& g : groups) {
    for (Member& m : g.members) files.push_back(std::move(m.file));
  }
}

}  // namespace mlq::cli
