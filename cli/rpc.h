// The gRPC side of mlq: channel creation, deadlines and error reporting.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "cli/options.h"
#include "mlq/v1/query.grpc.pb.h"

namespace mlq::cli {

// A channel to mlqd at options.server ("host:port") that accepts responses
// of any size: TLS when options.ca or options.tls is set (with the client
// certificate options.cert/key when given), plain otherwise. A CA or
// certificate file that cannot be read yields a channel whose calls fail
// with that reason. Never blocks: the connection is made by the first call
// (or by WaitForConnection).
std::shared_ptr<grpc::Channel> NewChannel(const GlobalOptions& options);

// The gRPC target for `server`: "ipv4:" + server when it is an IPv4 literal
// with a port ("127.0.0.1:7600"), "ipv6:" + server for a bracketed IPv6
// literal with a port ("[::1]:7600"), else `server` as given (a name, or a
// target with its own scheme). An address target needs no resolver: gRPC's
// DNS resolver, its thread and the RFC 6724 address sorting are skipped,
// and the channel's authority (and TLS target name) stays the same.
std::string ChannelTarget(const std::string& server);

// From now on every channel NewChannel makes is also held until the process
// exits, which mlq's main() then does with std::_Exit once the command has
// flushed its output: gRPC's shutdown (closing the connection, joining its
// threads) is work a short-lived process need not wait for. Not for tests
// or other long-lived callers.
void KeepChannelsUntilExit();

// A stub for the Query service over NewChannel(options).
std::unique_ptr<mlq::v1::Query::Stub> NewQueryStub(const GlobalOptions& options);

// Adds the bearer token of options.token (if any) to `context`.
void AddCredentials(grpc::ClientContext* context, const GlobalOptions& options);

// Connects `channel` and waits up to timeout_s seconds for the outcome.
// Returns true once it is ready or has failed (a fail-fast call then reports
// the failure with gRPC's reason), false when neither happened in time (a
// peer that accepts TCP but never answers). For calls without a deadline.
bool WaitForConnection(grpc::Channel& channel, double timeout_s);

// Sets the deadline of `context` to now + timeout_s seconds.
void SetTimeout(grpc::ClientContext* context, double timeout_s);

// Calls the unary Query `method` (e.g. &mlq::v1::Query::Stub::Stats) of mlqd
// at options.server with the --timeout deadline; a new stub and context per
// call. Returns the call's status (report a failure with ReportRpcError).
template <typename Request, typename Response>
grpc::Status CallQuery(const GlobalOptions& options,
                       grpc::Status (mlq::v1::Query::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                       const Request& request, Response* response) {
  auto stub = NewQueryStub(options);
  grpc::ClientContext context;
  SetTimeout(&context, options.timeout_s);
  AddCredentials(&context, options);
  return (stub.get()->*method)(&context, request, response);
}

// Prints the one-line message for a failed call on stderr, e.g.
//   "mlq: cannot reach mlqd at 127.0.0.1:7600: failed to connect to all addresses"
//   "mlq: no answer from mlqd at 127.0.0.1:7600 within 10s (see --timeout)"
// and returns the exit code to use (kExitError).
int ReportRpcError(const grpc::Status& status, const GlobalOptions& options);

// The message text for `status` (what ReportRpcError prints, without
// "mlq: " and the newline). Exposed for tests.
std::string RpcErrorMessage(const grpc::Status& status, const GlobalOptions& options);

}  // namespace mlq::cli
