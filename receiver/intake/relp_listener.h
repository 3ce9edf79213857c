// The RELP listener (Reliable Event Logging Protocol, rsyslog's omrelp):
// syslog with an application-level acknowledgement per message, on Boost.Asio
// (no librelp), plain TCP or TLS.
//
// Protocol subset (librelp doc/relp.html, relp_version 0 as librelp speaks
// it): frames `TXNR SP COMMAND SP DATALEN [SP DATA] LF`. Commands:
//  - `open`: answered `200 OK` with the offers relp_version=0,
//    relp_software=mlqd, commands=syslog; the client must offer
//    relp_version (else `500`, and the session closes). A second open is
//    answered `200` and ignored, as librelp does.
//  - `syslog`: DATA is one syslog message (LineParser, Transport::kRelp);
//    answered `200 OK` once the message is durably stored (below).
//  - `close`: answered with an empty `rsp`, then the server closes.
//  - anything else: `500 command not supported`, the session goes on.
// Responses go out in the order the commands came in. TXNR 0 (a client
// hint), a command before `open` and any framing error close the session
// at once (no response: the client resends
// what was not acknowledged on its next session). Before the server closes a
// session on its own (idle timeout, Stop(), store unavailable) it answers
// what it can and sends the hint `0 serverclose 0`.
//
// Acknowledgement: the syslog frames of one read (at most batch_records per
// batch) go to the sink as one batch with RecordSink::TryPushAcked; their
// `200 OK` go out only when the sink's callback says the batch is stored
// (with --sync-writes: after the WAL fsync). Many sessions may have batches
// in flight at once, so one group commit and one fsync acknowledge all of
// them. When the callback says the records were lost (mlqd stopped without
// storing them) the session closes without answering them: never a `200`.
// When TryPushAcked refuses:
//  - the sink is only full: the session keeps the batch, stops reading and
//    offers it again every 2 ms (the sender's window fills and it waits);
//  - the sink is unavailable (RecordSink::Unavailable(), e.g. disk full):
//    counted in refused_unavailable; by default the session answers what
//    was stored, then closes without answering the refused frames, so the
//    sender keeps them and resends them on its next session. librelp (the
//    client inside omrelp) drops a frame answered with an error code
//    (src/scrsp.c: the frame leaves the unacked list and is never resent),
//    so a `500` would lose the message there. With
//    RelpOptions::reply_500_when_unavailable each refused frame is answered
//    `500 <reason>` instead, for clients that retry those.
//
// Memory per session is bounded: the 16 KiB read buffer, one partial frame
// (<= max_message + a 64-byte header), one batch (<= batch_records records),
// and at most max_unacked commands awaiting their response: above that the
// session stops reading until responses went out (a client's RELP window is
// 128 by default, so this only bites a client that ignores its window).
//
// Counters "listener.relp.<reason>": connections.accepted,
// connections.open, connections.rejected_limit, connections.idle_timeout,
// frames.malformed, frames.oversize (a message above max_message: its start
// is stored, flagged truncated, and acknowledged like any other), frames.empty (syslog with no
// DATA: answered 200, nothing stored), protocol_error (TXNR 0, command before open, open without
// relp_version), commands.unsupported, messages.acked (200 OK sent for a stored message),
// messages.lost (the sink lost them; the session was closed unanswered), refused_unavailable
// (batches), read_paused (the sink was full), window_paused (max_unacked reached),
// handshake_failed, handshake_timeout, client_cert_rejected,
// plaintext_on_tls (TLS), accept_errors; the sender checks (SenderLimits,
// listeners.h): refused_address, refused_per_address, refused_handshakes
// (TLS), frame_timeout (a frame begun and not finished in time: the
// session closes as at the idle timeout). Plus LineParser's counters
// ("received.relp", "listener.relp.host_mismatch", ...).
//
// Thread safety: Start() and Bound() from the control thread before the
// io_context runs; Stop() on the io_context's thread; ReloadTls() and
// ReloadAllow() from any thread. The sink's callbacks may run on any
// thread: they only post to the io_context, which must therefore outlive
// the sink's last callback (stop the sink before destroying the
// io_context), and the listener must outlive the io_context's run().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "receiver/intake/line_parser.h"
#include "receiver/intake/listeners.h"
#include "store/counters.h"
#include "store/record_sink.h"

namespace boost::asio {
class io_context;
}

namespace mlq {

struct RelpOptions {
  std::string address;             // "ip:port"; port 0 = any free port
  std::optional<TlsOptions> tls;   // with a cert_file: the port speaks TLS only
  size_t max_message = 64 * 1024;  // largest DATA of a frame; larger closes the session
  size_t max_connections = 4096;
  std::chrono::seconds idle_timeout{600};      // close sessions silent this long (0 = never)
  std::chrono::seconds handshake_timeout{10};  // TLS handshake must finish within
  SenderLimits senders;  // allow list, per-address limit, frame deadline, handshakes
  // How long Stop() lets sessions finish: push what was read, wait for the
  // acknowledgements, answer, close. After that they are closed anyway.
  std::chrono::milliseconds drain_timeout{5000};
  std::string timezone = "local";           // "local", "utc" or an IANA name
  size_t batch_records = 256;               // records per TryPushAcked
  size_t max_unacked = 1024;                // commands awaiting a response before reading pauses
  bool reply_500_when_unavailable = false;  // see the header comment
};

class RelpListener {
 public:
  RelpListener(boost::asio::io_context* io, RecordSink* sink, Counters* counters,
               const LineParser* parser, RelpOptions options);
  ~RelpListener();

  // Binds and starts listening. InvalidArgument for a malformed address,
  // time zone or unusable TLS files; Unavailable when the bind fails.
  absl::Status Start();

  // The bound address, "ip:port" ("" before Start()).
  std::string Bound() const;

  // Stops accepting; every session stops reading, hands what it read to the
  // sink, answers what gets stored, sends `0 serverclose 0` and closes
  // (within drain_timeout). Runs on the io thread (post it there);
  // io_context::run() returns once every session has finished.
  void Stop();

  // Re-reads the TLS certificate, key and client CA files for connections
  // accepted from now on. On failure keeps the current ones and says why.
  // FailedPrecondition when the listener does not speak TLS.
  absl::Status ReloadTls();

  // Replaces the allow list with `allow` (--allow values) for connections
  // accepted from now on; sessions already open stay. InvalidArgument for a
  // malformed entry, and then the current list stays. Thread safe; call
  // after Start().
  absl::Status ReloadAllow(const std::vector<std::string>& allow);

  class Impl;  // opaque; public so the sessions in relp_listener.cc can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlq
