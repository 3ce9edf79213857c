// CompareCrowdsec (agreement.h): crowdsec hub parser fields -> our fields.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <span>

#include "coverage/agreement.h"
#include "coverage/json_line.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

struct Field {
  std::string_view theirs;  // key under "parsed"
  std::string (*ours)(const LogRecord&);
};

struct Parser {
  std::string_view name;  // "parser" of the s01-parse entries
  bool fold_case;         // compare case-insensitively
  std::span<const Field> fields;
};

std::string Extra(const LogRecord& r, std::string_view key) { return std::string(r.Extra(key)); }

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr Field kAmavis[] = {
    {"amavis_from", [](const LogRecord& r) { return r.from; }},
    {"amavis_to", [](const LogRecord& r) { return Join(r.to); }},
    {"amavis_relay_ip", [](const LogRecord& r) { return r.client_ip; }},
    {"src_port", [](const LogRecord& r) { return Extra(r, "client_port"); }},
    {"amavis_amavis_origin_ip", [](const LogRecord& r) { return Extra(r, "origin_ip"); }},
    {"amavis_category", [](const LogRecord& r) { return Extra(r, "category"); }},
    {"amavis_match", [](const LogRecord& r) { return Extra(r, "virus"); }},
    {"amavis_acions", [](const LogRecord& r) { return Extra(r, "action"); }},
    {"amavis_action", [](const LogRecord& r) { return r.status; }},
    {"amavis_quarantine", [](const LogRecord& r) { return Extra(r, "quarantine"); }},
    {"amavis_size", [](const LogRecord& r) { return std::to_string(r.size); }},
    {"amavis_id", [](const LogRecord& r) { return Extra(r, "amavis_id"); }},
    {"amavis_elapsedtime", [](const LogRecord& r) { return Extra(r, "elapsed_ms"); }},
};

constexpr Field kDovecot[] = {
    {"dovecot_user", [](const LogRecord& r) { return r.sasl_user; }},
    {"dovecot_remote_ip", [](const LogRecord& r) { return r.client_ip; }},
    {"dovecot_local_ip", [](const LogRecord& r) { return Extra(r, "local_ip"); }},
    {"dovecot_user_backend", [](const LogRecord& r) { return Extra(r, "auth_db"); }},
};

// Not "helo": crowdsecurity/postfix-logs puts there the bracketed argument of
// the reject text, the HELO name only in "Helo command rejected" lines (the
// recipient in "Relay access denied" ones); our helo is the helo= field.
constexpr Field kPostfix[] = {
    {"remote_addr", [](const LogRecord& r) { return r.client_ip; }},
    {"remote_host", [](const LogRecord& r) { return r.client_name; }},
    {"smtp_enhanced_status_code", [](const LogRecord& r) { return r.dsn; }},
};

constexpr Field kPostscreen[] = {
    {"remote_addr", [](const LogRecord& r) { return r.client_ip; }},
    {"port", [](const LogRecord& r) { return Extra(r, "client_port"); }},
};

constexpr Parser kParsers[] = {
    {"crowdsecurity/amavis-logs", true, kAmavis},
    {"crowdsecurity/dovecot-logs", false, kDovecot},
    {"crowdsecurity/postfix-logs", false, kPostfix},
    {"crowdsecurity/postscreen-logs", false, kPostscreen},
};

const Parser* FindParser(std::string_view name) {
  for (const Parser& p : kParsers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace

bool CrowdsecParserMapped(std::string_view parser) { return FindParser(parser) != nullptr; }

Agreement CompareCrowdsec(const std::string& path, const LineFn& normalize) {
  Agreement a;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return a;
  for (const std::string& obj : ReadLines(path)) {
    std::string stage, name, line;
    if (!JsonValue(obj, "stage", &stage) || stage != "s01-parse") continue;
    if (!JsonValue(obj, "parser", &name)) continue;
    const Parser* parser = FindParser(name);
    if (parser == nullptr) continue;
    if (!JsonValue(obj, "line", &line) && !JsonValue(obj, "raw_line_guess_by_index", &line)) {
      continue;
    }
    LogRecord rec = normalize(line);
    for (const Field& f : parser->fields) {
      std::string want;
      if (!JsonValue(obj, f.theirs, &want)) continue;
      std::string got = f.ours(rec);
      if (parser->fold_case) {
        want = Lower(want);
        got = Lower(got);
      }
      a.Check(f.theirs, want, got, line);
    }
  }
  return a;
}

}  // namespace mlq::testing
