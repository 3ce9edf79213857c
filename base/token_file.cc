#include "base/token_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/scan.h"

namespace mlq {
namespace {

constexpr std::string_view kPrefix = "mlq_";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::vector<std::string_view> SplitOn(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

absl::StatusOr<TokenEntry> ParseLine(std::string_view line) {
  TokenEntry e;
  bool have_hash = false, have_role = false;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t end = i;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    if (end == i) break;
    const std::string_view field = line.substr(i, end - i);
    i = end;
    const size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError("\"" + std::string(field) + "\" is not key=value");
    }
    const std::string_view key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "sha256") {
      if (!IsHex64(value)) return absl::InvalidArgumentError("sha256 must be 64 lower-case hex");
      e.sha256_hex = std::string(value);
      have_hash = true;
    } else if (key == "role") {
      absl::StatusOr<TokenRole> role = ParseTokenRole(value);
      if (!role.ok()) return role.status();
      e.role = *role;
      have_role = true;
    } else if (key == "name") {
      e.name = std::string(value);
    } else if (key == "domains") {
      for (std::string_view d : SplitOn(value, ',')) {
        absl::StatusOr<std::string> c = CanonicalDomain(d);
        if (!c.ok()) return c.status();
        e.domains.push_back(*std::move(c));
      }
    } else if (key == "created") {
      int64_t v = 0;
      if (value.empty()) return absl::InvalidArgumentError("created is empty");
      for (char c : value) {
        if (!scan::IsDigit(c) || v > (INT64_MAX - 9) / 10) {
          return absl::InvalidArgumentError("created must be unix seconds");
        }
        v = v * 10 + (c - '0');
      }
      e.created_s = v;
    } else {
      return absl::InvalidArgumentError("unknown field \"" + std::string(key) + "\"");
    }
  }
  if (!have_hash) return absl::InvalidArgumentError("sha256= is missing");
  if (!have_role) return absl::InvalidArgumentError("role= is missing");
  if (!e.domains.empty() && e.role != TokenRole::kRead) {
    return absl::InvalidArgumentError("domains= is only for role=read");
  }
  return e;
}

}  // namespace

std::string_view TokenRoleName(TokenRole role) {
  switch (role) {
    case TokenRole::kRead:
      return "read";
    case TokenRole::kIngest:
      return "ingest";
    case TokenRole::kAdmin:
      return "admin";
  }
  return "read";
}

absl::StatusOr<TokenRole> ParseTokenRole(std::string_view name) {
  if (name == "read") return TokenRole::kRead;
  if (name == "ingest") return TokenRole::kIngest;
  if (name == "admin") return TokenRole::kAdmin;
  return absl::InvalidArgumentError("unknown role \"" + std::string(name) +
                                    "\" (read, ingest, admin)");
}

absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("no random bytes for a token (OpenSSL RAND_bytes failed)");
  }
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out(kPrefix);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kB64[(acc << (6 - bits)) & 63]);
  return out;
}

std::string HashToken(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

absl::StatusOr<std::string> CanonicalDomain(std::string_view domain) {
  std::string d = scan::LowerCopy(scan::TrimSpace(domain));
  while (!d.empty() && d.back() == '.') d.pop_back();
  if (d.empty() || d.size() > 253) {
    return absl::InvalidArgumentError("not a mail domain: \"" + std::string(domain) + "\"");
  }
  for (char c : d) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                    static_cast<unsigned char>(c) >= 0x80;
    if (!ok) {
      return absl::InvalidArgumentError("not a mail domain: \"" + std::string(domain) +
                                        "\" (give the part after '@', e.g. example.org)");
    }
  }
  if (d.front() == '.' || d.find("..") != std::string::npos) {
    return absl::InvalidArgumentError("not a mail domain: \"" + std::string(domain) + "\"");
  }
  return d;
}

std::string FormatTokenLine(const TokenEntry& e) {
  std::string line = "sha256=" + e.sha256_hex + " role=" + std::string(TokenRoleName(e.role));
  if (!e.name.empty()) line += " name=" + e.name;
  if (!e.domains.empty()) {
    line += " domains=";
    for (size_t i = 0; i < e.domains.size(); ++i) line += (i ? "," : "") + e.domains[i];
  }
  if (e.created_s != 0) line += " created=" + std::to_string(e.created_s);
  return line;
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(std::string_view text) {
  std::vector<TokenEntry> out;
  int n = 0;
  for (std::string_view line : SplitOn(text, '\n')) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = scan::TrimSpace(line);
    if (line.empty() || line.front() == '#') continue;
    absl::StatusOr<TokenEntry> e = ParseLine(line);
    if (!e.ok()) {
      return absl::InvalidArgumentError("line " + std::to_string(n) + ": " +
                                        std::string(e.status().message()));
    }
    out.push_back(*std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<TokenEntry>> ReadTokenFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError("token file " + path + " does not exist");
    return absl::PermissionDeniedError(Errno("cannot read token file " + path));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    close(fd);
    return absl::PermissionDeniedError("token file " + path +
                                       " may be read or written by other users; chmod 600 it");
  }
  std::string text;
  char buf[8192];
  ssize_t got;
  while ((got = read(fd, buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<size_t>(got));
    if (text.size() > (16u << 20)) {
      close(fd);
      return absl::InvalidArgumentError("token file " + path + " is larger than 16 MiB");
    }
  }
  close(fd);
  if (got < 0) return absl::InternalError(Errno("cannot read token file " + path));
  absl::StatusOr<std::vector<TokenEntry>> entries = ParseTokenFile(text);
  if (!entries.ok()) {
    return absl::InvalidArgumentError("token file " + path + ", " +
                                      std::string(entries.status().message()));
  }
  return entries;
}

absl::Status WriteTokenFile(const std::string& path, const std::vector<TokenEntry>& entries) {
  std::string text =
      "# mlqd bearer tokens (hashed). Managed with `mlq token`; mlqd re-reads it on SIGHUP.\n";
  for (const TokenEntry& e : entries) text += FormatTokenLine(e) + "\n";
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(Errno("cannot write " + tmp));
  fchmod(fd, 0600);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = write(fd, text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      const std::string msg = Errno("cannot write " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return absl::InternalError(msg);
    }
    done += static_cast<size_t>(w);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp.c_str());
    return absl::InternalError(Errno("cannot sync " + tmp));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string msg = Errno("cannot replace " + path);
    unlink(tmp.c_str());
    return absl::InternalError(msg);
  }
  return absl::OkStatus();
}

}  // namespace mlq
