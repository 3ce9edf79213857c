#include "daemon/notify.h"

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace mlq {
namespace {

absl::Status Send(std::string_view what, std::string_view state) {
  // unset_environment = 0: child processes never exist, and a later call
  // (WATCHDOG=1, STOPPING=1) needs $NOTIFY_SOCKET still.
  int r = sd_notify(0, std::string(state).c_str());
  if (r < 0) {
    return absl::UnavailableError("sd_notify " + std::string(what) + ": " + std::strerror(-r));
  }
  return absl::OkStatus();
}

// STATUS= is one line: newlines would start a new assignment.
std::string StatusLine(std::string_view status) {
  std::string line = "STATUS=";
  for (char ch : status) line += (ch == '\n' || ch == '\r') ? ' ' : ch;
  return line;
}

}  // namespace

absl::Status NotifyReady(std::string_view status) {
  return Send("READY", "READY=1\n" + StatusLine(status));
}

absl::Status NotifyReloading(std::string_view status) {
  return Send("RELOADING", "RELOADING=1\n" + StatusLine(status));
}

absl::Status NotifyStopping(std::string_view status) {
  return Send("STOPPING", "STOPPING=1\n" + StatusLine(status));
}

absl::Status NotifyWatchdog() { return Send("WATCHDOG", "WATCHDOG=1"); }

std::chrono::microseconds WatchdogInterval() {
  uint64_t usec = 0;
  // > 0 only when $WATCHDOG_USEC is set and $WATCHDOG_PID is unset or ours.
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(usec / 2);
}

}  // namespace mlq
