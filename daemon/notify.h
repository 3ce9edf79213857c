// Tells the service manager (systemd, `Type=notify`) about mlqd's state, over
// the AF_UNIX datagram socket named in $NOTIFY_SOCKET (sd_notify(3), from
// Debian's libsystemd). Outside systemd ($NOTIFY_SOCKET unset) every call does
// nothing and returns OK, so mlqd runs the same from a shell.
//
// The protocol mlqd keeps (tests/integration/notify_test.cc checks it
// against a real socket):
//   READY=1       once the store is open and every port listens (after root
//                 is dropped): a connection made after it is served.
//   RELOADING=1   when SIGHUP handling begins; READY=1 again when it ends.
//   STOPPING=1    as soon as SIGTERM/SIGINT is taken, before draining.
//   WATCHDOG=1    every WatchdogInterval() while running, from the I/O
//                 thread's event loop, so a wedged loop stops the pings.
//
// Thread safety: every function may be called from any thread (each call is
// one sendmsg() on a socket of its own).
#pragma once

#include <chrono>
#include <string_view>

#include "absl/status/status.h"

namespace mlq {

// READY=1 with STATUS=`status` (shown by `systemctl status`).
absl::Status NotifyReady(std::string_view status);
// RELOADING=1 with STATUS=`status`; follow with NotifyReady.
absl::Status NotifyReloading(std::string_view status);
// STOPPING=1 with STATUS=`status`.
absl::Status NotifyStopping(std::string_view status);
// WATCHDOG=1.
absl::Status NotifyWatchdog();

// How often to call NotifyWatchdog: half of $WATCHDOG_USEC when the service
// manager asked for pings (WatchdogSec=; $WATCHDOG_PID unset or this
// process), else zero (no pings).
std::chrono::microseconds WatchdogInterval();

}  // namespace mlq
