#include "metrics/mail_classify.h"

#include <array>
#include <cctype>
#include <string>

#include "query/outcome.h"

namespace mlq::metrics {
namespace {

using std::string_view;

std::string LowerPrefix(string_view s) {
  s = s.substr(0, kMaxScanBytes);
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

template <size_t N>
bool Any(string_view s, const std::array<string_view, N>& needles) {
  for (string_view n : needles) {
    if (s.find(n) != string_view::npos) return true;
  }
  return false;
}

// "rbl" only as a word of its own ("RBL", "rbl:"), not inside "Marble".
bool HasRblWord(string_view s) {
  for (size_t at = s.find("rbl"); at != string_view::npos; at = s.find("rbl", at + 1)) {
    const bool left = at == 0 || !std::isalpha(static_cast<unsigned char>(s[at - 1]));
    const bool right = at + 3 >= s.size() || !std::isalpha(static_cast<unsigned char>(s[at + 3]));
    if (left && right) return true;
  }
  return false;
}

constexpr std::array<string_view, 23> kBlockList = {
    "blocked using", "listed at",   "listed in",   "listed on", "blacklist", "blocklist",
    "block list",    "black list",  "dnsbl",       "spamhaus",  "spamcop",   "barracuda",
    "sorbs",         "uceprotect",  "spamrats",    "psbl",      "mailspike", "abuseat",
    "senderscore",   "invaluement", "blacklisted", "dnsrbl",    "surbl"};

bool BlockListIn(string_view lower) { return Any(lower, kBlockList) || HasRblWord(lower); }

}  // namespace

std::string_view RejectClassName(RejectClass c) {
  static constexpr std::array<string_view, kRejectClassCount> kNames = {
      "virus",  "dnsbl", "greylist", "spam", "unknown_recipient", "relay_denied", "helo",
      "sender", "tls",   "policy",   "other"};
  return kNames[static_cast<size_t>(c)];
}

bool IsBlockListReply(std::string_view reply) { return BlockListIn(LowerPrefix(reply)); }

RejectClass ClassifyReject(std::string_view reply) {
  const std::string s = LowerPrefix(reply);
  if (s.empty()) return RejectClass::kOther;
  if (Any(s, std::array<string_view, 3>{"virus", "infected", "malware"})) {
    return RejectClass::kVirus;
  }
  if (BlockListIn(s)) return RejectClass::kDnsbl;
  if (Any(s, std::array<string_view, 3>{"greylist", "graylist", "try again later"})) {
    return RejectClass::kGreylist;
  }
  if (Any(s, std::array<string_view, 3>{"spam", "junk", "bulk mail"})) return RejectClass::kSpam;
  if (Any(s, std::array<string_view, 11>{
                 "user unknown", "unknown user", "no such user", "recipient unknown",
                 "unknown recipient", "does not exist", "mailbox unavailable", "mailbox not found",
                 "invalid recipient", "undeliverable address", "unrouteable address"})) {
    return RejectClass::kUnknownRecipient;
  }
  if (Any(s, std::array<string_view, 6>{"relay access denied", "relaying denied",
                                        "not permitted to relay", "relay not permitted",
                                        "relaying not allowed", "unable to relay"})) {
    return RejectClass::kRelayDenied;
  }
  if (Any(s, std::array<string_view, 2>{"helo", "ehlo"})) return RejectClass::kHelo;
  if (Any(s,
          std::array<string_view, 6>{"sender address rejected", "sender rejected", "sender verify",
                                     "sender domain", "sender address", "domain not found"})) {
    return RejectClass::kSender;
  }
  if (Any(s, std::array<string_view, 2>{"tls", "encryption required"})) return RejectClass::kTls;
  if (Any(s, std::array<string_view, 10>{"policy", "spf", "dmarc", "dkim", "client host rejected",
                                         "access denied", "rate limit", "too many", "not allowed",
                                         "blocked"})) {
    return RejectClass::kPolicy;
  }
  return RejectClass::kOther;
}

bool IsOwnListing(const LogRecord& rec) {
  const Outcome o = OutcomeOf(rec).outcome;
  if (o != Outcome::kDeferred && o != Outcome::kBounced) return false;
  return IsBlockListReply(rec.reply);
}

bool IsMailAuthFailure(const LogRecord& rec) {
  return rec.event == "auth-failure" && rec.family != "sshd";
}

}  // namespace mlq::metrics
