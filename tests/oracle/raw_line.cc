#include "oracle/raw_line.h"

#include <cctype>

namespace mlq::oracle {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Takes the next space-delimited word off `s` (and the spaces after it).
std::string_view Word(std::string_view* s) {
  size_t end = s->find(' ');
  std::string_view w = s->substr(0, end);
  s->remove_prefix(end == std::string_view::npos ? s->size() : end);
  while (!s->empty() && s->front() == ' ') s->remove_prefix(1);
  return w;
}

// "YYYY-MM-DD" at the start of s.
bool IsoDate(std::string_view s) {
  return s.size() >= 10 && Digit(s[0]) && Digit(s[3]) && s[4] == '-' && Digit(s[5]) &&
         s[7] == '-' && Digit(s[8]) && Digit(s[9]);
}

// "Mmm dd hh:mm:ss " (the day space-padded or not); its length, or 0.
size_t BsdTime(std::string_view s) {
  if (s.size() < 15 || !std::isupper(static_cast<unsigned char>(s[0])) || s[3] != ' ') return 0;
  size_t p = 4;
  if (s[p] == ' ') ++p;
  while (p < s.size() && Digit(s[p])) ++p;
  if (p + 9 > s.size() || s[p] != ' ' || s[p + 3] != ':' || s[p + 6] != ':') return 0;
  return p + 9;
}

// "program[pid]: msg" or "program: msg" into `out`; false when there is no tag.
bool Tag(std::string_view s, RawLine* out) {
  size_t end = 0;
  while (end < s.size() && s[end] != ':' && s[end] != ' ' && s[end] != '[') ++end;
  if (end == 0) return false;
  out->program = std::string(s.substr(0, end));
  size_t p = end;
  if (p < s.size() && s[p] == '[') {
    size_t close = s.find(']', p);
    if (close == std::string_view::npos) return false;
    out->pid = std::string(s.substr(p + 1, close - p - 1));
    p = close + 1;
  }
  if (p < s.size() && s[p] == ':') {
    ++p;
    if (p < s.size() && s[p] == ' ') ++p;
  } else if (p < s.size() && s[p] == ' ') {
    ++p;  // "iredapd [1.2.3.4] ..." and other tags without a colon
  } else {
    return false;
  }
  out->msg = std::string(s.substr(p));
  return true;
}

// An Exim mainlog line after its date: "HH:MM:SS[.fff] [+zzzz] [[pid]] msg".
std::optional<RawLine> EximLine(std::string_view s) {
  RawLine r;
  std::string_view date = Word(&s);
  std::string_view clock = Word(&s);
  r.time = std::string(date) + " " + std::string(clock);
  if (!s.empty() && (s[0] == '+' || s[0] == '-') && s.size() > 5 && Digit(s[1])) {
    Word(&s);  // a time zone offset
  }
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    if (close != std::string_view::npos) {
      r.pid = std::string(s.substr(1, close - 1));
      s.remove_prefix(close + 1);
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    }
  }
  r.program = "exim";
  r.msg = std::string(s);
  return r;
}

}  // namespace

std::optional<RawLine> ReadRawLine(std::string_view s) {
  if (!s.empty() && s[0] == '<') {  // a PRI part
    size_t close = s.find('>');
    if (close == std::string_view::npos || close > 4) return std::nullopt;
    s.remove_prefix(close + 1);
  }
  if (s.size() > 2 && s[0] == '1' && s[1] == ' ') s.remove_prefix(2);  // RFC 5424 version
  RawLine r;
  if (size_t n = BsdTime(s)) {
    r.time = std::string(s.substr(0, n));
    s.remove_prefix(n);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  } else if (IsoDate(s) && s.size() > 10 && s[10] == ' ') {
    return EximLine(s);
  } else if (IsoDate(s) && s.size() > 10 && s[10] == 'T') {
    r.time = std::string(Word(&s));
  } else {
    return std::nullopt;
  }
  r.host = std::string(Word(&s));
  if (r.host.empty()) return std::nullopt;
  // RFC 5424: APP-NAME PROCID MSGID STRUCTURED-DATA MSG.
  std::string_view rest = s;
  std::string_view app = Word(&rest);
  std::string_view procid = Word(&rest);
  std::string_view msgid = Word(&rest);
  if (!app.empty() && app.back() != ':' && app.find('[') == std::string_view::npos &&
      !procid.empty() && !msgid.empty() && (rest.starts_with("- ") || rest.starts_with("["))) {
    r.program = std::string(app);
    if (procid != "-") r.pid = std::string(procid);
    if (rest.starts_with("- ")) {
      rest.remove_prefix(2);
    } else {
      size_t close = rest.find("] ");
      rest.remove_prefix(close == std::string_view::npos ? rest.size() : close + 2);
    }
    r.msg = std::string(rest);
    return r;
  }
  if (!Tag(s, &r)) return std::nullopt;
  return r;
}

}  // namespace mlq::oracle
