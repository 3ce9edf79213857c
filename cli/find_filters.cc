#include "cli/find_filters.h"

#include <cinttypes>
#include <cstdio>
#include <optional>

#include "base/scan.h"
#include "cli/timespec.h"

namespace mlq::cli {
namespace {

// "@1795341600" or "@1795341600.000123": what ParseTimeSpec reads back exactly.
std::string UnixArg(int64_t us) {
  char buf[48];
  const int64_t secs = us / 1000000;
  const int64_t frac = us % 1000000;
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "@%" PRId64, secs);
  } else {
    std::snprintf(buf, sizeof buf, "@%" PRId64 ".%06" PRId64, secs, frac);
  }
  return buf;
}

}  // namespace

void AddFilterFlags(CLI::App* cmd, FilterFlags* f) {
  cmd->add_option("-m,--message-id", f->message_id, "Message-ID header value, with or without <>");
  cmd->add_option("-q,--queue-id", f->queue_id, "MTA queue ID, e.g. Postfix 4Xb3cG2Y0Zz1kH2");
  cmd->add_option("--host", f->host, "Only lines logged by this mail server (exact host name)");
  cmd->add_option("-a,--address", f->address,
                  "Envelope sender or recipient address (case-insensitive)");
  cmd->add_option("--from", f->from, "Envelope sender address (case-insensitive)");
  cmd->add_option("--to", f->to, "Recipient address, original recipient too (case-insensitive)");
  cmd->add_option("--client-ip", f->client_ip, "SMTP client IP address");
  cmd->add_option("--sasl-user", f->sasl_user, "SASL (SMTP AUTH) user name (case-insensitive)");
  cmd->add_option("--program", f->program,
                  "Program: exact (postfix/smtp) or its last component (smtp)");
  cmd->add_option("--family", f->family, "Log family: postfix, amavis, dovecot, ...");
  cmd->add_option("--event", f->event, "Event kind: delivery, reject, queued, ...");
  cmd->add_option("--status", f->status, "Delivery status: sent, deferred, bounced, reject, ...");
  cmd->add_option("--text,--grep", f->text, "Substring of the raw line (case-insensitive)");
}

void ApplyFilterFlags(const FilterFlags& f, mlq::v1::FindRequest* r) {
  r->set_message_id(f.message_id);
  r->set_queue_id(f.queue_id);
  r->set_host(f.host);
  r->set_address(f.address);
  r->set_from(f.from);
  r->set_to(f.to);
  r->set_client_ip(f.client_ip);
  r->set_sasl_user(f.sasl_user);
  r->set_program(f.program);
  r->set_family(f.family);
  r->set_event(f.event);
  r->set_status(f.status);
  r->set_text(f.text);
}

bool HasFilter(const mlq::v1::FindRequest& r) {
  return !r.message_id().empty() || !r.queue_id().empty() || !r.host().empty() ||
         !r.address().empty() || !r.from().empty() || !r.to().empty() || !r.client_ip().empty() ||
         !r.sasl_user().empty() || !r.program().empty() || !r.family().empty() ||
         !r.event().empty() || !r.status().empty() || !r.text().empty();
}

bool ApplyTimeFlags(const std::string& since, const std::string& until, bool utc, int64_t now_us,
                    mlq::v1::FindRequest* request, std::string* error) {
  int64_t s = 0;
  int64_t u = 0;
  if (!ParseTimeFlag("--since", since, utc, now_us, &s, error) ||
      !ParseTimeFlag("--until", until, utc, now_us, &u, error)) {
    return false;
  }
  if (s != 0 && u != 0 && s >= u) {
    *error = "--since must be earlier than --until";
    return false;
  }
  request->set_since_us(s);
  request->set_until_us(u);
  return true;
}

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    const bool ok =
        scan::IsAlnum(c) || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
    if (!ok) plain = false;
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string FindArguments(const mlq::v1::FindRequest& r) {
  std::string out = "find";
  auto add = [&out](const char* flag, const std::string& value) {
    if (value.empty()) return;
    out += ' ';
    out += flag;
    out += '=';  // "--text=-x" stays one value
    out += ShellQuote(value);
  };
  add("--message-id", r.message_id());
  add("--queue-id", r.queue_id());
  add("--host", r.host());
  add("--address", r.address());
  add("--from", r.from());
  add("--to", r.to());
  add("--client-ip", r.client_ip());
  add("--sasl-user", r.sasl_user());
  add("--program", r.program());
  add("--family", r.family());
  add("--event", r.event());
  add("--status", r.status());
  add("--text", r.text());
  if (r.since_us() != 0) add("--since", UnixArg(r.since_us()));
  if (r.until_us() != 0) add("--until", UnixArg(r.until_us()));
  if (r.newest_first()) out += " --newest-first";
  if (r.limit() != 0) add("--limit", std::to_string(r.limit()));
  add("--page", r.page_token());
  return out;
}

}  // namespace mlq::cli
