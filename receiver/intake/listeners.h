// The syslog listeners on one Boost.Asio io_context:
//  - UDP: one datagram is one message;
//  - TCP and TLS (RFC 5425): RFC 6587 framing, octet counting or LF,
//    detected per frame (framer.h).
//
// Flow control (DESIGN.md): records go to the RecordSink in batches through
// TryPush, which never blocks. When the sink refuses, a TCP/TLS connection
// keeps its batch, stops reading (the sender's own queue holds the data) and
// retries every 2 ms; UDP datagrams that cannot be queued are counted as
// dropped. Memory per connection is bounded by: the 16 KiB read buffer, the
// framer's partial frame (at most max_message), and one batch of at most
// batch_records + the frames of one 2 KiB slice of input (input is fed to
// the framer in 2 KiB slices, and a full batch is handed over before the
// next slice). See docs in README.md ("Limits").
//
// Counters, per listener NAME (udp, tcp, tls), as "listener.NAME.<reason>":
// connections.accepted, connections.open, connections.rejected_limit,
// connections.idle_timeout, frames.oversize, frames.bad_octet_count,
// frames.empty, frames.incomplete, read_paused, dropped.queue_full (udp),
// dropped.store_unavailable (udp: the store could not write, e.g. disk full),
// datagrams.oversize (udp), tls_on_plaintext (tcp: a TLS ClientHello on the
// plaintext port), plaintext_on_tls (tls), handshake_failed,
// handshake_timeout, client_cert_rejected (tls); and the sender checks
// (SenderLimits): refused_address (not in --allow: a connection closed at
// accept, a datagram dropped), refused_per_address (tcp, tls),
// refused_handshakes (tls), frame_timeout (tcp, tls). Also the global
// "dropped.queue_full" and "dropped.store_unavailable". Plus LineParser's
// counters (host_mismatch among them).
//
// Threads (ListenerOptions::io_threads): each TCP/TLS connection runs on one
// of the I/O threads, the one that runs the given io_context or one of the
// listeners' own; the sink's TryPush is called from all of them. Per
// connection, lines reach the sink in the order they were sent; between
// connections there is no order (as between senders).
//
// Thread safety: Start() and Bound() from the control thread before the
// io_context runs; Stop() on the io_context's thread; ReloadTls() and
// ReloadAllow() from any thread after Start(). The destructor joins the
// listeners' own threads (after Stop() once io_context::run() returned,
// they have ended).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "receiver/intake/line_parser.h"
#include "store/counters.h"
#include "store/record_sink.h"

namespace boost::asio {
class io_context;
}

namespace mlq {

struct TlsOptions {
  std::string cert_file;       // PEM certificate chain of the listener
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // when set: clients must present a certificate signed by it
};

// What each sender may do, per listener (README "Limits and bad input",
// "Security"). Shared by the syslog and the RELP listeners.
struct SenderLimits {
  // --allow entries, "LISTENER=CIDR[:HOST[,HOST...]]" (allow_list.h): which
  // addresses a listener serves and which host names each may claim. None
  // for a listener (nor "all"): it serves every address.
  std::vector<std::string> allow;
  // Connections one source address may hold open on one listener (TCP, TLS,
  // RELP); more are closed at accept. 0 = no limit.
  size_t max_connections_per_address = 64;
  // A frame whose first byte arrived must be complete this long after, else
  // the connection is closed (what it sent so far is stored flagged
  // framing-error, as at the idle timeout). Stops senders that keep a
  // connection by dribbling a byte now and then. 0 = no deadline.
  std::chrono::seconds frame_timeout{60};
  // TLS handshakes in progress on one listener; connections beyond are
  // closed at accept, so slow handshakes cannot take every connection slot.
  // 0 = no limit.
  size_t max_handshakes = 256;
};

struct ListenerOptions {
  std::string udp_address;  // "ip:port" ("" = none); port 0 = any free port
  std::string tcp_address;  // "ip:port" ("" = none)
  std::string tls_address;  // "ip:port" ("" = none); needs tls.cert_file and tls.key_file
  TlsOptions tls;
  size_t max_message = 64 * 1024;          // bytes of one message; longer ones are cut and flagged
  size_t max_connections = 4096;           // concurrent TCP + TLS connections
  std::chrono::seconds idle_timeout{600};  // close connections silent this long
  std::chrono::seconds handshake_timeout{10};  // TLS handshake must finish within
  SenderLimits senders;
  size_t batch_records = 256;  // records per TryPush
  // Threads that read, frame and parse TCP/TLS connections: the thread
  // running the io_context given to Listeners, plus io_threads - 1 of the
  // listeners' own, each with an io_context of its own. A new connection
  // goes to the thread with the fewest open, and stays there (its lines
  // reach the sink in the order sent). UDP and the acceptors stay on the
  // given io_context. 0 and 1: that thread alone.
  size_t io_threads = 1;
  // Time zone of zone-less timestamps: "local", "utc", or an IANA name
  // ("Europe/Berlin"); per listener name ("udp", "tcp", "tls") in
  // `timezone_by_listener`, else `timezone`.
  std::string timezone = "local";
  std::map<std::string, std::string> timezone_by_listener;
};

class Listeners {
 public:
  Listeners(boost::asio::io_context* io, RecordSink* sink, Counters* counters,
            const LineParser* parser, ListenerOptions options);
  ~Listeners();

  // Binds and starts listening. InvalidArgument for a malformed address,
  // time zone, --allow entry or unusable TLS files; Unavailable when a bind
  // fails.
  absl::Status Start();

  // The bound addresses, as ("udp"|"tcp"|"tls", "ip:port").
  std::vector<std::pair<std::string, std::string>> Bound() const;

  // Stops accepting, closes every connection and hands every line already
  // received to the sink (retrying while it is full). Runs on the io
  // thread: post it there, e.g. boost::asio::post(io, [&] { l.Stop(); }).
  // io_context::run() returns once every connection, on every I/O thread,
  // has finished.
  void Stop();

  // Re-reads the TLS listener's certificate, key and client CA files (the
  // paths given at start) for new connections; connections already open
  // keep theirs. On failure the old ones stay in use. FailedPrecondition
  // without a TLS listener. Thread safe.
  absl::Status ReloadTls();

  // Replaces every listener's allow list with `allow` (--allow values, as
  // SenderLimits::allow) for connections and datagrams from now on;
  // connections already open stay. InvalidArgument for a malformed entry,
  // and then every listener keeps its list. Thread safe; call after Start().
  absl::Status ReloadAllow(const std::vector<std::string>& allow);

  class Impl;  // opaque; public so the sessions in listeners.cc can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// Splits "ip:port" / "[v6]:port" / ":port" (= all addresses); false on
// malformed input.
bool SplitHostPort(std::string_view address, std::string* host, uint16_t* port);

}  // namespace mlq
