// The verdict of an alias (or .forward) that Postfix local(8) expanded:
// "to=<root@mx1>, orig_to=<root>, ..., status=sent (forwarded as NEWQID)".
// The alias was not delivered anywhere itself; its copies went on under
// NEWQID (and, after a content filter's re-queue or a relay, under later
// queue IDs) to the addresses the alias expands to. Its verdict is taken
// from theirs.
//
// The rule (docs/ARCHITECTURE.md, "Aliases"):
//  - the expansions of an alias row are the other rows of the same message
//    (or the same notice) with a line in NEWQID or an entry NEWQID was
//    handed on to, except rows whose original recipient (orig_to) names
//    another address (two aliases forwarded into one entry);
//  - all expansions agree: the alias gets their verdict;
//  - they disagree: the alias gets the worst one, in the order bounced,
//    expired, rejected, quarantined, deferred, queued, unknown, delivered
//    (a failure the sender hears about first, then what is still pending),
//    and the explanation says how many got which ("delivered to 2 of 3;
//    bounced for 1: c@example.org");
//  - the deciding line, DSN and reply are those of the expansion that gave
//    the verdict (the latest one when all agree);
//  - an expansion that is itself a forwarded alias is resolved first; an
//    alias without any expansion row keeps its verdict (queued or unknown).
// Only rows whose own best line was the hand-off (verdict queued or
// unknown) are resolved: a row also delivered directly keeps that.
#pragma once

#include <set>
#include <vector>

#include "query/trace_graph.h"
#include "query/tracer.h"

namespace mlq {

// `queues_of[i]`: the entries with a line about rows[i]; `forwarded[i]`:
// the entries rows[i] was forwarded as (empty when it is not an alias).
// Both have rows->size() elements. Sets verdict, explanation, the deciding
// fields and expanded_to of every alias row that has expansions.
void ResolveAliases(const TraceGraph& graph, const std::vector<std::set<QueueKey>>& queues_of,
                    const std::vector<std::set<QueueKey>>& forwarded,
                    std::vector<RecipientResult>* rows);

}  // namespace mlq
