#include "receiver/intake/listener_util.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <cerrno>

namespace mlq::intake {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

bool IsResourceShortage(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  switch (ec.value()) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return true;
    default:
      return false;
  }
}

std::string EndpointString(const asio::ip::address& addr, uint16_t port) {
  std::string ip = addr.to_string();
  return addr.is_v6() ? "[" + ip + "]:" + std::to_string(port) : ip + ":" + std::to_string(port);
}

absl::StatusOr<asio::ip::address> ParseListenAddress(std::string_view what, std::string_view spec,
                                                     uint16_t* port) {
  std::string host;
  boost::system::error_code ec;
  if (!SplitHostPort(spec, &host, port)) {
    return absl::InvalidArgumentError("bad " + std::string(what) +
                                      " listen address: " + std::string(spec));
  }
  asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError("bad " + std::string(what) +
                                      " listen address: " + std::string(spec));
  }
  return addr;
}

absl::StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(const TlsOptions& t) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->use_certificate_chain_file(t.cert_file, ec);
  if (ec) return absl::InvalidArgumentError("TLS certificate " + t.cert_file + ": " + ec.message());
  ctx->use_private_key_file(t.key_file, ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError("TLS key " + t.key_file + ": " + ec.message());
  if (!t.client_ca_file.empty()) {
    ctx->load_verify_file(t.client_ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError("TLS client CA " + t.client_ca_file + ": " + ec.message());
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  return ctx;
}

std::string PeerSubject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
  }
  X509_free(cert);
  return out;
}

bool IsClientCertError(const boost::system::error_code& ec) {
  if (ec.category() != asio::error::get_ssl_category()) return false;
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  return reason == SSL_R_CERTIFICATE_VERIFY_FAILED ||
         reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE;
}

IpAddress ToIpAddress(const asio::ip::address& a) {
  IpAddress out;
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
    return out;
  }
  const asio::ip::address_v6 v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    const auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
    return out;
  }
  const auto b = v6.to_bytes();
  std::copy(b.begin(), b.end(), out.bytes.begin());
  out.v6 = true;
  return out;
}

// Open connections per address key, and handshakes in progress (key "").
// Admit runs on the listener's thread, Release on whichever I/O thread runs
// the connection (ListenerOptions::io_threads): the counts take a mutex.
struct SenderGate::Slot::Table {
  std::mutex mu;
  std::map<std::string, size_t> open;  // guarded by mu
  size_t handshakes = 0;               // guarded by mu
};

SenderGate::Slot& SenderGate::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    Release();
    table_ = std::move(o.table_);
    key_ = std::move(o.key_);
    o.table_.reset();
  }
  return *this;
}

void SenderGate::Slot::Release() {
  if (!table_) return;
  std::lock_guard lock(table_->mu);
  if (key_.empty()) {
    --table_->handshakes;
  } else if (auto it = table_->open.find(key_); it != table_->open.end() && --it->second == 0) {
    table_->open.erase(it);
  }
  table_.reset();
}

SenderGate::SenderGate(Counters* counters, const std::string& name, const SenderLimits& limits,
                       AllowList list)
    : limits_(limits),
      name_(name),
      list_(std::move(list)),
      table_(std::make_shared<Slot::Table>()),
      refused_address_(counters->Get("listener." + name + ".refused_address")),
      refused_per_address_(counters->Get("listener." + name + ".refused_per_address")),
      refused_handshakes_(counters->Get("listener." + name + ".refused_handshakes")),
      frame_timeout_(counters->Get("listener." + name + ".frame_timeout")) {}

absl::StatusOr<std::unique_ptr<SenderGate>> SenderGate::Create(Counters* counters,
                                                               const std::string& name,
                                                               const SenderLimits& limits) {
  absl::StatusOr<AllowList> list = AllowList::Parse(limits.allow);
  if (!list.ok()) return list.status();
  return std::unique_ptr<SenderGate>(new SenderGate(counters, name, limits, list->For(name)));
}

void SenderGate::SetAllowList(const AllowList& all) {
  AllowList mine = all.For(name_);
  std::lock_guard lock(list_mu_);
  list_ = std::move(mine);
  allow_generation_.fetch_add(1, std::memory_order_acq_rel);
}

SenderGate::Admission SenderGate::Admit(const asio::ip::address& peer, bool tls) {
  Admission a;
  const IpAddress ip = ToIpAddress(peer);
  AllowList::Verdict v;
  {
    std::lock_guard lock(list_mu_);
    v = list_.Check(ip);
  }
  if (!v.allowed) {
    refused_address_.fetch_add(1, std::memory_order_relaxed);
    return a;
  }
  std::lock_guard lock(table_->mu);
  if (tls && limits_.max_handshakes > 0 && table_->handshakes >= limits_.max_handshakes) {
    refused_handshakes_.fetch_add(1, std::memory_order_relaxed);
    return a;
  }
  std::string key(1, ip.v6 ? '6' : '4');
  key.append(reinterpret_cast<const char*>(ip.bytes.data()), ip.v6 ? 16 : 4);
  size_t& open = table_->open[key];
  if (limits_.max_connections_per_address > 0 && open >= limits_.max_connections_per_address) {
    if (open == 0) table_->open.erase(key);
    refused_per_address_.fetch_add(1, std::memory_order_relaxed);
    return a;
  }
  ++open;
  a.address.table_ = table_;
  a.address.key_ = std::move(key);
  if (tls) {
    ++table_->handshakes;
    a.handshake.table_ = table_;
  }
  a.claim_hosts = std::move(v.hosts);
  a.ok = true;
  return a;
}

SenderGate::Admission SenderGate::AdmitUnknown(bool tls) {
  Admission a;
  bool listed = false;
  {
    std::lock_guard lock(list_mu_);
    listed = !list_.empty();
  }
  if (listed) {
    refused_address_.fetch_add(1, std::memory_order_relaxed);
    return a;
  }
  std::lock_guard lock(table_->mu);
  if (tls && limits_.max_handshakes > 0 && table_->handshakes >= limits_.max_handshakes) {
    refused_handshakes_.fetch_add(1, std::memory_order_relaxed);
    return a;
  }
  if (tls) {
    ++table_->handshakes;
    a.handshake.table_ = table_;
  }
  a.ok = true;
  return a;
}

AllowList::Verdict SenderGate::CheckDatagram(const asio::ip::address& peer) {
  AllowList::Verdict v;
  {
    std::lock_guard lock(list_mu_);
    v = list_.Check(ToIpAddress(peer));
  }
  if (!v.allowed) refused_address_.fetch_add(1, std::memory_order_relaxed);
  return v;
}

bool FrameDeadline::Update(bool in_frame, uint64_t frame_id) {
  if (limit_.count() <= 0) return false;
  if (!in_frame) {
    active_ = false;  // a pending wait finds nothing to do and ends
    return false;
  }
  if (active_ && frame_id == frame_id_) return false;  // the same frame goes on
  active_ = true;
  frame_id_ = frame_id;
  deadline_ = std::chrono::steady_clock::now() + limit_;
  return !armed_;  // else the pending wait moves on to deadline_
}

void FrameDeadline::Cancel() {
  active_ = false;
  armed_ = false;
  timer_.cancel();
}

void FrameDeadline::Arm(std::function<bool()> expired) {
  armed_ = true;
  timer_.expires_at(deadline_);
  // `expired` keeps the connection, and so this object, alive.
  timer_.async_wait([this, expired = std::move(expired)](boost::system::error_code ec) mutable {
    if (ec) return;  // cancelled: Cancel() already reset the state
    armed_ = false;
    if (!active_) return;
    if (std::chrono::steady_clock::now() < deadline_) return Arm(std::move(expired));
    if (!expired()) {
      deadline_ = std::chrono::steady_clock::now() + limit_;
      Arm(std::move(expired));
    }
  });
}

}  // namespace mlq::intake
