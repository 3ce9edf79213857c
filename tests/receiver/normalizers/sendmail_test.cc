// Tests of the Sendmail normalizer (receiver/normalizers/sendmail.cc).

#include "receiver/normalizers/sendmail.h"

#include <gtest/gtest.h>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

TEST(OtherMtaTest, SendmailCases) {
  NormalizerTable t;
  RegisterSendmail(t);
  EXPECT_GE(testing::RunCaseFile(t, "other_mta/sendmail.txt", "sendmail"), 30u);
}

}  // namespace
}  // namespace mlq
