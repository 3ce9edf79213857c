// The web page of mlqd (web/static/, web/CONTRACT.md) in a real browser:
// Debian's Chromium, headless, driven by playwright-core (tests/browser/,
// installed at test time with npm ci like tests/node), against a real mlqd
// with --http and a token file, fed real log lines. Each scenario is one
// node run (one browser) of a tests/browser/*.mjs script that logs in
// through the page, works it through its data-testid hooks, asks the JSON
// API itself for what the page should show, and prints what it saw as JSON;
// the assertions are here. Every run fails on any console error, page
// error, failed request (but the 401 of the session probe before login),
// CSP violation or dialog (tests/browser/lib.mjs).
//
// The lines: real ones from the corpus and tests/data (their times moved to
// the last hour, so that any default time range of the page holds them),
// and, written here, the second host of a relayed message (the corpus has
// no message relayed across two hosts: importing all of it gives no trace
// with hops on two hosts) and a line with hostile text.
//
// The screenshots of the scenarios go to <build>/web-screens (or
// $MLQ_WEB_SCREENS); tests/browser/update-screens.sh copies them to
// docs/screens.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "harness.h"
#include "raw_http.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

const std::string kHarvest =
    std::string(MLQ_SOURCE_DIR) + "/../shared/corpus/mail/postfix/ppiankov-mailreceipt-harvest.log";

std::string BrowserDir() {
  return std::filesystem::weakly_canonical(std::filesystem::path(MLQ_TEST_DATA) / ".." / "browser")
      .string();
}

std::string Chromium() {
  const char* env = std::getenv("MLQ_CHROMIUM");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/chromium";
}

std::string ScreensDir() {
  const char* env = std::getenv("MLQ_WEB_SCREENS");
  if (env != nullptr && *env != '\0') return env;
  // <build>/daemon/mlqd -> <build>/web-screens
  return (std::filesystem::path(MLQD_BIN).parent_path().parent_path() / "web-screens").string();
}

// "Jun  5 15:09:02 host prog[pid]: msg" -> seconds into the day, and the
// line after the time.
bool SplitBsd(const std::string& line, int* seconds, std::string* rest) {
  if (line.size() < 17 || line[15] != ' ' || line[9] != ':' || line[12] != ':') return false;
  *seconds = std::stoi(line.substr(7, 2)) * 3600 + std::stoi(line.substr(10, 2)) * 60 +
             std::stoi(line.substr(13, 2));
  *rest = line.substr(16);
  return true;
}

// What the suite stores: syslog lines over TCP, each at `base` plus its
// offset from the message's first line.
class Feed {
 public:
  // The lines of `file` containing every string of `all` and one of `any`.
  void FromFile(const std::string& file, time_t base, const std::vector<std::string>& all,
                const std::vector<std::string>& any) {
    int first = -1;
    for (const std::string& line : ReadLines(file)) {
      bool keep = std::all_of(all.begin(), all.end(),
                              [&](const std::string& s) { return line.find(s) != line.npos; });
      keep = keep && (any.empty() || std::any_of(any.begin(), any.end(), [&](const std::string& s) {
                        return line.find(s) != line.npos;
                      }));
      int at = 0;
      std::string rest;
      if (!keep || !SplitBsd(line, &at, &rest)) continue;
      if (first < 0) first = at;
      Add(base + (at - first), rest);
    }
  }
  void Add(time_t at, const std::string& rest) {
    stream_ += "<22>" + Bsd(at) + " " + rest + "\n";
    ++count_;
    last_ = std::max(last_, at);
  }
  const std::string& stream() const { return stream_; }
  size_t count() const { return count_; }
  time_t last() const { return last_; }

 private:
  std::string stream_;
  size_t count_ = 0;
  time_t last_ = 0;
};

struct NodeRun {
  int exit_code = -1;
  json out;  // the last stdout line, parsed (discarded when not JSON)
  std::string text;
};

std::string Failures(const json& out) {
  std::string s;
  if (out.is_object() && out.contains("failures")) {
    for (const json& f : out["failures"]) s += "\n  - " + f.get<std::string>();
  }
  return s;
}

class WebBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    problem_ = new std::string;
    missing_ = new std::string;
    if (RunCommand({"node", "--version"}).exit_code != 0) {
      *missing_ = "node is not installed (deploy/install-deps.sh --test)";
      return;
    }
    if (RunCommand({"npm", "--version"}).exit_code != 0) {
      *missing_ = "npm is not installed (deploy/install-deps.sh --test)";
      return;
    }
    if (access(Chromium().c_str(), X_OK) != 0) {
      *missing_ = Chromium() + " is not installed (deploy/install-deps.sh --test)";
      return;
    }
    if (!Exists(kHarvest)) {
      *missing_ = "no corpus file " + kHarvest;
      return;
    }
    *problem_ = NpmCiOnce(BrowserDir(), {"playwright-core"}, /*version=*/"1.64.1");
    if (!problem_->empty()) return;

    dir_ = new TempDir;
    tokens_ = new std::map<std::string, std::string>;
    const std::string file = dir_->path() + "/tokens";
    (*tokens_)["reader"] = CreateToken(file, "reader", "read");
    (*tokens_)["helpdesk"] = CreateToken(file, "helpdesk", "read", "exampleclient.test");
    daemon_ = new Daemon(dir_->path() + "/data",
                         {"--http", "127.0.0.1:0", "--grpc-tokens", file, "--timezone", "UTC"});
    if (!daemon_->Start()) {
      *problem_ = "mlqd did not start:\n" + daemon_->log();
      return;
    }

    const time_t now = time(nullptr);
    Feed feed;
    // A message of mail01 to exampleclient.test: deferred, one recipient
    // bounced, then relayed to the domain's mx ("queued as D4E5F6")...
    feed.FromFile(kHarvest, now - 3000, {"mail01", "7C2D9E1F02"},
                  {"reminder-1509@example-ip.test", "exampleclient.test"});
    // ... whose own lines are not in the corpus: the mx receives it from
    // mail01 and delivers it to the mailbox (Postfix 3.7's wording).
    const time_t at = feed.last();
    feed.Add(at, "mx postfix/smtpd[3100]: D4E5F6: client=mail01.example-ip.test[198.51.100.20]");
    feed.Add(at, "mx postfix/cleanup[3101]: D4E5F6: message-id=<reminder-1509@example-ip.test>");
    feed.Add(at + 1,
             "mx postfix/qmgr[3102]: D4E5F6: from=<reminders@example-ip.test>, size=2210, "
             "nrcpt=1 (queue active)");
    feed.Add(at + 1,
             "mx postfix/lmtp[3103]: D4E5F6: to=<jdoe@exampleclient.test>, "
             "relay=mailbox.exampleclient.test[10.0.0.9]:24, delay=0.4, "
             "delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 <jdoe@exampleclient.test> "
             "Saved)");
    feed.Add(at + 1, "mx postfix/qmgr[3102]: D4E5F6: removed");
    // A message to two recipients of clientfirm.test (another domain).
    feed.FromFile(kHarvest, now - 2400, {"A1FFFF19"}, {});
    // A recipient address that begins with "=" (formula injection in CSV).
    feed.FromFile(kHarvest, now - 2000, {"ABCD16"}, {});
    // An inbound message through amavis, from Gmail's 209.85.221.42.
    feed.FromFile(TestData("seeds/003_e0219925bad23f2a.log"), now - 1600, {},
                  {"974C6222F6", "01373222F7"});
    // Hostile text in a remote server's reply.
    feed.Add(now - 900,
             "mail01 postfix/cleanup[920]: 5A5A5A5A5A: message-id=<hostile-1@hostile.test>");
    feed.Add(now - 900,
             "mail01 postfix/qmgr[900]: 5A5A5A5A5A: from=<sender@hostile.test>, size=100, "
             "nrcpt=1 (queue active)");
    feed.Add(now - 899,
             "mail01 postfix/smtp[901]: 5A5A5A5A5A: to=<victim@hostile.test>, "
             "relay=mx.hostile.test[192.0.2.66]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, "
             "status=bounced (host mx.hostile.test[192.0.2.66] said: 550 5.7.1 " +
                 Hostile() + " (in reply to end of DATA command))");
    feed.Add(now - 899, "mail01 postfix/qmgr[900]: 5A5A5A5A5A: removed");
    lines_ = feed.count();
    if (lines_ < 25) {
      *problem_ = "only " + std::to_string(lines_) + " lines picked from the corpus";
      return;
    }
    if (!SendTcp(daemon_->tcp_port(), feed.stream())) {
      *problem_ = "cannot send the lines to mlqd";
      return;
    }
    if (!WaitFor([] { return Stored() == lines_; })) {
      *problem_ = "mlqd stored " + std::to_string(Stored()) + " of " + std::to_string(lines_) +
                  " lines:\n" + daemon_->log();
    }
    std::filesystem::create_directories(ScreensDir());
    std::printf("web_browser_test: screenshots in %s\n", ScreensDir().c_str());
  }

  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
    delete tokens_;
    delete problem_;
    delete missing_;
    daemon_ = nullptr;
    dir_ = nullptr;
    tokens_ = nullptr;
  }

  void SetUp() override {
    if (!missing_->empty()) {
      if (UnderCi()) FAIL() << *missing_;
      GTEST_SKIP() << *missing_;
    }
    ASSERT_TRUE(problem_->empty()) << *problem_;
  }

  static std::string Hostile() { return "<img src=x onerror=alert(1)> <script>alert(2)</script>"; }

  static uint64_t Stored() {
    const std::string r = HttpGet(daemon_->http_port(), "/api/v1/status", (*tokens_)["reader"]);
    const json s = json::parse(BodyOf(r), nullptr, false);
    return s.is_object() && s.contains("stored") ? std::stoull(s["stored"].get<std::string>()) : 0;
  }

  // Runs tests/browser/<script> with the base config plus `extra`.
  static NodeRun Run(const std::string& script, const json& extra = json::object()) {
    json config = {
        {"base", "http://" + daemon_->http() + "/"},
        {"tokens", {{"reader", (*tokens_)["reader"]}, {"helpdesk", (*tokens_)["helpdesk"]}}},
        {"shots", ScreensDir()}};
    config.update(extra);
    const CommandResult r = RunCommand({"node", BrowserDir() + "/" + script, config.dump()}, "",
                                       std::chrono::seconds(120));
    NodeRun n;
    n.exit_code = r.exit_code;
    n.text = r.out + r.err;
    std::string last = r.out;
    while (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    n.out = json::parse(last, nullptr, false);
    return n;
  }

  static TempDir* dir_;
  static Daemon* daemon_;
  static std::map<std::string, std::string>* tokens_;
  static std::string* problem_;  // set up failed: every test fails with it
  static std::string* missing_;  // a program or the corpus is missing
  static size_t lines_;
};

TempDir* WebBrowserTest::dir_ = nullptr;
Daemon* WebBrowserTest::daemon_ = nullptr;
std::map<std::string, std::string>* WebBrowserTest::tokens_ = nullptr;
std::string* WebBrowserTest::problem_ = nullptr;
std::string* WebBrowserTest::missing_ = nullptr;
size_t WebBrowserTest::lines_ = 0;

// Fails the test unless the node run finished (0 or 1) with a JSON answer,
// and reports each failure the run recorded.
#define ASSERT_RAN(n)                                                                              \
  do {                                                                                             \
    ASSERT_TRUE((n).exit_code == 0 || (n).exit_code == 1) << (n).text.substr(0, 4000);             \
    ASSERT_TRUE((n).out.is_object()) << (n).text.substr(0, 4000);                                  \
    EXPECT_EQ((n).out["failures"].size(), 0u) << "the browser run recorded:" << Failures((n).out); \
  } while (0)

std::vector<std::string> Pairs(const json& list, bool with_dsn = false) {
  std::vector<std::string> out;
  for (const json& v : list) {
    std::string s = v.value("address", "") + " " + v.value("verdict", "");
    // The API leaves an empty dsn out; the page may have none (null).
    if (with_dsn) {
      s += " " + (v.contains("dsn") && v["dsn"].is_string() ? v["dsn"].get<std::string>() : "");
    }
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(WebBrowserTest, SearchRecognisesEachKindOfKey) {
  const json cases = json::array({
      {{"q", "jdoe@exampleclient.test"},
       {"kind", "address"},
       {"api", "trace"},
       {"params", {{"to", "jdoe@exampleclient.test"}, {"since", "@1"}}}},
      {{"q", "clientfirm.test"},
       {"kind", "domain"},
       {"api", "find"},
       {"params", {{"text", "clientfirm.test"}, {"since", "@1"}}}},
      {{"q", "7C2D9E1F02"},
       {"kind", "queue ID"},
       {"api", "trace"},
       {"params", {{"queue_id", "7C2D9E1F02"}, {"since", "@1"}}}},
      {{"q", "<reminder-1509@example-ip.test>"},
       {"kind", "message-id"},
       {"api", "trace"},
       {"params", {{"message_id", "reminder-1509@example-ip.test"}, {"since", "@1"}}}},
      {{"q", "209.85.221.42"},
       {"kind", "IP"},
       {"api", "find"},
       {"params", {{"client_ip", "209.85.221.42"}, {"since", "@1"}}}},
      {{"q", "User unknown"},
       {"kind", "text"},
       {"api", "find"},
       {"params", {{"text", "User unknown"}, {"since", "@1"}}}},
  });
  NodeRun n = Run("search.mjs", {{"cases", cases}, {"shot_after", "jdoe@exampleclient.test"}});
  ASSERT_RAN(n);
  ASSERT_EQ(n.out["cases"].size(), cases.size()) << n.out.dump(1);
  const std::set<std::string> words = {"delivered",   "deferred", "bounced", "rejected",
                                       "quarantined", "expired",  "queued",  "unknown"};
  for (const json& c : n.out["cases"]) {
    SCOPED_TRACE("search " + c["q"].get<std::string>() + " -> " + c["url"].get<std::string>());
    for (const json& r : c["results"]) {
      for (const json& v : r["verdicts"]) {
        EXPECT_TRUE(words.count(v["verdict"].get<std::string>()))
            << "data-verdict is not a verdict word of the API: " << v.dump() << " in " << r.dump();
      }
    }
    EXPECT_EQ(c["kind"], c["kind_expected"]);
    EXPECT_EQ(c["error"], "");
    ASSERT_FALSE(c["api"].empty()) << "the API finds nothing for the key";
    for (const json& a : c["api"]) {
      const json& t = a["trace"];
      ASSERT_FALSE(a["result"].is_null()) << "no result-message shows the API's message "
                                          << t.dump() << "\nresults: " << c["results"].dump(1);
      EXPECT_TRUE(a["result"]["has_link"].get<bool>()) << "no open-message link";
      const std::vector<std::string> api = Pairs(t["recipients"]);
      const std::vector<std::string> page = Pairs(a["result"]["verdicts"]);
      if (c["api_kind"] == "trace") {
        // A message looked up as such: its every recipient's verdict.
        EXPECT_EQ(page, api) << "result-verdicts against the API's recipients of "
                             << t["hops"].dump();
      } else {
        // Matching lines grouped by queue entry (web/CONTRACT.md): the
        // outcomes those lines tell, each one the trace's too.
        for (const std::string& v : page) {
          EXPECT_TRUE(std::find(api.begin(), api.end(), v) != api.end())
              << "result-verdict " << v << " is not among the API's " << json(api).dump();
        }
      }
    }
  }
}

TEST_F(WebBrowserTest, MessageAcrossTwoHostsMatchesTheTrace) {
  const json trace = {{"queue_id", "7C2D9E1F02"}, {"host", "mail01"}, {"since", "@1"}};
  NodeRun n = Run("message.mjs", {{"q", "7C2D9E1F02"}, {"trace", trace}});
  ASSERT_RAN(n);
  ASSERT_TRUE(n.out.contains("page")) << n.out.dump(1);
  json t = n.out["api"]["traces"][0];
  json page = n.out["page"];
  SCOPED_TRACE("message page " + n.out.value("url", ""));

  std::set<std::string> hosts;
  std::vector<std::string> api_hops;
  for (const json& h : t["hops"]) {
    hosts.insert(h.value("host", ""));
    api_hops.push_back(h.value("host", "") + "/" + h.value("queue_id", "") + " " +
                       h.value("role", ""));
  }
  ASSERT_EQ(hosts, (std::set<std::string>{"mail01", "mx"})) << "the API's trace: " << t.dump(1);
  std::vector<std::string> lanes = page["lanes"].get<std::vector<std::string>>();
  std::sort(lanes.begin(), lanes.end());
  EXPECT_EQ(lanes, (std::vector<std::string>{"mail01", "mx"})) << "one lane per host";
  std::vector<std::string> hops;
  for (const json& h : page["hops"]) {
    hops.push_back(h["host"].get<std::string>() + "/" + h["queue_id"].get<std::string>() + " " +
                   h["role"].get<std::string>());
  }
  EXPECT_EQ(hops, api_hops) << "hops (host/queue ID role) in the API's order";

  // Every verdict card, one to one with the API's recipients.
  EXPECT_EQ(page["cards"].size(), t["recipients"].size());
  std::vector<std::string> cards;
  for (const json& c : page["cards"]) {
    std::string dsn = c["dsn"].is_string() ? c["dsn"].get<std::string>() : "";
    if (dsn == "\u2014" || dsn == "-") dsn.clear();  // the page's dash for "none"
    cards.push_back(c["address"].get<std::string>() + " " + c["verdict"].get<std::string>() + " " +
                    dsn);
  }
  std::sort(cards.begin(), cards.end());
  EXPECT_EQ(cards, Pairs(t["recipients"], /*with_dsn=*/true))
      << "verdict-card: address, verdict, verdict-dsn";
  EXPECT_EQ(Pairs(t["recipients"]), (std::vector<std::string>{"jdoe@exampleclient.test delivered",
                                                              "team@exampleclient.test bounced"}));

  // Every line of every hop is among the raw lines.
  size_t api_lines = 0;
  for (const json& h : t["hops"]) {
    for (const json& l : h["lines"]) {
      ++api_lines;
      const std::string raw = l.value("raw", "");
      EXPECT_TRUE(std::any_of(
          page["raw"].begin(), page["raw"].end(),
          [&](const json& r) { return r.get<std::string>().find(raw) != std::string::npos; }))
          << "raw line not shown: " << raw;
    }
  }
  EXPECT_GE(page["raw"].size(), api_lines);

  // The same permalink at 375 px, dark: the same cards.
  EXPECT_EQ(Pairs(n.out["phone_cards"]), Pairs(page["cards"]));
}

TEST_F(WebBrowserTest, PermalinkInAFreshContextShowsTheSameResults) {
  NodeRun n = Run("permalink.mjs", {{"q", "jdoe@exampleclient.test"}});
  ASSERT_RAN(n);
  const std::string url = n.out.value("url", "");
  EXPECT_NE(url.find("#/search?"), std::string::npos) << url;
  EXPECT_FALSE(n.out["first"].empty()) << "no results to compare";
  EXPECT_EQ(n.out["second"], n.out["first"]) << url;
  EXPECT_EQ(n.out["q_box"], "jdoe@exampleclient.test");
}

// RFC 4180 quoting against formula injection of the contract.
std::string CsvCell(const std::string& v) {
  if (!v.empty() && std::string("=+-@\t\r").find(v[0]) != std::string::npos) return "'" + v;
  return v;
}

std::string StripAngles(const std::string& s) {
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') return s.substr(1, s.size() - 2);
  return s;
}

TEST_F(WebBrowserTest, ExportCsvAndNdjsonHoldTheShownResults) {
  NodeRun n = Run("export.mjs", {{"q", "example.test"}});
  ASSERT_RAN(n);
  // What the page shows, one row per recipient.
  std::vector<std::string> shown, shown_plain;
  for (const json& r : n.out["results"]) {
    json verdicts = r["verdicts"];
    // A message without a recipient outcome is one row with no recipient.
    if (verdicts.empty()) verdicts.push_back({{"address", ""}, {"verdict", ""}});
    for (const json& v : verdicts) {
      const std::string h = r["host"].get<std::string>();
      const std::string q = r["queue_id"].get<std::string>();
      const std::string m = StripAngles(r["message_id"].get<std::string>());
      const std::string a = v["address"].get<std::string>();
      const std::string verdict = v["verdict"].get<std::string>();
      shown.push_back(CsvCell(h) + "|" + CsvCell(q) + "|" + CsvCell(m) + "|" + CsvCell(a) + "|" +
                      CsvCell(verdict));
      shown_plain.push_back(h + "|" + q + "|" + m + "|" + a + "|" + verdict);
    }
  }
  std::sort(shown.begin(), shown.end());
  std::sort(shown_plain.begin(), shown_plain.end());
  ASSERT_FALSE(shown.empty()) << n.out.dump(1);

  EXPECT_EQ(n.out["csv_name"], "mlq-search.csv");
  EXPECT_TRUE(n.out["csv_failure"].is_null()) << n.out["csv_failure"];
  ASSERT_TRUE(n.out.contains("csv")) << n.out.value("csv_text", "");
  const json& csv = n.out["csv"];
  ASSERT_GE(csv.size(), 1u);
  EXPECT_EQ(csv[0], json::array({"time", "host", "queue_id", "message_id", "from", "to", "verdict",
                                 "dsn", "reply"}));
  std::vector<std::string> rows;
  const std::regex iso(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$)");
  bool quoted_formula = false;
  for (size_t i = 1; i < csv.size(); ++i) {
    ASSERT_EQ(csv[i].size(), 9u) << csv[i].dump();
    EXPECT_TRUE(std::regex_match(csv[i][0].get<std::string>(), iso)) << csv[i].dump();
    rows.push_back(csv[i][1].get<std::string>() + "|" + csv[i][2].get<std::string>() + "|" +
                   StripAngles(csv[i][3].get<std::string>()) + "|" + csv[i][5].get<std::string>() +
                   "|" + csv[i][6].get<std::string>());
    quoted_formula = quoted_formula || csv[i][5] == "'=3dcase@example.test";
  }
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, shown) << "CSV rows (host|queue_id|message_id|to|verdict) against the page";
  EXPECT_TRUE(quoted_formula) << "no row with to = '=3dcase@example.test:\n"
                              << n.out.value("csv_text", "");

  EXPECT_EQ(n.out["ndjson_name"], "mlq-search.ndjson");
  EXPECT_TRUE(n.out["ndjson_failure"].is_null()) << n.out["ndjson_failure"];
  std::vector<std::string> nd;
  for (const json& o : n.out["ndjson"]) {
    nd.push_back(o.value("host", "") + "|" + o.value("queue_id", "") + "|" +
                 StripAngles(o.value("message_id", "")) + "|" + o.value("to", "") + "|" +
                 o.value("verdict", ""));
  }
  std::sort(nd.begin(), nd.end());
  EXPECT_EQ(nd, shown_plain) << "NDJSON rows (host|queue_id|message_id|to|verdict):\n"
                             << n.out["ndjson"].dump(1);
}

TEST_F(WebBrowserTest, LiveShowsALineFromLoggerWithinTwoSeconds) {
  ASSERT_EQ(RunCommand({"logger", "--version"}).exit_code, 0) << "util-linux logger is missing";
  std::random_device rd;
  char nonce[17];
  std::snprintf(nonce, sizeof nonce, "%08x%08x", rd(), rd());
  NodeRun n = Run("live.mjs", {{"udp_port", daemon_->udp_port()}, {"nonce", nonce}});
  ASSERT_RAN(n);
  EXPECT_EQ(n.out["state_before"], "connected");
  EXPECT_TRUE(n.out["arrived_within_2s"].get<bool>())
      << "the line was not a live-line 2 s after logger sent it (" << n.out["after_ms"]
      << " ms); stored by then: " << n.out["api_keys"].dump();
  ASSERT_EQ(n.out["lines"].size(), 1u) << n.out.dump(1);
  ASSERT_EQ(n.out["api_keys"].size(), 1u) << n.out.dump(1);
  EXPECT_EQ(n.out["lines"][0]["key"], n.out["api_keys"][0]) << "data-key is the record key";
  EXPECT_EQ(n.out["state_after"], "connected");
}

TEST_F(WebBrowserTest, DomainLimitedTokenSeesOnlyItsDomain) {
  NodeRun n =
      Run("access.mjs", {{"own", {{"q", "jdoe@exampleclient.test"}}},
                         {"other",
                          {{"q", "<wire-id@example.test>"},
                           {"address", "a@clientfirm.test"},
                           {"message_id", "wire-id@example.test"}}},
                         {"wrong_token", "mlq_0000000000000000000000000000000000000000000"}});
  ASSERT_RAN(n);
  // A wrong token: login-error, still the login form.
  EXPECT_NE(n.out.value("wrong_token_error", ""), "");
  EXPECT_TRUE(n.out.value("wrong_token_form_still", false));
  // Its own domain's message.
  bool own = false;
  for (const json& r : n.out["own"]["results"]) {
    for (const json& v : r["verdicts"]) own = own || v["address"] == "jdoe@exampleclient.test";
  }
  EXPECT_TRUE(own) << n.out["own"].dump(1);
  // Nothing of the other domain's message, searched or by permalink.
  EXPECT_TRUE(n.out["other_search"]["results"].empty()) << n.out["other_search"].dump(1);
  EXPECT_TRUE(n.out["other_search"]["empty"].get<bool>()) << "results-empty is not shown";
  EXPECT_FALSE(n.out["other_search"]["mentions_address"].get<bool>());
  EXPECT_TRUE(n.out["other_permalink"]["cards"].empty()) << n.out["other_permalink"].dump(1);
  EXPECT_TRUE(n.out["other_permalink"]["raw_with_address"].empty());
  EXPECT_FALSE(n.out["other_permalink"]["mentions_address"].get<bool>());
  EXPECT_FALSE(n.out["other_permalink"]["html_mentions_address"].get<bool>());
  // Logout ended the session.
  EXPECT_EQ(n.out["session_after_logout"], 401);
}

TEST_F(WebBrowserTest, HostileTextShowsLiterally) {
  NodeRun n = Run("hostile.mjs", {{"q", "onerror=alert(1)"}});
  ASSERT_RAN(n);  // a dialog would be among the failures
  for (const char* where : {"results_elements", "message_elements"}) {
    EXPECT_EQ(n.out[where]["img_x"], 0) << where;
    EXPECT_EQ(n.out[where]["scripts_alert"], 0) << where;
    EXPECT_EQ(n.out[where]["onerror_attrs"], 0) << where;
  }
  const std::string text = Hostile();
  EXPECT_TRUE(std::any_of(
      n.out["raw"].begin(), n.out["raw"].end(),
      [&](const json& r) { return r.get<std::string>().find(text) != std::string::npos; }))
      << "no raw-line shows the text literally: " << n.out["raw"].dump(1);
  ASSERT_EQ(n.out["cards"].size(), 1u) << n.out.dump(1);
  EXPECT_NE(n.out["cards"][0]["reply"].get<std::string>().find(text), std::string::npos)
      << "verdict-reply: " << n.out["cards"][0]["reply"];
  // The results of a text search show the matching line as text.
  EXPECT_NE(n.out.value("results_text", "").find(text), std::string::npos)
      << "results: " << n.out.value("results_text", "");
}

TEST_F(WebBrowserTest, OverviewHasEveryHost) {
  NodeRun n = Run("overview.mjs", {{"stats_params", {{"since", "1d"}}}});
  ASSERT_RAN(n);
  std::set<std::string> rows, api;
  for (const json& r : n.out["host_rows"]) {
    rows.insert(r["host"].get<std::string>());
    EXPECT_NE(r["text"].get<std::string>().find(r["host"].get<std::string>()), std::string::npos)
        << "the row does not name its host: " << r.dump();
  }
  for (const json& h : n.out["api_hosts"]) api.insert(h.get<std::string>());
  EXPECT_EQ(rows, api) << "host-row data-host against /api/v1/stats's hosts";
  EXPECT_GE(n.out["api_hosts"].size(), 3u) << "mail01, mx, mail";
  EXPECT_NE(n.out["tz_before"], n.out["tz_after"]);
}

}  // namespace
}  // namespace mlq::testing
