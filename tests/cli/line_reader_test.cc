#include "cli/line_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace mlq::cli {
namespace {

class LineReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mlq_line_reader_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string WritePlain(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string WriteGz(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    gzFile gz = gzopen(path.c_str(), "wb");
    gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
    gzclose(gz);
    return path;
  }

  std::vector<std::string> ReadAll(const std::string& path, std::string* error = nullptr) {
    std::string open_error;
    auto reader = LineReader::Open(path, &open_error);
    EXPECT_NE(reader, nullptr) << open_error;
    std::vector<std::string> lines;
    std::string line;
    if (reader == nullptr) return lines;
    while (reader->Next(&line)) lines.push_back(line);
    if (error != nullptr)
      *error = reader->error();
    else
      EXPECT_EQ(reader->error(), "");
    return lines;
  }

  std::string dir_;
};

using Lines = std::vector<std::string>;

TEST_F(LineReaderTest, PlainLinesCrlfAndNoFinalNewline) {
  const std::string p = WritePlain("a.log", "one\r\ntwo\n\nthree\r\nlast");
  EXPECT_EQ(ReadAll(p), (Lines{"one", "two", "", "three", "last"}));
}

TEST_F(LineReaderTest, OnlyOneTrailingCrRemoved) {
  const std::string p = WritePlain("a.log", "a\r\r\nb\rc\n");
  EXPECT_EQ(ReadAll(p), (Lines{"a\r", "b\rc"}));
}

TEST_F(LineReaderTest, EmptyFile) { EXPECT_EQ(ReadAll(WritePlain("e.log", "")), Lines{}); }

TEST_F(LineReaderTest, LongLinesAcrossBuffers) {
  const std::string big(3 * 1024 * 1024 + 7, 'x');
  const std::string p = WritePlain("big.log", "s\n" + big + "\nt\n");
  EXPECT_EQ(ReadAll(p), (Lines{"s", big, "t"}));
}

TEST_F(LineReaderTest, ManyLines) {
  std::string content;
  for (int i = 0; i < 100000; ++i) content += "line " + std::to_string(i) + "\n";
  const Lines lines = ReadAll(WritePlain("many.log", content));
  ASSERT_EQ(lines.size(), 100000u);
  EXPECT_EQ(lines[99999], "line 99999");
}

TEST_F(LineReaderTest, Gzip) {
  const std::string p = WriteGz("mail.log.2.gz", "one\r\ntwo\nthree");
  EXPECT_EQ(ReadAll(p), (Lines{"one", "two", "three"}));
}

TEST_F(LineReaderTest, TruncatedGzipIsAnError) {
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "line " + std::to_string(i * 7919) + "\n";
  const std::string full = WriteGz("full.gz", content);
  std::ifstream in(full, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = WritePlain("cut.gz", bytes.substr(0, bytes.size() / 2));
  std::string error;
  const Lines lines = ReadAll(cut, &error);
  EXPECT_NE(error, "");
  EXPECT_NE(error.find("cut.gz"), std::string::npos) << error;
  EXPECT_LT(lines.size(), 20000u);
}

TEST_F(LineReaderTest, OpenErrors) {
  std::string error;
  EXPECT_EQ(LineReader::Open(dir_ + "/missing.log", &error), nullptr);
  EXPECT_NE(error.find("cannot open"), std::string::npos);
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  EXPECT_EQ(LineReader::Open(dir_, &error), nullptr);
  EXPECT_NE(error.find("directory"), std::string::npos) << error;
}

TEST_F(LineReaderTest, BytesReadAndFileSizeForProgress) {
  std::string content;
  for (int i = 0; i < 200000; ++i) content += "line " + std::to_string(i * 7919) + "\n";
  for (const std::string& p : {WritePlain("plain.log", content), WriteGz("c.gz", content)}) {
    std::string error;
    auto reader = LineReader::Open(p, &error);
    ASSERT_NE(reader, nullptr) << error;
    std::ifstream in(p, std::ios::binary | std::ios::ate);
    const uint64_t size = static_cast<uint64_t>(in.tellg());
    EXPECT_EQ(reader->file_size(), size) << p;
    EXPECT_EQ(reader->bytes_read(), 0u) << p;
    std::string line;
    uint64_t last = 0;
    bool grew = false;
    while (reader->Next(&line)) {
      const uint64_t now = reader->bytes_read();
      EXPECT_GE(now, last);
      grew = grew || (now > 0 && now < size);
      last = now;
    }
    EXPECT_EQ(last, size) << p << ": all of the file read at the end";
    if (size > 512 * 1024) {
      EXPECT_TRUE(grew) << p << ": it grows while reading";
    }
  }
  // Standard input from a pipe: unknown size.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const int saved = dup(STDIN_FILENO);
  dup2(fds[0], STDIN_FILENO);
  std::string error;
  auto reader = LineReader::Open("-", &error);
  dup2(saved, STDIN_FILENO);
  close(saved);
  close(fds[0]);
  close(fds[1]);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->file_size(), 0u);
  EXPECT_EQ(reader->bytes_read(), 0u);
}

}  // namespace
}  // namespace mlq::cli
