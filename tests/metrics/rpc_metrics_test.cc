#include "metrics/rpc_metrics.h"

#include <gtest/gtest.h>

namespace mlq::metrics {
namespace {

TEST(RpcMetricsTest, CountsByMethodAndCodeWithHistogram) {
  RpcMetrics m("mlq.v1.Query", {"Find", "Trace"});
  m.Record("/mlq.v1.Query/Find", 0, std::chrono::milliseconds(3));
  m.Record("/mlq.v1.Query/Find", 0, std::chrono::milliseconds(300));
  m.Record("/mlq.v1.Query/Find", 7, std::chrono::microseconds(100));
  m.Record("/grpc.health.v1.Health/Check", 0, std::chrono::milliseconds(1));  // not counted
  m.Record("/mlq.v1.Query/Nope", 0, std::chrono::milliseconds(1));            // not a method
  Exposition e;
  m.Render(&e);
  const std::string t = e.Text();
  EXPECT_NE(t.find("mlq_rpc_requests_total{method=\"Find\",code=\"OK\"} 2\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("mlq_rpc_requests_total{method=\"Find\",code=\"PERMISSION_DENIED\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("mlq_rpc_requests_total{method=\"Trace\",code=\"OK\"} 0\n"), std::string::npos);
  EXPECT_NE(t.find("mlq_rpc_duration_seconds_bucket{method=\"Find\",le=\"0.001\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("mlq_rpc_duration_seconds_bucket{method=\"Find\",le=\"0.005\"} 2\n"),
            std::string::npos);
  EXPECT_NE(t.find("mlq_rpc_duration_seconds_bucket{method=\"Find\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(t.find("mlq_rpc_duration_seconds_count{method=\"Find\"} 3\n"), std::string::npos);
  EXPECT_EQ(t.find("Health"), std::string::npos);
  EXPECT_EQ(t.find("Nope"), std::string::npos);
}

TEST(RpcMetricsTest, CodeNames) {
  EXPECT_EQ(RpcMetrics::CodeName(0), "OK");
  EXPECT_EQ(RpcMetrics::CodeName(16), "UNAUTHENTICATED");
  EXPECT_EQ(RpcMetrics::CodeName(99), "UNKNOWN");
}

}  // namespace
}  // namespace mlq::metrics
