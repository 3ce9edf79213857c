// The --allow entries (allow_list.h): parsing, CIDR matching for IPv4, IPv6
// and IPv4-mapped IPv6, the host names a sender may claim, and the
// host-unverified flag LineParser sets from them. Also the framer's frame
// bookkeeping the frame deadline relies on.
#include "receiver/intake/allow_list.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "receiver/intake/framer.h"
#include "receiver/intake/line_parser.h"
#include "receiver/normalizers/normalizer.h"

namespace mlq {
namespace {

IpAddress Ip(std::string_view text) {
  IpAddress a;
  EXPECT_TRUE(ParseIpAddress(text, &a)) << text;
  return a;
}

AllowEntry Entry(std::string_view spec) {
  absl::StatusOr<AllowEntry> e = ParseAllowEntry(spec);
  EXPECT_TRUE(e.ok()) << spec << ": " << e.status();
  return e.ok() ? *e : AllowEntry{};
}

std::string Error(std::string_view spec) {
  absl::StatusOr<AllowEntry> e = ParseAllowEntry(spec);
  return e.ok() ? "(accepted)" : std::string(e.status().message());
}

TEST(AllowListTest, ParsesIpv4Ipv6AndHostLists) {
  AllowEntry a = Entry("tcp=192.0.2.0/24");
  EXPECT_EQ(a.listener, "tcp");
  EXPECT_EQ(a.network, Ip("192.0.2.0"));
  EXPECT_EQ(a.prefix, 24);
  EXPECT_TRUE(a.hosts.empty());

  AllowEntry b = Entry("all=192.0.2.10/32:mx1,MX1.Example.org.");
  EXPECT_EQ(b.listener, "all");
  EXPECT_EQ(b.prefix, 32);
  EXPECT_EQ(b.hosts, (std::vector<std::string>{"mx1", "mx1.example.org"}));

  AllowEntry c = Entry("udp=192.0.2.11:mx2");  // one address, no prefix
  EXPECT_EQ(c.prefix, 32);
  EXPECT_EQ(c.hosts, std::vector<std::string>{"mx2"});

  AllowEntry d = Entry("relp=2001:db8::/32:mx3");
  EXPECT_TRUE(d.network.v6);
  EXPECT_EQ(d.prefix, 32);
  EXPECT_EQ(d.hosts, std::vector<std::string>{"mx3"});

  AllowEntry e = Entry("tls=[2001:db8::1]:mx4");
  EXPECT_EQ(e.prefix, 128);
  EXPECT_EQ(e.hosts, std::vector<std::string>{"mx4"});
  EXPECT_EQ(Entry("tls=2001:db8::1").prefix, 128);
  EXPECT_EQ(Entry("TCP=[2001:db8::/48]").prefix, 48);
  EXPECT_EQ(Entry("all=0.0.0.0/0").prefix, 0);
  EXPECT_EQ(Entry("all=::/0").prefix, 0);

  // An IPv4-mapped network is the IPv4 network.
  AllowEntry m = Entry("all=::ffff:192.0.2.0/120");
  EXPECT_FALSE(m.network.v6);
  EXPECT_EQ(m.network, Ip("192.0.2.0"));
  EXPECT_EQ(m.prefix, 24);
}

TEST(AllowListTest, RefusesMalformedEntriesSayingWhy) {
  EXPECT_NE(Error("192.0.2.0/24").find("no '='"), std::string::npos);
  EXPECT_NE(Error("smtp=192.0.2.0/24").find("udp, tcp, tls, relp or all"), std::string::npos);
  EXPECT_NE(Error("tcp=192.0.2.0/33").find("prefix longer"), std::string::npos);
  EXPECT_NE(Error("tcp=192.0.2.0/").find("prefix length"), std::string::npos);
  EXPECT_NE(Error("tcp=192.0.2.0/2x").find("after the prefix length"), std::string::npos);
  EXPECT_NE(Error("tcp=mx1.example.org").find("not an IP address"), std::string::npos);
  EXPECT_NE(Error("tcp=192.0.2.300").find("not an IP address"), std::string::npos);
  EXPECT_NE(Error("tcp=2001:db8::1:mx1").find("brackets"), std::string::npos);
  EXPECT_NE(Error("tcp=192.0.2.0/24:").find("empty host list"), std::string::npos);
  EXPECT_NE(Error("tcp=192.0.2.0/24:mx1,,mx2").find("bad host name"), std::string::npos);
  EXPECT_NE(Error("tcp=192.0.2.0/24:mx 1").find("bad host name"), std::string::npos);
  EXPECT_NE(Error("tcp=[2001:db8::1").find("without ']'"), std::string::npos);
  // Host bits beyond the prefix: most likely a /32 was meant.
  const std::string hostbits = Error("all=192.0.2.10/24:mx1");
  EXPECT_NE(hostbits.find("did you mean 192.0.2.0/24 or 192.0.2.10/32"), std::string::npos)
      << hostbits;
  EXPECT_NE(Error("all=2001:db8::1/64").find("2001:db8::/64"), std::string::npos);
  // Every message names the flag and shows the form.
  EXPECT_NE(Error("x").find("--allow x: "), std::string::npos);
  EXPECT_NE(Error("x").find("LISTENER=CIDR[:HOST[,HOST...]]"), std::string::npos);

  absl::StatusOr<AllowList> list = AllowList::Parse({"tcp=192.0.2.0/24", "bogus"});
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.status().message().find("bogus"), std::string::npos);
}

TEST(AllowListTest, MatchesCidrsPerListener) {
  absl::StatusOr<AllowList> all = AllowList::Parse(
      {"tcp=192.0.2.0/24", "all=198.51.100.7", "udp=10.0.0.0/8", "relp=2001:db8:1::/48"});
  ASSERT_TRUE(all.ok());
  const AllowList tcp = all->For("tcp");
  EXPECT_TRUE(tcp.Check(Ip("192.0.2.1")).allowed);
  EXPECT_TRUE(tcp.Check(Ip("192.0.2.255")).allowed);
  EXPECT_FALSE(tcp.Check(Ip("192.0.3.1")).allowed);
  EXPECT_TRUE(tcp.Check(Ip("198.51.100.7")).allowed) << "an 'all' entry";
  EXPECT_FALSE(tcp.Check(Ip("198.51.100.8")).allowed);
  EXPECT_FALSE(tcp.Check(Ip("10.1.2.3")).allowed) << "a udp entry";
  // IPv4-mapped IPv6 peers (dual-stack sockets) are their IPv4 address.
  EXPECT_TRUE(tcp.Check(Ip("::ffff:192.0.2.9")).allowed);
  EXPECT_FALSE(tcp.Check(Ip("2001:db8:1::5")).allowed);

  const AllowList relp = all->For("relp");
  EXPECT_TRUE(relp.Check(Ip("2001:db8:1:ffff::5")).allowed);
  EXPECT_FALSE(relp.Check(Ip("2001:db8:2::5")).allowed);
  EXPECT_FALSE(relp.Check(Ip("192.0.2.1")).allowed);

  // No entry for a listener (nor "all"): everyone.
  absl::StatusOr<AllowList> only_udp = AllowList::Parse({"udp=10.0.0.0/8"});
  ASSERT_TRUE(only_udp.ok());
  EXPECT_TRUE(only_udp->For("tls").empty());
  EXPECT_TRUE(only_udp->For("tls").Check(Ip("203.0.113.9")).allowed);
  EXPECT_TRUE(AllowList().Check(Ip("2001:db8::1")).allowed);

  // Prefix lengths that are not whole bytes.
  absl::StatusOr<AllowList> odd = AllowList::Parse({"all=192.0.2.128/25", "all=2001:db8::/31"});
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->Check(Ip("192.0.2.200")).allowed);
  EXPECT_FALSE(odd->Check(Ip("192.0.2.127")).allowed);
  EXPECT_TRUE(odd->Check(Ip("2001:db9::1")).allowed);
  EXPECT_FALSE(odd->Check(Ip("2001:dba::1")).allowed);
}

TEST(AllowListTest, TheLongestPrefixDecidesWhichHostsMayBeClaimed) {
  absl::StatusOr<AllowList> list =
      AllowList::Parse({"all=192.0.2.0/24", "all=192.0.2.10/32:mx1,mx1.example.org",
                        "tcp=192.0.2.10/32:mx1-alias", "all=192.0.2.64/26:relay"});
  ASSERT_TRUE(list.ok());
  const AllowList tcp = list->For("tcp");
  AllowList::Verdict v = tcp.Check(Ip("192.0.2.10"));
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.hosts, (std::vector<std::string>{"mx1", "mx1.example.org", "mx1-alias"}))
      << "entries of equal prefix add up";
  EXPECT_EQ(list->For("udp").Check(Ip("192.0.2.10")).hosts,
            (std::vector<std::string>{"mx1", "mx1.example.org"}));
  v = tcp.Check(Ip("192.0.2.11"));
  EXPECT_TRUE(v.allowed);
  EXPECT_TRUE(v.hosts.empty()) << "the /24 lets it claim any host";
  EXPECT_EQ(tcp.Check(Ip("192.0.2.70")).hosts, std::vector<std::string>{"relay"});

  // An entry without hosts beside one with hosts, same prefix: any host.
  absl::StatusOr<AllowList> mixed = AllowList::Parse({"all=192.0.2.10:mx1", "tcp=192.0.2.10"});
  ASSERT_TRUE(mixed.ok());
  EXPECT_TRUE(mixed->For("tcp").Check(Ip("192.0.2.10")).hosts.empty());
  EXPECT_EQ(mixed->For("udp").Check(Ip("192.0.2.10")).hosts, std::vector<std::string>{"mx1"});

  const std::vector<std::string> hosts = {"mx1", "mx1.example.org"};
  EXPECT_TRUE(HostClaimAllowed(hosts, "mx1"));
  EXPECT_TRUE(HostClaimAllowed(hosts, "MX1"));
  EXPECT_TRUE(HostClaimAllowed(hosts, "mx1.Example.ORG."));
  EXPECT_FALSE(HostClaimAllowed(hosts, "mx2"));
  EXPECT_FALSE(HostClaimAllowed(hosts, "mx1.example.org.evil"));
  EXPECT_FALSE(HostClaimAllowed(hosts, ""));
}

TEST(AllowListTest, LineParserFlagsAHostTheSenderMayNotClaim) {
  constexpr int64_t kReceived = 1795348800LL * 1000000;
  Counters counters;
  LineParser parser(&DefaultNormalizers(), &counters);
  LineSource src{.transport = Transport::kTcp,
                 .peer = "192.0.2.10:4000",
                 .peer_host = "192.0.2.10",
                 .peer_subject = "",
                 .claim_hosts = {"mx1", "mx1.example.org"}};
  LogRecord ok = parser.Parse("<22>Nov 22 11:00:00 mx1 postfix/qmgr[2]: 4JNS6h47X1z9p1k: removed",
                              0, src, kReceived);
  EXPECT_EQ(ok.flags & kFlagHostUnverified, 0u);
  LogRecord fqdn = parser.Parse(
      "<22>1 2026-11-22T11:00:00Z MX1.example.org postfix/qmgr 2 - - 4JNS6h47X1z9p1k: removed", 0,
      src, kReceived);
  EXPECT_EQ(fqdn.host, "MX1.example.org");
  EXPECT_EQ(fqdn.flags & kFlagHostUnverified, 0u);
  LogRecord forged = parser.Parse(
      "<22>Nov 22 11:00:00 mx2 postfix/qmgr[2]: 4JNS6h47X1z9p1k: removed", 0, src, kReceived);
  EXPECT_EQ(forged.host, "mx2");
  EXPECT_NE(forged.flags & kFlagHostUnverified, 0u);
  const std::vector<std::string_view> names = FlagNames(forged.flags);
  EXPECT_NE(std::find(names.begin(), names.end(), "host-unverified"), names.end());
  EXPECT_EQ(forged.peer, "192.0.2.10:4000");
  // No hostname in the header: the peer's address stands in, which claims nothing.
  LogRecord none = parser.Parse("\x01 not syslog", 0, src, kReceived);
  EXPECT_EQ(none.host, "192.0.2.10");
  EXPECT_EQ(none.flags & kFlagHostUnverified, 0u);
  EXPECT_EQ(counters.Value("listener.tcp.host_mismatch"), 1u);

  // No host list: any claim goes.
  src.claim_hosts.clear();
  LogRecord any = parser.Parse("<22>Nov 22 11:00:00 mx2 postfix/qmgr[2]: 4JNS6h47X1z9p1k: removed",
                               0, src, kReceived);
  EXPECT_EQ(any.flags & kFlagHostUnverified, 0u);
  EXPECT_EQ(counters.Value("listener.tcp.host_mismatch"), 1u);
}

class NullHandler : public FrameHandler {
 public:
  void OnFrame(std::string_view, uint32_t) override { ++frames; }
  void OnError(FrameError) override {}
  int frames = 0;
};

TEST(AllowListTest, FramerSaysWhenAFrameIsOpenAndWhenANewOneBegins) {
  StreamFramer f(FramerOptions{16});
  NullHandler h;
  EXPECT_FALSE(f.in_frame());
  f.Feed("abc", h);
  EXPECT_TRUE(f.in_frame());
  const uint64_t first = f.frames_begun();
  f.Feed("def", h);
  EXPECT_EQ(f.frames_begun(), first) << "the same frame";
  f.Feed("\n", h);
  EXPECT_FALSE(f.in_frame());
  f.Feed("1", h);  // an octet count begins the next frame
  EXPECT_TRUE(f.in_frame());
  EXPECT_NE(f.frames_begun(), first);
  const uint64_t second = f.frames_begun();
  f.Feed("0 0123456789x\ny", h);  // frame 2 ends, frame 3 ("x\ny...") begins
  EXPECT_TRUE(f.in_frame());
  EXPECT_NE(f.frames_begun(), second);
  // The tail of an oversize frame is still inside that frame.
  StreamFramer big(FramerOptions{4});
  big.Feed("abcdefgh", h);
  EXPECT_TRUE(big.in_frame());
  const uint64_t b = big.frames_begun();
  big.Feed("ijk", h);
  EXPECT_EQ(big.frames_begun(), b);
  big.Feed("\n", h);
  EXPECT_FALSE(big.in_frame());
}

}  // namespace
}  // namespace mlq
