// Tests of the MailScanner normalizer (receiver/normalizers/mailscanner.cc).

#include "receiver/normalizers/mailscanner.h"

#include <gtest/gtest.h>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

TEST(OtherMtaTest, MailScannerCases) {
  NormalizerTable t;
  RegisterMailScanner(t);
  EXPECT_GE(testing::RunCaseFile(t, "other_mta/mailscanner.txt", "mailscanner"), 4u);
}

}  // namespace
}  // namespace mlq
