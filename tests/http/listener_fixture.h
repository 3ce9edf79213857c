// A real http::Server on 127.0.0.1 (port 0) run by a thread of its own, for
// the listener tests: subclasses add their routes to `router_` before
// Start().
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "http/server.h"

namespace mlq::http {

class ListenerTest : public ::testing::Test {
 protected:
  // Starts the listener with `o` (its address replaced by 127.0.0.1:0);
  // port_ is where it listens.
  void Start(ServerOptions o = {}) {
    o.address = "127.0.0.1:0";
    server_ = std::make_unique<Server>(&io_, &router_, &counters_, o);
    ASSERT_TRUE(server_->Start().ok());
    const std::string bound = server_->Bound();
    port_ = static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    thread_ = std::thread([this] { io_.run(); });
  }
  // Stops the listener and waits for its thread (again: no-op).
  void StopServer() {
    if (server_) boost::asio::post(io_, [this] { server_->Stop(); });
    if (thread_.joinable()) thread_.join();
  }
  void TearDown() override { StopServer(); }

  uint64_t Counter(std::string_view name) { return counters_.Value(name); }
  // Counter(name) once it reaches `want`, or after 2 s: for counts the
  // listener makes after the client already saw the close (a timeout's
  // handler runs after Beast's timer has closed the socket).
  uint64_t CounterReaching(std::string_view name, uint64_t want) {
    for (int i = 0; i < 200 && Counter(name) < want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Counter(name);
  }

  boost::asio::io_context io_;
  Counters counters_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace mlq::http
