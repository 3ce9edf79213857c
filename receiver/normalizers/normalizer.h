// The mail normalizers: program name -> the function that understands that
// daemon's lines and fills the mail fields of a LogRecord (DESIGN.md, "The
// normalized record"). One file per family registers itself into the table
// with an explicit Register<Family>(table) call (see normalizers.cc).
//
// Thread safety: a table is filled once at start-up, then only read; reading
// is safe from any thread. Normalizer functions are stateless.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/record.h"

namespace mlq {

// Fills rec's mail fields from `msg` (the MSG part, i.e. rec.message()).
// Sets rec.family and rec.event when it recognizes the line and returns
// true; returns false (and leaves family empty) when it does not.
using NormalizeFn = bool (*)(std::string_view msg, LogRecord& rec);

class NormalizerTable {
 public:
  // Lines whose program's first path component is `program` go to `fn`:
  // Register("postfix", f) handles "postfix/smtpd", "postfix/submission/smtpd".
  // A program "<name>-<suffix>" (e.g. "postfix-out/smtp") falls back to
  // "<name>" when it has no entry of its own.
  void Register(std::string_view program, NormalizeFn fn);

  // Tried in registration order for lines whose program has no entry (or no
  // program at all, e.g. an Exim mainlog line read from a file).
  void RegisterSniffer(NormalizeFn fn);

  // Normalizes rec in place. Returns true when a normalizer recognized it.
  bool Normalize(LogRecord& rec) const;

  NormalizeFn Find(std::string_view program) const;

 private:
  std::unordered_map<std::string, NormalizeFn> by_program_;
  size_t longest_ = 0;  // the longest registered name
  std::vector<NormalizeFn> sniffers_;
};

// The table with every family registered (built once, then shared).
const NormalizerTable& DefaultNormalizers();

// One per family file.
void RegisterPostfix(NormalizerTable& table);

}  // namespace mlq
