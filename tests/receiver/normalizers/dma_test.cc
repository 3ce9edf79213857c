// Tests of the DragonFly Mail Agent normalizer (receiver/normalizers/dma.cc).

#include "receiver/normalizers/dma.h"

#include <gtest/gtest.h>

#include "receiver/normalizers/family_harness.h"
#include "test_util.h"

namespace mlq {
namespace {

// The dma case file; and dma's queue ID comes from the tag whether the
// parser keeps it as the pid or not.
TEST(OtherMtaTest, DmaIdFromPidOrRawTag) {
  NormalizerTable t;
  RegisterDma(t);
  EXPECT_GE(testing::RunCaseFile(t, "other_mta/dma.txt", "dma"), 5u);

  LogRecord rec;
  rec.program = "dma";
  rec.pid = "1e92be2.3ccbf7647000";
  rec.raw = "<afnog@example.org> delivery successful";
  ASSERT_TRUE(t.Normalize(rec));
  EXPECT_EQ(rec.queue_id, "1e92be2.3ccbf7647000");
  EXPECT_EQ(rec.status, "sent");

  LogRecord rec2 = testing::ParseLine(
      "Feb 14 15:05:48 host dma[1e92be2.3ccbf7647000][24326]: <a@example.org> trying delivery");
  ASSERT_TRUE(t.Normalize(rec2));
  EXPECT_EQ(rec2.queue_id, "1e92be2.3ccbf7647000");
  EXPECT_EQ(rec2.event, "delivery-start");
}

}  // namespace
}  // namespace mlq
