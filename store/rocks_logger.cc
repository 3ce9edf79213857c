#include "store/rocks_logger.h"

#include <cstdarg>
#include <cstdio>

namespace mlq {
namespace {

class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    std::fprintf(stderr, "mlqd: rocksdb: %s\n", buf);
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewStderrRocksLogger() { return std::make_shared<StderrLogger>(); }

}  // namespace mlq
