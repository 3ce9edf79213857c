// Small helpers the normalizers share to fill a LogRecord from views into
// the line being parsed. Header-only; no state.
#pragma once

#include <string>
#include <string_view>

#include "receiver/normalizers/mail_scan.h"
#include "store/record.h"

namespace mlq::fields {

// Copies `v` into `dst` (replacing what was there).
inline void Assign(std::string& dst, std::string_view v) { dst.assign(v.data(), v.size()); }

// Sets extra field `key` to `value`, empty values included.
inline void SetExtra(LogRecord& rec, std::string_view key, std::string_view value) {
  rec.SetExtra(std::string(key), std::string(value));
}

// Sets extra field `key` to `value` unless `value` is empty.
inline void SetExtraIfAny(LogRecord& rec, std::string_view key, std::string_view value) {
  if (!value.empty()) SetExtra(rec, key, value);
}

// The client fields of a Postfix-style endpoint "name[ip]:port": client_name,
// client_ip and, when logged, extra client_port.
inline void SetClient(LogRecord& rec, const scan::Endpoint& ep) {
  Assign(rec.client_name, ep.name);
  Assign(rec.client_ip, ep.ip);
  SetExtraIfAny(rec, "client_port", ep.port);
}

}  // namespace mlq::fields
