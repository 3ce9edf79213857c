// mlqd's config file (daemon/config.h, DaemonFlagParser with --config):
// CLI11's INI/TOML reader, then mlqd's own checks and the parsers of
// --retention, --max-disk and --disk-reserve (store/retention.h).
//
// Each input is a config file's text. It is written to an anonymous memory
// file (memfd, no disk I/O) and given as `mlqd --config /proc/self/fd/N`,
// exactly as mlqd reads it at start and on SIGHUP. Invariants: no crash,
// no exception escapes (mlqd's SIGHUP handler keeps the running config when
// the new one does not parse, so parsing must return an error, never
// throw); an accepted config holds values within the limits mlqd checks.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("mlq-config-fuzz", 0);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(ftruncate(fd, 0) == 0);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    FUZZ_CHECK(n > 0);
    done += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::vector<std::string> args = {"mlqd", "--config", path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // One flag table for every input (building CLI11's table cost most of an
  // execution); DaemonFlagParser starts each parse from the defaults.
  static mlq::DaemonFlagParser parser;
  const absl::StatusOr<mlq::DaemonConfig> config =
      parser.Parse(static_cast<int>(args.size()), argv.data());
  if (config.ok()) {
    FUZZ_CHECK(config->max_message >= 480 && config->max_message <= (size_t{16} << 20));
    FUZZ_CHECK(config->max_disk_bytes == 0 || config->max_disk_bytes >= (uint64_t{1} << 30));
    FUZZ_CHECK(config->retention_us >= 0);
  } else {
    FUZZ_CHECK(!config.status().message().empty());
  }
  return 0;
}
