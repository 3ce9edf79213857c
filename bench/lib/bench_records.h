// Helpers of the micro benchmarks that touch the record type.
#pragma once

#include "store/record.h"

namespace mlq::bench {

// Empties the mail fields a normalizer fills (keeping their capacity), so the
// same parsed record can be normalized again.
inline void ClearMailFields(LogRecord& r) {
  r.family.clear();
  r.event.clear();
  r.queue_id.clear();
  r.message_id.clear();
  r.from.clear();
  r.to.clear();
  r.orig_to.clear();
  r.status.clear();
  r.dsn.clear();
  r.relay.clear();
  r.reply.clear();
  r.delay.clear();
  r.delays.clear();
  r.size = -1;
  r.nrcpt = -1;
  r.client_name.clear();
  r.client_ip.clear();
  r.sasl_user.clear();
  r.helo.clear();
  r.proto.clear();
  r.links.clear();
  r.extra.clear();
}

}  // namespace mlq::bench
