#include "query/filter.h"

#include <algorithm>

#include "base/scan.h"
#include "store/keys.h"

namespace mlq {
namespace {

using scan::LowerCopy;
using scan::StripAngles;
using scan::ToLower;

bool AddressEquals(std::string_view field, std::string_view term_lower) {
  return scan::EqualsIgnoreCase(StripAngles(field), term_lower);
}

// "smtp" matches "smtp" and ".../smtp"; "submission/smtpd" matches
// "postfix/submission/smtpd".
bool ProgramMatches(std::string_view program, std::string_view want) {
  if (program == want) return true;
  return program.size() > want.size() && program.ends_with(want) &&
         program[program.size() - want.size() - 1] == '/';
}

// FNV-1a, 64 bit: stable everywhere, unlike absl::Hash.
class Fnv1a {
 public:
  void Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      h_ ^= c;
      h_ *= 1099511628211ULL;
    }
  }
  void AddU64(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      const char c = static_cast<char>((v >> (8 * i)) & 0xff);
      Add(std::string_view(&c, 1));
    }
  }
  // A field: its number, length and bytes, so ("ab","") != ("a","b").
  void Field(uint64_t number, std::string_view value) {
    AddU64(number);
    AddU64(value.size());
    Add(value);
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 14695981039346656037ULL;
};

}  // namespace

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle_lower) {
  if (needle_lower.empty()) return true;
  if (needle_lower.size() > haystack.size()) return false;
  const char first = needle_lower.front();
  const size_t last_start = haystack.size() - needle_lower.size();
  for (size_t i = 0; i <= last_start; ++i) {
    if (ToLower(haystack[i]) != first) continue;
    size_t j = 1;
    while (j < needle_lower.size() && ToLower(haystack[i + j]) == needle_lower[j]) ++j;
    if (j == needle_lower.size()) return true;
  }
  return false;
}

RecordFilter RecordFilter::FromRequest(const v1::FindRequest& req, bool ignore_time) {
  RecordFilter f;
  f.message_id_ = std::string(StripAngles(req.message_id()));
  f.queue_id_ = req.queue_id();
  f.host_ = req.host();
  f.address_ = LowerCopy(StripAngles(req.address()));
  f.from_ = LowerCopy(StripAngles(req.from()));
  f.to_ = LowerCopy(StripAngles(req.to()));
  f.client_ip_ = req.client_ip();
  f.sasl_user_ = LowerCopy(req.sasl_user());
  f.program_ = req.program();
  f.family_ = req.family();
  f.event_ = req.event();
  f.status_ = req.status();
  f.text_ = LowerCopy(req.text());
  if (!ignore_time) {
    f.since_us_ = req.since_us();
    f.until_us_ = req.until_us();
  }
  return f;
}

bool RecordFilter::empty() const {
  return message_id_.empty() && queue_id_.empty() && host_.empty() && address_.empty() &&
         from_.empty() && to_.empty() && client_ip_.empty() && sasl_user_.empty() &&
         program_.empty() && family_.empty() && event_.empty() && status_.empty() &&
         text_.empty() && since_us_ == 0 && until_us_ == 0;
}

bool RecordFilter::Matches(const LogRecord& rec) const {
  if (since_us_ != 0 && rec.timestamp_us < since_us_) return false;
  if (until_us_ != 0 && rec.timestamp_us >= until_us_) return false;
  if (!message_id_.empty() && StripAngles(rec.message_id) != message_id_) return false;
  if (!queue_id_.empty() && rec.queue_id != queue_id_) return false;
  if (!host_.empty() && rec.host != host_) return false;
  if (!client_ip_.empty() && rec.client_ip != client_ip_) return false;
  if (!sasl_user_.empty() && !scan::EqualsIgnoreCase(rec.sasl_user, sasl_user_)) return false;
  if (!family_.empty() && rec.family != family_) return false;
  if (!event_.empty() && rec.event != event_) return false;
  if (!status_.empty() && rec.status != status_) return false;
  if (!program_.empty() && !ProgramMatches(rec.program, program_)) return false;
  if (!from_.empty() && !AddressEquals(rec.from, from_)) return false;
  auto is_recipient = [&rec](std::string_view term) {
    if (AddressEquals(rec.orig_to, term)) return true;
    return std::any_of(rec.to.begin(), rec.to.end(),
                       [term](const std::string& t) { return AddressEquals(t, term); });
  };
  if (!to_.empty() && !is_recipient(to_)) return false;
  if (!address_.empty() && !AddressEquals(rec.from, address_) && !is_recipient(address_)) {
    return false;
  }
  if (!text_.empty() && !ContainsIgnoreCase(rec.raw, text_)) return false;
  return true;
}

std::optional<FindQuery> RecordFilter::IndexLookup() const {
  FindQuery q;
  q.since_us = since_us_;
  q.until_us = until_us_;
  if (!message_id_.empty()) {
    q.kind = keys::IndexKind::kMessageId;
    q.term = message_id_;
  } else if (!queue_id_.empty()) {
    q.kind = keys::IndexKind::kQueueId;
    q.term = queue_id_;
    q.host = host_;
  } else if (!sasl_user_.empty()) {
    q.kind = keys::IndexKind::kSaslUser;
    q.term = sasl_user_;
  } else if (!client_ip_.empty()) {
    q.kind = keys::IndexKind::kClientIp;
    q.term = client_ip_;
  } else if (!to_.empty()) {
    q.kind = keys::IndexKind::kAddress;
    q.term = to_;
  } else if (!from_.empty()) {
    q.kind = keys::IndexKind::kAddress;
    q.term = from_;
  } else if (!address_.empty()) {
    q.kind = keys::IndexKind::kAddress;
    q.term = address_;
  } else {
    return std::nullopt;
  }
  return q;
}

uint64_t QueryFingerprint(const v1::FindRequest& req) {
  Fnv1a h;
  h.Field(1, req.message_id());
  h.Field(2, req.queue_id());
  h.Field(3, req.address());
  h.Field(4, req.host());
  h.AddU64(5);
  h.AddU64(static_cast<uint64_t>(req.since_us()));
  h.AddU64(6);
  h.AddU64(static_cast<uint64_t>(req.until_us()));
  h.Field(8, req.from());
  h.Field(9, req.to());
  h.Field(10, req.client_ip());
  h.Field(11, req.sasl_user());
  h.Field(12, req.program());
  h.Field(13, req.family());
  h.Field(14, req.event());
  h.Field(15, req.status());
  h.Field(16, req.text());
  h.AddU64(17);
  h.AddU64(req.newest_first() ? 1 : 0);
  return h.value();
}

}  // namespace mlq
