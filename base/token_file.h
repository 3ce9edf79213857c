// Bearer tokens of mlqd's query API: how one is made, how it is stored
// (hashed) and the token file mlqd reads at start and on SIGHUP.
//
// A token is "mlq_" followed by 43 base64url characters (256 random bits).
// mlqd never stores a token, only its SHA-256; a token is shown once, when
// it is created. The token file holds one token per line:
//
//   sha256=<64 hex> role=read name=helpdesk domains=example.org,example.net created=<unix s>
//
// Blank lines and lines starting with '#' are ignored; the fields may come
// in any order; `domains` is optional and only valid for role=read. Roles:
//   read    Find, Trace, Tail, Stats, Queue, Status
//   ingest  Ingest
//   admin   everything, including Backup
// A read token with domains sees only the lines and traces that involve
// those mail domains (query/access.h says what "involve" means).
//
// Thread safety: plain functions over values; none keeps state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlq {

enum class TokenRole { kRead, kIngest, kAdmin };

// "read", "ingest", "admin".
std::string_view TokenRoleName(TokenRole role);
absl::StatusOr<TokenRole> ParseTokenRole(std::string_view name);

struct TokenEntry {
  std::string sha256_hex;  // of the whole token text
  TokenRole role = TokenRole::kRead;
  std::string name;                  // who it is for; unique in a file
  std::vector<std::string> domains;  // lower case; empty = every domain
  int64_t created_s = 0;
};

// A fresh random token (from the kernel's CSPRNG via OpenSSL).
absl::StatusOr<std::string> NewToken();

// The lower-case hex SHA-256 of `token`.
std::string HashToken(std::string_view token);

// Validates a mail domain for a token ("example.org"; lower-cased, no '@',
// no spaces or commas) and returns its canonical form.
absl::StatusOr<std::string> CanonicalDomain(std::string_view domain);

// One line of the file for `entry`, without the newline.
std::string FormatTokenLine(const TokenEntry& entry);

// Parses a token file's text. Errors name the line ("line 3: ...").
absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(std::string_view text);

// Reads and parses the file at `path`. Refuses a file that other users may
// read or write (mode & 077), since it grants access to every mail log.
absl::StatusOr<std::vector<TokenEntry>> ReadTokenFile(const std::string& path);

// Replaces the file at `path` with `entries` (written to a temporary file
// with mode 0600 beside it, synced, then renamed), keeping nothing else.
// Creates the file when missing.
absl::Status WriteTokenFile(const std::string& path, const std::vector<TokenEntry>& entries);

}  // namespace mlq
