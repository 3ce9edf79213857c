#include "daemon/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace mlq {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

absl::StatusOr<std::string> PrepareDataDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path path(dir);
  if (!fs::exists(path, ec)) {
    if (path.has_parent_path() && !path.parent_path().empty()) {
      fs::create_directories(path.parent_path(), ec);
      if (ec) return absl::PermissionDeniedError("cannot create " + dir + ": " + ec.message());
    }
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(Errno("cannot create " + dir));
    }
    chmod(dir.c_str(), 0700);  // whatever the umask
    return std::string();
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return absl::PermissionDeniedError(Errno("cannot stat " + dir));
  if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(dir + " is not a folder");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "data folder " + dir + " has mode " + mode +
           ": other local users can read every mail log line; chmod 700 it";
  }
  return std::string();
}

absl::StatusOr<std::string> DropPrivileges(const std::string& user, const std::string& data_dir) {
  if (user.empty()) {
    if (geteuid() == 0) {
      return std::string(
          "WARNING: running as root; give --user mlq (mlqd switches after binding its ports) or "
          "run it as an unprivileged user");
    }
    return std::string();
  }
  errno = 0;
  const passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return absl::NotFoundError("--user: no such user: " + user);
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  if (geteuid() != 0) {
    if (geteuid() == uid) return std::string();
    return absl::PermissionDeniedError("--user " + user + " needs mlqd to start as root");
  }
  // The store's files, including those just created while opening it.
  std::error_code ec;
  if (lchown(data_dir.c_str(), uid, gid) != 0) {
    return absl::PermissionDeniedError(Errno("cannot hand " + data_dir + " to " + user));
  }
  for (auto it = std::filesystem::recursive_directory_iterator(data_dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (lchown(it->path().c_str(), uid, gid) != 0) {
      return absl::PermissionDeniedError(
          Errno("cannot hand " + it->path().string() + " to " + user));
    }
  }
  if (ec) return absl::PermissionDeniedError("cannot walk " + data_dir + ": " + ec.message());
  if (initgroups(user.c_str(), gid) != 0) return absl::PermissionDeniedError(Errno("initgroups"));
  if (setgid(gid) != 0) return absl::PermissionDeniedError(Errno("setgid"));
  if (setuid(uid) != 0) return absl::PermissionDeniedError(Errno("setuid"));
  if (setuid(0) == 0) return absl::InternalError("still able to become root after setuid");
  return "running as user " + user + " (uid " + std::to_string(uid) + ")";
}

}  // namespace mlq
