// The MTA rules: each reads one line of its MTA and records what it says in
// the queue graph. A line a rule does not know changes nothing.
#pragma once

#include <string>

#include "oracle/queue_graph.h"
#include "oracle/raw_line.h"

namespace mlq::oracle {

// Postfix (every postfix*/ program): status= lines, queued as / forwarded
// as, qmgr nrcpt / expired / removed, bounce(8) notices, cleanup rejects.
void PostfixRule(const RawLine& l, const std::string& raw, size_t index, QueueGraph* g);

// Exim mainlog lines (or exim via syslog): <= => -> *> ** == Completed.
void EximRule(const RawLine& l, const std::string& raw, size_t index, QueueGraph* g);

// Sendmail: from= nrcpts=, to= stat=, DSN notices.
void SendmailRule(const RawLine& l, const std::string& raw, size_t index, QueueGraph* g);

// Helpers the rules share.
// The value of `key` ("to=") in a Postfix/Sendmail "k=v, k=v" text: up to
// ", " (a <...> value up to its '>'); "" when absent.
std::string Field(const std::string& msg, const std::string& key);
// The word after `marker` ("queued as ") up to a space, ')' or ',' ; "" when absent.
std::string After(const std::string& text, const std::string& marker);

}  // namespace mlq::oracle
