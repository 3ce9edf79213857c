// Every message in the founding documents' log excerpts (tests/data/seeds/,
// a copy of ../shared/corpus/mail/seeds/), sent as syslog, is found by its
// message-id and by each of its Postfix queue IDs.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

// Every "<key><X>" in `line` where X runs to `end`.
void Collect(const std::string& line, const std::string& key, char end, std::set<std::string>* out) {
  for (size_t p = line.find(key); p != std::string::npos; p = line.find(key, p + 1)) {
    size_t b = p + key.size();
    size_t e = line.find(end, b);
    if (e != std::string::npos && e > b) out->insert(line.substr(b, e - b));
  }
}

// The queue ID a Postfix line starts its message with ("]: QID: ...").
std::string PostfixQueueId(const std::string& line) {
  if (line.find(" postfix") == std::string::npos) return "";
  size_t p = line.find("]: ");
  if (p == std::string::npos) return "";
  p += 3;
  size_t e = p;
  while (e < line.size() && std::isalnum(static_cast<unsigned char>(line[e]))) ++e;
  if (e - p < 8 || e >= line.size() || line[e] != ':') return "";
  std::string id = line.substr(p, e - p);
  // Queue IDs have digits; words such as "statistics" do not.
  if (id.find_first_of("0123456789") == std::string::npos) return "";
  return id;
}

TEST(SeedsTest, EveryMessageIsFoundByMessageIdAndQueueId) {
  TempDir dir;
  Daemon daemon(dir.path() + "/data");
  ASSERT_TRUE(daemon.Start()) << daemon.log();

  std::vector<std::string> lines;
  for (const auto& entry : std::filesystem::directory_iterator(TestData("seeds"))) {
    if (entry.path().extension() != ".log") continue;
    for (auto& l : ReadLines(entry.path().string())) {
      if (!l.empty()) lines.push_back(std::move(l));
    }
  }
  ASSERT_GT(lines.size(), 150u);
  std::string stream;
  std::set<std::string> message_ids;
  std::map<std::string, size_t> queue_lines;  // queue ID -> lines starting with it
  for (const auto& l : lines) {
    stream += "<22>" + l + "\n";
    Collect(l, "message-id=<", '>', &message_ids);
    Collect(l, "msgid=<", '>', &message_ids);
    Collect(l, "Message-ID: <", '>', &message_ids);
    std::string q = PostfixQueueId(l);
    if (!q.empty()) ++queue_lines[q];
  }
  ASSERT_GE(message_ids.size(), 6u);
  ASSERT_GE(queue_lines.size(), 12u);
  ASSERT_TRUE(SendTcp(daemon.tcp_port(), stream));
  ASSERT_TRUE(WaitFor([&] {
    auto s = daemon.Status();
    return s.is_object() && s["stored"] == lines.size();
  })) << daemon.Status().dump();

  for (const auto& id : message_ids) {
    CommandResult r = daemon.Mlq({"find", "--json", "--message-id", id});
    EXPECT_EQ(r.exit_code, 0) << id << r.err;
    auto rows = ParseJsonLines(r.out);
    size_t expected = 0;
    for (const auto& l : lines) expected += l.find("<" + id + ">") != std::string::npos;
    EXPECT_EQ(rows.size(), expected) << id;
    for (const auto& row : rows) {
      EXPECT_NE(row["raw"].get<std::string>().find(id), std::string::npos) << id;
    }
  }
  for (const auto& [qid, count] : queue_lines) {
    CommandResult r = daemon.Mlq({"find", "--json", "--queue-id", qid});
    EXPECT_EQ(r.exit_code, 0) << qid << r.err;
    auto rows = ParseJsonLines(r.out);
    EXPECT_GE(rows.size(), count) << qid;
    for (const auto& row : rows) {
      EXPECT_NE(row["raw"].get<std::string>().find(qid), std::string::npos) << qid;
    }
  }
}

}  // namespace
}  // namespace mlq::testing
