#include "metrics/label_admission.h"

#include <gtest/gtest.h>

#include <set>

namespace mlq::metrics {
namespace {

TEST(LabelAdmissionTest, AValueGetsInAfterEnoughVolume) {
  LabelAdmission a(/*capacity=*/3, /*admit_after=*/3, /*sketch_size=*/16);
  EXPECT_EQ(a.Observe("mx1").label, kOtherLabel);
  EXPECT_EQ(a.Observe("mx1").label, kOtherLabel);
  EXPECT_EQ(a.Observe("mx1").label, "mx1");  // the third line admits it
  EXPECT_EQ(a.Observe("mx1").label, "mx1");
  EXPECT_EQ(a.Label("mx1"), "mx1");
  EXPECT_EQ(a.Label("mx2"), kOtherLabel);
}

TEST(LabelAdmissionTest, OnceAdmittedAlwaysAdmitted) {
  LabelAdmission a(2, 1, 4);
  EXPECT_EQ(a.Observe("a").label, "a");
  EXPECT_EQ(a.Observe("b").label, "b");
  // Full: others overflow, the admitted keep their series however quiet.
  for (int i = 0; i < 1000; ++i) {
    LabelAdmission::Result r = a.Observe("c" + std::to_string(i), 100);
    EXPECT_EQ(r.label, kOtherLabel);
    EXPECT_TRUE(r.overflow);
  }
  EXPECT_EQ(a.Observe("a").label, "a");
  EXPECT_EQ(a.admitted(), 2u);
}

// A flood of distinct one-off values (a sender making up host names) keeps
// replacing sketch entries: none reaches a guaranteed count, so none takes
// a slot, and a real host with volume still gets in afterwards.
TEST(LabelAdmissionTest, DistinctOneOffValuesDoNotFillTheSlots) {
  LabelAdmission a(/*capacity=*/10, /*admit_after=*/5, /*sketch_size=*/40);
  for (int i = 0; i < 100000; ++i) {
    if (i % 10 == 0) a.Observe("real-mx");  // 10000 lines among the noise
    a.Observe("forged-" + std::to_string(i));
  }
  EXPECT_EQ(a.Label("real-mx"), "real-mx");
  EXPECT_LE(a.admitted(), 10u);
  EXPECT_LE(a.admitted(), 2u) << "forged one-off values were admitted";
}

TEST(LabelAdmissionTest, HeavyValuesWinOverLightOnes) {
  LabelAdmission a(/*capacity=*/3, /*admit_after=*/20, /*sketch_size=*/40);
  // Interleave 3 heavy domains (100 each) with 500 light ones (2 each).
  for (int round = 0; round < 100; ++round) {
    for (const char* heavy : {"gmail.com", "outlook.com", "yahoo.com"}) a.Observe(heavy);
    for (int i = 0; i < 10; ++i) a.Observe("light" + std::to_string((round * 10 + i) % 500));
  }
  EXPECT_EQ(a.Label("gmail.com"), "gmail.com");
  EXPECT_EQ(a.Label("outlook.com"), "outlook.com");
  EXPECT_EQ(a.Label("yahoo.com"), "yahoo.com");
}

}  // namespace
}  // namespace mlq::metrics
