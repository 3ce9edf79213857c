// RelpListener with TLS: certificates from deploy/make-test-ca.sh, a blocking
// Boost.Asio TLS client, mutual TLS, plaintext on the TLS port, ReloadTls.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "receiver/intake/relp_frame.h"
#include "receiver/intake/relp_listener.h"
#include "test_util.h"

namespace mlq {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

// Takes every batch and acknowledges it at once.
class StoringSink : public RecordSink {
 public:
  bool TryPush(std::vector<LogRecord>& batch) override { return TryPushAcked(batch, nullptr); }
  bool TryPushAcked(std::vector<LogRecord>& batch, StoredCallback cb) override {
    {
      std::lock_guard lock(mu_);
      for (LogRecord& r : batch) records_.push_back(std::move(r));
    }
    batch.clear();
    if (cb) cb(true);
    return true;
  }
  std::vector<LogRecord> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<LogRecord> records_;
};

std::string Frame(uint32_t txnr, std::string_view command, std::string_view data = "") {
  std::string out =
      std::to_string(txnr) + " " + std::string(command) + " " + std::to_string(data.size());
  if (!data.empty()) out += " " + std::string(data);
  return out + "\n";
}

bool MakeCa(const std::string& dir) {
  const std::string cmd = "bash '" MLQ_SOURCE_DIR "/deploy/make-test-ca.sh' '" + dir +
                          "' mlq.example.org mail-client >/dev/null";
  return std::system(cmd.c_str()) == 0;
}

// A blocking TLS RELP client: connects, handshakes, sends, reads frames.
class TlsRelpClient {
 public:
  TlsRelpClient(const std::string& ca_dir, const std::string& verify_ca, bool client_cert)
      : ctx_(ssl::context::tls_client) {
    ctx_.load_verify_file(verify_ca);
    ctx_.set_verify_mode(ssl::verify_peer);
    if (client_cert) {
      ctx_.use_certificate_chain_file(ca_dir + "/client.pem");
      ctx_.use_private_key_file(ca_dir + "/client.key", ssl::context::pem);
    }
    // After the context is complete: SSL_new copies its certificate.
    stream_ = std::make_unique<ssl::stream<tcp::socket>>(io_, ctx_);
  }
  // Connect and handshake; false (with error()) on failure.
  bool Connect(uint16_t port) {
    boost::system::error_code ec;
    stream_->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) stream_->handshake(ssl::stream_base::client, ec);
    error_ = ec.message();
    return !ec;
  }
  bool Send(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(*stream_, asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }
  // The next frame without its LF; nullopt on EOF or error.
  std::optional<std::string> Read() {
    for (;;) {
      std::string_view in = pending_;
      RelpFrame f;
      RelpFrameParser::Result r = parser_.Next(&in, &f);
      if (r == RelpFrameParser::Result::kFrame) {
        std::string text = Frame(f.txnr, f.command, f.data);
        text.pop_back();
        pending_.erase(0, pending_.size() - in.size());
        return text;
      }
      pending_.clear();
      if (r != RelpFrameParser::Result::kNeedMore) return std::nullopt;
      char buf[4096];
      boost::system::error_code ec;
      size_t n = stream_->read_some(asio::buffer(buf), ec);
      if (ec) return std::nullopt;
      pending_.append(buf, n);
    }
  }
  const std::string& error() const { return error_; }

 private:
  asio::io_context io_;
  ssl::context ctx_;
  std::unique_ptr<ssl::stream<tcp::socket>> stream_;
  RelpFrameParser parser_{1 << 20};
  std::string pending_;
  std::string error_;
};

const std::string kOffers = "relp_version=0\nrelp_software=test\ncommands=syslog";
const std::string kMsg = "<22>Nov 20 10:00:01 mx1 postfix/qmgr[42]: A1: removed";

class RelpTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new testing::TempDir();
    ca_ok_ = MakeCa(certs_->path());
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  void StartListener(bool mutual) {
    ASSERT_TRUE(ca_ok_) << "deploy/make-test-ca.sh failed";
    // The listener reads copies, so a test may replace them.
    for (const char* f : {"server.pem", "server.key", "ca.pem"}) {
      std::filesystem::copy_file(certs_->path() + "/" + f, dir_.path() + "/" + f,
                                 std::filesystem::copy_options::overwrite_existing);
    }
    RelpOptions o;
    o.address = "127.0.0.1:0";
    o.timezone = "utc";
    o.drain_timeout = std::chrono::milliseconds(500);
    o.tls = TlsOptions{dir_.path() + "/server.pem", dir_.path() + "/server.key",
                       mutual ? dir_.path() + "/ca.pem" : ""};
    listener_ = std::make_unique<RelpListener>(&io_, &sink_, &counters_, &parser_, o);
    absl::Status st = listener_->Start();
    ASSERT_TRUE(st.ok()) << st;
    const std::string bound = listener_->Bound();
    port_ = static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (!io_thread_.joinable()) return;
    asio::post(io_, [this] { listener_->Stop(); });
    io_thread_.join();
  }

  static inline testing::TempDir* certs_ = nullptr;
  static inline bool ca_ok_ = false;
  testing::TempDir dir_;
  asio::io_context io_;
  StoringSink sink_;
  Counters counters_;
  LineParser parser_{nullptr, &counters_};
  std::unique_ptr<RelpListener> listener_;
  std::thread io_thread_;
  uint16_t port_ = 0;
};

TEST_F(RelpTlsTest, MutualTlsSessionStoresWithTheClientSubject) {
  StartListener(/*mutual=*/true);
  TlsRelpClient c(certs_->path(), certs_->path() + "/ca.pem", /*client_cert=*/true);
  ASSERT_TRUE(c.Connect(port_)) << c.error();
  ASSERT_TRUE(c.Send(Frame(1, "open", kOffers) + Frame(2, "syslog", kMsg) + Frame(3, "close")));
  EXPECT_EQ(c.Read(), "1 rsp 56 200 OK\nrelp_version=0\nrelp_software=mlqd\ncommands=syslog");
  EXPECT_EQ(c.Read(), "2 rsp 6 200 OK");
  EXPECT_EQ(c.Read(), "3 rsp 0");
  EXPECT_EQ(c.Read(), std::nullopt);
  std::vector<LogRecord> recs = sink_.records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].raw, kMsg);
  EXPECT_EQ(recs[0].transport, Transport::kRelp);
  EXPECT_NE(recs[0].peer_subject.find("CN=mail-client"), std::string::npos) << recs[0].peer_subject;
}

TEST_F(RelpTlsTest, RejectsAClientWithoutCertificateAndPlaintext) {
  StartListener(/*mutual=*/true);
  {
    TlsRelpClient c(certs_->path(), certs_->path() + "/ca.pem", /*client_cert=*/false);
    // TLS 1.3: the server refuses after the client's handshake finished.
    if (c.Connect(port_)) {
      c.Send(Frame(1, "open", kOffers));
      EXPECT_EQ(c.Read(), std::nullopt);
    }
  }
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    asio::write(s, asio::buffer(Frame(1, "open", kOffers)));
    char buf[64];
    boost::system::error_code ec;
    s.read_some(asio::buffer(buf), ec);
    EXPECT_TRUE(ec) << "plaintext on the TLS port is closed";
  }
  EXPECT_EQ(counters_.Value("listener.relp.client_cert_rejected"), 1u);
  EXPECT_EQ(counters_.Value("listener.relp.plaintext_on_tls"), 1u);
  EXPECT_TRUE(sink_.records().empty());
}

TEST_F(RelpTlsTest, ReloadTlsTakesNewCertificatesAndKeepsOldOnesOnError) {
  StartListener(/*mutual=*/false);
  testing::TempDir other;
  ASSERT_TRUE(MakeCa(other.path()));
  // A broken key: the reload fails, the running certificate stays.
  std::filesystem::copy_file(other.path() + "/server.pem", dir_.path() + "/server.pem",
                             std::filesystem::copy_options::overwrite_existing);
  {
    std::FILE* f = std::fopen((dir_.path() + "/server.key").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not a key\n", f);
    std::fclose(f);
  }
  EXPECT_FALSE(listener_->ReloadTls().ok());
  {
    TlsRelpClient c(certs_->path(), certs_->path() + "/ca.pem", false);
    EXPECT_TRUE(c.Connect(port_)) << "old certificate kept: " << c.error();
  }
  // The complete new pair: new connections get the new certificate.
  std::filesystem::copy_file(other.path() + "/server.key", dir_.path() + "/server.key",
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(listener_->ReloadTls().ok());
  {
    TlsRelpClient c(certs_->path(), certs_->path() + "/ca.pem", false);
    EXPECT_FALSE(c.Connect(port_)) << "the old CA no longer verifies the server";
  }
  TlsRelpClient c(other.path(), other.path() + "/ca.pem", false);
  ASSERT_TRUE(c.Connect(port_)) << c.error();
  ASSERT_TRUE(c.Send(Frame(1, "open", kOffers)));
  EXPECT_EQ(c.Read(), "1 rsp 56 200 OK\nrelp_version=0\nrelp_software=mlqd\ncommands=syslog");
}

}  // namespace
}  // namespace mlq
