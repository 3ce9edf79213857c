// mlqd's command line for the daemon config tests: argv built from a list
// of arguments (the program name added), parsed as mlqd parses it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/config.h"

namespace mlq::daemon_test {

// Owns the strings `argv()` points into.
class Args {
 public:
  explicit Args(std::vector<std::string> args) : args_(std::move(args)) {
    args_.insert(args_.begin(), "mlqd");
    for (std::string& a : args_) argv_.push_back(a.data());
    argv_.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(args_.size()); }
  char** argv() { return argv_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> argv_;
};

// `mlqd args...` through ParseDaemonFlags.
inline absl::StatusOr<DaemonConfig> ParseArgs(std::vector<std::string> args) {
  Args a(std::move(args));
  return ParseDaemonFlags(a.argc(), a.argv());
}

// `mlqd args...` through `parser` (which keeps what it needs for reloads).
inline absl::StatusOr<DaemonConfig> Parse(DaemonFlagParser& parser, std::vector<std::string> args) {
  Args a(std::move(args));
  return parser.Parse(a.argc(), a.argv());
}

}  // namespace mlq::daemon_test
