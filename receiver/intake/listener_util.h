// Helpers shared by the syslog listeners (listeners.cc) and the RELP
// listener (relp_listener.cc): addresses, accept errors, server TLS
// contexts, TLS peer identity, the sender checks (allow list, per-address
// connections, TLS handshakes in progress) and the frame deadline.
// Internal to receiver/intake (and MakeServerTlsContext for mlqd's HTTP
// listener, daemon/main.cc).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "receiver/intake/allow_list.h"
#include "receiver/intake/listeners.h"
#include "store/counters.h"

namespace mlq::intake {

// accept() errors that persist until something else frees resources
// (EMFILE, ENFILE, ENOBUFS, ENOMEM).
bool IsResourceShortage(const boost::system::error_code& ec);

// "ip:port", "[v6]:port" for IPv6.
std::string EndpointString(const boost::asio::ip::address& addr, uint16_t port);

// Parses a listen address ("ip:port"); InvalidArgument naming `what` when
// malformed.
absl::StatusOr<boost::asio::ip::address> ParseListenAddress(std::string_view what,
                                                            std::string_view spec, uint16_t* port);

// A TLS server context (TLS 1.2 or later) with the certificate chain and key
// of `tls`, and, with a client_ca_file, required and verified client
// certificates. InvalidArgument naming the file that is unusable.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const TlsOptions& tls);

// Subject of the peer's certificate in RFC 2253 form, "" when none.
std::string PeerSubject(SSL* ssl);

// True when a handshake failed because of the client's certificate (missing
// or not verified).
bool IsClientCertError(const boost::system::error_code& ec);

// The address as allow_list.h compares it (IPv4-mapped IPv6 as IPv4).
IpAddress ToIpAddress(const boost::asio::ip::address& a);

// The sender checks of one listener NAME, with their counters
// "listener.NAME.refused_address", ".refused_per_address",
// ".refused_handshakes" and ".frame_timeout". Used on the listener's io
// thread only, except SetAllowList and allow_generation (any thread); a
// Slot may be released on any thread.
class SenderGate {
 public:
  // A connection slot (per address, or a handshake in progress), given back
  // when released or destroyed. Movable; may outlive the gate.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept { *this = std::move(o); }
    Slot& operator=(Slot&& o) noexcept;
    ~Slot() { Release(); }
    void Release();

   private:
    friend class SenderGate;
    struct Table;
    std::shared_ptr<Table> table_;
    std::string key_;
  };

  struct Admission {
    bool ok = false;
    Slot address;                          // held for the connection's life
    Slot handshake;                        // TLS: release when the handshake ends
    std::vector<std::string> claim_hosts;  // for LineSource::claim_hosts
  };

  // `allow` holds every --allow value (already validated: a malformed one
  // makes Create fail with InvalidArgument).
  static absl::StatusOr<std::unique_ptr<SenderGate>> Create(Counters* counters,
                                                            const std::string& name,
                                                            const SenderLimits& limits);

  // A new connection from `peer`: refused (and counted) when the allow list
  // does not hold it, when it already has max_connections_per_address open
  // here, or, with `tls`, when max_handshakes handshakes are in progress.
  Admission Admit(const boost::asio::ip::address& peer, bool tls);
  // A connection whose address cannot be read (reset before accept()
  // returned): refused (refused_address) with an allow list, since it
  // cannot be checked; else admitted without a per-address slot (it ends
  // at its first read).
  Admission AdmitUnknown(bool tls);

  // UDP: the allow list's verdict on a datagram's sender; counted in
  // refused_address when refused.
  AllowList::Verdict CheckDatagram(const boost::asio::ip::address& peer);

  // Replaces the allow list with `all`'s entries for this listener (every
  // --allow value, parsed: AllowList::Parse), for connections and datagrams
  // from now on; connections already open keep going with the host claims
  // they were admitted with. Thread safe.
  void SetAllowList(const AllowList& all);
  // Changes whenever SetAllowList runs: a cached verdict (UDP's last peer)
  // older than it must be checked again. Thread safe.
  uint64_t allow_generation() const { return allow_generation_.load(std::memory_order_acquire); }

  std::chrono::seconds frame_timeout() const { return limits_.frame_timeout; }
  Counters::Counter& frame_timeouts() { return frame_timeout_; }
  Counters::Counter& refused_address() { return refused_address_; }

 private:
  SenderGate(Counters* counters, const std::string& name, const SenderLimits& limits,
             AllowList list);

  SenderLimits limits_;
  const std::string name_;
  mutable std::mutex list_mu_;
  AllowList list_;  // guarded by list_mu_
  std::atomic<uint64_t> allow_generation_{0};
  std::shared_ptr<Slot::Table> table_;
  Counters::Counter& refused_address_;
  Counters::Counter& refused_per_address_;
  Counters::Counter& refused_handshakes_;
  Counters::Counter& frame_timeout_;
};

// The deadline of the frame in progress on one connection (slowloris): once
// a frame's first byte has been read, the frame must end within `limit`.
// One timer per connection, re-armed at most once per `limit` however many
// frames pass. Used on the connection's io thread only.
class FrameDeadline {
 public:
  FrameDeadline(boost::asio::io_context& io, std::chrono::seconds limit)
      : timer_(io), limit_(limit) {}

  // Call when all input read so far was consumed and the connection waits
  // for more: `in_frame` whether a frame is incomplete, `frame_id` a value
  // that changes whenever a new frame begins. True when the caller must
  // then Arm() the timer (a frame began and no wait is pending).
  bool Update(bool in_frame, uint64_t frame_id);
  // When the frame is still incomplete `limit` after it began, `expired`
  // runs: it returns true when it dealt with it (closed the connection),
  // false when the connection was not waiting for its sender then (reads
  // paused by mlqd): the frame gets `limit` more from then. `expired`
  // should hold the connection alive (only the pending wait keeps it).
  void Arm(std::function<bool()> expired);
  // The connection ends: no more waits.
  void Cancel();

 private:
  boost::asio::steady_timer timer_;
  std::chrono::seconds limit_;
  std::chrono::steady_clock::time_point deadline_{};
  uint64_t frame_id_ = 0;
  bool active_ = false;  // a frame is in progress
  bool armed_ = false;   // a wait is pending
};

}  // namespace mlq::intake
