// /metrics end to end: a real mlqd with --http 127.0.0.1:0, fed real corpus
// lines over TCP, scraped over a real socket; then hostile HTTP clients
// (oversize headers, slowloris, too many connections, other methods, bad
// tokens) while the daemon keeps serving.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "raw_http.h"
#include "senders.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

// The value of the sample `series` (the whole text before the value, e.g.
// `mlq_lines_stored_total` or `mlq_x{a="b"}`), -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const size_t p = text.find(key);
  if (p == std::string::npos) return -1;
  return std::strtod(text.c_str() + p + key.size(), nullptr);
}

// Sum of every sample of `family` whose labels contain `label` (e.g.
// `outcome="bounced"`).
double SumOf(const std::string& text, const std::string& family, const std::string& label) {
  double sum = 0;
  const std::string key = "\n" + family + "{";
  for (size_t p = text.find(key); p != std::string::npos; p = text.find(key, p + 1)) {
    const size_t close = text.find("} ", p);
    if (text.substr(p, close - p).find(label) == std::string::npos) continue;
    sum += std::strtod(text.c_str() + close + 2, nullptr);
  }
  return sum;
}

std::string Scrape(uint16_t port, const std::string& token = "") {
  const std::string r = HttpGet(port, "/metrics", token);
  EXPECT_EQ(StatusOf(r), 200) << r.substr(0, 300);
  return "\n" + BodyOf(r);
}

class MetricsTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(MetricsTest, CorpusLinesShowUpInTheScrape) {
  const std::vector<std::string> files = {
      kPostfixCorpus + "msimerson-postfix-parser-tests.log",
      kPostfixCorpus + "ppiankov-mailreceipt-harvest.log",
      kPostfixCorpus + "fail2ban-postfix-rbl-old.log",
      kPostfixCorpus + "infohtreasure-Postfix-Maillog-Dump-mailog2.log"};
  for (const std::string& f : files) MLQ_REQUIRE_CORPUS(Exists(f), "no corpus file " << f);
  Daemon d(dir_.path() + "/data",
           {"--http", "127.0.0.1:0", "--timezone", "UTC", "--metrics-cache-ms", "0"});
  ASSERT_TRUE(d.Start()) << d.log();
  ASSERT_NE(d.http_port(), 0) << d.log();
  EXPECT_NE(d.log().find("mlqd: listening http 127.0.0.1:"), std::string::npos);

  const std::regex kPostfixDeferred(
      R"(^([A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}|[0-9]{4}-[^ ]+) [^ ]+ postfix/[^ ]+\[[0-9]+\]: )"
      R"(.*status=deferred)");
  std::string stream;
  size_t lines = 0, deferred_lines = 0;
  for (const std::string& f : files) {
    for (const std::string& line : ReadLines(f)) {
      if (line.empty()) continue;
      stream += line + "\n";
      ++lines;
      // A deferral with a syslog header naming Postfix (headerless lines
      // are stored raw, not normalized).
      if (std::regex_search(line, kPostfixDeferred)) ++deferred_lines;
    }
  }
  // Our own address on a block list, in a remote server's answer to a
  // delivery (a bounce), and a host whose last line has a known time.
  const time_t t0 = time(nullptr) - 120;
  // A host gets a series of its own from its third line (label_admission.h).
  for (int i = 0; i < 2; ++i) {
    stream +=
        "<22>" + Bsd(t0 - 10) + " mx-out postfix/smtpd[4241]: connect from unknown[198.51.100.9]\n";
    lines += 1;
  }
  stream += "<22>" + Bsd(t0) +
            " mx-out postfix/smtp[4242]: 5F5F5F5F5F: to=<user@blocked.example>, "
            "relay=mx.blocked.example[192.0.2.25]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, "
            "status=bounced (host mx.blocked.example[192.0.2.25] said: 554 5.7.1 Service "
            "unavailable; Client host [198.51.100.77] blocked using zen.spamhaus.org; "
            "https://www.spamhaus.org/query/ip/198.51.100.77 (in reply to RCPT TO command))\n";
  lines += 1;
  ASSERT_TRUE(SendTcp(d.tcp_port(), stream));

  std::string m;
  int scrapes = 0;
  ASSERT_TRUE(WaitFor([&] {
    m = Scrape(d.http_port());
    ++scrapes;
    return Sample(m, "mlq_lines_stored_total") == static_cast<double>(lines) &&
           Sample(m, "mlq_host_last_line_timestamp_seconds{host=\"mx-out\"}") > 0;
  })) << m;
  EXPECT_EQ(Sample(m, "mlq_lines_received_total{transport=\"tcp\"}"), lines);
  EXPECT_EQ(Sample(m, "mlq_lines_dropped_total{reason=\"queue_full\"}"), 0);
  EXPECT_EQ(Sample(m, "mlq_host_last_line_timestamp_seconds{host=\"mx-out\"}"),
            static_cast<double>(t0));
  EXPECT_EQ(Sample(m, "mlq_dnsbl_listings_total{host=\"mx-out\"}"), 1) << m;
  EXPECT_EQ(Sample(m, "mlq_deliveries_total{host=\"mx-out\",outcome=\"bounced\"}"), 1);
  // One recipient at blocked.example: too little volume for a series of its
  // own (label_admission.h), so it counts under "other".
  EXPECT_GE(Sample(m, "mlq_domain_deliveries_total{domain=\"other\",outcome=\"bounced\"}"), 1);
  // The RBL rejects of fail2ban-postfix-rbl-old.log: our rejects of clients
  // on a block list, class dnsbl (not a listing of ours).
  EXPECT_EQ(SumOf(m, "mlq_rejects_total", "class=\"dnsbl\""), 3) << m;
  // Deferrals count one per line.
  EXPECT_GE(deferred_lines, 10u);
  EXPECT_EQ(SumOf(m, "mlq_deliveries_total", "outcome=\"deferred\""), deferred_lines);
  // Every outcome agrees with `mlq stats` over the same lines (the store
  // scanned, a separate path from the writer's callback).
  CommandResult st = d.Mlq({"stats", "--json", "--since", "3000d"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  const json totals = json::parse(st.out)["totals"];
  for (const char* outcome :
       {"delivered", "deferred", "bounced", "rejected", "quarantined", "expired"}) {
    EXPECT_EQ(SumOf(m, "mlq_deliveries_total", std::string("outcome=\"") + outcome + "\""),
              totals.value(outcome, 0))
        << outcome << "\n"
        << st.out;
  }
  EXPECT_GT(totals.value("delivered", 0), 0);
  EXPECT_GE(totals.value("bounced", 0), 1);
  // The daemon families are there, each TYPE once.
  for (const char* family : {"mlq_writer_queue_records",
                             "mlq_store_bytes",
                             "mlq_store_max_bytes",
                             "mlq_disk_free_bytes",
                             "mlq_store_oldest_line_timestamp_seconds",
                             "mlq_retention_seconds",
                             "mlq_store_read_only",
                             "mlq_store_unavailable",
                             "mlq_rocksdb_stall_seconds_total",
                             "mlq_rocksdb_write_stopped",
                             "mlq_rocksdb_pending_compaction_bytes",
                             "mlq_rocksdb_running_compactions",
                             "mlq_rocksdb_memory_bytes",
                             "mlq_rpc_requests_total",
                             "mlq_rpc_duration_seconds",
                             "mlq_http_requests_total",
                             "mlq_build_info",
                             "mlq_start_time_seconds",
                             "mlq_lines_parsed_total",
                             "mlq_lines_normalized_total",
                             "mlq_lines_unparsed_total",
                             "mlq_lines_truncated_total",
                             "mlq_events_total",
                             "mlq_host_lines_total",
                             "mlq_auth_failures_total",
                             "mlq_queue_messages",
                             "mlq_queue_oldest_age_seconds",
                             "mlq_metrics_labels_overflow_total"}) {
    const std::string type = std::string("\n# TYPE ") + family + " ";
    const size_t first = m.find(type);
    EXPECT_NE(first, std::string::npos) << family;
    EXPECT_EQ(m.find(type, first + 1), std::string::npos) << family;
  }
  // The stats call shows up as an RPC.
  m = Scrape(d.http_port());
  EXPECT_EQ(Sample(m, "mlq_rpc_requests_total{method=\"Stats\",code=\"OK\"}"), 1) << m;
  EXPECT_EQ(Sample(m, "mlq_rpc_duration_seconds_count{method=\"Stats\"}"), 1);
  // Every earlier scrape, counted before it was written (this one renders
  // before it is counted).
  EXPECT_EQ(Sample(m, "mlq_http_requests_total{route=\"metrics\",code=\"200\"}"), scrapes);
  const std::string raw = HttpGet(d.http_port(), "/metrics");
  EXPECT_NE(raw.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos)
      << raw.substr(0, 300);
}

TEST_F(MetricsTest, HostileClientsDoNotStopIt) {
  Daemon d(dir_.path() + "/data",
           {"--http", "127.0.0.1:0", "--http-timeout", "1", "--http-max-connections", "8",
            "--http-max-connections-per-address", "0", "--http-max-header-bytes", "4096"});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  // Oversize headers.
  EXPECT_EQ(StatusOf(HttpRequest(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                                           std::string(20000, 'a') + "\r\n\r\n")),
            431);
  // Other methods, a body, unknown paths, garbage.
  EXPECT_EQ(StatusOf(HttpRequest(port, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")), 405);
  EXPECT_EQ(StatusOf(HttpRequest(
                port, "PUT /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc")),
            413);
  EXPECT_EQ(StatusOf(HttpGet(port, "/../../etc/passwd")), 404);
  EXPECT_EQ(StatusOf(HttpRequest(port, std::string("\0\0\0garbage\r\n\r\n", 14))), 400);
  // Slowloris: connections that never finish a request are closed at the
  // timeout, and the connection cap holds while they wait.
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 12; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port));
    slow.back()->Send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  int closed = 0;
  for (auto& c : slow) closed += c->ClosedWithin(std::chrono::seconds(4)) ? 1 : 0;
  EXPECT_EQ(closed, 12);
  slow.clear();
  std::string m;
  ASSERT_TRUE(WaitFor([&] {
    m = Scrape(port);
    return Sample(m, "mlq_events_total{event=\"listener.http.timeout\"}") >= 8;
  })) << m;
  EXPECT_GE(Sample(m, "mlq_events_total{event=\"listener.http.connections.rejected_limit\"}"), 4);
  EXPECT_EQ(Sample(m, "mlq_events_total{event=\"listener.http.requests.header_too_large\"}"), 1);
  EXPECT_EQ(Sample(m, "mlq_events_total{event=\"listener.http.requests.body_too_large\"}"), 1);
  EXPECT_EQ(Sample(m, "mlq_http_requests_total{route=\"unmatched\",code=\"405\"}"), 1);
  EXPECT_EQ(Sample(m, "mlq_http_requests_total{route=\"unmatched\",code=\"404\"}"), 1);
  EXPECT_TRUE(d.Running());
}

TEST_F(MetricsTest, TokensGuardMetrics) {
  const std::string file = dir_.path() + "/tokens";
  const std::string admin = CreateToken(file, "ops", "admin");
  const std::string reader = CreateToken(file, "prometheus", "read");
  const std::string ingest = CreateToken(file, "importer", "ingest");
  const std::string helpdesk = CreateToken(file, "helpdesk", "read", "example.org");
  Daemon d(dir_.path() + "/data", {"--http", "127.0.0.1:0", "--grpc-tokens", file});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  std::string r = HttpGet(port, "/metrics");
  EXPECT_EQ(StatusOf(r), 401) << r;
  EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_EQ(StatusOf(HttpGet(port, "/metrics", "mlq_not-a-token")), 401);
  EXPECT_EQ(StatusOf(HttpRequest(port,
                                 "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic "
                                 "b3BzOm9wcw==\r\n\r\n")),
            401);
  EXPECT_EQ(StatusOf(HttpGet(port, "/metrics", ingest)), 403);
  EXPECT_EQ(StatusOf(HttpGet(port, "/metrics", helpdesk)), 403);
  EXPECT_EQ(StatusOf(HttpGet(port, "/metrics", reader)), 200);
  const std::string m = Scrape(port, admin);
  EXPECT_EQ(Sample(m, "mlq_http_requests_total{route=\"metrics\",code=\"401\"}"), 3) << m;
  EXPECT_EQ(Sample(m, "mlq_http_requests_total{route=\"metrics\",code=\"403\"}"), 2);
  EXPECT_EQ(Sample(m, "mlq_events_total{event=\"auth.unauthenticated\"}"), 3);
  EXPECT_EQ(Sample(m, "mlq_events_total{event=\"auth.denied\"}"), 2);
}

TEST_F(MetricsTest, RefusesAnUnprotectedNonLoopbackListener) {
  CommandResult r = RunCommand({MLQD_BIN, "--data", dir_.path() + "/data", "--http", "0.0.0.0:0",
                                "--syslog-udp", "", "--syslog-tcp", ""});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.err.find("refusing to serve HTTP (/metrics, /api/v1) on 0.0.0.0:0 without TLS and tokens"),
      std::string::npos)
      << r.err;
  Daemon d(dir_.path() + "/data", {"--http", "0.0.0.0:0", "--http-insecure"});
  ASSERT_TRUE(d.Start()) << d.log();
  EXPECT_NE(d.log().find("mlqd: listening http 0.0.0.0:"), std::string::npos) << d.log();
  EXPECT_NE(
      d.log().find("WARNING: --http-insecure: 0.0.0.0:0 serves /metrics and the JSON API /api/v1"),
      std::string::npos)
      << d.log();
}

TEST_F(MetricsTest, ServesOverTls) {
  const std::string certs = dir_.path() + "/certs";
  ASSERT_EQ(mkdir(certs.c_str(), 0700), 0);
  ASSERT_TRUE(MakeTestCa(certs, "localhost", "mail-client"));
  Daemon d(dir_.path() + "/data",
           {"--http", "127.0.0.1:0", "--metrics-cache-ms", "0", "--http-tls-cert",
            certs + "/server.pem", "--http-tls-key", certs + "/server.key"});
  ASSERT_TRUE(d.Start()) << d.log();
  EXPECT_NE(d.log().find("http: TLS"), std::string::npos) << d.log();
  const std::string url = "https://127.0.0.1:" + std::to_string(d.http_port()) + "/metrics";
  CommandResult r = RunCommand(
      {"curl", "-sS", "--max-time", "10", "--cacert", certs + "/ca.pem", "-D", "-", url});
  MLQ_REQUIRE_CORPUS(r.exit_code != 127, "no curl on PATH");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out.substr(0, 300);
  EXPECT_NE(r.out.find("\nmlq_build_info{version=\""), std::string::npos);
  // Plain HTTP on the TLS port gets no answer, and the listener goes on.
  EXPECT_EQ(StatusOf(HttpGet(d.http_port(), "/metrics")), 0);
  r = RunCommand({"curl", "-sS", "--max-time", "10", "--cacert", certs + "/ca.pem", url});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(Sample("\n" + r.out, "mlq_events_total{event=\"listener.http.handshake_failed\"}"), 1)
      << r.out;
  // Renewed certificates (another CA) in place, then SIGHUP: new
  // connections get the new certificate.
  const std::string renewed = dir_.path() + "/renewed";
  ASSERT_EQ(mkdir(renewed.c_str(), 0700), 0);
  ASSERT_TRUE(MakeTestCa(renewed, "localhost", "mail-client"));
  for (const char* f : {"server.pem", "server.key"}) {
    std::filesystem::copy_file(renewed + "/" + f, certs + "/" + f,
                               std::filesystem::copy_options::overwrite_existing);
  }
  ASSERT_EQ(kill(d.pid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor([&] {
    return d.log().find("http certificates reloaded") != std::string::npos;
  })) << d.log();
  r = RunCommand({"curl", "-sS", "--max-time", "10", "--cacert", renewed + "/ca.pem", url});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunCommand({"curl", "-sS", "--max-time", "10", "--cacert", certs + "/ca.pem", url});
  EXPECT_NE(r.exit_code, 0) << "the old CA still verifies the served certificate";
}

}  // namespace
}  // namespace mlq::testing
