// The filter flags shared by `mlq find` and `mlq tail`, and the FindRequest
// they make. Pure functions apart from the CLI11 binding; thread-compatible.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "mlq/v1/query.pb.h"

namespace mlq::cli {

// Values of the filter flags; empty = not given.
struct FilterFlags {
  std::string message_id;
  std::string queue_id;
  std::string host;
  std::string address;
  std::string from;
  std::string to;
  std::string client_ip;
  std::string sasl_user;
  std::string program;
  std::string family;
  std::string event;
  std::string status;
  std::string text;
};

// Adds -m/--message-id, -q/--queue-id, --host, -a/--address, --from, --to,
// --client-ip, --sasl-user, --program, --family, --event, --status and
// --text/--grep to `cmd`, bound to *flags (which must outlive `cmd`).
void AddFilterFlags(CLI::App* cmd, FilterFlags* flags);

// Copies the given filters into *request.
void ApplyFilterFlags(const FilterFlags& flags, mlq::v1::FindRequest* request);

// True when `request` has a filter other than time bounds.
bool HasFilter(const mlq::v1::FindRequest& request);

// Sets since_us/until_us of *request from --since/--until texts (empty = not
// given; see timespec.h), `now_us` being now. On a bad value or since >=
// until returns false with a one-line *error naming the flag.
bool ApplyTimeFlags(const std::string& since, const std::string& until, bool utc, int64_t now_us,
                    mlq::v1::FindRequest* request, std::string* error);

// The `mlq find` arguments that repeat `request` (filters, times as
// absolute "@seconds.micros" so the command means the same later, order,
// limit, page token), shell-quoted where needed, e.g.
//   "find --status=deferred --since=@1795341600 --page=AbC"
std::string FindArguments(const mlq::v1::FindRequest& request);

// `s` quoted for a POSIX shell when it holds anything but [A-Za-z0-9@%+=:,./_-].
std::string ShellQuote(const std::string& s);

}  // namespace mlq::cli
