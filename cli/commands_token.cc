// `mlq token create|list|revoke`: the token file mlqd checks gRPC calls
// against (base/token_file.h). Works on the file directly, on mlqd's
// machine; mlqd applies a change on SIGHUP (systemctl reload mlqd).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "base/token_file.h"
#include "cli/commands.h"
#include "cli/format.h"

namespace mlq::cli {
namespace {

constexpr char kTokenFooter[] =
    R"(Tokens let mlqd (started with --grpc-tokens FILE) tell callers apart:
  read    find, trace, tail, stats, queue, status
  ingest  import
  admin   everything, including backup
A read token with --domain sees only lines and traces that involve addresses
of those domains (README, "Security"). The file keeps only a SHA-256 of each
token: the token is printed once, by create. mlqd re-reads the file on SIGHUP
(systemctl reload mlqd).

Examples:
  mlq token create --file /etc/mlq/tokens --role read --domain example.org --name helpdesk
  mlq token list --file /etc/mlq/tokens
  mlq token revoke --file /etc/mlq/tokens helpdesk
  MLQ_TOKEN=mlq_... mlq trace --message-id '<id@example.org>'

Exit status: 0 success, 2 usage error or the file cannot be read or written.)";

struct TokenOptions {
  std::string file;
  std::string role = "read";
  std::vector<std::string> domains;
  std::string name;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "mlq: %s\n", SanitizeForTerminal(message).c_str());
  return kExitError;
}

// The file's tokens; a missing file is an empty list when `missing_ok`.
bool Load(const std::string& file, bool missing_ok, std::vector<TokenEntry>* out) {
  absl::StatusOr<std::vector<TokenEntry>> entries = ReadTokenFile(file);
  if (entries.ok()) {
    *out = *std::move(entries);
    return true;
  }
  if (missing_ok && absl::IsNotFound(entries.status())) return true;
  Fail(std::string(entries.status().message()));
  return false;
}

int RunCreate(const TokenOptions& o) {
  absl::StatusOr<TokenRole> role = ParseTokenRole(o.role);
  if (!role.ok()) return Fail(std::string(role.status().message()));
  if (o.name.empty() || o.name.find_first_of(" \t\r\n=") != std::string::npos) {
    return Fail("--name must be a word without spaces or '=' (it names the token in list/revoke)");
  }
  TokenEntry e;
  e.role = *role;
  e.name = o.name;
  for (const std::string& d : o.domains) {
    absl::StatusOr<std::string> c = CanonicalDomain(d);
    if (!c.ok()) return Fail(std::string(c.status().message()));
    e.domains.push_back(*std::move(c));
  }
  if (!e.domains.empty() && e.role != TokenRole::kRead) {
    return Fail("--domain limits a read token; role " + o.role + " cannot be limited");
  }
  std::vector<TokenEntry> entries;
  if (!Load(o.file, /*missing_ok=*/true, &entries)) return kExitError;
  if (std::any_of(entries.begin(), entries.end(),
                  [&](const TokenEntry& x) { return x.name == e.name; })) {
    return Fail("a token named " + e.name + " exists in " + o.file + " (revoke it first)");
  }
  absl::StatusOr<std::string> token = NewToken();
  if (!token.ok()) return Fail(std::string(token.status().message()));
  e.sha256_hex = HashToken(*token);
  e.created_s = static_cast<int64_t>(std::time(nullptr));
  entries.push_back(e);
  if (absl::Status st = WriteTokenFile(o.file, entries); !st.ok()) {
    return Fail(std::string(st.message()));
  }
  std::printf("%s\n", token->c_str());
  std::fflush(stdout);
  std::string what = o.role;
  for (size_t i = 0; i < e.domains.size(); ++i) what += (i ? "," : ", domains ") + e.domains[i];
  std::fprintf(stderr,
               "mlq: token \"%s\" (%s) added to %s. It is shown only now. Reload mlqd "
               "(SIGHUP, systemctl reload mlqd) to apply.\n",
               SanitizeForTerminal(e.name).c_str(), SanitizeForTerminal(what).c_str(),
               SanitizeForTerminal(o.file).c_str());
  return kExitOk;
}

int RunList(const TokenOptions& o) {
  std::vector<TokenEntry> entries;
  if (!Load(o.file, /*missing_ok=*/false, &entries)) return kExitError;
  std::printf("%-20s %-7s %-19s %s\n", "NAME", "ROLE", "CREATED (UTC)", "DOMAINS");
  for (const TokenEntry& e : entries) {
    char created[32] = "-";
    if (e.created_s != 0) {
      const std::time_t t = static_cast<std::time_t>(e.created_s);
      std::tm tm{};
      gmtime_r(&t, &tm);
      std::strftime(created, sizeof created, "%Y-%m-%d %H:%M:%S", &tm);
    }
    std::string domains;
    for (const std::string& d : e.domains) domains += (domains.empty() ? "" : ",") + d;
    std::printf("%-20s %-7s %-19s %s\n", SanitizeForTerminal(e.name).c_str(),
                std::string(TokenRoleName(e.role)).c_str(), created,
                domains.empty() ? "(all)" : SanitizeForTerminal(domains).c_str());
  }
  return kExitOk;
}

int RunRevoke(const TokenOptions& o) {
  std::vector<TokenEntry> entries;
  if (!Load(o.file, /*missing_ok=*/false, &entries)) return kExitError;
  const size_t before = entries.size();
  std::erase_if(entries, [&](const TokenEntry& e) { return e.name == o.name; });
  if (entries.size() == before) return Fail("no token named " + o.name + " in " + o.file);
  if (absl::Status st = WriteTokenFile(o.file, entries); !st.ok()) {
    return Fail(std::string(st.message()));
  }
  std::fprintf(stderr, "mlq: token \"%s\" revoked. Reload mlqd (SIGHUP) to apply.\n",
               SanitizeForTerminal(o.name).c_str());
  return kExitOk;
}

}  // namespace

Command AddTokenCommand(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<TokenOptions>();
  CLI::App* sub = AddSubcommand(app, "token",
                                "Create, list or revoke mlqd's API tokens (on "
                                "mlqd's machine)",
                                kTokenFooter);
  sub->require_subcommand(1);
  auto file_option = [&](CLI::App* s) {
    s->add_option("--file", o->file, "the token file mlqd reads (--grpc-tokens)")
        ->envname("MLQ_TOKEN_FILE")
        ->required();
  };
  CLI::App* create = sub->add_subcommand("create", "Add a token and print it (once)");
  file_option(create);
  create->add_option("--role", o->role, "read, ingest or admin")->capture_default_str();
  create->add_option("--domain", o->domains,
                     "limit a read token to this mail domain (and its subdomains); repeatable");
  create->add_option("--name", o->name, "who the token is for (unique; used to revoke it)")
      ->required();
  CLI::App* list = sub->add_subcommand("list", "Show the tokens (names and roles, no secrets)");
  file_option(list);
  CLI::App* revoke = sub->add_subcommand("revoke", "Remove a token by name");
  file_option(revoke);
  revoke->add_option("name", o->name, "the token's name")->required();
  return {sub, [o, create, list, revoke] {
            if (create->parsed()) return RunCreate(*o);
            if (list->parsed()) return RunList(*o);
            if (revoke->parsed()) return RunRevoke(*o);
            return kExitError;
          }};
}

}  // namespace mlq::cli
