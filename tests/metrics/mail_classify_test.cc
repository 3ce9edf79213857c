#include "metrics/mail_classify.h"

#include <gtest/gtest.h>

namespace mlq::metrics {
namespace {

TEST(MailClassifyTest, RejectClassesFromRealReplies) {
  struct Case {
    const char* reply;
    RejectClass want;
  } cases[] = {
      {"554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using "
       "zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.9",
       RejectClass::kDnsbl},
      {"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual "
       "mailbox table",
       RejectClass::kUnknownRecipient},
      {"454 4.7.1 <x@example.net>: Relay access denied", RejectClass::kRelayDenied},
      {"450 4.2.0 <a@example.org>: Recipient address rejected: Greylisted, see "
       "http://postgrey.schweikert.ch/help/example.org.html",
       RejectClass::kGreylist},
      {"504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
       RejectClass::kHelo},
      {"450 4.1.8 <x@nx.invalid>: Sender address rejected: Domain not found", RejectClass::kSender},
      {"554 5.7.1 Rejected: message looks like spam", RejectClass::kSpam},
      {"554 5.7.0 Reject, id=1234 - INFECTED: Eicar-Signature", RejectClass::kVirus},
      {"530 5.7.0 Must issue a STARTTLS command first", RejectClass::kTls},
      {"550 5.7.1 <a@b.c>: Recipient address rejected: SPF check failed", RejectClass::kPolicy},
      {"450 4.7.1 Client host rejected: cannot find your hostname, [198.51.100.7]",
       RejectClass::kPolicy},
      {"550 5.0.0 something nobody foresaw", RejectClass::kOther},
      {"", RejectClass::kOther},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RejectClassName(ClassifyReject(c.reply)), RejectClassName(c.want)) << c.reply;
  }
}

TEST(MailClassifyTest, BlockListReplies) {
  EXPECT_TRUE(IsBlockListReply(
      "host mx.example.com[192.0.2.1] said: 554 5.7.1 Service unavailable; Client host "
      "[198.51.100.2] blocked using bl.spamcop.net"));
  EXPECT_TRUE(IsBlockListReply("550 5.7.1 Your IP 198.51.100.2 is listed at b.barracudacentral"));
  EXPECT_TRUE(IsBlockListReply("550 JunkMail rejected - 198.51.100.2 is in an RBL"));
  EXPECT_TRUE(IsBlockListReply("554 Blacklisted by UCEPROTECT"));
  EXPECT_FALSE(IsBlockListReply("550 5.1.1 User unknown"));
  EXPECT_FALSE(IsBlockListReply("connect to marble.example.com[192.0.2.1]:25: Connection refused"));
}

TEST(MailClassifyTest, OwnListingNeedsADeferredOrBouncedDelivery) {
  LogRecord rec;
  rec.family = "postfix";
  rec.event = "delivery";
  rec.status = "bounced";
  rec.reply = "host mx[192.0.2.1] said: 554 5.7.1 blocked using zen.spamhaus.org";
  EXPECT_TRUE(IsOwnListing(rec));
  rec.status = "deferred";
  EXPECT_TRUE(IsOwnListing(rec));
  rec.status = "sent";
  EXPECT_FALSE(IsOwnListing(rec));
  rec.event = "reject";  // our rejects of others are not our listing
  EXPECT_FALSE(IsOwnListing(rec));
}

TEST(MailClassifyTest, MailAuthFailuresNotSshd) {
  LogRecord rec;
  rec.event = "auth-failure";
  rec.family = "postfix";
  EXPECT_TRUE(IsMailAuthFailure(rec));
  rec.family = "dovecot";
  EXPECT_TRUE(IsMailAuthFailure(rec));
  rec.family = "sshd";
  EXPECT_FALSE(IsMailAuthFailure(rec));
  rec.family = "postfix";
  rec.event = "login";
  EXPECT_FALSE(IsMailAuthFailure(rec));
}

TEST(MailClassifyTest, CostIsBoundedOnHugeReplies) {
  const std::string huge = std::string(10 << 20, 'x') + " blocked using zen.spamhaus.org";
  // Only the first kMaxScanBytes bytes are read: the listing past them is not seen.
  EXPECT_FALSE(IsBlockListReply(huge));
  EXPECT_EQ(ClassifyReject(huge), RejectClass::kOther);
}

}  // namespace
}  // namespace mlq::metrics
