#include "cli/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace mlq::cli {
namespace {

constexpr size_t kReadSize = 256 * 1024;

gzFile Gz(void* p) { return static_cast<gzFile>(p); }

}  // namespace

std::unique_ptr<LineReader> LineReader::Open(const std::string& path, std::string* error) {
  int fd;
  if (path == "-") {
    fd = dup(STDIN_FILENO);
  } else {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  const bool have_stat = fstat(fd, &st) == 0;
  if (have_stat && S_ISDIR(st.st_mode)) {
    close(fd);
    *error = "cannot open " + path + ": " + std::strerror(EISDIR);
    return nullptr;
  }
  gzFile gz = gzdopen(fd, "rb");  // reads plain files unchanged
  if (gz == nullptr) {
    close(fd);
    *error = "cannot open " + path + ": out of memory";
    return nullptr;
  }
  gzbuffer(gz, kReadSize);
  const uint64_t size = have_stat && S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  return std::unique_ptr<LineReader>(new LineReader(path, gz, size));
}

LineReader::LineReader(std::string path, void* gz, uint64_t file_size)
    : path_(std::move(path)), gz_(gz), file_size_(file_size) {}

LineReader::~LineReader() { gzclose(Gz(gz_)); }

bool LineReader::Fill() {
  if (eof_ || !error_.empty()) return false;
  // Drop consumed bytes before growing.
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  const size_t old = buffer_.size();
  buffer_.resize(old + kReadSize);
  const int n = gzread(Gz(gz_), buffer_.data() + old, kReadSize);
  if (n < 0) {
    buffer_.resize(old);
    int errnum = 0;
    const char* msg = gzerror(Gz(gz_), &errnum);
    error_ = path_ + ": " + (errnum == Z_ERRNO ? std::strerror(errno) : msg);
    return false;
  }
  buffer_.resize(old + n);
  if (file_size_ != 0) {
    const z_off_t offset = gzoffset(Gz(gz_));
    bytes_read_ = offset < 0 ? 0 : static_cast<uint64_t>(offset);
  }
  if (n == 0) {
    eof_ = true;
    int errnum = 0;
    const char* msg = gzerror(Gz(gz_), &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
      error_ = path_ + ": " + (errnum == Z_ERRNO ? std::strerror(errno) : msg);
    }
    return false;
  }
  return true;
}

bool LineReader::Next(std::string* line) {
  size_t scanned = pos_;  // bytes before this have no '\n'
  for (;;) {
    const char* start = buffer_.data() + scanned;
    const void* nl = std::memchr(start, '\n', buffer_.size() - scanned);
    if (nl != nullptr) {
      const size_t end = static_cast<const char*>(nl) - buffer_.data();
      size_t len = end - pos_;
      if (len > 0 && buffer_[pos_ + len - 1] == '\r') --len;
      line->assign(buffer_, pos_, len);
      pos_ = end + 1;
      return true;
    }
    const size_t unscanned_from = buffer_.size() - pos_;  // relative to pos_
    if (!Fill()) break;
    scanned = pos_ + unscanned_from;  // Fill moved the data to offset 0
  }
  if (!error_.empty()) return false;
  if (pos_ < buffer_.size()) {  // last line without a newline
    size_t len = buffer_.size() - pos_;
    if (buffer_.back() == '\r') --len;
    line->assign(buffer_, pos_, len);
    pos_ = buffer_.size();
    return true;
  }
  return false;
}

}  // namespace mlq::cli
