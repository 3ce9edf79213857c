// mlqd's files and privileges: the data folder only its user may read, and
// giving up root after binding the ports.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlq {

// Creates `dir` (and missing parents) with mode 0700 when it does not exist.
// Returns a warning to log ("" when none) when it exists and other users may
// read it; mlqd does not change the mode of a folder it did not create.
absl::StatusOr<std::string> PrepareDataDir(const std::string& dir);

// When running as root with `user` set: hands `data_dir` (recursively) to
// that user, then switches to it (supplementary groups, gid, uid) for good.
// Without root and with `user` naming someone else: an error. Returns what
// to log: "" (nothing done), "running as user mlq (uid 998)", or the root
// warning when `user` is empty and mlqd runs as root.
absl::StatusOr<std::string> DropPrivileges(const std::string& user, const std::string& data_dir);

}  // namespace mlq
