// Tests of the qmail normalizer (receiver/normalizers/qmail.cc).

#include "receiver/normalizers/qmail.h"

#include <gtest/gtest.h>

#include "receiver/normalizers/family_harness.h"

namespace mlq {
namespace {

TEST(OtherMtaTest, QmailCases) {
  NormalizerTable t;
  RegisterQmail(t);
  EXPECT_GE(testing::RunCaseFile(t, "other_mta/qmail.txt", "qmail"), 10u);
}

}  // namespace
}  // namespace mlq
