// ComparePostfixGrok (agreement.h): whyscream/postfix-grok-patterns fields ->
// our fields.
#include <filesystem>
#include <string>
#include <string_view>

#include "coverage/agreement.h"
#include "coverage/corpus_files.h"
#include "coverage/json_line.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

std::string StripAngles(std::string_view v) {
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

// One of the recipients when it is `want`, else the first (or "").
std::string Recipient(const LogRecord& rec, const std::string& want) {
  for (const std::string& t : rec.to) {
    if (t == want) return t;
  }
  return rec.to.empty() ? "" : rec.to.front();
}

std::string Count(int64_t n) { return n < 0 ? "" : std::to_string(n); }

// The key=value pairs of postfix_keyvalue_data ("to=<a>, relay=x, delay=1,").
void CompareKeyValues(std::string_view kv, const LogRecord& rec, const std::string& line,
                      Agreement& a) {
  while (!kv.empty()) {
    size_t sp = kv.find(' ');
    std::string_view item = kv.substr(0, sp);
    kv = sp == std::string_view::npos ? std::string_view() : kv.substr(sp + 1);
    while (item.ends_with(',')) item.remove_suffix(1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(item.substr(0, eq));
    std::string want = StripAngles(item.substr(eq + 1));
    std::string field = "kv." + key;
    if (key == "to") {
      a.Check(field, want, Recipient(rec, want), line);
    } else if (key == "orig_to") {
      a.Check(field, want, rec.orig_to, line);
    } else if (key == "from") {
      a.Check(field, want, rec.from, line);
    } else if (key == "relay") {
      a.Check(field, want, rec.relay, line);
    } else if (key == "delay") {
      a.Check(field, want, rec.delay, line);
    } else if (key == "delays") {
      a.Check(field, want, rec.delays, line);
    } else if (key == "dsn") {
      a.Check(field, want, rec.dsn, line);
    } else if (key == "size") {
      a.Check(field, want, Count(rec.size), line);
    } else if (key == "nrcpt") {
      a.Check(field, want, Count(rec.nrcpt), line);
    } else if (key == "proto") {
      a.Check(field, want, rec.proto, line);
    } else if (key == "helo") {
      a.Check(field, want, rec.helo, line);
    }
  }
}

}  // namespace

Agreement ComparePostfixGrok(const std::string& path, const BodyFn& normalize) {
  Agreement a;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return a;
  for (const std::string& obj : ReadLines(path)) {
    std::string program = BodyProgram(obj);
    std::string line, v;
    if (program.empty() || !JsonValue(obj, "line", &line)) continue;
    // What a syslog line can hold: the body up to its first line end.
    line = line.substr(0, line.find_first_of("\r\n"));
    LogRecord rec = normalize(program, line);
    auto check = [&](std::string_view theirs, const std::string& ours) {
      if (JsonValue(obj, theirs, &v)) a.Check(theirs, v, ours, line);
    };
    // grok captures Postfix's placeholder for "no queue ID"; we leave it empty.
    if (JsonValue(obj, "postfix_queueid", &v)) {
      a.Check("postfix_queueid", v == "NOQUEUE" ? "" : v, rec.queue_id, line);
    }
    check("postfix_client_ip", rec.client_ip);
    check("postfix_client_hostname", rec.client_name);
    check("postfix_client_port", std::string(rec.Extra("client_port")));
    check("postfix_status", rec.status);
    check("postfix_status_code_enhanced", rec.dsn);
    check("postfix_from", rec.from);
    check("postfix_message-id", rec.message_id);
    if (JsonValue(obj, "postfix_bounce_queueid", &v)) {
      std::string got;
      for (const Link& l : rec.links) {
        if (got.empty() || l.queue_id == v) got = l.queue_id;
      }
      a.Check("postfix_bounce_queueid", v, got, line);
    }
    std::string host, where, port;
    if (JsonValue(obj, "postfix_relay_hostname", &host) &&
        (JsonValue(obj, "postfix_relay_ip", &where) ||
         JsonValue(obj, "postfix_relay_service", &where))) {
      std::string want = host + "[" + where + "]";
      if (JsonValue(obj, "postfix_relay_port", &port)) want += ":" + port;
      a.Check("postfix_relay", want, rec.relay, line);
    }
    if (JsonValue(obj, "postfix_keyvalue_data", &v)) CompareKeyValues(v, rec, line, a);
  }
  return a;
}

}  // namespace mlq::testing
