// Running mlqd and mlq by path (the agreement report may run binaries other
// than the build's, e.g. an older tracer for "before" figures).
#pragma once

#include <string>
#include <vector>

namespace mlq::oracle {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv to its end (at most `timeout_s` seconds, then kills it).
ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_s = 120);

// An mlqd on `data_dir` with gRPC on 127.0.0.1 port 0, no syslog
// listeners, times without a zone read as UTC. Stopped with SIGTERM when
// destroyed.
class MlqdProcess {
 public:
  MlqdProcess(std::string mlqd, std::string data_dir);
  ~MlqdProcess();
  MlqdProcess(const MlqdProcess&) = delete;
  MlqdProcess& operator=(const MlqdProcess&) = delete;

  // Starts it and waits for "mlqd: ready"; false (see log()) on failure.
  // Its standard error goes to <data_dir>.stderr.
  bool Start();
  const std::string& grpc() const { return grpc_; }
  const std::string& log() const { return log_; }

 private:
  std::string mlqd_, data_dir_, grpc_, log_;
  int pid_ = -1;
};

}  // namespace mlq::oracle
