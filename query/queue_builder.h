// The answer of the Queue RPC: mail still sitting in an MTA's queue, as
// `postqueue -p` / `exim -bp` would list it, reconstructed in one pass over
// the log records of a time range (oldest first). No gRPC, no store: it can
// be tested on records alone.
//
// A queue entry is (host, queue ID) of an MTA family (postfix, exim, qmail,
// kerio, sendmail, courier, dma); lines of companions that quote a queue ID
// (amavis, opendkim, clamav, ...) are ignored. An entry starts at its first
// line and ends at:
//   - "removed" (Postfix qmgr/postsuper, Exim "Completed", qmail "end msg"),
//   - "expired" (Postfix: returned to sender, then removed),
//   - a reject or discard with the queue ID (Postfix cleanup/milter: the
//     queue file is dropped without a "removed" line),
//   - for MTAs that log no end of entry: a delivery line after which every
//     recipient known so far has a final status.
// Postfix reuses short queue IDs: after an entry ended, a later line with the
// same ID starts a new entry.
//
// Which open entries are reported:
//   - Postfix, Exim, qmail (they log the end of every entry): entries that
//     were queued (event "queued"), put on hold, or had a delivery attempt.
//     Entries with only smtpd/cleanup lines (client=, message-id=) are not:
//     that is what an aborted SMTP session leaves, and Postfix logs no
//     removal for it.
//   - the others (no end-of-entry line): entries with a recipient that has
//     no final delivery yet.
// For each: recipients that have no final delivery (sent, bounced,
// undeliverable) yet, in order of first mention (Postfix names recipients
// only on delivery lines, so a never-tried entry has none); queued_us = the
// first "queued" line (else the first line); last_status = "hold" / "frozen"
// while held/frozen, else the status of the latest delivery line, else
// "queued"; last_reply and last_relay of the latest deferred line;
// deferrals = the number of deferred lines; size and from of the queued line.
//
// Memory is bounded by the open entries (at most max_open; beyond that,
// entries without queue evidence older than an hour are dropped, then new
// entries are ignored).
//
// Not thread-safe; one builder per request.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mlq/v1/query.pb.h"
#include "store/record.h"

namespace mlq {

struct QueueOptions {
  std::string host;           // only this host's queue; "" = every host
  int64_t now_us = 0;         // ages are measured to this instant
  int64_t older_than_us = 0;  // leave out entries queued less than this long ago
  size_t limit = 1000;        // the oldest `limit` entries
  size_t max_open = 1000000;
};

class QueueBuilder {
 public:
  explicit QueueBuilder(QueueOptions options);

  // Adds one record; records must come in time order (oldest first).
  void Add(const LogRecord& rec);

  // The queued messages, oldest first. Call once.
  v1::QueueResponse Finish();

 private:
  struct Recipient {
    std::string address;
    bool final = false;
  };
  struct Entry {
    std::string host;
    std::string queue_id;
    std::string family;
    std::string message_id;
    std::string from;
    bool from_queued = false;  // `from` came from the queued line
    int64_t size = -1;
    int64_t first_us = 0;
    int64_t last_us = 0;
    int64_t queued_us = 0;  // 0 = no queued line seen
    bool evidence = false;  // queued, held or tried: really in a queue
    bool held = false;
    bool frozen = false;
    std::vector<Recipient> recipients;
    std::string last_delivery_status;
    std::string last_reply;
    std::string last_relay;
    uint32_t deferrals = 0;
  };

  Entry* FindOrCreate(const LogRecord& rec, const std::string& key);
  void Sweep(int64_t now_us);
  static void NoteRecipient(Entry& e, const std::string& address, bool final);

  QueueOptions options_;
  std::unordered_map<std::string, Entry> open_;  // "host\0queue_id"
};

}  // namespace mlq
