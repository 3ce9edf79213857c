// The oracle's model of a log: queue entries (one per queue ID instance and
// host), their recipients with the latest state each line gave them, and
// the links between entries (content-filter re-queues and relays on the
// same host, alias forwards, notices to the sender). The MTA rule files
// (postfix_rules, exim_rules, sendmail_rules) fill it; Resolve() turns it
// into one message per entry that no other entry leads to, with a final
// verdict per recipient, when the message's lines are complete.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mlq::oracle {

// The tracer's vocabulary: delivered deferred bounced rejected quarantined
// expired queued; plus "probe" (an address verification, nothing sent) and
// "suppressed" (Exim -N), which no verdict describes.
struct Recipient {
  std::string address;  // lower case
  std::string orig;     // orig_to / Exim's <original>, lower case; may be ""
  std::string verdict;
  bool final = false;       // no later line can change the verdict
  std::string next_qid;     // "queued as" / "forwarded as" this ID on the same host
  size_t link_index = 0;    // the line that named next_qid
  bool next_local = false;  // next_qid is on this host (a loopback relay)
  bool forwarded = false;
  std::vector<std::string> lines;  // the lines that decided, in file order
};

struct Entry {
  std::string host;
  std::string qid;
  std::string mta;         // postfix, exim, sendmail
  size_t first_index = 0;  // line number of its first line in the file
  std::string first_line;
  int nrcpt = -1;
  bool closed = false;     // Postfix "removed", Exim "Completed"
  bool arrived = false;    // Exim "<=" seen
  bool linked_to = false;  // another entry leads here
  bool notice = false;     // it is a notice to the sender of another entry
  std::vector<Recipient> rcpts;
  std::vector<std::pair<std::string, size_t>> notices;  // notice queue ID, line index

  Recipient* Rcpt(const std::string& address);
  int Final() const;
  // Postfix/Sendmail: removed, or every announced recipient has a final
  // verdict; Exim: Completed. A Sendmail notice, which gets no from= line
  // of its own: every recipient it has is final.
  bool Complete() const;
};

struct Row {
  std::string address;
  std::string alt_address;  // another name of the same recipient (orig_to, Exim <original>)
  std::string verdict;
  bool notice = false;
  std::vector<std::string> lines;
};

struct Message {
  std::string host;
  std::string qid;  // the root entry: what `mlq trace --queue-id` starts from
  std::string mta;
  std::string first_line;
  bool complete = false;
  std::string why_not;  // when not complete (or not comparable)
  std::vector<Row> rows;
};

class QueueGraph {
 public:
  // The current instance of (host, qid), opened with `line` when there is
  // none (or the last one was closed). `index`: the line's number.
  Entry* Open(const std::string& host, const std::string& qid, const std::string& mta, size_t index,
              const std::string& line);
  // A new instance even when one is open (Exim "<=" of a reused ID).
  Entry* OpenNew(const std::string& host, const std::string& qid, const std::string& mta,
                 size_t index, const std::string& line);
  // The instance of (host, qid) whose first line is nearest `index`; null when none.
  Entry* Nearest(const std::string& host, const std::string& qid, size_t index);
  // How many instances (host, qid) had.
  size_t Instances(const std::string& host, const std::string& qid) const;

  std::vector<Message> Resolve();

 private:
  std::map<std::pair<std::string, std::string>, std::vector<Entry>> entries_;
};

// Lower case, without surrounding <>.
std::string NormalAddress(std::string_view a);

}  // namespace mlq::oracle
