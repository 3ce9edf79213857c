// A fake mlqd for tests of the mlq binary: a gRPC Query service of the
// test's own (canned or hostile answers) on 127.0.0.1:<free port>, started
// once per test suite, a fresh temporary folder per test, and a way to run
// the mlq binary through the shell with its stdout and stderr captured.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace mlq::cli {

// What a command printed and how it ended.
struct Result {
  int rc = -1;  // exit code; -1 when killed by a signal
  std::string out;
  std::string err;
};

// The whole file at `path`, "" when it cannot be read.
std::string Slurp(const std::string& path);

// Runs `command` (shell syntax, without redirections) with standard output
// and error to files in `dir` and standard input from `input`.
Result RunShell(const std::string& command, const std::string& dir,
                const std::string& input = "/dev/null");

// The fixture: Service (a Query::Service with a default constructor) serves
// the suite; service_ is there for the tests to inspect. dir_ is a new
// folder under /tmp for each test, removed after it.
template <typename Service>
class FakeServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new Service;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
  }
  static void TearDownTestSuite() {
    server_->Shutdown();
    delete server_;
    delete service_;
  }

  void SetUp() override {
    ASSERT_GT(port_, 0);
    char tmpl[] = "/tmp/mlq_cli_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // "127.0.0.1:PORT" of the fake.
  static std::string Server() { return "127.0.0.1:" + std::to_string(port_); }

  std::string dir_;
  static inline Service* service_ = nullptr;
  static inline grpc::Server* server_ = nullptr;
  static inline int port_ = 0;
};

}  // namespace mlq::cli
