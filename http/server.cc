#include "http/server.h"

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <deque>
#include <optional>
#include <set>
#include <string_view>

#include <sys/socket.h>

namespace mlq::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Headers on every answer unless its handler sets its own: an answer that
// is no page loads nothing and is framed nowhere (the web UI's files bring
// their page policy, web/static_handler.h); over TLS, browsers are told to
// stay on it.
constexpr char kDefaultCsp[] = "default-src 'none'; frame-ancestors 'none'";
constexpr char kHsts[] = "max-age=31536000";

// "ip:port", "[v6]:port" -> endpoint.
bool ParseAddress(const std::string& spec, tcp::endpoint* out) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon + 1 == spec.size()) return false;
  std::string host = spec.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const char* first = spec.data() + colon + 1;
  const char* last = spec.data() + spec.size();
  auto [p, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || p != last || port > 65535) return false;
  boost::system::error_code aec;
  asio::ip::address addr = asio::ip::make_address(host, aec);
  if (aec) return false;
  *out = tcp::endpoint(addr, static_cast<uint16_t>(port));
  return true;
}

std::string EndpointText(const tcp::endpoint& ep) {
  const asio::ip::address a = ep.address();
  const std::string ip = a.is_v6() && !a.to_v6().is_v4_mapped() ? "[" + a.to_string() + "]"
                         : a.is_v6()                            ? a.to_v6().to_v4().to_string()
                                                                : a.to_string();
  return ip + ":" + std::to_string(ep.port());
}

// The body of one streamed answer (router.h, Stream): chunks queued by the
// producer, sent by the session on its I/O thread.
class StreamState : public Stream {
 public:
  StreamState(size_t max_unsent, Counters::Counter* overflow)
      : max_unsent_(max_unsent), overflow_(overflow) {}

  bool Write(std::string bytes) override {
    std::function<void()> kick;
    bool ok = false;
    {
      std::lock_guard lock(mu_);
      if (closed_ || finishing_) return false;
      if (unsent_ + bytes.size() > max_unsent_) {
        closed_ = true;  // too slow a reader: the session closes
        overflow_->fetch_add(1, std::memory_order_relaxed);
      } else {
        unsent_ += bytes.size();
        chunks_.push_back(std::move(bytes));
        ok = true;
      }
      if (!kicked_) {
        kicked_ = true;
        kick = kick_;
      }
    }
    if (kick) kick();
    return ok;
  }

  bool Closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }

  void Finish() override {
    std::function<void()> kick;
    {
      std::lock_guard lock(mu_);
      finishing_ = true;
      if (!kicked_ && !closed_) {  // closed: the session is gone or going
        kicked_ = true;
        kick = kick_;
      }
    }
    if (kick) kick();
  }

  // For the session (I/O thread): how to wake it; set before the producer
  // gets the stream.
  void SetKick(std::function<void()> kick) { kick_ = std::move(kick); }
  // Moves what is queued to *out; false when the stream should close now
  // (closed, or finished with nothing left).
  bool Take(std::string* out) {
    std::lock_guard lock(mu_);
    kicked_ = false;
    for (std::string& c : chunks_) out->append(c);
    chunks_.clear();
    if (closed_) return false;
    return !(finishing_ && out->empty());
  }
  // `n` bytes taken earlier have been sent.
  void Sent(size_t n) {
    std::lock_guard lock(mu_);
    unsent_ -= std::min(unsent_, n);
  }
  void MarkClosed() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }

 private:
  const size_t max_unsent_;
  Counters::Counter* overflow_;
  std::function<void()> kick_;
  mutable std::mutex mu_;
  std::deque<std::string> chunks_;
  size_t unsent_ = 0;  // queued or being written
  bool kicked_ = false;
  bool closed_ = false;
  bool finishing_ = false;
};

}  // namespace

// Shared by the sessions (which hold it by shared_ptr, so it outlives them).
class Server::Impl : public std::enable_shared_from_this<Server::Impl> {
 public:
  class SessionBase {
   public:
    virtual ~SessionBase() = default;
    virtual void Close() = 0;
  };

  Impl(asio::io_context* io, const Router* router, Counters* counters, ServerOptions options)
      : timeout_(counters->Get("listener.http.timeout")),
        handshake_failed_(counters->Get("listener.http.handshake_failed")),
        header_too_large_(counters->Get("listener.http.requests.header_too_large")),
        body_too_large_(counters->Get("listener.http.requests.body_too_large")),
        bad_(counters->Get("listener.http.requests.bad")),
        method_not_allowed_(counters->Get("listener.http.requests.method_not_allowed")),
        not_found_(counters->Get("listener.http.requests.not_found")),
        host_refused_(counters->Get("listener.http.requests.host_refused")),
        closed_max_requests_(counters->Get("listener.http.closed_max_requests")),
        requests_cancelled_(counters->Get("listener.http.requests.cancelled")),
        streams_opened_(counters->Get("listener.http.streams.opened")),
        streams_open_(counters->Get("listener.http.streams.open")),
        streams_rejected_limit_(counters->Get("listener.http.streams.rejected_limit")),
        streams_timeout_(counters->Get("listener.http.streams.timeout")),
        streams_overflow_(counters->Get("listener.http.streams.overflow")),
        io_(io),
        router_(router),
        options_(std::move(options)),
        acceptor_(*io),
        retry_timer_(*io),
        accepted_(counters->Get("listener.http.connections.accepted")),
        open_(counters->Get("listener.http.connections.open")),
        rejected_limit_(counters->Get("listener.http.connections.rejected_limit")),
        refused_per_address_(counters->Get("listener.http.refused_per_address")),
        accept_errors_(counters->Get("listener.http.accept_errors")),
        tls_(options_.tls) {}

  absl::Status Start() {
    tcp::endpoint ep;
    if (!ParseAddress(options_.address, &ep)) {
      return absl::InvalidArgumentError("--http: not an ADDR:PORT address: " + options_.address);
    }
    boost::system::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError("--http: cannot listen on " + options_.address + ": " +
                                    ec.message());
    }
    bound_ = EndpointText(acceptor_.local_endpoint(ec));
    for (const std::string& route : router_->RouteNames()) Count(route, 200, 0);
    Accept();
    return absl::OkStatus();
  }

  void Stop() {
    stopped_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
    std::vector<std::weak_ptr<SessionBase>> all;
    for (auto& [ptr, weak] : sessions_) all.push_back(weak);
    for (auto& weak : all) {
      if (auto s = weak.lock()) s->Close();
    }
  }

  void Count(std::string_view route, int status, uint64_t n = 1) {
    std::lock_guard lock(count_mu_);
    auto key = std::make_pair(std::string(route), status);
    counts_[key] += n;
  }

  std::vector<std::pair<std::pair<std::string, int>, uint64_t>> RequestCounts() const {
    std::lock_guard lock(count_mu_);
    return {counts_.begin(), counts_.end()};
  }

  // Releases one connection's slots (on the io thread).
  void Closed(SessionBase* s, const std::string& address) {
    sessions_.erase(s);
    open_.fetch_sub(1, std::memory_order_relaxed);
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }

  const ServerOptions& options() const { return options_; }

  void SetTls(std::shared_ptr<asio::ssl::context> tls) {
    std::lock_guard lock(tls_mu_);
    if (options_.tls && tls) tls_ = std::move(tls);
  }
  std::shared_ptr<asio::ssl::context> Tls() const {
    std::lock_guard lock(tls_mu_);
    return tls_;
  }
  const Router& router() const { return *router_; }

  Counters::Counter& timeout_;
  Counters::Counter& handshake_failed_;
  Counters::Counter& header_too_large_;
  Counters::Counter& body_too_large_;
  Counters::Counter& bad_;
  Counters::Counter& method_not_allowed_;
  Counters::Counter& not_found_;
  Counters::Counter& host_refused_;
  Counters::Counter& closed_max_requests_;
  Counters::Counter& requests_cancelled_;
  Counters::Counter& streams_opened_;
  Counters::Counter& streams_open_;
  Counters::Counter& streams_rejected_limit_;
  Counters::Counter& streams_timeout_;
  Counters::Counter& streams_overflow_;
  size_t streams_ = 0;  // open streamed answers (I/O thread)

  std::string bound_;

 private:
  void Accept();
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket);

  asio::io_context* io_;
  const Router* router_;
  ServerOptions options_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  bool stopped_ = false;
  std::map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
  std::map<std::string, size_t> per_address_;  // open connections per client address
  Counters::Counter& accepted_;
  Counters::Counter& open_;
  Counters::Counter& rejected_limit_;
  Counters::Counter& refused_per_address_;
  Counters::Counter& accept_errors_;
  mutable std::mutex count_mu_;
  std::map<std::pair<std::string, int>, uint64_t> counts_;
  mutable std::mutex tls_mu_;
  std::shared_ptr<asio::ssl::context> tls_;  // for new connections; null = plain
};

namespace {

// One connection: reads requests one after another (keep-alive), answers
// each, closes on error, timeout, "Connection: close" or the request cap.
template <class Stream>
class Session : public Server::Impl::SessionBase,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(std::shared_ptr<Server::Impl> server, std::shared_ptr<asio::ssl::context> tls,
          std::string address, std::string peer, Args&&... stream_args)
      : tls_(std::move(tls)),
        server_(std::move(server)),
        address_(std::move(address)),
        peer_(std::move(peer)),
        stream_(std::forward<Args>(stream_args)...),
        buffer_(server_->options().max_header_bytes + server_->options().max_body_bytes + 4096) {}

  ~Session() override {
    if (stream_state_) {
      stream_state_->MarkClosed();
      --server_->streams_;
      server_->streams_open_.fetch_sub(1, std::memory_order_relaxed);
    }
    server_->Closed(this, address_);
  }

  void Run() {
    Lowest().expires_after(server_->options().request_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      ReadRequest();
    }
  }

  void Close() override {
    closed_ = true;
    if (stream_state_) stream_state_->MarkClosed();
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().close();
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      if (ec == beast::error::timeout) {
        server_->timeout_.fetch_add(1, std::memory_order_relaxed);
      } else {
        server_->handshake_failed_.fetch_add(1, std::memory_order_relaxed);
      }
      return;
    }
    ReadRequest();
  }

  void ReadRequest() {
    const ServerOptions& o = server_->options();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(o.max_header_bytes));
    parser_->body_limit(o.max_body_bytes);
    Lowest().expires_after(o.request_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return;  // the client went away (or Stop): nothing to answer
    }
    if (ec == beast::error::timeout) {
      server_->timeout_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    Response res;
    std::string_view route = Router::kUnmatched;
    bool keep_alive = false;
    if (ec == bhttp::error::header_limit ||
        ec == beast::error_code(bhttp::error::buffer_overflow)) {
      server_->header_too_large_.fetch_add(1, std::memory_order_relaxed);
      SetError(&res, 431, "request header fields too large");
    } else if (ec == bhttp::error::body_limit) {
      server_->body_too_large_.fetch_add(1, std::memory_order_relaxed);
      SetError(&res, 413, "request body too large (requests carry no body)");
    } else if (ec) {
      server_->bad_.fetch_add(1, std::memory_order_relaxed);
      SetError(&res, 400, "bad request");
    } else {
      const auto& req = parser_->get();
      ++requests_;
      Request r;
      r.method = std::string_view(req.method_string().data(), req.method_string().size());
      const std::string_view target(req.target().data(), req.target().size());
      const size_t q = target.find('?');
      r.path = target.substr(0, q);
      if (q != std::string_view::npos) r.query = target.substr(q + 1);
      if (auto it = req.find(bhttp::field::authorization); it != req.end()) {
        r.authorization = std::string_view(it->value().data(), it->value().size());
      }
      auto header = [&req](auto name) -> std::string_view {
        auto it = req.find(name);
        if (it == req.end()) return {};
        return std::string_view(it->value().data(), it->value().size());
      };
      r.accept = header(bhttp::field::accept);
      r.cookie = header(bhttp::field::cookie);
      r.csrf = header("X-MLQ-CSRF");
      r.last_event_id = header("Last-Event-ID");
      r.if_none_match = header(bhttp::field::if_none_match);
      r.host = header(bhttp::field::host);
      r.peer = peer_;
      r.tls = kTls;
      auto cancelled = std::make_shared<std::atomic<bool>>(false);
      cancelled_ = cancelled;
      r.cancelled = [cancelled] { return cancelled->load(std::memory_order_relaxed); };
      const auto& allow_host = server_->options().allow_host;
      Router::Match match;
      if (allow_host && !r.host.empty() && !allow_host(r.host)) {
        server_->host_refused_.fetch_add(1, std::memory_order_relaxed);
        SetError(&res, 421, "this server answers to loopback names only (Host header)");
      } else {
        match = server_->router().Find(r, &res);
      }
      route = match.route;
      keep_alive = req.keep_alive();
      if (keep_alive && requests_ >= server_->options().max_requests_per_connection) {
        server_->closed_max_requests_.fetch_add(1, std::memory_order_relaxed);
        keep_alive = false;
      }
      if (match.handler != nullptr) {
        // The answer may come later and from another thread (Handler::Start):
        // back on this connection's executor it is counted and written. No
        // read is pending meanwhile, so the connection waits for it.
        auto executor = Lowest().get_executor();
        answered_ = false;
        // The handler may hold `done` on its thread long after answering (a
        // stream's producer does): the session it refers to is released on
        // this executor, never on the handler's thread.
        struct Ref {
          std::shared_ptr<Session> self;
          decltype(executor) ex;
          ~Ref() {
            if (self) asio::post(ex, [s = std::move(self)] {});
          }
        };
        std::shared_ptr<Ref> ref(new Ref{this->shared_from_this(), executor});
        match.handler->Start(r, [ref, route, keep_alive](Response answer) mutable {
          asio::post(ref->ex,
                     [self = ref->self, route, keep_alive, answer = std::move(answer)]() mutable {
                       self->Answer(route, std::move(answer), keep_alive);
                     });
        });
        if (!answered_) Watch();  // until the answer comes: did the client hang up?
        return;
      }
      if (res.status == 405) {
        server_->method_not_allowed_.fetch_add(1, std::memory_order_relaxed);
      } else if (res.status != 421) {
        server_->not_found_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    Answer(route, std::move(res), keep_alive);
  }

  void Answer(std::string_view route, Response res, bool keep_alive) {
    answered_ = true;
    StopWatching();
    if (res.stream) {
      StartStream(route, std::move(res));
      return;
    }
    server_->Count(route, res.status);
    // After an error the client may still be sending (a huge header): close
    // gently (LingerClose) so the answer is not lost to a reset.
    linger_ = !keep_alive && res.status >= 400;
    Write(std::move(res), keep_alive);
  }

  void Write(Response res, bool keep_alive) {
    response_.emplace();
    response_->version(11);
    response_->result(static_cast<unsigned>(res.status));
    response_->set(bhttp::field::content_type, res.content_type);
    response_->set("X-Content-Type-Options", "nosniff");
    response_->set(bhttp::field::cache_control, "no-store");
    response_->set("Content-Security-Policy", kDefaultCsp);
    if constexpr (kTls) response_->set("Strict-Transport-Security", kHsts);
    for (auto& [name, value] : res.headers) response_->set(name, value);
    response_->body() = std::move(res.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    Lowest().expires_after(server_->options().request_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                         self->OnWrite(ec, keep_alive);
                       });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    if (ec == beast::error::timeout) server_->timeout_.fetch_add(1, std::memory_order_relaxed);
    if (!ec && linger_) {
      LingerClose();
      return;
    }
    if (ec || !keep_alive) {
      Close();
      return;
    }
    ReadRequest();
  }

  // Stops sending, then reads and discards what the client still sends, at
  // most kLingerBytes within one second, before closing: closing a socket
  // with unread input resets the connection, and the client would lose
  // the answer already sent.
  static constexpr size_t kLingerBytes = size_t{1} << 20;
  void LingerClose() {
    beast::error_code ec;
    if constexpr (!kTls) Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    Lowest().expires_after(std::chrono::seconds(1));
    Discard();
  }
  void Discard() {
    Lowest().async_read_some(asio::buffer(discard_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->discarded_ += n;
                               if (ec || self->discarded_ >= kLingerBytes) {
                                 self->Close();
                                 return;
                               }
                               self->Discard();
                             });
  }

  // Watching for the client hanging up (while an answer is pending, and
  // while streaming): wait until the socket is readable, then peek. EOF or
  // an error: it hung up. Data (a pipelined request, a TLS record): stop
  // watching (the answer's write will tell).
  void Watch() {
    const uint64_t gen = ++watch_gen_;
    watching_ = true;
    Lowest().socket().async_wait(
        tcp::socket::wait_read,
        [self = this->shared_from_this(), gen](beast::error_code ec) { self->OnWatch(ec, gen); });
  }
  void StopWatching() {
    if (!watching_) return;
    watching_ = false;
    ++watch_gen_;
    beast::error_code ec;
    Lowest().socket().cancel(ec);  // nothing else is pending on it now
  }
  void OnWatch(beast::error_code ec, uint64_t gen) {
    if (gen != watch_gen_ || closed_) return;  // answered, or closed, meanwhile
    watching_ = false;
    bool gone = static_cast<bool>(ec);
    if (!gone) {
      char c;
      const ssize_t n = ::recv(Lowest().socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        Watch();  // not readable after all
        return;
      }
      gone = n <= 0;
    }
    if (!gone) return;
    if (stream_state_) {
      Close();  // the producer sees Stream::Closed()
      return;
    }
    if (cancelled_) cancelled_->store(true, std::memory_order_relaxed);
    server_->requests_cancelled_.fetch_add(1, std::memory_order_relaxed);
  }

  // A streamed answer: headers now, then what the producer writes, until
  // the producer finishes, the client goes away or is too slow, or Stop.
  void StartStream(std::string_view route, Response res) {
    std::function<void(std::shared_ptr<http::Stream>)> start = std::move(res.stream);
    if (closed_) {
      start(nullptr);
      return;
    }
    const ServerOptions& o = server_->options();
    if (server_->streams_ >= o.max_streams) {
      server_->streams_rejected_limit_.fetch_add(1, std::memory_order_relaxed);
      start(nullptr);
      Response busy;
      SetError(&busy, 503, "too many streams open (--http-max-streams); try again later");
      busy.headers.emplace_back("Retry-After", "5");
      Answer(route, std::move(busy), false);
      return;
    }
    server_->Count(route, res.status);
    ++server_->streams_;
    server_->streams_open_.fetch_add(1, std::memory_order_relaxed);
    server_->streams_opened_.fetch_add(1, std::memory_order_relaxed);
    stream_state_ =
        std::make_shared<StreamState>(o.max_stream_buffer_bytes, &server_->streams_overflow_);
    stream_state_->SetKick([weak = this->weak_from_this(), executor = Lowest().get_executor()] {
      asio::post(executor, [weak] {
        if (auto self = weak.lock()) self->Pump();
      });
    });
    std::string head = "HTTP/1.1 " + std::to_string(res.status) + " " +
                       std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(res.status))) +
                       "\r\nContent-Type: " + res.content_type +
                       "\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n";
    // The same default headers as Write(), unless the handler sets its own.
    const auto has = [&res](const char* name) {
      return std::any_of(res.headers.begin(), res.headers.end(),
                         [name](const auto& h) { return beast::iequals(h.first, name); });
    };
    if (!has("Content-Security-Policy")) {
      head += "Content-Security-Policy: " + std::string(kDefaultCsp) + "\r\n";
    }
    if (kTls && !has("Strict-Transport-Security")) {
      head += "Strict-Transport-Security: " + std::string(kHsts) + "\r\n";
    }
    for (const auto& [name, value] : res.headers) head += name + ": " + value + "\r\n";
    head += "Connection: close\r\n\r\n";
    stream_state_->Write(std::move(head));
    Watch();
    start(stream_state_);
  }

  // Sends what the producer queued, one write at a time.
  void Pump() {
    if (writing_ || closed_) return;
    out_.clear();
    if (!stream_state_->Take(&out_)) {
      Close();  // closed (too slow, gone), or finished and all sent
      return;
    }
    if (out_.empty()) return;
    writing_ = true;
    Lowest().expires_after(server_->options().request_timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                        self->writing_ = false;
                        self->stream_state_->Sent(n);
                        if (ec) {
                          if (ec == beast::error::timeout) {
                            self->server_->timeout_.fetch_add(1, std::memory_order_relaxed);
                            self->server_->streams_timeout_.fetch_add(1, std::memory_order_relaxed);
                          }
                          self->Close();
                          return;
                        }
                        self->Pump();
                      });
  }

  std::shared_ptr<asio::ssl::context> tls_;  // outlives stream_, which refers to it
  std::shared_ptr<Server::Impl> server_;
  std::string address_;  // the client's address (per-address cap)
  std::string peer_;     // "ip:port"
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  size_t requests_ = 0;
  bool linger_ = false;
  size_t discarded_ = 0;
  std::array<char, 4096> discard_;
  // The pending request's "client hung up" flag (Request::cancelled).
  std::shared_ptr<std::atomic<bool>> cancelled_;
  bool answered_ = false;
  bool watching_ = false;
  uint64_t watch_gen_ = 0;
  bool closed_ = false;
  std::shared_ptr<StreamState> stream_state_;  // set while streaming
  std::string out_;                            // the chunks being written
  bool writing_ = false;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor_.async_accept(
      *io_, [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        self->OnAccept(ec, std::move(socket));
      });
}

void Server::Impl::OnAccept(const boost::system::error_code& ec, tcp::socket socket) {
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of descriptors or memory: wait a little instead of spinning.
    accept_errors_.fetch_add(1, std::memory_order_relaxed);
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& tec) {
      if (!tec && !self->stopped_) self->Accept();
    });
    return;
  }
  Accept();
  boost::system::error_code pec;
  const tcp::endpoint peer = socket.remote_endpoint(pec);
  if (pec) return;  // reset before we looked: nothing to serve
  if (options_.max_connections != 0 && sessions_.size() >= options_.max_connections) {
    rejected_limit_.fetch_add(1, std::memory_order_relaxed);
    return;  // the socket closes here
  }
  std::string address = EndpointText(tcp::endpoint(peer.address(), 0));
  address.resize(address.size() - 2);  // without ":0"
  size_t& n = per_address_[address];
  if (options_.max_connections_per_address != 0 && n >= options_.max_connections_per_address) {
    if (n == 0) per_address_.erase(address);
    refused_per_address_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ++n;
  accepted_.fetch_add(1, std::memory_order_relaxed);
  open_.fetch_add(1, std::memory_order_relaxed);
  const std::string peer_text = EndpointText(peer);
  if (std::shared_ptr<asio::ssl::context> tls = Tls()) {
    asio::ssl::context& ctx = *tls;
    auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        shared_from_this(), std::move(tls), address, peer_text, std::move(socket), ctx);
    sessions_.emplace(s.get(), s);
    s->Run();
  } else {
    auto s = std::make_shared<Session<beast::tcp_stream>>(shared_from_this(), nullptr, address,
                                                          peer_text, std::move(socket));
    sessions_.emplace(s.get(), s);
    s->Run();
  }
}

Server::Server(asio::io_context* io, const Router* router, Counters* counters,
               ServerOptions options)
    : impl_(std::make_shared<Impl>(io, router, counters, std::move(options))) {}

Server::~Server() = default;

absl::Status Server::Start() { return impl_->Start(); }

std::string Server::Bound() const { return impl_->bound_; }

void Server::Stop() { impl_->Stop(); }

void Server::SetTls(std::shared_ptr<asio::ssl::context> tls) { impl_->SetTls(std::move(tls)); }

std::vector<std::pair<std::pair<std::string, int>, uint64_t>> Server::RequestCounts() const {
  return impl_->RequestCounts();
}

}  // namespace mlq::http
