#include "receiver/intake/relp_listener.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <deque>
#include <mutex>
#include <set>
#include <type_traits>

#include "receiver/intake/listener_util.h"
#include "receiver/intake/relp_frame.h"
#include "receiver/intake/time_zone.h"

namespace mlq {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

namespace {

constexpr size_t kReadBuffer = 16 * 1024;
constexpr auto kRetryDelay = std::chrono::milliseconds(2);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
constexpr size_t kMaxWriteChunk = 64 * 1024;  // responses per write, roughly
constexpr std::string_view kServerClose = "0 serverclose 0\n";
constexpr std::string_view kOpenReply =
    "200 OK\nrelp_version=0\nrelp_software=mlqd\ncommands=syslog";

struct RelpCounters {
  explicit RelpCounters(Counters* c)
      : accepted(c->Get("listener.relp.connections.accepted")),
        open(c->Get("listener.relp.connections.open")),
        rejected_limit(c->Get("listener.relp.connections.rejected_limit")),
        idle_timeout(c->Get("listener.relp.connections.idle_timeout")),
        malformed(c->Get("listener.relp.frames.malformed")),
        oversize(c->Get("listener.relp.frames.oversize")),
        empty(c->Get("listener.relp.frames.empty")),
        protocol_error(c->Get("listener.relp.protocol_error")),
        unsupported(c->Get("listener.relp.commands.unsupported")),
        acked(c->Get("listener.relp.messages.acked")),
        lost(c->Get("listener.relp.messages.lost")),
        refused_unavailable(c->Get("listener.relp.refused_unavailable")),
        read_paused(c->Get("listener.relp.read_paused")),
        window_paused(c->Get("listener.relp.window_paused")),
        handshake_failed(c->Get("listener.relp.handshake_failed")),
        handshake_timeout(c->Get("listener.relp.handshake_timeout")),
        client_cert_rejected(c->Get("listener.relp.client_cert_rejected")),
        plaintext_on_tls(c->Get("listener.relp.plaintext_on_tls")),
        accept_errors(c->Get("listener.relp.accept_errors")) {}
  Counters::Counter& accepted;
  Counters::Counter& open;
  Counters::Counter& rejected_limit;
  Counters::Counter& idle_timeout;
  Counters::Counter& malformed;
  Counters::Counter& oversize;
  Counters::Counter& empty;
  Counters::Counter& protocol_error;
  Counters::Counter& unsupported;
  Counters::Counter& acked;
  Counters::Counter& lost;
  Counters::Counter& refused_unavailable;
  Counters::Counter& read_paused;
  Counters::Counter& window_paused;
  Counters::Counter& handshake_failed;
  Counters::Counter& handshake_timeout;
  Counters::Counter& client_cert_rejected;
  Counters::Counter& plaintext_on_tls;
  Counters::Counter& accept_errors;
};

// True when the offers of an `open` (one per line, "name" or
// "name=value,value") include `name`.
bool HasOffer(std::string_view offers, std::string_view name) {
  while (!offers.empty()) {
    size_t end = offers.find('\n');
    std::string_view line = offers.substr(0, end);
    offers = end == std::string_view::npos ? std::string_view() : offers.substr(end + 1);
    if (line.substr(0, line.find('=')) == name) return true;
  }
  return false;
}

// "500 <reason>" with the reason on one line and at most 80 characters
// (RELP's HUMANMSG).
std::string ErrorReply(std::string_view reason) {
  std::string out = "500 ";
  for (char c : reason.substr(0, 80)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return out;
}

}  // namespace

class RelpSessionBase : public std::enable_shared_from_this<RelpSessionBase> {
 public:
  virtual ~RelpSessionBase() = default;
  virtual void Start() = 0;
  // Stop reading, finish what was read, close (Stop()).
  virtual void Shutdown() = 0;
};

class RelpListener::Impl {
 public:
  Impl(asio::io_context* io, RecordSink* sink, Counters* counters, const LineParser* parser,
       RelpOptions options)
      : io_(io),
        sink_(sink),
        parser_(parser),
        options_(std::move(options)),
        counters_(counters),
        registry_(counters),
        acceptor_(*io),
        accept_retry_(*io) {
    tls_ = options_.tls.has_value() && !options_.tls->cert_file.empty();
  }

  absl::Status Start();
  void Stop();
  std::string Bound() const { return bound_; }
  absl::Status ReloadTls();

  std::shared_ptr<ssl::context> TlsContext() const {
    std::lock_guard lock(tls_mu_);
    return ssl_ctx_;
  }
  void Forget(const std::shared_ptr<RelpSessionBase>& s) { sessions_.erase(s); }

  asio::io_context* io_;
  RecordSink* sink_;
  const LineParser* parser_;
  const RelpOptions options_;
  RelpCounters counters_;
  Counters* registry_;  // where counters_ live (for the sender gate's)
  std::optional<TimeZone> zone_;
  std::unique_ptr<intake::SenderGate> gate_;  // allow list, per-address and handshake limits
  bool stopping_ = false;

 private:
  void DoAccept();
  // The sender checks (SenderLimits) for a new connection.
  intake::SenderGate::Admission Admit(tcp::socket& socket) {
    boost::system::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return gate_->AdmitUnknown(tls_);  // reset before accept() returned
    return gate_->Admit(peer.address(), tls_);
  }

  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::string bound_;
  bool tls_ = false;
  mutable std::mutex tls_mu_;
  std::shared_ptr<ssl::context> ssl_ctx_;  // for new connections
  std::set<std::shared_ptr<RelpSessionBase>> sessions_;
};

// One RELP connection. Input: read -> frames -> commands; syslog frames
// become records of the current batch. Output: a queue of responses in
// command order; a syslog response waits for its batch's acknowledgement.
template <bool kTls>
class RelpSession final : public RelpSessionBase {
 public:
  using Stream = std::conditional_t<kTls, ssl::stream<tcp::socket>, tcp::socket>;

  RelpSession(RelpListener::Impl* impl, tcp::socket socket, std::shared_ptr<ssl::context> ctx,
              intake::SenderGate::Admission admission)
      : impl_(impl),
        c_(impl->counters_),
        ctx_(std::move(ctx)),
        stream_(MakeStream(std::move(socket), ctx_.get())),
        timer_(*impl->io_),
        idle_(*impl->io_),
        drain_(*impl->io_),
        buf_(kReadBuffer),
        parser_(impl->options_.max_message),
        frame_deadline_(*impl->io_, impl->gate_->frame_timeout()),
        address_slot_(std::move(admission.address)),
        handshake_slot_(std::move(admission.handshake)) {
    boost::system::error_code ec;
    tcp::endpoint peer = Socket().remote_endpoint(ec);
    source_.transport = Transport::kRelp;
    source_.claim_hosts = std::move(admission.claim_hosts);
    if (!ec) {
      source_.peer = intake::EndpointString(peer.address(), peer.port());
      source_.peer_host = peer.address().to_string();
    }
  }

  void Start() override {
    c_.open.fetch_add(1, std::memory_order_relaxed);
    if constexpr (kTls) {
      StartTls();
    } else {
      started_ = true;
      Pump();
    }
  }

  void Shutdown() override {
    if (!started_) return Finish();  // still in the TLS handshake
    BeginClose(/*serverclose=*/true);
    Kick();
  }

  // The sink's verdict on batch `seq` (posted to the io thread).
  void OnStored(uint64_t seq, bool stored) {
    if (finished_ || seq < first_batch_ || seq - first_batch_ >= batches_.size()) return;
    Batch& b = batches_[seq - first_batch_];
    b.state = stored ? kStored : kLost;
    --in_flight_;
    if (!stored) c_.lost.fetch_add(b.refs, std::memory_order_relaxed);
    Flush();
    MaybeResume();
  }

 private:
  enum : uint8_t { kPending, kStored, kLost };
  struct Reply {
    uint32_t txnr;
    uint64_t batch;    // 0: `text` is the response; else the batch that decides it
    std::string text;  // for batch 0
  };
  struct Batch {
    uint8_t state = kPending;
    uint32_t refs = 0;  // replies still queued that wait for it
  };

  static Stream MakeStream(tcp::socket socket, ssl::context* ctx) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *ctx);
    } else {
      (void)ctx;
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

  std::shared_ptr<RelpSession> Self() {
    return std::static_pointer_cast<RelpSession>(shared_from_this());
  }

  // TLS: peek at the first byte (a handshake record is 0x16), then the
  // handshake, all within handshake_timeout.
  void StartTls() {
    timer_.expires_after(impl_->options_.handshake_timeout);
    timer_.async_wait([self = Self()](boost::system::error_code ec) {
      if (ec || self->started_) return;
      self->c_.handshake_timeout.fetch_add(1, std::memory_order_relaxed);
      self->Finish();
    });
    Socket().async_wait(tcp::socket::wait_read, [self = Self()](boost::system::error_code ec) {
      if (self->finished_) return;
      if (ec) return self->Finish();
      uint8_t first = 0;
      ssize_t n = ::recv(self->Socket().native_handle(), &first, 1, MSG_PEEK);
      if (n <= 0) return self->Finish();
      if (first != 0x16) {
        self->c_.plaintext_on_tls.fetch_add(1, std::memory_order_relaxed);
        return self->Finish();
      }
      if constexpr (kTls) {
        self->stream_.async_handshake(
            ssl::stream_base::server,
            [self](boost::system::error_code hec) { self->OnHandshake(hec); });
      }
    });
  }

  void OnHandshake(boost::system::error_code ec) {
    timer_.cancel();
    handshake_slot_.Release();
    if (finished_) return;
    if (ec) {
      (intake::IsClientCertError(ec) ? c_.client_cert_rejected : c_.handshake_failed)
          .fetch_add(1, std::memory_order_relaxed);
      return Finish();
    }
    if constexpr (kTls) source_.peer_subject = intake::PeerSubject(stream_.native_handle());
    started_ = true;
    if (impl_->stopping_) return Shutdown();
    Pump();
  }

  void DoRead() {
    reading_ = true;
    if (impl_->options_.idle_timeout.count() > 0) {
      idle_.expires_after(impl_->options_.idle_timeout);
      idle_.async_wait([self = Self()](boost::system::error_code ec) {
        if (ec || self->finished_ || self->closing_) return;
        self->c_.idle_timeout.fetch_add(1, std::memory_order_relaxed);
        self->BeginClose(/*serverclose=*/true);
        self->Kick();
      });
    }
    stream_.async_read_some(asio::buffer(buf_), [self = Self()](boost::system::error_code ec,
                                                                size_t n) { self->OnRead(ec, n); });
  }

  // The frame deadline passed (SenderLimits::frame_timeout): the session
  // closes as at the idle timeout (the client resends what was not
  // answered), unless reads were paused by mlqd rather than the sender.
  bool OnFrameDeadline() {
    if (finished_ || closing_) return true;
    if (!reading_) return false;
    impl_->gate_->frame_timeouts().fetch_add(1, std::memory_order_relaxed);
    BeginClose(/*serverclose=*/true);
    Kick();
    return true;
  }

  void OnRead(boost::system::error_code ec, size_t n) {
    reading_ = false;
    idle_.cancel();
    if (finished_ || closing_) return;  // closing: what came now is not answered (resent)
    received_us_ = NowMicros();
    UpdateZone();
    len_ = n;
    pos_ = 0;
    if (ec) eof_ = true;
    Pump();
  }

  // Runs Pump unless a retry timer will (a read in flight is left alone).
  void Kick() {
    if (!retry_armed_ && !finished_) Pump();
  }

  // Moves input through the frame parser into replies and batches, batches
  // into the sink, replies out; reads more when all input is used and the
  // window allows.
  void Pump() {
    if (finished_) return;
    for (;;) {
      const bool input_done = pos_ == len_;
      const bool window_full = replies_.size() >= impl_->options_.max_unacked;
      if (!batch_.empty() && (batch_.size() >= impl_->options_.batch_records || input_done ||
                              window_full || closing_)) {
        if (!PushBatch()) return;  // retry armed, or the session ends
        if (finished_) return;
      }
      if (closing_) {
        pos_ = len_;
        return Flush();
      }
      if (!input_done) {
        if (window_full) {
          window_paused_ = true;
          c_.window_paused.fetch_add(1, std::memory_order_relaxed);
          return Flush();
        }
        HandleInput();
        if (finished_) return;
        continue;
      }
      Flush();
      if (finished_) return;
      if (eof_ || impl_->stopping_) {
        BeginClose(/*serverclose=*/!eof_);
        continue;
      }
      if (frame_deadline_.Update(!parser_.AtFrameStart(), frames_parsed_)) {
        frame_deadline_.Arm([self = Self()] { return self->OnFrameDeadline(); });
      }
      if (!reading_) DoRead();
      return;
    }
  }

  // Parses one frame (or takes the rest of the input) and acts on it.
  void HandleInput() {
    std::string_view in(buf_.data() + pos_, len_ - pos_);
    RelpFrame frame;
    RelpFrameParser::Result r = parser_.Next(&in, &frame);
    pos_ = len_ - in.size();
    switch (r) {
      case RelpFrameParser::Result::kNeedMore:
        return;
      case RelpFrameParser::Result::kMalformed:
        c_.malformed.fetch_add(1, std::memory_order_relaxed);
        return Finish();
      case RelpFrameParser::Result::kFrame:
        ++frames_parsed_;
        return OnFrame(frame);
    }
  }

  void OnFrame(const RelpFrame& f) {
    if (f.txnr == 0) {  // a client hint: none is defined, and none is expected
      c_.protocol_error.fetch_add(1, std::memory_order_relaxed);
      return Finish();
    }
    if (f.command == "syslog") {
      if (!opened_) {
        c_.protocol_error.fetch_add(1, std::memory_order_relaxed);
        return Finish();
      }
      if (f.data.empty()) {
        c_.empty.fetch_add(1, std::memory_order_relaxed);
        replies_.push_back({f.txnr, 0, "200 OK"});
        return;
      }
      if (f.truncated) c_.oversize.fetch_add(1, std::memory_order_relaxed);
      impl_->parser_->ParseInto(f.data, f.truncated ? kFlagTruncated : 0, source_, received_us_,
                                batch_.emplace_back());
      replies_.push_back({f.txnr, next_batch_, {}});
    } else if (f.command == "open") {
      if (opened_) {
        replies_.push_back({f.txnr, 0, "200 connection already open - ignored"});
      } else if (!HasOffer(f.data, "relp_version")) {
        c_.protocol_error.fetch_add(1, std::memory_order_relaxed);
        replies_.push_back({f.txnr, 0, ErrorReply("relp_version offer missing")});
        BeginClose(/*serverclose=*/false);
      } else {
        opened_ = true;
        replies_.push_back({f.txnr, 0, std::string(kOpenReply)});
      }
    } else if (f.command == "close") {
      replies_.push_back({f.txnr, 0, ""});
      BeginClose(/*serverclose=*/false);
    } else {
      c_.unsupported.fetch_add(1, std::memory_order_relaxed);
      replies_.push_back({f.txnr, 0, ErrorReply("command not supported")});
    }
  }

  // Offers batch_ to the sink. True when it was taken (or answered with
  // 500s); false when it waits (retry armed) or the session closes.
  bool PushBatch() {
    const uint64_t seq = next_batch_;
    const uint32_t n = static_cast<uint32_t>(batch_.size());
    std::weak_ptr<RelpSession> weak = Self();
    asio::io_context* io = impl_->io_;
    auto on_stored = [weak, io, seq](bool stored) {
      asio::post(*io, [weak, seq, stored] {
        if (auto s = weak.lock()) s->OnStored(seq, stored);
      });
    };
    if (impl_->sink_->TryPushAcked(batch_, std::move(on_stored))) {
      batch_.clear();
      batches_.push_back({kPending, n});
      ++in_flight_;
      ++next_batch_;
      return true;
    }
    const std::string why = impl_->sink_->Unavailable();
    if (why.empty()) {  // only full: wait, the sender's window fills
      c_.read_paused.fetch_add(1, std::memory_order_relaxed);
      retry_armed_ = true;
      timer_.expires_after(kRetryDelay);
      timer_.async_wait([self = Self()](boost::system::error_code) {
        self->retry_armed_ = false;
        self->Pump();
      });
      return false;
    }
    c_.refused_unavailable.fetch_add(1, std::memory_order_relaxed);
    batch_.clear();
    if (impl_->options_.reply_500_when_unavailable) {
      for (Reply& r : replies_) {
        if (r.batch == seq) {
          r.batch = 0;
          r.text = ErrorReply(why);
        }
      }
      return true;
    }
    // Leave the refused frames unanswered (the sender resends them on its
    // next session): drop their replies and everything after the first.
    size_t keep = 0;
    while (keep < replies_.size() && replies_[keep].batch != seq) ++keep;
    replies_.resize(keep);
    BeginClose(/*serverclose=*/true);
    return true;
  }

  // Writes the responses that are decided, in order.
  void Flush() {
    if (finished_ || writing_) return;
    out_.clear();
    while (!replies_.empty() && out_.size() < kMaxWriteChunk) {
      Reply& r = replies_.front();
      if (r.batch != 0) {
        if (r.batch >= next_batch_) break;  // its batch is not pushed yet
        Batch& b = batches_[r.batch - first_batch_];
        if (b.state == kPending) break;
        if (b.state == kLost) {
          lost_ = true;
          break;
        }
        AppendRelpResponse(r.txnr, "200 OK", &out_);
        c_.acked.fetch_add(1, std::memory_order_relaxed);
        --b.refs;
      } else {
        AppendRelpResponse(r.txnr, r.text, &out_);
      }
      replies_.pop_front();
    }
    while (!batches_.empty() && batches_.front().refs == 0 && batches_.front().state != kPending) {
      batches_.pop_front();
      ++first_batch_;
    }
    if (out_.empty()) {
      if (lost_) return Finish();  // never a 200 for them; the sender resends
      return MaybeFinishClosing();
    }
    Write();
  }

  void Write() {
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_),
                      [self = Self()](boost::system::error_code ec, size_t) {
                        self->writing_ = false;
                        if (self->finished_) return;
                        if (ec) return self->Finish();
                        if (self->serverclose_sent_) return self->Finish();
                        self->Flush();
                        self->MaybeResume();
                      });
  }

  // Reads again once the window has room (after responses went out).
  void MaybeResume() {
    if (finished_ || !window_paused_ || closing_ || retry_armed_) return;
    if (replies_.size() >= impl_->options_.max_unacked) return;
    window_paused_ = false;
    Pump();
  }

  // No more input is taken; the session ends once what was read is pushed,
  // acknowledged and answered (within drain_timeout).
  void BeginClose(bool serverclose) {
    if (closing_ || finished_) return;
    closing_ = true;
    serverclose_ = serverclose;
    pos_ = len_;
    drain_.expires_after(impl_->options_.drain_timeout);
    drain_.async_wait([self = Self()](boost::system::error_code ec) {
      if (!ec) self->Finish();
    });
  }

  void MaybeFinishClosing() {
    if (!closing_ || finished_ || writing_ || retry_armed_) return;
    if (!batch_.empty() || in_flight_ > 0 || !replies_.empty()) return;
    if (serverclose_ && !serverclose_sent_) {
      serverclose_sent_ = true;
      out_.assign(kServerClose);
      return Write();
    }
    Finish();
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ec;
    timer_.cancel();
    idle_.cancel();
    drain_.cancel();
    frame_deadline_.Cancel();
    Socket().close(ec);
    address_slot_.Release();
    handshake_slot_.Release();
    batch_.clear();
    c_.open.fetch_sub(1, std::memory_order_relaxed);
    impl_->Forget(shared_from_this());
  }

  void UpdateZone() {
    const int64_t now_s = received_us_ / 1000000;
    if (now_s - zone_checked_s_ >= 60) {
      zone_checked_s_ = now_s;
      source_.utc_offset_s = impl_->zone_->OffsetAt(now_s);
    }
  }

  RelpListener::Impl* impl_;
  RelpCounters& c_;
  std::shared_ptr<ssl::context> ctx_;  // outlives stream_ (declared before it)
  Stream stream_;
  asio::steady_timer timer_;  // sink retry / handshake deadline
  asio::steady_timer idle_;
  asio::steady_timer drain_;
  std::vector<char> buf_;
  size_t len_ = 0;  // bytes of buf_ read
  size_t pos_ = 0;  // bytes of buf_ parsed
  RelpFrameParser parser_;
  intake::FrameDeadline frame_deadline_;
  intake::SenderGate::Slot address_slot_;    // this sender's place in max_connections_per_address
  intake::SenderGate::Slot handshake_slot_;  // TLS: held until the handshake ends
  uint64_t frames_parsed_ = 0;               // changes when a new frame can begin
  LineSource source_;
  int64_t received_us_ = 0;
  int64_t zone_checked_s_ = 0;

  std::vector<LogRecord> batch_;  // records of batch next_batch_, not pushed yet
  std::deque<Reply> replies_;     // in command order
  std::deque<Batch> batches_;     // pushed batches first_batch_, first_batch_ + 1, ...
  uint64_t first_batch_ = 1;
  uint64_t next_batch_ = 1;
  size_t in_flight_ = 0;  // pushed batches without a verdict
  std::string out_;       // the write in progress

  bool started_ = false;  // TLS handshake done (always, without TLS)
  bool opened_ = false;   // `open` answered
  bool reading_ = false;
  bool writing_ = false;
  bool retry_armed_ = false;
  bool window_paused_ = false;
  bool eof_ = false;
  bool closing_ = false;
  bool serverclose_ = false;
  bool serverclose_sent_ = false;
  bool lost_ = false;
  bool finished_ = false;
};

absl::Status RelpListener::Impl::Start() {
  uint16_t port = 0;
  absl::StatusOr<asio::ip::address> addr =
      intake::ParseListenAddress("relp", options_.address, &port);
  if (!addr.ok()) return addr.status();
  absl::StatusOr<TimeZone> zone = TimeZone::Load(options_.timezone);
  if (!zone.ok()) return zone.status();
  zone_ = *zone;
  absl::StatusOr<std::unique_ptr<intake::SenderGate>> gate =
      intake::SenderGate::Create(registry_, "relp", options_.senders);
  if (!gate.ok()) return gate.status();
  gate_ = *std::move(gate);
  if (tls_) {
    if (options_.tls->key_file.empty()) {
      return absl::InvalidArgumentError("a TLS RELP listener needs --tls-cert and --tls-key");
    }
    absl::StatusOr<std::unique_ptr<ssl::context>> ctx = intake::MakeServerTlsContext(*options_.tls);
    if (!ctx.ok()) return ctx.status();
    ssl_ctx_ = std::shared_ptr<ssl::context>(std::move(*ctx));
  }
  tcp::endpoint ep(*addr, port);
  boost::system::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on relp " + options_.address + ": " +
                                  ec.message());
  }
  tcp::endpoint local = acceptor_.local_endpoint(ec);
  bound_ = intake::EndpointString(local.address(), local.port());
  DoAccept();
  return absl::OkStatus();
}

void RelpListener::Impl::DoAccept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) return;
    if (ec) {
      if (intake::IsResourceShortage(ec)) {
        counters_.accept_errors.fetch_add(1, std::memory_order_relaxed);
        accept_retry_.expires_after(kAcceptRetry);
        accept_retry_.async_wait([this](boost::system::error_code tec) {
          if (tec || stopping_) return;
          DoAccept();
        });
        return;
      }
    } else if (sessions_.size() >= options_.max_connections) {
      counters_.rejected_limit.fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else if (intake::SenderGate::Admission admission = Admit(socket); !admission.ok) {
      boost::system::error_code ignored;  // refused and counted by the gate
      socket.close(ignored);
    } else {
      counters_.accepted.fetch_add(1, std::memory_order_relaxed);
      // Replies are small writes the sender waits for (its window): without
      // TCP_NODELAY each waits for the sender's delayed ACK, ~40 ms per
      // window (measured: about 9x fewer lines/s from rsyslog;
      // docs/PERFORMANCE.md).
      boost::system::error_code nodelay_ec;
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      std::shared_ptr<RelpSessionBase> s;
      if (tls_) {
        s = std::make_shared<RelpSession<true>>(this, std::move(socket), TlsContext(),
                                                std::move(admission));
      } else {
        s = std::make_shared<RelpSession<false>>(this, std::move(socket), nullptr,
                                                 std::move(admission));
      }
      sessions_.insert(s);
      s->Start();
    }
    DoAccept();
  });
}

void RelpListener::Impl::Stop() {
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  accept_retry_.cancel();
  for (const auto& s : std::set<std::shared_ptr<RelpSessionBase>>(sessions_)) s->Shutdown();
}

absl::Status RelpListener::Impl::ReloadTls() {
  if (!tls_) return absl::FailedPreconditionError("the RELP listener does not use TLS");
  absl::StatusOr<std::unique_ptr<ssl::context>> ctx = intake::MakeServerTlsContext(*options_.tls);
  if (!ctx.ok()) return ctx.status();
  std::lock_guard lock(tls_mu_);
  ssl_ctx_ = std::shared_ptr<ssl::context>(std::move(*ctx));
  return absl::OkStatus();
}

RelpListener::RelpListener(asio::io_context* io, RecordSink* sink, Counters* counters,
                           const LineParser* parser, RelpOptions options)
    : impl_(std::make_unique<Impl>(io, sink, counters, parser, std::move(options))) {}

RelpListener::~RelpListener() = default;

absl::Status RelpListener::Start() { return impl_->Start(); }

std::string RelpListener::Bound() const { return impl_->Bound(); }

void RelpListener::Stop() { impl_->Stop(); }

absl::Status RelpListener::ReloadTls() { return impl_->ReloadTls(); }

absl::Status RelpListener::ReloadAllow(const std::vector<std::string>& allow) {
  absl::StatusOr<AllowList> list = AllowList::Parse(allow);
  if (!list.ok()) return list.status();
  if (!impl_->gate_) return absl::FailedPreconditionError("the RELP listener has not started");
  impl_->gate_->SetAllowList(*list);
  return absl::OkStatus();
}

}  // namespace mlq
