#include "base/token_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "test_util.h"

namespace mlq {
namespace {

TEST(TokenFileTest, NewTokensAreLongRandomAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<std::string> t = NewToken();
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->size(), 4u + 43u) << *t;  // "mlq_" + 256 bits in base64url
    EXPECT_TRUE(t->starts_with("mlq_"));
    EXPECT_EQ(t->find_first_not_of("mlq_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_"),
              std::string::npos);
    EXPECT_TRUE(seen.insert(*t).second);
  }
}

TEST(TokenFileTest, HashIsSha256Hex) {
  // SHA-256("abc"), FIPS 180-2 example.
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenFileTest, FormatThenParseRoundTrips) {
  TokenEntry e;
  e.sha256_hex = HashToken("x");
  e.role = TokenRole::kRead;
  e.name = "helpdesk";
  e.domains = {"example.org", "example.net"};
  e.created_s = 1765000000;
  absl::StatusOr<std::vector<TokenEntry>> parsed =
      ParseTokenFile("# comment\n\n" + FormatTokenLine(e) + "\r\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].sha256_hex, e.sha256_hex);
  EXPECT_EQ((*parsed)[0].role, TokenRole::kRead);
  EXPECT_EQ((*parsed)[0].name, "helpdesk");
  EXPECT_EQ((*parsed)[0].domains, e.domains);
  EXPECT_EQ((*parsed)[0].created_s, 1765000000);
}

TEST(TokenFileTest, BadLinesAreErrorsNamingTheLine) {
  const std::string h = HashToken("x");
  struct Case {
    std::string text, error;
  } cases[] = {
      {"role=read\n", "line 1: sha256= is missing"},
      {"sha256=" + h + "\n", "role= is missing"},
      {"\nsha256=abc role=read\n", "line 2: sha256 must be 64"},
      {"sha256=" + h + " role=root\n", "unknown role"},
      {"sha256=" + h + " role=admin domains=example.org\n", "only for role=read"},
      {"sha256=" + h + " role=read domains=exa mple\n", "not key=value"},
      {"sha256=" + h + " role=read domains=a@b.org\n", "not a mail domain"},
      {"sha256=" + h + " role=read colour=blue\n", "unknown field"},
      {"sha256=" + h + " role=read created=-1\n", "unix seconds"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<TokenEntry>> parsed = ParseTokenFile(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.status().message().find(c.error), std::string::npos)
        << parsed.status().message();
  }
}

TEST(TokenFileTest, DomainsAreCanonical) {
  EXPECT_EQ(*CanonicalDomain(" Example.ORG. "), "example.org");
  EXPECT_FALSE(CanonicalDomain("").ok());
  EXPECT_FALSE(CanonicalDomain(".example.org").ok());
  EXPECT_FALSE(CanonicalDomain("example..org").ok());
  EXPECT_FALSE(CanonicalDomain("example.org,evil.com").ok());
}

TEST(TokenFileTest, WrittenFileIsPrivateAndReadBack) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  TokenEntry e;
  e.sha256_hex = HashToken("secret");
  e.role = TokenRole::kAdmin;
  e.name = "ops";
  ASSERT_TRUE(WriteTokenFile(path, {e}).ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  absl::StatusOr<std::vector<TokenEntry>> back = ReadTokenFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].name, "ops");
  EXPECT_EQ((*back)[0].role, TokenRole::kAdmin);
  // The file never holds the token itself.
  EXPECT_EQ(testing::ReadFile(path).find("secret"), std::string::npos);
}

TEST(TokenFileTest, ReadRefusesFilesOthersMayRead) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  ASSERT_TRUE(WriteTokenFile(path, {}).ok());
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  absl::StatusOr<std::vector<TokenEntry>> r = ReadTokenFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status();
  EXPECT_TRUE(absl::IsNotFound(ReadTokenFile(dir.path() + "/missing").status()));
}

}  // namespace
}  // namespace mlq
