#include "receiver/intake/listeners.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>

#include "receiver/intake/framer.h"
#include "receiver/intake/listener_util.h"
#include "receiver/intake/time_zone.h"

namespace mlq {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using asio::ip::udp;
using intake::EndpointString;
using intake::IsClientCertError;
using intake::IsResourceShortage;
using intake::ParseListenAddress;
using intake::PeerSubject;
using intake::SenderGate;

bool SplitHostPort(std::string_view address, std::string* host, uint16_t* port) {
  size_t colon;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':')
      return false;
    *host = std::string(address.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    *host = std::string(address.substr(0, colon));
    if (host->find(':') != std::string::npos) return false;  // bare IPv6 needs brackets
  }
  if (host->empty()) *host = "0.0.0.0";
  std::string_view p = address.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

namespace {

constexpr size_t kReadBuffer = 16 * 1024;
constexpr size_t kFeedSlice = 2 * 1024;
constexpr auto kRetryDelay = std::chrono::milliseconds(2);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

// The counters of one listener, "listener.<name>.<reason>".
struct ListenerCounters {
  ListenerCounters(Counters* c, const std::string& name)
      : accepted(c->Get("listener." + name + ".connections.accepted")),
        open(c->Get("listener." + name + ".connections.open")),
        rejected_limit(c->Get("listener." + name + ".connections.rejected_limit")),
        idle_timeout(c->Get("listener." + name + ".connections.idle_timeout")),
        frames{&c->Get("listener." + name + ".frames.oversize"),
               &c->Get("listener." + name + ".frames.bad_octet_count"),
               &c->Get("listener." + name + ".frames.empty"),
               &c->Get("listener." + name + ".frames.incomplete")},
        read_paused(c->Get("listener." + name + ".read_paused")),
        dropped_queue_full(c->Get("listener." + name + ".dropped.queue_full")),
        dropped_store_unavailable(c->Get("listener." + name + ".dropped.store_unavailable")),
        datagrams_oversize(c->Get("listener." + name + ".datagrams.oversize")),
        tls_on_plaintext(c->Get("listener." + name + ".tls_on_plaintext")),
        plaintext_on_tls(c->Get("listener." + name + ".plaintext_on_tls")),
        handshake_failed(c->Get("listener." + name + ".handshake_failed")),
        handshake_timeout(c->Get("listener." + name + ".handshake_timeout")),
        client_cert_rejected(c->Get("listener." + name + ".client_cert_rejected")),
        accept_errors(c->Get("listener." + name + ".accept_errors")) {}
  Counters::Counter& accepted;
  Counters::Counter& open;
  Counters::Counter& rejected_limit;
  Counters::Counter& idle_timeout;
  std::array<Counters::Counter*, 4> frames;
  Counters::Counter& read_paused;
  Counters::Counter& dropped_queue_full;
  Counters::Counter& dropped_store_unavailable;  // udp: the store could not write (disk full)
  Counters::Counter& datagrams_oversize;
  Counters::Counter& tls_on_plaintext;
  Counters::Counter& plaintext_on_tls;
  Counters::Counter& handshake_failed;
  Counters::Counter& handshake_timeout;
  Counters::Counter& client_cert_rejected;
  // accept() failed for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM);
  // the listener waits kAcceptRetry before it tries again.
  Counters::Counter& accept_errors;
};

}  // namespace

// One stream listener (tcp or tls).
struct StreamListener {
  std::string name;
  Transport transport;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<ListenerCounters> counters;
  TimeZone zone;
  std::unique_ptr<SenderGate> gate;  // allow list, per-address and handshake limits
  // Armed while accept() is failing for lack of descriptors or memory.
  std::unique_ptr<asio::steady_timer> retry;
};

class SessionBase : public std::enable_shared_from_this<SessionBase>, public FrameHandler {
 public:
  ~SessionBase() override = default;
  virtual void Start() = 0;
  virtual void Close() = 0;
  // The io_context whose thread runs every handler of this session.
  virtual asio::io_context& io() = 0;
  size_t thread_index = 0;  // which of Listeners::Impl's I/O threads (0 = the main one)
};

class Listeners::Impl {
 public:
  Impl(asio::io_context* io, RecordSink* sink, Counters* counters, const LineParser* parser,
       ListenerOptions options)
      : io_(io),
        sink_(sink),
        counters_(counters),
        parser_(parser),
        options_(std::move(options)),
        dropped_queue_full_(counters->Get("dropped.queue_full")),
        dropped_store_unavailable_(counters->Get("dropped.store_unavailable")) {}

  ~Impl();

  absl::Status Start();
  void Stop();
  std::vector<std::pair<std::string, std::string>> Bound() const { return bound_; }

  absl::StatusOr<TimeZone> ZoneFor(const std::string& listener) const {
    auto it = options_.timezone_by_listener.find(listener);
    return TimeZone::Load(it != options_.timezone_by_listener.end() ? it->second
                                                                    : options_.timezone);
  }

  size_t SessionCount() {
    std::lock_guard lock(sessions_mu_);
    return sessions_.size();
  }

  // A session ended (on its own thread). The last one to end after Stop()
  // lets the I/O threads finish.
  void Forget(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(sessions_mu_);
    if (sessions_.erase(s) != 0) --thread_sessions_[s->thread_index];
    if (stopping_ && sessions_.empty()) ReleaseThreadsLocked();
  }

  asio::io_context* io_;
  RecordSink* sink_;
  Counters* counters_;
  const LineParser* parser_;
  ListenerOptions options_;
  Counters::Counter& dropped_queue_full_;
  Counters::Counter& dropped_store_unavailable_;
  // Counts UDP records the sink refused, by reason, and clears the batch.
  void DropUdpBatch() {
    const bool unavailable = !sink_->Unavailable().empty();
    (unavailable ? dropped_store_unavailable_ : dropped_queue_full_)
        .fetch_add(udp_batch_.size(), std::memory_order_relaxed);
    if (udp_counters_) {
      (unavailable ? udp_counters_->dropped_store_unavailable : udp_counters_->dropped_queue_full)
          .fetch_add(udp_batch_.size(), std::memory_order_relaxed);
    }
    udp_batch_.clear();
  }
  // The TLS context for new connections; ReloadTls swaps it (any thread).
  // Each TLS session keeps the one it started with.
  std::shared_ptr<ssl::context> ssl_ctx_;
  std::mutex tls_mu_;
  std::shared_ptr<ssl::context> TlsContext() {
    std::lock_guard lock(tls_mu_);
    return ssl_ctx_;
  }
  absl::Status ReloadTls();
  absl::Status ReloadAllow(const std::vector<std::string>& allow);
  // Set by Stop() on the main thread; read by sessions on every I/O thread.
  std::atomic<bool> stopping_{false};

 private:
  absl::Status StartStream(const std::string& name, Transport transport,
                           const std::string& address);
  absl::Status StartUdp();
  absl::Status SetUpTls();
  void DoAccept(StreamListener* l);
  void DoUdpReceive();
  void HandleDatagram(size_t n, int64_t now_us);
  // The I/O thread with the fewest connections (ties: the lowest index, the
  // main one first). Under sessions_mu_.
  size_t PickThreadLocked() const;
  // Lets the extra I/O threads' run() return, and the main io_context's,
  // once their handlers are done. Under sessions_mu_.
  void ReleaseThreadsLocked();

  std::vector<std::pair<std::string, std::string>> bound_;
  std::vector<std::unique_ptr<StreamListener>> stream_listeners_;

  // The extra I/O threads (ListenerOptions::io_threads - 1), each running
  // an io_context of its own with the connections given to it. Declared
  // before sessions_: sessions hold sockets of these io_contexts.
  std::vector<std::unique_ptr<asio::io_context>> thread_ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> thread_guards_;
  std::vector<std::thread> threads_;

  // Every open TCP/TLS session, and how many each I/O thread runs (index 0:
  // the main io_context). Sessions end on their own threads.
  std::mutex sessions_mu_;
  std::set<std::shared_ptr<SessionBase>> sessions_;
  std::vector<size_t> thread_sessions_;
  // Held from Stop() until the last session ended, so io_->run() returns
  // only once every line read is with the sink.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> main_guard_;

  // UDP
  std::unique_ptr<udp::socket> udp_;
  std::unique_ptr<ListenerCounters> udp_counters_;
  std::unique_ptr<TimeZone> udp_zone_;
  std::unique_ptr<SenderGate> udp_gate_;
  bool udp_have_peer_ = false;
  bool udp_peer_allowed_ = true;
  uint64_t udp_allow_generation_ = 0;  // of the gate's list udp_peer_allowed_ came from
  int64_t udp_zone_checked_s_ = 0;
  std::vector<char> udp_buf_;
  udp::endpoint udp_peer_;
  udp::endpoint udp_last_peer_;
  LineSource udp_source_;
  std::vector<LogRecord> udp_batch_;
};

// One TCP or TLS connection: read -> frame -> parse -> batch -> sink, with
// reads paused while the sink refuses.
template <bool kTls>
class StreamSession final : public SessionBase {
 public:
  using Stream = std::conditional_t<kTls, ssl::stream<tcp::socket>, tcp::socket>;

  // `socket` belongs to `io`, the io_context of the thread that runs this
  // session.
  StreamSession(Listeners::Impl* impl, StreamListener* listener, asio::io_context& io,
                tcp::socket socket, SenderGate::Admission admission)
      : impl_(impl),
        listener_(listener),
        counters_(*listener->counters),
        io_(io),
        ctx_(kTls ? impl->TlsContext() : nullptr),
        stream_(MakeStream(ctx_.get(), std::move(socket))),
        framer_(FramerOptions{impl->options_.max_message}),
        timer_(io),
        idle_(io),
        frame_deadline_(io, listener->gate->frame_timeout()),
        address_slot_(std::move(admission.address)),
        handshake_slot_(std::move(admission.handshake)),
        buf_(kReadBuffer) {
    boost::system::error_code ec;
    tcp::endpoint peer = Socket().remote_endpoint(ec);
    source_.transport = listener->transport;
    source_.claim_hosts = std::move(admission.claim_hosts);
    if (!ec) {
      source_.peer = EndpointString(peer.address(), peer.port());
      source_.peer_host = peer.address().to_string();
    }
  }

  void Start() override {
    counters_.open.fetch_add(1, std::memory_order_relaxed);
    if constexpr (kTls) {
      StartTls();
    } else {
      DoRead();
    }
  }

  asio::io_context& io() override { return io_; }

  // Stops reading; whatever was read still goes to the sink. On the
  // session's thread.
  void Close() override {
    boost::system::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_receive, ec);
    Socket().cancel(ec);
    timer_.cancel();
  }

  void OnFrame(std::string_view frame, uint32_t flags) override {
    impl_->parser_->ParseInto(frame, flags, source_, received_us_, batch_.emplace_back());
  }
  void OnError(FrameError error) override {
    counters_.frames[static_cast<size_t>(error)]->fetch_add(1, std::memory_order_relaxed);
  }

 private:
  static Stream MakeStream(ssl::context* ctx, tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *ctx);
    } else {
      return socket;
    }
  }

  tcp::socket& Socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  std::shared_ptr<StreamSession> Self() {
    return std::static_pointer_cast<StreamSession>(shared_from_this());
  }

  // TLS: peek at the first byte (a handshake record is 0x16), then
  // handshake, all within handshake_timeout.
  void StartTls() {
    timer_.expires_after(impl_->options_.handshake_timeout);
    timer_.async_wait([self = Self()](boost::system::error_code ec) {
      if (ec) return;  // cancelled: the handshake finished
      self->counters_.handshake_timeout.fetch_add(1, std::memory_order_relaxed);
      self->Abort();
    });
    Socket().async_wait(tcp::socket::wait_read, [self = Self()](boost::system::error_code ec) {
      if (ec) return self->Abort();
      uint8_t first = 0;
      ssize_t n = ::recv(self->Socket().native_handle(), &first, 1, MSG_PEEK);
      if (n <= 0) return self->Abort();
      if (first != 0x16) {
        self->counters_.plaintext_on_tls.fetch_add(1, std::memory_order_relaxed);
        return self->Abort();
      }
      self->stream_.async_handshake(
          ssl::stream_base::server,
          [self](boost::system::error_code hec) { self->OnHandshake(hec); });
    });
  }

  void OnHandshake(boost::system::error_code ec) {
    timer_.cancel();
    handshake_slot_.Release();
    // The handshake timer already gave up on this session (and counted it).
    if (closed_) return;
    if (ec) {
      (IsClientCertError(ec) ? counters_.client_cert_rejected : counters_.handshake_failed)
          .fetch_add(1, std::memory_order_relaxed);
      return Abort();
    }
    if constexpr (kTls) source_.peer_subject = PeerSubject(stream_.native_handle());
    DoRead();
  }

  void DoRead() {
    if (impl_->stopping_) {
      eof_ = true;
      return Pump();
    }
    if (impl_->options_.idle_timeout.count() > 0) {
      idle_.expires_after(impl_->options_.idle_timeout);
      idle_.async_wait([self = Self()](boost::system::error_code ec) {
        if (ec) return;
        self->counters_.idle_timeout.fetch_add(1, std::memory_order_relaxed);
        self->Close();
      });
    }
    reading_ = true;
    stream_.async_read_some(asio::buffer(buf_), [self = Self()](boost::system::error_code ec,
                                                                size_t n) { self->OnRead(ec, n); });
  }

  // The frame deadline passed (SenderLimits::frame_timeout): close like the
  // idle timeout does, unless reads are paused by mlqd, not the sender.
  bool OnFrameDeadline() {
    if (!reading_ || closed_) return closed_;
    listener_->gate->frame_timeouts().fetch_add(1, std::memory_order_relaxed);
    Close();
    return true;
  }

  void OnRead(boost::system::error_code ec, size_t n) {
    reading_ = false;
    idle_.cancel();
    received_us_ = NowMicros();
    UpdateZone();
    if constexpr (!kTls) {
      // A TLS ClientHello on the plaintext port: count it, do not store it.
      if (first_read_ && n >= 2 && buf_[0] == 0x16 && buf_[1] == 0x03) {
        counters_.tls_on_plaintext.fetch_add(1, std::memory_order_relaxed);
        return Abort();
      }
    }
    first_read_ = false;
    len_ = n;
    pos_ = 0;
    if (ec) eof_ = true;
    Pump();
  }

  // Moves input through the framer into batches and batches into the sink,
  // pausing (no reads) while the sink refuses.
  void Pump() {
    for (;;) {
      const bool input_done = pos_ == len_;
      if (input_done && eof_ && !finished_) {
        framer_.Finish(*this);
        finished_ = true;
      }
      if (!batch_.empty() && (batch_.size() >= impl_->options_.batch_records || input_done)) {
        if (!impl_->sink_->TryPush(batch_)) {
          counters_.read_paused.fetch_add(1, std::memory_order_relaxed);
          timer_.expires_after(kRetryDelay);
          timer_.async_wait([self = Self()](boost::system::error_code) { self->Pump(); });
          return;
        }
      }
      if (pos_ < len_) {
        const size_t n = std::min(kFeedSlice, len_ - pos_);
        framer_.Feed(std::string_view(buf_.data() + pos_, n), *this);
        pos_ += n;
        continue;
      }
      if (eof_) return Finish();
      if (frame_deadline_.Update(framer_.in_frame(), framer_.frames_begun())) {
        frame_deadline_.Arm([self = Self()] { return self->OnFrameDeadline(); });
      }
      return DoRead();
    }
  }

  // Ends the connection without delivering anything more.
  void Abort() {
    if (finished_ && closed_) return;
    finished_ = true;
    eof_ = true;
    batch_.clear();
    len_ = pos_ = 0;
    Finish();
  }

  void Finish() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    timer_.cancel();
    idle_.cancel();
    frame_deadline_.Cancel();
    Socket().close(ec);
    address_slot_.Release();
    handshake_slot_.Release();
    counters_.open.fetch_sub(1, std::memory_order_relaxed);
    impl_->Forget(shared_from_this());
  }

  void UpdateZone() {
    const int64_t now_s = received_us_ / 1000000;
    if (now_s - zone_checked_s_ >= 60) {
      zone_checked_s_ = now_s;
      source_.utc_offset_s = listener_->zone.OffsetAt(now_s);
    }
  }

  Listeners::Impl* impl_;
  StreamListener* listener_;
  ListenerCounters& counters_;
  asio::io_context& io_;               // the thread this session runs on
  std::shared_ptr<ssl::context> ctx_;  // TLS: the context this session started with
  Stream stream_;
  StreamFramer framer_;
  asio::steady_timer timer_;  // retry / handshake deadline
  asio::steady_timer idle_;
  intake::FrameDeadline frame_deadline_;
  SenderGate::Slot address_slot_;    // this sender's place in max_connections_per_address
  SenderGate::Slot handshake_slot_;  // TLS: held until the handshake ends
  std::vector<char> buf_;
  size_t len_ = 0;  // bytes of buf_ read
  size_t pos_ = 0;  // bytes of buf_ fed to the framer
  LineSource source_;
  std::vector<LogRecord> batch_;
  int64_t received_us_ = 0;
  int64_t zone_checked_s_ = 0;
  bool first_read_ = true;
  bool reading_ = false;  // a read is pending: waiting for the sender
  bool eof_ = false;
  bool finished_ = false;
  bool closed_ = false;
};

absl::Status Listeners::Impl::SetUpTls() {
  const TlsOptions& t = options_.tls;
  if (t.cert_file.empty() || t.key_file.empty()) {
    return absl::InvalidArgumentError("a TLS listener needs --tls-cert and --tls-key");
  }
  absl::StatusOr<std::unique_ptr<ssl::context>> ctx = intake::MakeServerTlsContext(t);
  if (!ctx.ok()) return ctx.status();
  std::lock_guard lock(tls_mu_);
  ssl_ctx_ = std::shared_ptr<ssl::context>(std::move(*ctx));
  return absl::OkStatus();
}

absl::Status Listeners::Impl::ReloadTls() {
  if (!TlsContext()) return absl::FailedPreconditionError("no TLS listener");
  return SetUpTls();  // keeps the old context when the files are unusable
}

absl::Status Listeners::ReloadTls() { return impl_->ReloadTls(); }

absl::Status Listeners::Impl::ReloadAllow(const std::vector<std::string>& allow) {
  absl::StatusOr<AllowList> list = AllowList::Parse(allow);
  if (!list.ok()) return list.status();
  for (const std::unique_ptr<StreamListener>& l : stream_listeners_) l->gate->SetAllowList(*list);
  if (udp_gate_) udp_gate_->SetAllowList(*list);
  return absl::OkStatus();
}

absl::Status Listeners::ReloadAllow(const std::vector<std::string>& allow) {
  return impl_->ReloadAllow(allow);
}

absl::Status Listeners::Impl::StartStream(const std::string& name, Transport transport,
                                          const std::string& address) {
  uint16_t port = 0;
  absl::StatusOr<asio::ip::address> addr = ParseListenAddress(name, address, &port);
  if (!addr.ok()) return addr.status();
  absl::StatusOr<TimeZone> zone = ZoneFor(name);
  if (!zone.ok()) return zone.status();
  absl::StatusOr<std::unique_ptr<SenderGate>> gate =
      SenderGate::Create(counters_, name, options_.senders);
  if (!gate.ok()) return gate.status();
  auto l = std::unique_ptr<StreamListener>(new StreamListener{
      name, transport, std::make_unique<tcp::acceptor>(*io_),
      std::make_unique<ListenerCounters>(counters_, name), *zone, *std::move(gate), nullptr});
  tcp::endpoint ep(*addr, port);
  boost::system::error_code ec;
  l->acceptor->open(ep.protocol(), ec);
  if (!ec) l->acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) l->acceptor->bind(ep, ec);
  if (!ec) l->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return absl::UnavailableError("cannot listen on " + name + " " + address + ": " + ec.message());
  tcp::endpoint local = l->acceptor->local_endpoint(ec);
  bound_.emplace_back(name, EndpointString(local.address(), local.port()));
  DoAccept(l.get());
  stream_listeners_.push_back(std::move(l));
  return absl::OkStatus();
}

absl::Status Listeners::Impl::Start() {
  // The I/O threads beyond the main one, each with an io_context kept
  // running (a work guard) until Stop() and the last session are done.
  const size_t threads = std::max<size_t>(1, options_.io_threads);
  const bool streams = !options_.tcp_address.empty() || !options_.tls_address.empty();
  for (size_t i = 1; streams && i < threads; ++i) {
    thread_ios_.push_back(std::make_unique<asio::io_context>(1));
    thread_guards_.push_back(asio::make_work_guard(*thread_ios_.back()));
  }
  thread_sessions_.resize(thread_ios_.size() + 1);
  if (!options_.tcp_address.empty()) {
    if (absl::Status s = StartStream("tcp", Transport::kTcp, options_.tcp_address); !s.ok())
      return s;
  }
  if (!options_.tls_address.empty()) {
    if (absl::Status s = SetUpTls(); !s.ok()) return s;
    if (absl::Status s = StartStream("tls", Transport::kTls, options_.tls_address); !s.ok())
      return s;
  }
  if (!options_.udp_address.empty()) {
    if (absl::Status s = StartUdp(); !s.ok()) return s;
  }
  for (const std::unique_ptr<asio::io_context>& io : thread_ios_) {
    threads_.emplace_back([io = io.get()] { io->run(); });
  }
  return absl::OkStatus();
}

Listeners::Impl::~Impl() {
  // Without Stop() (a failed start, tests): the extra threads are stopped
  // where they are; their sessions' pending handlers are destroyed, never run.
  {
    std::lock_guard lock(sessions_mu_);
    ReleaseThreadsLocked();
  }
  for (const std::unique_ptr<asio::io_context>& io : thread_ios_) {
    if (!stopping_) io->stop();
  }
  for (std::thread& t : threads_) t.join();
  std::lock_guard lock(sessions_mu_);
  sessions_.clear();
}

size_t Listeners::Impl::PickThreadLocked() const {
  size_t best = 0;
  for (size_t i = 1; i < thread_sessions_.size(); ++i) {
    if (thread_sessions_[i] < thread_sessions_[best]) best = i;
  }
  return best;
}

void Listeners::Impl::ReleaseThreadsLocked() {
  for (auto& g : thread_guards_) g.reset();
  if (main_guard_) main_guard_->reset();
}

void Listeners::Impl::DoAccept(StreamListener* l) {
  l->acceptor->async_accept([this, l](boost::system::error_code ec, tcp::socket socket) {
    if (stopping_ || !l->acceptor->is_open()) return;
    if (ec) {
      if (IsResourceShortage(ec)) {
        // Retrying at once would fail at once: the pending connection stays
        // in the kernel's backlog until a descriptor frees up.
        l->counters->accept_errors.fetch_add(1, std::memory_order_relaxed);
        if (!l->retry) l->retry = std::make_unique<asio::steady_timer>(*io_);
        l->retry->expires_after(kAcceptRetry);
        l->retry->async_wait([this, l](boost::system::error_code tec) {
          if (tec || stopping_) return;
          DoAccept(l);
        });
        return;
      }
    } else if (SessionCount() >= options_.max_connections) {
      l->counters->rejected_limit.fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      // The sender checks: allow list, per-address limit, TLS handshakes.
      boost::system::error_code pec;
      const tcp::endpoint peer = socket.remote_endpoint(pec);
      const bool tls = l->transport == Transport::kTls;
      SenderGate::Admission admission =
          pec ? l->gate->AdmitUnknown(tls) : l->gate->Admit(peer.address(), tls);
      if (!admission.ok) {
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        l->counters->accepted.fetch_add(1, std::memory_order_relaxed);
        // The connection goes to the I/O thread with the fewest: its socket
        // moves to that thread's io_context, where the session runs from
        // now on (its lines in order, on that one thread).
        std::lock_guard lock(sessions_mu_);
        size_t index = PickThreadLocked();
        asio::io_context* io = index == 0 ? io_ : thread_ios_[index - 1].get();
        if (index != 0) {
          boost::system::error_code rec;
          const tcp::endpoint local = socket.local_endpoint(rec);
          tcp::socket moved(*io);
          if (!rec) {
            const auto fd = socket.release(rec);
            if (!rec) moved.assign(local.protocol(), fd, rec);
          }
          if (rec) {  // cannot happen on Linux; keep it on the main thread
            index = 0;
            io = io_;
          } else {
            socket = std::move(moved);
          }
        }
        std::shared_ptr<SessionBase> s;
        if (l->transport == Transport::kTls) {
          s = std::make_shared<StreamSession<true>>(this, l, *io, std::move(socket),
                                                    std::move(admission));
        } else {
          s = std::make_shared<StreamSession<false>>(this, l, *io, std::move(socket),
                                                     std::move(admission));
        }
        s->thread_index = index;
        sessions_.insert(s);
        ++thread_sessions_[index];
        asio::post(*io, [s] { s->Start(); });
      }
    }
    DoAccept(l);
  });
}

absl::Status Listeners::Impl::StartUdp() {
  uint16_t port = 0;
  absl::StatusOr<asio::ip::address> addr = ParseListenAddress("udp", options_.udp_address, &port);
  if (!addr.ok()) return addr.status();
  absl::StatusOr<TimeZone> zone = ZoneFor("udp");
  if (!zone.ok()) return zone.status();
  udp_zone_ = std::make_unique<TimeZone>(*zone);
  absl::StatusOr<std::unique_ptr<SenderGate>> gate =
      SenderGate::Create(counters_, "udp", options_.senders);
  if (!gate.ok()) return gate.status();
  udp_gate_ = *std::move(gate);
  udp::endpoint ep(*addr, port);
  udp_ = std::make_unique<udp::socket>(*io_);
  boost::system::error_code ec;
  udp_->open(ep.protocol(), ec);
  if (!ec) udp_->bind(ep, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on udp " + options_.udp_address + ": " +
                                  ec.message());
  }
  boost::system::error_code ignored;
  udp_->set_option(asio::socket_base::receive_buffer_size(8 << 20), ignored);
  udp_->non_blocking(true, ignored);
  udp::endpoint local = udp_->local_endpoint(ec);
  bound_.emplace_back("udp", EndpointString(local.address(), local.port()));
  udp_counters_ = std::make_unique<ListenerCounters>(counters_, "udp");
  // One datagram is one message: the buffer takes the largest datagram, so
  // the kernel never cuts one; longer than max_message is cut and flagged.
  udp_buf_.resize(std::max<size_t>(options_.max_message + 1, 65536));
  udp_source_.transport = Transport::kUdp;
  DoUdpReceive();
  return absl::OkStatus();
}

void Listeners::Impl::DoUdpReceive() {
  udp_->async_receive_from(
      asio::buffer(udp_buf_), udp_peer_, [this](boost::system::error_code ec, size_t n) {
        if (stopping_ || !udp_->is_open()) return;
        const int64_t now = NowMicros();
        if (now / 1000000 - udp_zone_checked_s_ >= 60) {
          udp_zone_checked_s_ = now / 1000000;
          udp_source_.utc_offset_s = udp_zone_->OffsetAt(udp_zone_checked_s_);
        }
        if (!ec) HandleDatagram(n, now);
        // Drain what else is waiting, then one push for all of it.
        for (int i = 0; i < 255; ++i) {
          boost::system::error_code ec2;
          size_t m = udp_->receive_from(asio::buffer(udp_buf_), udp_peer_, 0, ec2);
          if (ec2) break;
          HandleDatagram(m, now);
        }
        if (!udp_batch_.empty() && !sink_->TryPush(udp_batch_)) DropUdpBatch();
        DoUdpReceive();
      });
}

void Listeners::Impl::HandleDatagram(size_t n, int64_t now_us) {
  if (udp_peer_ != udp_last_peer_ || !udp_have_peer_ ||
      udp_gate_->allow_generation() != udp_allow_generation_) {
    udp_have_peer_ = true;
    udp_allow_generation_ = udp_gate_->allow_generation();
    udp_last_peer_ = udp_peer_;
    udp_source_.peer = EndpointString(udp_peer_.address(), udp_peer_.port());
    udp_source_.peer_host = udp_peer_.address().to_string();
    AllowList::Verdict v = udp_gate_->CheckDatagram(udp_peer_.address());
    udp_peer_allowed_ = v.allowed;
    udp_source_.claim_hosts = std::move(v.hosts);
  } else if (!udp_peer_allowed_) {
    udp_gate_->refused_address().fetch_add(1, std::memory_order_relaxed);
  }
  if (!udp_peer_allowed_) return;  // not in --allow: dropped, counted
  uint32_t flags = 0;
  if (n > options_.max_message) {
    n = options_.max_message;
    flags |= kFlagTruncated;
    udp_counters_->datagrams_oversize.fetch_add(1, std::memory_order_relaxed);
  }
  std::string_view msg(udp_buf_.data(), n);
  // Some senders end a datagram with LF or NUL; that is not part of the message.
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\0')) msg.remove_suffix(1);
  if (msg.empty()) {
    udp_counters_->frames[static_cast<size_t>(FrameError::kEmpty)]->fetch_add(
        1, std::memory_order_relaxed);
    return;
  }
  parser_->ParseInto(msg, flags, udp_source_, now_us, udp_batch_.emplace_back());
}

void Listeners::Impl::Stop() {
  stopping_ = true;
  boost::system::error_code ec;
  for (auto& l : stream_listeners_) {
    l->acceptor->close(ec);
    if (l->retry) l->retry->cancel();
  }
  if (udp_) {
    udp_->close(ec);
    if (!udp_batch_.empty() && !sink_->TryPush(udp_batch_)) DropUdpBatch();
  }
  // Sessions finish on their own, on their threads: the read ends, the
  // partial frame and the batch go to the sink (retrying while it is
  // full), then they close. The main io_context stays running until the
  // last one did, so that io_->run() returning means every line read is
  // with the sink.
  std::lock_guard lock(sessions_mu_);
  if (sessions_.empty()) {
    ReleaseThreadsLocked();
    return;
  }
  main_guard_.emplace(asio::make_work_guard(*io_));
  for (const auto& s : sessions_) asio::post(s->io(), [s] { s->Close(); });
}

Listeners::Listeners(asio::io_context* io, RecordSink* sink, Counters* counters,
                     const LineParser* parser, ListenerOptions options)
    : impl_(std::make_unique<Impl>(io, sink, counters, parser, std::move(options))) {}

Listeners::~Listeners() = default;

absl::Status Listeners::Start() { return impl_->Start(); }

std::vector<std::pair<std::string, std::string>> Listeners::Bound() const { return impl_->Bound(); }

void Listeners::Stop() { impl_->Stop(); }

}  // namespace mlq
