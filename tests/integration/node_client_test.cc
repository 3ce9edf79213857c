// mlqd's gRPC API from another ecosystem: a Node.js client (tests/node/
// client.js) built on @grpc/grpc-js and @grpc/proto-loader, which reads
// proto/mlq/v1/query.proto at run time, calls Find and Trace on a real mlqd
// and prints JSON. The packages are installed from the npm registry into
// tests/node/node_modules at test time (npm ci, pinned by package-lock.json).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "harness.h"
#include "test_util.h"

namespace mlq::testing {
namespace {

using nlohmann::json;

std::string NodeDir() {
  return std::filesystem::weakly_canonical(std::filesystem::path(MLQ_TEST_DATA) / ".." / "node")
      .string();
}

std::string ProtoFile() {
  return std::filesystem::weakly_canonical(std::filesystem::path(MLQ_TEST_DATA) / ".." / ".." /
                                           "proto" / "mlq" / "v1" / "query.proto")
      .string();
}

json Node(const Daemon& d, const std::string& method, const json& request) {
  CommandResult r =
      RunCommand({"node", NodeDir() + "/client.js", ProtoFile(), d.grpc(), method, request.dump()});
  EXPECT_EQ(r.exit_code, 0) << method << " " << request.dump() << "\n" << r.out << r.err;
  return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

TEST(NodeClientTest, FindAndTraceThroughGrpcJsAndProtoLoader) {
  ASSERT_EQ(RunCommand({"node", "--version"}).exit_code, 0) << "node is not installed";
  const std::string npm =
      NpmCiOnce(NodeDir(), {"@grpc/grpc-js", "@grpc/proto-loader"}, /*version=*/"1.14.7");
  ASSERT_EQ(npm, "");

  TempDir dir;
  Daemon daemon(dir.path() + "/data", {"--timezone", "UTC"});
  ASSERT_TRUE(daemon.Start()) << daemon.log();

  // One message: submitted on mx1, delivered by relay to gmail.
  const time_t t = time(nullptr) - 3600;
  const std::vector<std::string> lines = {
      "<22>" + Bsd(t) + " mx1 postfix/smtpd[4100]: connect from client.example.org[192.0.2.7]",
      "<22>" + Bsd(t) +
          " mx1 postfix/smtpd[4100]: 4NdYw91Qx2z1kP: client=client.example.org[192.0.2.7]",
      "<22>" + Bsd(t) +
          " mx1 postfix/cleanup[4101]: 4NdYw91Qx2z1kP: message-id=<node-1@example.org>",
      "<22>" + Bsd(t + 1) +
          " mx1 postfix/qmgr[4102]: 4NdYw91Qx2z1kP: from=<alice@example.org>, size=2048, nrcpt=1 "
          "(queue active)",
      "<22>" + Bsd(t + 2) +
          " mx1 postfix/smtp[4103]: 4NdYw91Qx2z1kP: to=<bob@gmail.com>, "
          "relay=gmail-smtp-in.l.google.com[142.250.1.26]:25, delay=1.4, delays=0.1/0/0.6/0.7, "
          "dsn=2.0.0, status=sent (250 2.0.0 OK  1700000000 "
          "a1-20020a05600c000000b0040e00000000si1.123 - gsmtp)",
      "<22>" + Bsd(t + 2) + " mx1 postfix/qmgr[4102]: 4NdYw91Qx2z1kP: removed",
  };
  std::string stream;
  for (const auto& l : lines) stream += l + "\n";
  ASSERT_TRUE(SendTcp(daemon.tcp_port(), stream));
  ASSERT_TRUE(WaitFor([&] {
    json s = daemon.Status();
    return s.is_object() && s["stored"] == lines.size();
  })) << daemon.Status().dump();

  // Find by message-id: the cleanup line, every field by its proto name.
  json found = Node(daemon, "Find", {{"message_id", "<node-1@example.org>"}});
  ASSERT_TRUE(found.contains("records")) << found.dump();
  ASSERT_EQ(found["records"].size(), 1u) << found.dump();
  const json& rec = found["records"][0];
  EXPECT_EQ(rec["host"], "mx1");
  EXPECT_EQ(rec["program"], "postfix/cleanup");
  EXPECT_EQ(rec["queue_id"], "4NdYw91Qx2z1kP");
  EXPECT_EQ(rec["message_id"], "node-1@example.org");
  EXPECT_EQ(rec["raw"], lines[2]);
  EXPECT_EQ(rec["transport"], "tcp");
  // int64 arrives as a decimal string (longs: String): the exact microseconds.
  ASSERT_TRUE(rec["timestamp_us"].is_string()) << rec.dump();
  EXPECT_EQ(rec["timestamp_us"], std::to_string(static_cast<int64_t>(t) * 1000000));

  // Find by queue ID on the host: the five lines that carry it, oldest first.
  found = Node(daemon, "Find", {{"queue_id", "4NdYw91Qx2z1kP"}, {"host", "mx1"}});
  ASSERT_EQ(found["records"].size(), 5u) << found.dump();
  EXPECT_EQ(found["records"][4]["event"], "removed");
  EXPECT_EQ(found["truncated"], false);

  // Trace: one message, one hop, delivered to gmail.
  json traced = Node(daemon, "Trace", {{"message_id", "node-1@example.org"}});
  ASSERT_TRUE(traced.contains("traces")) << traced.dump();
  ASSERT_EQ(traced["traces"].size(), 1u) << traced.dump();
  const json& tr = traced["traces"][0];
  EXPECT_EQ(tr["message_ids"], json::array({"node-1@example.org"}));
  ASSERT_EQ(tr["hops"].size(), 1u) << tr.dump();
  EXPECT_EQ(tr["hops"][0]["host"], "mx1");
  EXPECT_EQ(tr["hops"][0]["queue_id"], "4NdYw91Qx2z1kP");
  ASSERT_EQ(tr["recipients"].size(), 1u) << tr.dump();
  const json& rcpt = tr["recipients"][0];
  EXPECT_EQ(rcpt["address"], "bob@gmail.com");
  EXPECT_EQ(rcpt["verdict"], "delivered");
  EXPECT_EQ(rcpt["dsn"], "2.0.0");
  EXPECT_NE(rcpt["where"].get<std::string>().find("gmail-smtp-in.l.google.com"), std::string::npos)
      << rcpt.dump();
  EXPECT_EQ(rcpt["deciding"]["event"], "delivery");

  // Errors come back as gRPC status codes: Trace without a start is refused.
  CommandResult bad =
      RunCommand({"node", NodeDir() + "/client.js", ProtoFile(), daemon.grpc(), "Trace", "{}"});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  json err = json::parse(bad.out, nullptr, false);
  EXPECT_EQ(err["error"]["code"], 3) << bad.out << " (INVALID_ARGUMENT)";
}

}  // namespace
}  // namespace mlq::testing
