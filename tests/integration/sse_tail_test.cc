// GET /api/v1/tail (Server-Sent Events) in a real mlqd started with
// --http 127.0.0.1:0: lines sent by the real `logger` arrive as events; a
// client that reconnects with Last-Event-ID gets exactly what it missed.
// And a JSON API query whose client hangs up is cancelled.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "raw_http.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

// (id, raw) of every record event in `sse`.
std::vector<std::pair<std::string, std::string>> Events(const std::string& sse) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string id;
  size_t start = 0;
  for (size_t nl; (nl = sse.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = sse.substr(start, nl - start);
    if (line.starts_with("id: ")) id = line.substr(4);
    if (line.starts_with("data: {\"key\"")) {
      out.emplace_back(id, json::parse(line.substr(6)).value("raw", ""));
    }
  }
  return out;
}

bool Logger(const Daemon& d, const std::string& text) {
  const CommandResult r =
      RunCommand({"logger", "-n", "127.0.0.1", "-P", std::to_string(d.tcp_port()), "--tcp",
                  "--rfc3164", "-p", "mail.info", "-t", "postfix/smtp", text},
                 "", std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return r.exit_code == 0;
}

// GET /api/v1/status (the JSON API's Status: the same answer as mlq status).
json Status(const Daemon& d) {
  const json s = json::parse(BodyOf(HttpGet(d.http_port(), "/api/v1/status")), nullptr, false);
  return s.is_discarded() ? json::object() : s;
}

uint64_t Stored(const Daemon& d) {
  const json s = Status(d);
  return s.contains("stored") ? std::stoull(s["stored"].get<std::string>()) : 0;
}

TEST(SseTailTest, LoggerLinesArriveAndResumeGetsExactlyWhatWasMissed) {
  TempDir dir;
  Daemon d(dir.path() + "/data", {"--http", "127.0.0.1:0", "--timezone", "UTC"});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  ASSERT_NE(port, 0) << d.log();
  const std::string filter = "/api/v1/tail?text=sse-it-marker";

  std::string last_id;
  {
    RawConnection c(port);
    ASSERT_TRUE(c.Send("GET " + filter +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"));
    const std::string head = c.ReadUntil("retry: 2000\n");
    ASSERT_EQ(StatusOf(head), 200) << head;
    ASSERT_NE(head.find("text/event-stream"), std::string::npos) << head;
    ASSERT_TRUE(Logger(d, "sse-it-marker one"));
    const std::string got = c.ReadUntil("sse-it-marker one");
    const auto events = Events(got);
    ASSERT_EQ(events.size(), 1u) << got << "\n--- mlqd:\n" << d.log();
    EXPECT_NE(events[0].second.find("sse-it-marker one"), std::string::npos);
    last_id = events[0].first;
  }  // hangs up
  const uint64_t before = Stored(d);
  ASSERT_TRUE(Logger(d, "sse-it-marker two"));
  ASSERT_TRUE(Logger(d, "sse-it-marker three"));
  ASSERT_TRUE(WaitFor([&] { return Stored(d) >= before + 2; })) << d.log();

  RawConnection c(port);
  ASSERT_TRUE(c.Send("GET " + filter + " HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: " + last_id +
                     "\r\n\r\n"));
  std::string got = c.ReadUntil("sse-it-marker three");
  // Anything else would come right behind; a keep-alive is not an event.
  got += c.ReadUntil("\n\n", std::chrono::milliseconds(300));
  const auto events = Events(got);
  ASSERT_EQ(events.size(), 2u) << got;
  EXPECT_NE(events[0].second.find("sse-it-marker two"), std::string::npos);
  EXPECT_NE(events[1].second.find("sse-it-marker three"), std::string::npos);
  EXPECT_NE(events[0].first, last_id);
}

TEST(SseTailTest, AQueryWhoseClientHangsUpIsCancelled) {
  TempDir dir;
  Daemon d(dir.path() + "/data", {"--http", "127.0.0.1:0", "--timezone", "UTC"});
  ASSERT_TRUE(d.Start()) << d.log();
  const uint16_t port = d.http_port();
  // Many lines, so that a text search that matches none takes a while.
  constexpr int kLines = 200000;
  std::string lines;
  for (int i = 0; i < kLines; ++i) {
    lines += "<22>Nov 20 10:00:01 mx1 postfix/smtp[42]: ABC" + std::to_string(i) + ": to=<u" +
             std::to_string(i) + "@example.org>, status=sent (250 ok)\n";
  }
  ASSERT_TRUE(SendTcp(d.tcp_port(), lines));
  ASSERT_TRUE(WaitFor([&] { return Stored(d) >= kLines; }, std::chrono::seconds(120))) << Stored(d);
  const auto cancelled = [&] {
    const json s = Status(d);
    if (!s.contains("counters")) return uint64_t{0};
    const json& c = s["counters"];
    return c.contains("listener.http.requests.cancelled")
               ? uint64_t{std::stoull(c["listener.http.requests.cancelled"].get<std::string>())}
               : uint64_t{0};
  };
  EXPECT_EQ(cancelled(), 0u);
  {
    RawConnection c(port);
    ASSERT_TRUE(
        c.Send("GET /api/v1/find?text=no-such-text-anywhere&since=%401 HTTP/1.1\r\nHost: "
               "127.0.0.1\r\n\r\n"));
  }  // hangs up at once
  EXPECT_TRUE(WaitFor([&] { return cancelled() >= 1; })) << d.log();
  // mlqd goes on serving.
  EXPECT_EQ(StatusOf(HttpGet(port, "/api/v1/status")), 200);
}

}  // namespace
}  // namespace mlq::testing
