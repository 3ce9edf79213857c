#include "receiver/normalizers/normalizer.h"

#include "receiver/normalizers/amavis.h"
#include "receiver/normalizers/auth_misc.h"
#include "receiver/normalizers/clamav.h"
#include "receiver/normalizers/courier.h"
#include "receiver/normalizers/dma.h"
#include "receiver/normalizers/dovecot.h"
#include "receiver/normalizers/exim.h"
#include "receiver/normalizers/imap_pop.h"
#include "receiver/normalizers/iredapd.h"
#include "receiver/normalizers/kerio.h"
#include "receiver/normalizers/mailscanner.h"
#include "receiver/normalizers/opendkim.h"
#include "receiver/normalizers/perdition.h"
#include "receiver/normalizers/postgrey.h"
#include "receiver/normalizers/qmail.h"
#include "receiver/normalizers/roundcube.h"
#include "receiver/normalizers/sendmail.h"
#include "receiver/normalizers/solid_pop3d.h"
#include "receiver/normalizers/spamassassin.h"
#include "receiver/normalizers/zimbra.h"

namespace mlq {
namespace {

// The program's first path component: "postfix/submission/smtpd" -> "postfix".
// Leading slashes are skipped because some setups log "/postfix-script".
std::string_view FirstComponent(std::string_view program) {
  while (!program.empty() && program.front() == '/') program.remove_prefix(1);
  return program.substr(0, program.find('/'));
}

// rsyslog's repeated-message reduction wraps the line it dropped copies of:
// "message repeated 2 times: [ 535721E1E6C: client=...]". Returns the inner
// message and the count, or false when `msg` is not such a wrapper.
bool UnwrapRepeated(std::string_view msg, std::string_view* inner, std::string_view* count) {
  constexpr std::string_view kPrefix = "message repeated ";
  if (!msg.starts_with(kPrefix)) return false;
  std::string_view rest = msg.substr(kPrefix.size());
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  std::string_view n = rest.substr(0, sp);
  for (char c : n) {
    if (c < '0' || c > '9') return false;
  }
  rest.remove_prefix(sp);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r' || rest.back() == '\n')) {
    rest.remove_suffix(1);
  }
  if (!rest.starts_with(" times: [") || !rest.ends_with("]")) return false;
  rest = rest.substr(9, rest.size() - 10);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  *inner = rest;
  *count = n;
  return true;
}

}  // namespace

void NormalizerTable::Register(std::string_view program, NormalizeFn fn) {
  by_program_[std::string(program)] = fn;
  if (program.size() > longest_) longest_ = program.size();
}

void NormalizerTable::RegisterSniffer(NormalizeFn fn) { sniffers_.push_back(fn); }

NormalizeFn NormalizerTable::Find(std::string_view program) const {
  if (by_program_.empty()) return nullptr;
  std::string_view name = FirstComponent(program);
  // A name longer than every registered one cannot match: start from its
  // longest dash-prefix that could. An RFC 5424 APP-NAME is not limited in
  // length, and trying "a-a-a-...-a" at every dash, copying and hashing each
  // prefix, was quadratic in its length.
  if (name.size() > longest_) {
    size_t dash = name.rfind('-', longest_);
    name = dash == std::string_view::npos || dash == 0 ? std::string_view() : name.substr(0, dash);
  }
  // Most specific first: "postfix-out-2" tries itself, "postfix-out", then
  // "postfix", so a multi-instance setup needs no registration per instance.
  while (!name.empty()) {
    // Program names fit the small-string buffer: this allocates nothing.
    auto it = by_program_.find(std::string(name));
    if (it != by_program_.end()) return it->second;
    size_t dash = name.rfind('-');
    if (dash == std::string_view::npos || dash == 0) break;
    name = name.substr(0, dash);
  }
  return nullptr;
}

bool NormalizerTable::Normalize(LogRecord& rec) const {
  std::string_view msg = rec.message();
  std::string_view inner, count;
  if (UnwrapRepeated(msg, &inner, &count)) {
    // The normalizer sees the original line; the record says how often.
    msg = inner;
    rec.SetExtra("repeated", std::string(count));
  }
  if (NormalizeFn fn = Find(rec.program)) {
    // rsyslog's RSYSLOG_SyslogProtocol23Format keeps the space that followed
    // "TAG:" in the original line: " QID: from=...". Daemons never start a
    // message with blanks, so they are not part of what was logged.
    while (!msg.empty() && msg.front() == ' ') msg.remove_prefix(1);
    return fn(msg, rec);
  }
  // Sniffers see the message as it is: blanks mark continuation lines.
  for (NormalizeFn sniffer : sniffers_) {
    if (sniffer(msg, rec)) return true;
  }
  return false;
}

namespace {

// syslogd's "last message repeated N times": the line before it, N more
// times. Kept as its own event so counts can be corrected.
bool SniffRepeated(std::string_view msg, LogRecord& rec) {
  if (msg.starts_with("--- ")) msg.remove_prefix(4);
  constexpr std::string_view kPrefix = "last message repeated ";
  if (!msg.starts_with(kPrefix)) return false;
  msg.remove_prefix(kPrefix.size());
  size_t n = 0;
  while (n < msg.size() && msg[n] >= '0' && msg[n] <= '9') ++n;
  if (n == 0 || !msg.substr(n).starts_with(" time")) return false;
  rec.family = "syslog";
  rec.event = "repeated";
  rec.SetExtra("repeated", std::string(msg.substr(0, n)));
  return true;
}

}  // namespace

const NormalizerTable& DefaultNormalizers() {
  // Built on first use (thread-safe static init) and never destroyed, so
  // threads still normalizing during shutdown never see a dead table.
  static const NormalizerTable* const table = [] {
    auto* t = new NormalizerTable();
    // One call per family (DESIGN.md: an explicit Register per family).
    RegisterPostfix(*t);
    RegisterAmavis(*t);
    RegisterDovecot(*t);
    RegisterExim(*t);
    RegisterKerio(*t);
    RegisterOpendkim(*t);
    RegisterPostgrey(*t);
    RegisterIredapd(*t);
    RegisterClamav(*t);
    RegisterSpamassassin(*t);
    RegisterRoundcube(*t);
    RegisterSendmail(*t);
    RegisterQmail(*t);
    RegisterDma(*t);
    RegisterCourier(*t);
    RegisterImapPop(*t);
    RegisterSolidPop3d(*t);
    RegisterPerdition(*t);
    RegisterMailScanner(*t);
    RegisterAuthMisc(*t);
    // Zimbra takes "saslauthd" only when no family has it: keep it last.
    RegisterZimbra(*t);
    t->RegisterSniffer(SniffRepeated);
    return t;
  }();
  return *table;
}

}  // namespace mlq
