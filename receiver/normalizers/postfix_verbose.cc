// Postfix verbose logging (see postfix_verbose.h). The shapes follow the
// msg_info() calls that Postfix makes when msg_verbose is set: smtpd_chat.c
// and smtp_chat.c ("< %s: %s", "> %s: %s"), attr_print0.c / attr_scan0.c
// ("send attr %s = %s", "input attribute name: %s"), maps.c, match_list.c,
// dict_*.c, qmgr_*.c, mail_flow.c, multi_server.c, ...
//
// Hand-written scanning over string_view only.

#include "receiver/normalizers/postfix_verbose.h"

#include <string>
#include <string_view>
#include <unordered_map>

#include "receiver/normalizers/mail_scan.h"
#include "receiver/normalizers/record_fields.h"

namespace mlq::postfix_verbose {
namespace {

using scan::ConsumeChar;
using scan::ConsumeEndpoint;
using scan::ConsumePrefix;
using scan::ConsumeWord;
using scan::Endpoint;
using scan::IsPostfixQueueId;
using scan::LeadingDsn;
using scan::StripAngles;
using scan::Trim;
using scan::TrimRight;
using std::string_view;
constexpr size_t npos = string_view::npos;

using fields::Assign;
using fields::SetExtra;

void SetEvent(LogRecord& rec, string_view event, string_view function) {
  Assign(rec.event, event);
  if (!function.empty()) SetExtra(rec, "function", function);
}

// Sets rec.queue_id from the first token of `s` that is a Postfix queue ID
// ("deferred/7/7DFB6404B2B9", "skip 7DFB6404B2B9 (62 seconds)"), unless it
// is already set. An all-digit token is a number, not an ID.
void FindQueueId(string_view s, LogRecord& rec) {
  if (!rec.queue_id.empty()) return;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && scan::IsAlnum(s[j])) ++j;
    string_view tok = s.substr(i, j - i);
    if (IsPostfixQueueId(tok) && !scan::IsDigits(tok)) {
      Assign(rec.queue_id, tok);
      return;
    }
    i = j + 1;
  }
}

// ---- the SMTP dialog: "< host[ip]: text", "> host[ip]: text" ----

bool IsReplyCode(string_view t) {
  return t.size() >= 3 && scan::IsDigit(t[0]) && scan::IsDigit(t[1]) && scan::IsDigit(t[2]) &&
         (t.size() == 3 || t[3] == ' ' || t[3] == '-');
}

// The address argument of "MAIL FROM:<a> SIZE=1" / "rcpt to: a" after the
// verb: the text after the first ':' up to a space, without brackets.
string_view PathArgument(string_view t) {
  size_t colon = t.find(':');
  if (colon == npos) return {};
  t = Trim(t.substr(colon + 1));
  return StripAngles(t.substr(0, t.find(' ')));
}

bool ParseSmtpTrace(string_view daemon, string_view s, LogRecord& rec) {
  if (s.size() > 8 && s.starts_with(">>> ") && s.ends_with(" <<<")) {
    // smtpd_check.c section markers.
    SetEvent(rec, "restriction-trace", {});
    SetExtra(rec, "stage", s.substr(4, s.size() - 8));
    return true;
  }
  if (s.size() < 4 || (s[0] != '<' && s[0] != '>') || s[1] != ' ') return false;
  string_view t = s.substr(2);
  string_view before = t;
  Endpoint ep;
  if (!ConsumeEndpoint(t, &ep) || !ConsumeChar(t, ':')) return false;
  string_view peer = before.substr(0, before.size() - t.size() - 1);
  ConsumeChar(t, ' ');
  rec.event = "smtp-trace";
  if (daemon == "smtpd" || daemon == "postscreen" || daemon == "qmqpd") {
    fields::SetClient(rec, ep);
  } else {
    Assign(rec.relay, peer);
  }
  SetExtra(rec, "direction", s[0] == '<' ? "received" : "sent");
  if (IsReplyCode(t)) {
    SetExtra(rec, "reply_code", t.substr(0, 3));
    Assign(rec.reply, t);
    Assign(rec.dsn, LeadingDsn(t));
    return true;
  }
  size_t end = 0;
  while (end < t.size() && scan::IsAlpha(t[end])) ++end;
  if (end == 0) return true;
  std::string verb(t.substr(0, end));
  for (char& c : verb) {
    if (scan::IsLower(c)) c = static_cast<char>(c - 'a' + 'A');
  }
  string_view rest = Trim(t.substr(end));
  if (verb == "MAIL") {
    Assign(rec.from, PathArgument(rest));
  } else if (verb == "RCPT") {
    string_view to = PathArgument(rest);
    if (!to.empty()) rec.to.emplace_back(to);
  } else if (verb == "EHLO" || verb == "HELO" || verb == "LHLO") {
    Assign(rec.helo, rest.substr(0, rest.find(' ')));
  }
  rec.SetExtra("command", std::move(verb));
  return true;
}

// ---- attribute streams ----

bool ParseAttr(string_view s, LogRecord& rec) {
  string_view t = s;
  if (ConsumePrefix(t, "send attr ")) {
    size_t eq = t.find(" =");
    if (eq == npos || (eq + 2 < t.size() && t[eq + 2] != ' ')) return false;
    rec.event = "attr-trace";
    SetExtra(rec, "attr_op", "send");
    SetExtra(rec, "attr", t.substr(0, eq));
    SetExtra(rec, "value", Trim(t.substr(eq + 2)));
    return true;
  }
  if (ConsumePrefix(t, "input attribute ")) {
    bool name = ConsumePrefix(t, "name:");
    if (!name && !ConsumePrefix(t, "value:")) return false;
    rec.event = "attr-trace";
    SetExtra(rec, "attr_op", "receive");
    SetExtra(rec, name ? "attr" : "value", Trim(t));
    return true;
  }
  size_t sock = s.find(" socket: wanted attribute: ");
  if (sock != npos && sock < 40 && s.find(' ') == sock) {
    rec.event = "attr-trace";
    SetExtra(rec, "attr_op", "want");
    SetExtra(rec, "socket", s.substr(0, sock));
    SetExtra(rec, "attr", s.substr(sock + 27));
    return true;
  }
  return false;
}

// ---- "function: text" traces ----

// The text before and after the first `sep` of `s`; false when absent.
bool Split(string_view s, string_view sep, string_view* a, string_view* b) {
  size_t p = s.find(sep);
  if (p == npos) return false;
  *a = s.substr(0, p);
  *b = s.substr(p + sep.size());
  return true;
}

// The value of "key=value" in `s` up to the next space ("" when absent).
string_view Field(string_view s, string_view key) { return scan::FieldValue(s, key); }

// resolve_clnt's "`a' -> `b' -> transp=`smtp' host=`h' ..." values: the text
// between "key=`" and "'".
string_view QuotedField(string_view s, string_view key) {
  size_t p = s.find(key);
  if (p == npos || p + key.size() + 2 > s.size() || s[p + key.size()] != '=' ||
      s[p + key.size() + 1] != '`') {
    return {};
  }
  string_view v = s.substr(p + key.size() + 2);
  return v.substr(0, v.find('\''));
}

void ParseLookup(string_view fn, string_view t, LogRecord& rec) {
  SetEvent(rec, "lookup-trace", fn);
  string_view a, b;
  if (fn == "maps_find") {
    // "virtual_alias_maps: @example.org: not found"
    if (!Split(t, ": ", &a, &b)) return;
    SetExtra(rec, "table", a);
    string_view key, result;
    if (Split(b, ": ", &key, &result)) {
      SetExtra(rec, "key", key);
      SetExtra(rec, "result", result);
    } else {
      SetExtra(rec, "key", b);
    }
  } else if (fn == "mail_addr_find") {
    // "user@example.org -> (not found)"
    if (!Split(t, " -> ", &a, &b)) return;
    SetExtra(rec, "key", a);
    SetExtra(rec, "result", b);
  } else if (fn == "match_list_match" || fn == "been_here") {
    // "permit_mynetworks: no match", "127.0.0.0/8: 0"
    size_t p = t.rfind(": ");
    if (p == npos) return;
    SetExtra(rec, "key", t.substr(0, p));
    SetExtra(rec, "result", t.substr(p + 2));
  } else if (fn.starts_with("match_")) {
    // match_string, match_hostname, match_hostaddr: "key ~? pattern"
    if (!Split(t, " ~? ", &a, &b)) return;
    SetExtra(rec, "key", a);
    SetExtra(rec, "pattern", b);
  } else if (fn == "dict_open") {
    SetExtra(rec, "table", t);  // "proxy:unix:passwd.byname"
  } else if (fn == "dict_proxy_open") {
    // "connect to map=unix:passwd.byname status=0 server_flags=fixed"
    string_view map = Field(t, "map");
    if (!map.empty()) SetExtra(rec, "table", map);
  } else if (fn.starts_with("dict_")) {
    // dict_proxy_lookup: "table=unix:passwd.byname flags=lock|fold_fix
    // key=@example.org -> status=1 result="
    string_view table = Field(t, "table");
    if (!table.empty()) SetExtra(rec, "table", table);
    if (Split(t, " -> ", &a, &b)) {
      string_view key = Field(a, "key");
      if (!key.empty()) SetExtra(rec, "key", key);
      size_t r = b.find("result=");
      if (r != npos) SetExtra(rec, "result", b.substr(r + 7));
      string_view status = Field(b, "status");
      if (!status.empty()) SetExtra(rec, "lookup_status", status);
    }
  } else if (fn == "ctable_locate") {
    // "install entry key x@y", "leave existing entry key x@y"
    size_t k = t.rfind(" key ");
    if (k != npos) SetExtra(rec, "key", t.substr(k + 5));
  }
}

void ParseAddress(string_view fn, string_view t, LogRecord& rec) {
  SetEvent(rec, "address-trace", fn);
  string_view a, b;
  if (fn == "resolve_clnt") {
    // "`sender' -> `rcpt@x' -> transp=`smtp' host=`x' rcpt=`rcpt@x' flags= class=default"
    size_t first = t.find("' -> `");
    if (first != npos) {
      string_view addr = t.substr(first + 6);
      SetExtra(rec, "address", addr.substr(0, addr.find('\'')));
    }
    string_view transport = QuotedField(t, "transp");
    if (!transport.empty()) SetExtra(rec, "transport", transport);
    string_view host = QuotedField(t, "host");
    if (!host.empty()) SetExtra(rec, "nexthop", host);
  } else if (fn == "rewrite_clnt") {
    // "local: a@b -> a@b.example"
    string_view rule, rest;
    if (!Split(t, ": ", &rule, &rest) || !Split(rest, " -> ", &a, &b)) return;
    SetExtra(rec, "rule", rule);
    SetExtra(rec, "address", a);
    SetExtra(rec, "result", b);
  } else if (fn == "extract_addr") {
    // "input: <a@b>", "in: <a@b>, result: a@b"
    if (ConsumePrefix(t, "input: ")) {
      SetExtra(rec, "address", t);
    } else if (ConsumePrefix(t, "in: ") && Split(t, ", result: ", &a, &b)) {
      SetExtra(rec, "address", a);
      SetExtra(rec, "result", b);
    }
  } else if (fn == "smtpd_check_addr") {
    if (ConsumePrefix(t, "addr=")) SetExtra(rec, "address", t);
  } else {
    SetExtra(rec, "header", t);  // rewrite_sender: "From"
  }
}

void ParseRestriction(string_view fn, string_view t, LogRecord& rec) {
  SetEvent(rec, "restriction-trace", fn);
  if (fn == "generic_checks") {
    // "name=permit_mynetworks", "name=permit_mynetworks status=0"
    string_view name = Field(t, "name");
    if (!name.empty()) SetExtra(rec, "restriction", name);
    string_view status = Field(t, "status");
    if (!status.empty()) SetExtra(rec, "result", status);
  } else if (fn == "smtpd_check_rewrite") {
    if (ConsumePrefix(t, "trying: ")) SetExtra(rec, "restriction", t);
  } else {
    // permit_mynetworks: "localhost 127.0.0.1"
    SetExtra(rec, "restriction", fn);
    string_view name = ConsumeWord(t);
    if (!t.empty() && t.find(' ') == npos && (t.find('.') != npos || t.find(':') != npos)) {
      Assign(rec.client_name, name);
      Assign(rec.client_ip, t);
    }
  }
}

// "queue active -> incoming" after "start move " / "end move ".
bool ParseQueueMove(string_view phase, string_view t, LogRecord& rec) {
  string_view from, to;
  if (!ConsumePrefix(t, "queue ") || !Split(t, " -> ", &from, &to)) return false;
  rec.event = "queue-move";
  SetExtra(rec, "phase", phase);
  SetExtra(rec, "from_queue", from);
  SetExtra(rec, "to_queue", to);
  return true;
}

// "incoming queue scan" after "start " / "done ".
bool ParseQueueScan(string_view event, string_view t, LogRecord& rec) {
  if (!t.ends_with(" queue scan")) return false;
  string_view queue = t.substr(0, t.size() - 11);
  if (queue.empty() || queue.find(' ') != npos) return false;
  Assign(rec.event, event);
  SetExtra(rec, "queue", queue);
  return true;
}

// "key N key N ..." pairs (smtpd_check_queue) or fsspace's
// ".: block size 4096, blocks free 123".
void ParseQueueSpace(string_view fn, string_view t, LogRecord& rec) {
  SetEvent(rec, "queue-space", fn);
  if (fn == "fsspace") {
    string_view dir, rest;
    if (!Split(t, ": ", &dir, &rest)) return;
    SetExtra(rec, "directory", dir);
    string_view size, free;
    if (Split(rest, ", ", &size, &free)) {
      if (ConsumePrefix(size, "block size ")) SetExtra(rec, "block_size", size);
      if (ConsumePrefix(free, "blocks free ")) SetExtra(rec, "blocks_free", free);
    }
    return;
  }
  // As SetExtra for each pair (a repeated key keeps its first place and
  // takes the last value), but the keys of this list are found through a
  // hash map: SetExtra compares with every extra set so far, quadratic over
  // a line of thousands of pairs. Only the extras that were there before
  // the list are compared one by one.
  // The pairs that will be taken, counted first: room for exactly those.
  size_t pairs = 0;
  for (string_view u = t; !u.empty(); ++pairs) {
    string_view key = ConsumeWord(u);
    if (key.empty() || !scan::IsDigits(ConsumeWord(u))) break;
  }
  const size_t before = rec.extra.size();
  rec.extra.reserve(before + pairs);
  std::unordered_map<string_view, size_t> added;  // key (in the line) -> its extra
  if (pairs > 8) added.reserve(pairs);
  while (!t.empty()) {
    string_view key = ConsumeWord(t);
    string_view value = ConsumeWord(t);
    if (key.empty() || !scan::IsDigits(value)) return;
    size_t at = before;
    for (size_t i = 0; i < before && at == before; ++i) {
      if (rec.extra[i].first == key) at = i;
    }
    if (at == before) {
      auto [it, inserted] = added.try_emplace(key, rec.extra.size());
      if (inserted) {
        rec.extra.emplace_back(std::string(key), std::string(value));
        continue;
      }
      at = it->second;
    }
    Assign(rec.extra[at].second, value);
  }
}

bool ParseDns(string_view fn, string_view t, LogRecord& rec) {
  SetEvent(rec, "dns-trace", fn);
  if (fn == "dns_query") {
    // "example.org (MX): Host found but no data record of requested type"
    size_t open = t.find(" (");
    size_t close = t.find("): ");
    if (open == npos || close == npos || close < open) return true;
    SetExtra(rec, "dns_name", t.substr(0, open));
    SetExtra(rec, "dns_type", t.substr(open + 2, close - open - 2));
    SetExtra(rec, "result", t.substr(close + 3));
  } else if (fn == "dns_get_answer") {
    // "type A for example.org"
    string_view type, name;
    if (ConsumePrefix(t, "type ") && Split(t, " for ", &type, &name)) {
      SetExtra(rec, "dns_type", type);
      SetExtra(rec, "dns_name", name);
    }
  }
  return true;
}

// The function name of "function_name: text": lower-case letters, digits and
// at least one '_'. Empty when `s` does not start with one.
string_view FunctionName(string_view s) {
  size_t i = 0;
  bool underscore = false;
  while (i < s.size() && (scan::IsLower(s[i]) || scan::IsDigit(s[i]) || s[i] == '_')) {
    underscore |= s[i] == '_';
    ++i;
  }
  if (!underscore || i + 1 >= s.size() || s[i] != ':' || s[i + 1] != ' ') return {};
  return s.substr(0, i);
}

bool ParseFunction(string_view fn, string_view t, LogRecord& rec) {
  if (fn == "maps_find" || fn == "mail_addr_find" || fn == "match_list_match" ||
      fn == "match_string" || fn == "match_hostname" || fn == "match_hostaddr" ||
      fn.starts_with("dict_") || fn == "ctable_locate" || fn == "been_here") {
    ParseLookup(fn, t, rec);
    return true;
  }
  if (fn == "resolve_clnt" || fn == "rewrite_clnt" || fn == "extract_addr" ||
      fn == "smtpd_check_addr" || fn == "rewrite_sender") {
    ParseAddress(fn, t, rec);
    return true;
  }
  if (fn == "fsspace" || fn == "smtpd_check_queue") {
    ParseQueueSpace(fn, t, rec);
    return true;
  }
  if (fn == "generic_checks" || fn == "smtpd_check_rewrite" || fn.starts_with("permit_") ||
      fn.starts_with("reject_") || fn.starts_with("check_")) {
    ParseRestriction(fn, t, rec);
    return true;
  }
  if (fn == "qmgr_scan_start") {
    string_view u = t;
    return ConsumePrefix(u, "start ") && ParseQueueScan("queue-scan-start", u, rec);
  }
  if (fn.starts_with("qmgr_") || fn == "transport_event") {
    SetEvent(rec, "qmgr-trace", fn);
    FindQueueId(t, rec);
    return true;
  }
  if (fn == "master_notify") {
    string_view u = t;
    if (!ConsumePrefix(u, "status ")) return false;
    SetEvent(rec, "master-notify", fn);
    SetExtra(rec, "process_status", u);
    return true;
  }
  if (fn == "trigger_server_accept_local" || fn == "trigger_server_accept_fifo" ||
      fn == "trigger_server_accept_pass") {
    SetEvent(rec, "trigger", fn);
    return true;
  }
  if (fn == "name_mask" || fn == "inet_addr_local") {
    SetEvent(rec, "config-trace", fn);
    SetExtra(rec, "value", t);
    return true;
  }
  if (fn == "smtp_stream_setup") {
    SetEvent(rec, "smtp-stream-setup", fn);
    string_view v = Field(t, "maxtime");
    if (!v.empty()) SetExtra(rec, "maxtime", v);
    v = Field(t, "enable_deadline");
    if (!v.empty()) SetExtra(rec, "enable_deadline", v);
    return true;
  }
  if (fn == "mail_flow_put" || fn == "mail_flow_get") {
    SetEvent(rec, "mail-flow", fn);
    SetExtra(rec, "value", t);
    return true;
  }
  if (fn == "auto_clnt_create") {
    // "transport=local endpoint=private/anvil"
    SetEvent(rec, "ipc-connect", fn);
    string_view v = Field(t, "endpoint");
    if (!v.empty()) SetExtra(rec, "service", v);
    v = Field(t, "transport");
    if (!v.empty()) SetExtra(rec, "transport", v);
    return true;
  }
  if (fn.starts_with("cleanup_")) {
    SetEvent(rec, "cleanup-trace", fn);
    string_view u = t;
    if (ConsumePrefix(u, "open incoming/")) FindQueueId(u, rec);
    if (fn == "cleanup_header_callback" && u.size() >= 2 && u.front() == '\'' && u.back() == '\'') {
      SetExtra(rec, "header", u.substr(1, u.size() - 2));
    }
    return true;
  }
  if (fn.starts_with("deliver_request_") || fn == "deliver_message" || fn == "flush_add") {
    SetEvent(rec, "delivery-trace", fn);
    FindQueueId(t, rec);
    return true;
  }
  if (fn == "smtp_connect_addr" || fn == "smtp_addr_one" || fn == "smtp_find_self" ||
      fn == "smtp_parse_destination" || fn == "smtp_connect_host" || fn == "smtp_domain_addr") {
    SetEvent(rec, "smtp-connect-trace", fn);
    string_view u = t;
    if (ConsumePrefix(u, "trying: ")) {
      string_view before = u;
      Endpoint ep;
      if (ConsumeEndpoint(u, &ep)) Assign(rec.relay, before.substr(0, before.size() - u.size()));
    }
    return true;
  }
  if (fn.starts_with("dns_")) return ParseDns(fn, t, rec);
  return false;
}

// Lines without a "function:" prefix.
bool ParsePhrase(string_view s, LogRecord& rec) {
  string_view t = s;
  if (s == "connection established") {
    rec.event = "connection-established";
    return true;
  }
  if (s == "connection closed") {
    rec.event = "connection-closed";
    return true;
  }
  if (ConsumePrefix(t, "connect to subsystem ")) {
    rec.event = "ipc-connect";
    SetExtra(rec, "service", t);
    return true;
  }
  if (s.ends_with(" stream disconnect") && s.find(' ') + 18 == s.size()) {
    rec.event = "ipc-disconnect";
    SetExtra(rec, "service", s.substr(0, s.find(' ')));
    return true;
  }
  if (s.ends_with(" -- exiting") && (s.starts_with("idle timeout") || s.starts_with("master "))) {
    rec.event = "daemon-exit";
    SetExtra(rec, "reason", s.substr(0, s.size() - 11));
    return true;
  }
  if (ConsumePrefix(t, "done ")) return ParseQueueScan("queue-scan-done", t, rec);
  if (ConsumePrefix(t, "start move ")) return ParseQueueMove("start", t, rec);
  t = s;
  if (ConsumePrefix(t, "end move ")) return ParseQueueMove("end", t, rec);
  if (s == "start sorted recipient list" || s == "end sorted recipient list") {
    rec.event = "qmgr-trace";
    SetExtra(rec, "step", s);
    return true;
  }
  t = s;
  if (ConsumePrefix(t, "recipient limit ") && scan::IsDigits(t)) {
    rec.event = "qmgr-trace";
    SetExtra(rec, "recipient_limit", t);
    return true;
  }
  t = s;
  if (ConsumePrefix(t, "wakeup ") && t.ends_with(" secs")) {
    rec.event = "qmgr-trace";
    FindQueueId(t.substr(0, t.find(' ')), rec);
    return true;
  }
  t = s;
  if (s == "request ignored" || ConsumePrefix(t, "request: ")) {
    // qmgr's trigger requests: "request: 65 (A)", "request: 0 (?)"
    rec.event = "trigger";
    if (!t.empty() && t.size() < s.size()) SetExtra(rec, "request", t);
    return true;
  }
  t = s;
  if (ConsumePrefix(t, "process generation: ")) {
    rec.event = "config-trace";
    SetExtra(rec, "param", "process generation");
    SetExtra(rec, "value", t);
    return true;
  }
  if (ConsumePrefix(t, "mynetworks: ") || ConsumePrefix(t, "host name lookup methods: ")) {
    rec.event = "config-trace";
    SetExtra(rec, "param", s.substr(0, s.size() - t.size() - 2));
    SetExtra(rec, "value", t);
    return true;
  }
  if (ConsumePrefix(t, "Compiled against Berkeley DB: ") ||
      ConsumePrefix(t, "Run-time linked against Berkeley DB: ")) {
    rec.event = "config-trace";
    SetExtra(rec, "param", s.substr(0, s.size() - t.size() - 2));
    SetExtra(rec, "value", t);
    return true;
  }
  // Cleanup: "cleanup flags = ...", "before input_transp_cleanup: cleanup flags = ...",
  // "initial envelope A client_name=x", "extracted envelope E", "open incoming/QID".
  if (ConsumePrefix(t, "before input_transp_cleanup: ") ||
      ConsumePrefix(t, "after input_transp_cleanup: ")) {
    rec.event = "cleanup-trace";
    SetExtra(rec, "step", s.substr(0, s.find(' ')));
  }
  if (ConsumePrefix(t, "cleanup flags = ")) {
    rec.event = "cleanup-trace";
    SetExtra(rec, "cleanup_flags", t);
    return true;
  }
  if (!rec.event.empty()) return true;
  t = s;
  if (ConsumePrefix(t, "initial envelope ") || ConsumePrefix(t, "extracted envelope ")) {
    rec.event = "cleanup-trace";
    SetExtra(rec, "envelope_record", ConsumeWord(t));
    if (!t.empty()) SetExtra(rec, "value", t);
    return true;
  }
  if (ConsumePrefix(t, "open incoming/")) {
    rec.event = "cleanup-trace";
    FindQueueId(t, rec);
    return true;
  }
  t = s;
  // smtp(8) finding the next hop: "begin example.org address list",
  // "pref    0 host example.org/192.0.2.1", "connecting to example.org port 25".
  if ((ConsumePrefix(t, "begin ") || ConsumePrefix(t, "end ")) && t.ends_with(" address list")) {
    rec.event = "smtp-connect-trace";
    SetExtra(rec, "nexthop", t.substr(0, t.size() - 13));
    return true;
  }
  t = s;
  if (ConsumePrefix(t, "pref ") || ConsumePrefix(t, "connecting to ")) {
    rec.event = "smtp-connect-trace";
    return true;
  }
  if (ConsumePrefix(t, "lookup ")) {
    // "lookup example.org type A flags 0"
    string_view name = ConsumeWord(t);
    if (!ConsumePrefix(t, "type ")) return false;
    rec.event = "dns-trace";
    SetExtra(rec, "dns_name", name);
    SetExtra(rec, "dns_type", ConsumeWord(t));
    return true;
  }
  // "unknown_address_tempfail_action = defer_if_permit": a parameter value.
  size_t eq = s.find(" = ");
  if (eq != npos && eq > 0 && s.substr(0, eq).find(' ') == npos &&
      s.substr(0, eq).find('_') != npos) {
    for (char c : s.substr(0, eq)) {
      if (!scan::IsLower(c) && !scan::IsDigit(c) && c != '_') return false;
    }
    rec.event = "config-trace";
    SetExtra(rec, "param", s.substr(0, eq));
    SetExtra(rec, "value", s.substr(eq + 3));
    return true;
  }
  return false;
}

bool ClassifyImpl(string_view daemon, string_view s, LogRecord& rec) {
  if (s.empty()) return false;
  if (s[0] == '<' || s[0] == '>') return ParseSmtpTrace(daemon, s, rec);
  if (ParseAttr(s, rec)) return true;
  string_view fn = s.starts_with("fsspace: ") ? s.substr(0, 7) : FunctionName(s);
  if (!fn.empty()) return ParseFunction(fn, s.substr(fn.size() + 2), rec);
  return ParsePhrase(s, rec);
}

}  // namespace

bool Classify(string_view s, LogRecord& rec) {
  string_view program = rec.program;
  string_view daemon = program.substr(program.rfind('/') + 1);  // npos + 1 == 0
  size_t extras = rec.extra.size();
  std::string queue_id = rec.queue_id;
  if (ClassifyImpl(daemon, TrimRight(s), rec)) return true;
  // Undo partial work so that the caller sees the record as it was.
  rec.event.clear();
  rec.extra.resize(extras);
  rec.queue_id = queue_id;
  return false;
}

}  // namespace mlq::postfix_verbose
