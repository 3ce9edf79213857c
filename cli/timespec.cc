#include "cli/timespec.h"

#include <chrono>
#include <limits>

#include "base/civil_time.h"
#include "base/scan.h"

namespace mlq::cli {

using civil::CivilTime;
using civil::DaysInMonth;
using civil::EpochFromCivil;
using scan::IsDigit;
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr std::string_view kForms =
    "use a duration back from now (30s, 15m, 2h, 7d, 1w, 1h30m), a date (2026-11-22), "
    "a date and time ('2026-11-22 10:00:00', 2026-11-22T10:00:00Z, "
    "2026-11-22T10:00:00+01:00), 'now' or @<unix seconds>";

// A cursor over the text with the small matchers the grammar needs.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool Done() const { return i_ == s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly n digits.
  bool Fixed(int n, int* out) {
    int v = 0;
    for (int k = 0; k < n; ++k) {
      if (!IsDigit(Peek())) return false;
      v = v * 10 + (s_[i_++] - '0');
    }
    *out = v;
    return true;
  }
  // One or more digits, at most max_digits (so the value fits).
  bool Number(int max_digits, int64_t* out) {
    int64_t v = 0;
    int n = 0;
    while (IsDigit(Peek())) {
      if (++n > max_digits) return false;
      v = v * 10 + (s_[i_++] - '0');
    }
    *out = v;
    return n > 0;
  }
  // A fraction after '.', as µs (digits past the sixth are dropped).
  bool Fraction(int64_t* micros) {
    int64_t v = 0;
    int n = 0;
    while (IsDigit(Peek())) {
      if (n < 6) v = v * 10 + (s_[i_] - '0');
      ++n;
      ++i_;
    }
    for (int k = n; k < 6; ++k) v *= 10;
    *micros = v;
    return n > 0;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// `s` without spaces and tabs at both ends (a line break is an error, unlike
// in scan::TrimSpace).
std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> Fail(std::string_view text, std::string_view why, std::string* error) {
  *error = "invalid time '" + std::string(text) + "'";
  if (!why.empty()) *error += ": " + std::string(why);
  *error += "; " + std::string(kForms);
  return std::nullopt;
}

int64_t UnitMicros(char unit) {
  switch (unit) {
    case 's':
      return kMicrosPerSecond;
    case 'm':
      return 60 * kMicrosPerSecond;
    case 'h':
      return 3600 * kMicrosPerSecond;
    case 'd':
      return 86400 * kMicrosPerSecond;
    case 'w':
      return 7 * 86400 * kMicrosPerSecond;
    default:
      return 0;
  }
}

// "1h30m": the total length in µs.
std::optional<int64_t> ParseDuration(std::string_view text, int64_t now_us, std::string* error) {
  Scanner sc(text);
  int64_t total = 0;
  while (!sc.Done()) {
    int64_t n;
    if (!sc.Number(12, &n)) return Fail(text, "", error);
    const char unit = sc.Peek();
    const int64_t unit_us = UnitMicros(unit);
    if (unit_us == 0) {
      return Fail(text, unit == '\0' ? "a duration needs a unit (s, m, h, d or w)" : "unknown unit",
                  error);
    }
    sc.Eat(unit);
    if (n > (std::numeric_limits<int64_t>::max() - total) / unit_us) {
      return Fail(text, "duration too long", error);
    }
    total += n * unit_us;
  }
  if (total > now_us) return Fail(text, "duration reaches before 1970", error);
  return now_us - total;
}

// "@1700000000" or "@1700000000.25".
std::optional<int64_t> ParseUnix(std::string_view text, std::string* error) {
  Scanner sc(text.substr(1));
  int64_t secs;
  int64_t frac = 0;
  if (!sc.Number(12, &secs)) return Fail(text, "expected unix seconds after '@'", error);
  if (sc.Eat('.') && !sc.Fraction(&frac)) return Fail(text, "expected digits after '.'", error);
  if (!sc.Done()) return Fail(text, "expected unix seconds after '@'", error);
  return secs * kMicrosPerSecond + frac;
}

// Dates, date-times, with or without zone.
std::optional<int64_t> ParseDateTime(std::string_view text, bool utc, std::string* error) {
  Scanner sc(text);
  CivilTime c;
  if (!sc.Fixed(4, &c.year) || !sc.Eat('-') || !sc.Fixed(2, &c.month) || !sc.Eat('-') ||
      !sc.Fixed(2, &c.day)) {
    return Fail(text, "", error);
  }
  if (c.month < 1 || c.month > 12) return Fail(text, "month out of range", error);
  if (c.day < 1 || c.day > DaysInMonth(c.year, c.month)) {
    return Fail(text, "day out of range", error);
  }
  int64_t frac = 0;
  bool has_zone = false;
  int zone_offset = 0;  // seconds east of UTC
  if (!sc.Done()) {
    if (!sc.Eat('T') && !sc.Eat('t') && !sc.Eat(' ')) return Fail(text, "", error);
    if (!sc.Fixed(2, &c.hour) || !sc.Eat(':') || !sc.Fixed(2, &c.minute)) {
      return Fail(text, "expected HH:MM after the date", error);
    }
    if (sc.Eat(':')) {
      if (!sc.Fixed(2, &c.second)) return Fail(text, "expected seconds after HH:MM:", error);
      if ((sc.Eat('.') || sc.Eat(',')) && !sc.Fraction(&frac)) {
        return Fail(text, "expected digits after the decimal point", error);
      }
    }
    if (c.hour > 23 || c.minute > 59 || c.second > 59) {
      return Fail(text, "time of day out of range", error);
    }
    if (sc.Eat('Z') || sc.Eat('z')) {
      has_zone = true;
    } else if (sc.Peek() == '+' || sc.Peek() == '-') {
      const int sign = sc.Peek() == '-' ? -1 : 1;
      sc.Eat(sc.Peek());
      int oh = 0;
      int om = 0;
      if (!sc.Fixed(2, &oh)) return Fail(text, "bad UTC offset", error);
      if (!sc.Done()) {
        sc.Eat(':');
        if (!sc.Fixed(2, &om)) return Fail(text, "bad UTC offset", error);
      }
      if (oh > 23 || om > 59) return Fail(text, "UTC offset out of range", error);
      has_zone = true;
      zone_offset = sign * (oh * 3600 + om * 60);
    }
    if (!sc.Done()) return Fail(text, "unexpected text after the time", error);
  }
  int64_t secs;
  if (has_zone) {
    secs = EpochFromCivil(c, /*utc=*/true) - zone_offset;
  } else {
    secs = EpochFromCivil(c, utc);
  }
  return secs * kMicrosPerSecond + frac;
}

}  // namespace

std::optional<int64_t> ParseTimeSpec(std::string_view text, int64_t now_us, bool utc,
                                     std::string* error) {
  const std::string_view t = TrimBlanks(text);
  if (t.empty()) return Fail(text, "empty", error);
  if (t == "now") return now_us;
  if (t.front() == '@') return ParseUnix(t, error);
  // A date starts with four digits and a dash; anything else starting with a
  // digit is a duration.
  if (t.size() >= 5 && IsDigit(t[0]) && IsDigit(t[1]) && IsDigit(t[2]) && IsDigit(t[3]) &&
      t[4] == '-') {
    return ParseDateTime(t, utc, error);
  }
  if (IsDigit(t.front())) return ParseDuration(t, now_us, error);
  return Fail(text, "", error);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ParseTimeFlag(const char* flag, const std::string& text, bool utc, int64_t now_us, int64_t* us,
                   std::string* error) {
  if (text.empty()) return true;
  std::string why;
  const std::optional<int64_t> t = ParseTimeSpec(text, now_us, utc, &why);
  if (!t) {
    *error = std::string(flag) + ": " + why;
    return false;
  }
  *us = *t == 0 ? 1 : *t;
  return true;
}

}  // namespace mlq::cli
