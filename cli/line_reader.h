// Reads a log file line by line: plain text or gzip-compressed (detected by
// content, so "mail.log.2.gz" and a renamed one both work), or standard
// input for the path "-".
//
// Lines are returned without their "\n" and without one trailing "\r".
// Bytes are passed through unchanged (no encoding check); a line may be of
// any length. A last line without a final newline is still returned.
//
// Errors are values: Open returns null with a message, Next returns false
// and error() says why (a damaged or truncated .gz file, an I/O error).
// Not thread-safe; one reader per file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace mlq::cli {

class LineReader {
 public:
  // Opens `path` ("-" = standard input). On failure returns null and sets
  // *error to "cannot open <path>: <reason>".
  static std::unique_ptr<LineReader> Open(const std::string& path, std::string* error);

  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Stores the next line in *line. Returns false at the end of the input or
  // on a read error (then error() is non-empty).
  bool Next(std::string* line);

  // "" while no error happened, else "<path>: <reason>".
  const std::string& error() const { return error_; }

  // Bytes of the file read so far (compressed bytes for a .gz file), for
  // progress: it grows in steps of the read buffer (256 KiB), and is taken
  // once per step (asking zlib costs a system call; per line it was most of
  // an import's client time). 0 when the input cannot tell (a pipe).
  uint64_t bytes_read() const { return bytes_read_; }

  // The file's size in bytes when it is a regular file, else 0.
  uint64_t file_size() const { return file_size_; }

 private:
  LineReader(std::string path, void* gz, uint64_t file_size);
  bool Fill();  // reads more input into buffer_; false at end or on error

  std::string path_;
  void* gz_;  // gzFile; void* keeps zlib.h out of this header
  uint64_t file_size_ = 0;
  std::string buffer_;
  size_t pos_ = 0;  // start of unconsumed data in buffer_
  bool eof_ = false;
  std::string error_;
  uint64_t bytes_read_ = 0;
};

}  // namespace mlq::cli
