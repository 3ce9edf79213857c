#include "query/reasons.h"

#include <array>
#include <vector>

#include "base/scan.h"

namespace mlq {
namespace {

using scan::IsAlpha;
using scan::IsDigit;
using scan::IsHex;
using scan::IsSpace;
using scan::IsUpper;
using std::string_view;
constexpr size_t npos = string_view::npos;

bool IsNameChar(char c) { return scan::IsAlnum(c) || c == '.' || c == '-' || c == '_'; }
bool IsPunct(char c) {
  return c == ',' || c == ';' || c == ':' || c == '.' || c == ')' || c == '(' || c == '-';
}

// "550", the SMTP reply code.
bool IsCode(string_view s) {
  return s.size() == 3 && (s[0] == '2' || s[0] == '4' || s[0] == '5') && IsDigit(s[1]) &&
         IsDigit(s[2]);
}

// "5.1.1", an enhanced status code.
bool IsDsn(string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  size_t dots = 0;
  for (size_t i = 2; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i - 1] == '.') return false;
      ++dots;
    } else if (!IsDigit(s[i])) {
      return false;
    }
  }
  return dots == 1 && s.back() != '.';
}

// The address text inside [...]: IPv4, IPv6 ("IPv6:" prefix allowed).
bool IsAddressLike(string_view s) {
  if (s.starts_with("IPv6:") || s.starts_with("ipv6:")) s.remove_prefix(5);
  if (s.empty()) return false;
  bool digit = false;
  for (char c : s) {
    if (!IsHex(c) && c != '.' && c != ':') return false;
    digit |= IsDigit(c) || c == ':';
  }
  return digit;
}

bool IsIpv4(string_view s) {
  int dots = 0;
  int run = 0;
  for (char c : s) {
    if (c == '.') {
      if (run == 0) return false;
      ++dots;
      run = 0;
    } else if (IsDigit(c)) {
      if (++run > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && run > 0;
}

string_view StripTrailingPunct(string_view s) {
  while (!s.empty() && IsPunct(s.back())) s.remove_suffix(1);
  return s;
}

// Rewrites the bracketed endpoints of one token: "mx.example.com[192.0.2.1]:25:" -> "host:",
// "[192.0.2.1]:25" -> "", "x[private/dovecot-lmtp]" -> "host"; other brackets stay.
std::string RewriteEndpoints(string_view tok) {
  std::string out;
  size_t i = 0;
  while (i < tok.size()) {
    size_t lb = tok.find('[', i);
    if (lb == npos) break;
    size_t rb = tok.find(']', lb);
    if (rb == npos) break;
    size_t name_start = lb;
    while (name_start > i && IsNameChar(tok[name_start - 1])) --name_start;
    const bool named = name_start < lb;
    string_view inner = tok.substr(lb + 1, rb - lb - 1);
    if (!named && !IsAddressLike(inner)) {
      out.append(tok.substr(i, rb + 1 - i));
      i = rb + 1;
      continue;
    }
    out.append(tok.substr(i, name_start - i));
    if (named) out += "host";
    size_t end = rb + 1;
    // ":25" port after the bracket.
    if (end + 1 < tok.size() && tok[end] == ':' && IsDigit(tok[end + 1])) {
      ++end;
      while (end < tok.size() && IsDigit(tok[end])) ++end;
    }
    i = end;
  }
  out.append(tok.substr(i));
  return out;
}

// Removes "<...>" spans inside a token: "TO:<a@b>:" -> "TO::".
std::string RemoveAngles(string_view tok) {
  std::string out;
  size_t i = 0;
  while (i < tok.size()) {
    size_t lt = tok.find('<', i);
    if (lt == npos) break;
    size_t gt = tok.find('>', lt);
    if (gt == npos) break;
    out.append(tok.substr(i, lt - i));
    i = gt + 1;
  }
  out.append(tok.substr(i));
  return out;
}

bool StartsWithAny(string_view s, std::initializer_list<string_view> prefixes) {
  for (string_view p : prefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

// The token with client-specific parts removed; "" when nothing of it is kept.
std::string CleanToken(string_view tok) {
  string_view bare = StripTrailingPunct(tok);
  if (bare.empty()) return std::string(tok);  // lone punctuation ("-", ";") is kept
  if (StartsWithAny(tok, {"http://", "https://", "www.", "/", "name=", "id=", "mail_id=",
                          "queue_id=", "ip=", "(http://", "(https://"})) {
    return "";
  }
  // "<x@y>:", "<x@y>...": the whole token is the address.
  if (tok.front() == '<') {
    size_t gt = tok.find('>');
    if (gt != npos && StripTrailingPunct(tok.substr(gt + 1)).empty()) return "";
  }
  std::string t = tok.find('<') != npos ? RemoveAngles(tok) : std::string(tok);
  if (t.find('[') != npos) t = RewriteEndpoints(t);
  string_view b = StripTrailingPunct(t);
  while (!b.empty() && (b.front() == '(' || b.front() == '\'' || b.front() == '"')) {
    b.remove_prefix(1);
  }
  if (b.empty()) return "";
  if (IsIpv4(b)) return "";
  if (b.find('@') != npos) return "";  // a bare address
  // Quoted names: "bob", 'bob'.
  string_view q = StripTrailingPunct(t);
  if (q.size() >= 2 &&
      ((q.front() == '"' && q.back() == '"') || (q.front() == '\'' && q.back() == '\''))) {
    return "";
  }
  return t;
}

std::vector<string_view> SplitWords(string_view s) {
  std::vector<string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// Strips trailing punctuation and dangling words ("see", "visit", ...) left
// where a URL was removed.
void TrimTail(std::string& s) {
  static constexpr std::array<string_view, 6> kDangling = {"see",    "visit", "at",
                                                           "please", "refer", "info"};
  while (true) {
    while (!s.empty() && (IsSpace(s.back()) || IsPunct(s.back()))) s.pop_back();
    size_t sp = s.rfind(' ');
    string_view last = string_view(s).substr(sp == std::string::npos ? 0 : sp + 1);
    bool dangling = false;
    for (string_view d : kDangling) dangling |= scan::LowerCopy(last) == d;
    if (!dangling || sp == std::string::npos) break;
    s.resize(sp);
  }
}

// Cuts `s` to at most `max` bytes at a space (or a UTF-8 boundary).
void CapLength(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t cut = s.rfind(' ', max);
  if (cut == std::string::npos || cut < max / 2) {
    cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  }
  s.resize(cut);
  TrimTail(s);
}

}  // namespace

std::string NormalizeReason(string_view reply, ReasonKind kind) {
  string_view s = scan::TrimSpace(reply);
  std::string prefix;
  // Postfix smtp(8): "host mx[ip] said: 550 ...", "host mx[ip] refused to talk to me: 554 ...".
  if (s.starts_with("host ")) {
    size_t said = s.find(" said: ");
    size_t refused = s.find(" refused to talk to me: ");
    if (said != npos && (refused == npos || said < refused)) {
      s = s.substr(said + 7);
    } else if (refused != npos) {
      prefix = "refused to talk to me: ";
      s = s.substr(refused + 24);
    }
  }
  // Exim: "SMTP error from remote mail server after RCPT TO:<a@b>: 550 ...".
  size_t exim = s.find("SMTP error from remote mail");
  if (exim != npos) {
    size_t after = s.find(" after ", exim);
    size_t colon = after == npos ? npos : s.find(": ", after);
    if (colon != npos) s = s.substr(colon + 2);
  }
  size_t in_reply = s.find(" (in reply to ");
  if (in_reply != npos) s = s.substr(0, in_reply);
  s = scan::TrimSpace(s);

  std::vector<string_view> words = SplitWords(s);
  size_t first = 0;
  std::string code, dsn;
  if (first < words.size()) {
    string_view w = words[first];
    // "550", "550-5.7.26", "550-".
    if (w.size() >= 3 && IsCode(w.substr(0, 3)) && (w.size() == 3 || w[3] == '-')) {
      code = std::string(w.substr(0, 3));
      if (w.size() > 4 && IsDsn(w.substr(4))) dsn = std::string(w.substr(4));
      ++first;
    }
  }
  if (dsn.empty() && first < words.size() && IsDsn(StripTrailingPunct(words[first]))) {
    dsn = std::string(StripTrailingPunct(words[first]));
    ++first;
  }
  // Gmail and others end with a tracking token: "... j24si1897pll.90 - gsmtp".
  size_t last = words.size();
  if (last >= first + 2 && words[last - 1] == "gsmtp" && words[last - 2] == "-") {
    last -= 2;
    if (last > first) --last;
  }

  std::string text;
  for (size_t i = first; i < last; ++i) {
    string_view w = words[i];
    // Continuation lines of a multi-line reply repeat the code and DSN.
    if (!code.empty() && (w == code || (w.starts_with(code) && w.size() > 3 && w[3] == '-' &&
                                        (w.size() == 4 || IsDsn(w.substr(4)))))) {
      continue;
    }
    if (!dsn.empty() && w == dsn) continue;
    std::string t = CleanToken(w);
    if (t.empty()) continue;
    if (!text.empty()) text += ' ';
    text += t;
  }
  // A remote server's reply: its first sentence says it.
  if (!code.empty()) {
    for (size_t dot = text.find(". "); dot != std::string::npos; dot = text.find(". ", dot + 1)) {
      if (dot + 2 < text.size() && IsUpper(text[dot + 2])) {
        text.resize(dot);
        break;
      }
    }
  }
  // Leading punctuation left by a removed address ("<a@b>: x" handled; ": x" here).
  size_t lead = 0;
  while (lead < text.size() && (IsPunct(text[lead]) || IsSpace(text[lead]))) ++lead;
  text.erase(0, lead);
  TrimTail(text);

  std::string out = prefix;
  if (kind == ReasonKind::kDelivery) {
    if (!code.empty()) out += code + " ";
    if (!dsn.empty()) out += dsn + " ";
  } else if (text.empty()) {
    // Nothing but an address was said: the code is all there is.
    if (!code.empty()) out += code + " ";
    if (!dsn.empty()) out += dsn + " ";
  }
  out += text;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  CapLength(out, kMaxReasonLength);
  return out;
}

}  // namespace mlq
