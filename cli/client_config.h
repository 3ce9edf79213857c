// mlq's own config file: defaults for the global options, so that a user
// (a helpdesk, say) types no --server, --token or --ca at all.
//
// Where: $MLQ_CONFIG when set (a file that must exist), else
// $XDG_CONFIG_HOME/mlq/config, else $HOME/.config/mlq/config (optional: a
// missing file is no error). Format, like mlqd's config: one `key = value`
// per line, `#` comments, values optionally in double quotes. Keys: server,
// token, ca, cert, key, tls (true/false), utc (true/false), timeout
// (seconds). Paths (ca, cert, key) may start with `~/`; relative ones are
// relative to the config file's folder.
//
// Precedence, highest first: a flag, its MLQ_* environment variable, the
// config file, the built-in default.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mlq::cli {

struct ClientConfig {
  std::string path;  // the file read ("" when there was none)
  std::optional<std::string> server, token, ca, cert, key;
  std::optional<bool> tls, utc;
  std::optional<double> timeout_s;
  std::vector<std::string> warnings;  // for stderr, e.g. a token readable by others
};

// Which file to read, from the values of $MLQ_CONFIG, $XDG_CONFIG_HOME and
// $HOME (nullptr or "" = unset). `required` is set when the file must exist
// ($MLQ_CONFIG). "" when there is nothing to read.
std::string ClientConfigPath(const char* mlq_config, const char* xdg_config_home, const char* home,
                             bool* required);

// Parses the text of the file at `path` (named in errors; its folder
// resolves relative paths; `home` expands `~/`). Errors (InvalidArgument)
// name the file and line: unknown keys, lines without `=`, bad values.
absl::StatusOr<ClientConfig> ParseClientConfig(std::string_view text, const std::string& path,
                                               const std::string& home);

// Reads and parses `path`. A missing file is an empty config unless
// `required`. Adds a warning when the file holds a token and its group or
// others may read it.
absl::StatusOr<ClientConfig> LoadClientConfig(const std::string& path, bool required,
                                              const std::string& home);

}  // namespace mlq::cli
