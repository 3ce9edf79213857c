#include "cli/client_config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mlq::cli {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool Set(const char* v) { return v != nullptr && *v != '\0'; }

std::string Folder(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string ResolvePath(const std::string& value, const std::string& config_path,
                        const std::string& home) {
  if (value.starts_with("~/") && !home.empty()) return home + value.substr(1);
  if (value.starts_with("/") || value.empty()) return value;
  return Folder(config_path) + "/" + value;
}

absl::StatusOr<bool> ParseBool(std::string_view v) {
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  return absl::InvalidArgumentError("expected true or false");
}

}  // namespace

std::string ClientConfigPath(const char* mlq_config, const char* xdg_config_home, const char* home,
                             bool* required) {
  *required = false;
  if (Set(mlq_config)) {
    *required = true;
    return mlq_config;
  }
  // XDG Base Directory: a relative $XDG_CONFIG_HOME is invalid and ignored.
  if (Set(xdg_config_home) && xdg_config_home[0] == '/') {
    return std::string(xdg_config_home) + "/mlq/config";
  }
  if (Set(home)) return std::string(home) + "/.config/mlq/config";
  return "";
}

absl::StatusOr<ClientConfig> ParseClientConfig(std::string_view text, const std::string& path,
                                               const std::string& home) {
  ClientConfig c;
  c.path = path;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    line = Trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    auto error = [&](std::string_view what) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(line_no) + ": " +
                                        std::string(what));
    };
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return error("expected key = value");
    std::string_view key = Trim(line.substr(0, eq));
    std::string_view raw = Trim(line.substr(eq + 1));
    std::string value(raw);
    if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
      value = std::string(raw.substr(1, raw.size() - 2));
    }
    if (key == "server") {
      if (value.empty()) return error("server must not be empty");
      c.server = value;
    } else if (key == "token") {
      c.token = value;
    } else if (key == "ca") {
      c.ca = ResolvePath(value, path, home);
    } else if (key == "cert") {
      c.cert = ResolvePath(value, path, home);
    } else if (key == "key") {
      c.key = ResolvePath(value, path, home);
    } else if (key == "tls" || key == "utc") {
      absl::StatusOr<bool> b = ParseBool(value);
      if (!b.ok()) return error(std::string(key) + ": " + std::string(b.status().message()));
      (key == "tls" ? c.tls : c.utc) = *b;
    } else if (key == "timeout") {
      char* end = nullptr;
      const double t = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(t > 0) || t > 1e6) {
        return error("timeout: a positive number of seconds");
      }
      c.timeout_s = t;
    } else {
      return error("unknown key '" + std::string(key) +
                   "' (known: server, token, ca, cert, key, tls, utc, timeout)");
    }
  }
  return c;
}

absl::StatusOr<ClientConfig> LoadClientConfig(const std::string& path, bool required,
                                              const std::string& home) {
  if (path.empty()) return ClientConfig{};
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT && !required) return ClientConfig{};
    return absl::NotFoundError("cannot read config " + path + ": " + std::strerror(errno));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError("cannot read config " + path);
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ClientConfig> c = ParseClientConfig(text.str(), path, home);
  if (!c.ok()) return c.status();
  if (c->token.has_value() && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    c->warnings.push_back(path + " holds a token and has mode " + mode +
                          ": other local users can read it; chmod 600 " + path);
  }
  return c;
}

}  // namespace mlq::cli
