#include "coverage/agreement.h"

#include <cstdio>
#include <filesystem>

#include "coverage/daemon_path.h"
#include "coverage/json_line.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

bool Readable(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

bool LooksLikeIp(std::string_view s) {
  if (s.empty()) return false;
  bool sep = false;
  for (char c : s) {
    if (c == '.' || c == ':') {
      sep = true;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return sep;
}

// "2005-03-7T02:09:33" -> "2005-03-07T02:09:33": fail2ban's times are not
// always zero-padded; compared by value, not spelling.
std::string CanonicalTime(const std::string& t) {
  int y, mo, d, h, mi, s, used = 0;
  if (std::sscanf(t.c_str(), "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6) {
    return t;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
  return buf + t.substr(static_cast<size_t>(used));
}

}  // namespace

void Agreement::Check(std::string_view field, std::string_view theirs, std::string_view ours,
                      std::string_view line) {
  ++compared;
  if (theirs == ours) {
    ++agreed;
    return;
  }
  differences.push_back(std::string(field) + ": expected \"" + std::string(theirs) +
                        "\", we say \"" + std::string(ours) + "\"\n      " + std::string(line));
}

void Agreement::Merge(const Agreement& o) {
  compared += o.compared;
  agreed += o.agreed;
  differences.insert(differences.end(), o.differences.begin(), o.differences.end());
}

Agreement CompareFail2ban(const std::string& path, const LineFn& normalize,
                          const RecordFilter& counts, bool compare_time) {
  Agreement a;
  if (!Readable(path)) return a;
  for (const std::string& obj : ReadLines(path)) {
    std::string line, match, v;
    if (!JsonValue(obj, "line", &line)) continue;
    if (!JsonValue(obj, "match", &match) || match != "true") continue;
    LogRecord rec = normalize(line);
    if (counts && !counts(rec)) continue;
    if (JsonValue(obj, "host", &v) && LooksLikeIp(v)) a.Check("host", v, rec.client_ip, line);
    if (JsonValue(obj, "user", &v)) a.Check("user", v, rec.sasl_user, line);
    if (compare_time && JsonValue(obj, "time", &v)) {
      v = CanonicalTime(v);
      std::string ours = IsoTime(rec.timestamp_us);
      if ((rec.flags & kFlagYearGuessed) && v.size() > 4 && ours.size() > 4) {
        v.erase(0, 4);
        ours.erase(0, 4);
      }
      a.Check("time", v, ours, line);
    }
  }
  return a;
}

Agreement CompareSshguard(const std::string& path, std::string_view section,
                          const LineFn& normalize) {
  Agreement a;
  if (!Readable(path)) return a;
  for (const std::string& obj : ReadLines(path)) {
    std::string s, line, addr;
    if (!JsonValue(obj, "section", &s) || s != section) continue;
    if (!JsonValue(obj, "line", &line) || !JsonValue(obj, "addr", &addr)) continue;
    a.Check("addr", addr, normalize(line).client_ip, line);
  }
  return a;
}

Agreement CompareExpectedFieldsTsv(const std::string& path, std::string_view family,
                                   const LineFn& normalize, std::string_view only_source) {
  Agreement a;
  if (!Readable(path)) return a;
  for (const auto& row : ReadTsv(path)) {
    if (row.empty() || row[0].starts_with("#") || row[0] == "source") continue;
    if (row.size() != 4) {
      if (only_source.empty())
        a.Check("row", "4 cells", std::to_string(row.size()) + " cells", row[0]);
      continue;
    }
    const std::string &source = row[0], &line = row[1], &field = row[2], &want = row[3];
    if (!only_source.empty() && source != only_source) continue;
    LogRecord rec = normalize(line);
    std::string got;
    if (field == "to") {
      // Any of the recipients.
      got = rec.to.empty() ? "" : rec.to.front();
      for (const std::string& t : rec.to) {
        if (t == want) got = t;
      }
    } else if (field == "client_ip") {
      got = rec.client_ip;
    } else if (field == "client_name") {
      got = rec.client_name;
    } else if (field == "client_port") {
      got = std::string(rec.Extra("client_port"));
    } else if (field == "helo") {
      got = rec.helo;
    } else if (field == "from") {
      got = rec.from;
    } else if (field == "sasl_user") {
      got = rec.sasl_user;
    } else if (field == "time") {
      got = IsoTime(rec.timestamp_us);
    } else if (field == "time_minute") {
      got = IsoTime(rec.timestamp_us).substr(0, 16);
      got[10] = ' ';
    } else if (field == "recognized") {
      got = rec.family == family && !rec.event.empty() ? "yes" : "no";
    }
    a.Check(source + " " + field, want, got, line);
  }
  return a;
}

}  // namespace mlq::testing
