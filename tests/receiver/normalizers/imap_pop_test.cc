// Tests of the Courier / Cyrus / UW IMAP/POP3 daemon normalizer
// (receiver/normalizers/imap_pop.cc).

#include "receiver/normalizers/imap_pop.h"

#include <gtest/gtest.h>

#include "receiver/normalizers/courier.h"
#include "receiver/normalizers/family_harness.h"
#include "receiver/normalizers/perdition.h"
#include "receiver/normalizers/solid_pop3d.h"

namespace mlq {
namespace {

// imap_pop.txt also holds the Courier MTA (courieresmtpd, courierd, ...),
// solid-pop3d and perdition cases, so their families are registered too.
TEST(OtherMtaTest, ImapPopCases) {
  NormalizerTable t;
  RegisterCourier(t);
  RegisterImapPop(t);
  RegisterSolidPop3d(t);
  RegisterPerdition(t);
  EXPECT_GE(testing::RunCaseFile(t, "other_mta/imap_pop.txt", "courier"), 30u);
}

}  // namespace
}  // namespace mlq
