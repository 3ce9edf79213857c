#include "cli/rpc.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "base/grpc_code_name.h"
#include "cli/format.h"

namespace mlq::cli {
namespace {

// Status messages may hold newlines; keep the report on one line. They come
// from the server (and may quote log text): no control characters either.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return SanitizeForTerminal(s);
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

std::string Seconds(double s) {
  std::ostringstream out;
  out << s << "s";
  return out.str();
}

}  // namespace

std::string ChannelTarget(const std::string& server) {
  const size_t colon = server.rfind(':');
  if (colon == std::string::npos) return server;
  const std::string port = server.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port) > 65535) {
    return server;
  }
  const std::string host = server.substr(0, colon);
  unsigned char addr[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), addr) == 1) return "ipv4:" + server;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']' &&
      inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), addr) == 1) {
    return "ipv6:" + server;
  }
  return server;
}

namespace {

std::mutex g_kept_mutex;
std::vector<std::shared_ptr<grpc::Channel>>* g_kept = nullptr;  // never freed

std::shared_ptr<grpc::Channel> Kept(std::shared_ptr<grpc::Channel> channel) {
  std::lock_guard<std::mutex> lock(g_kept_mutex);
  if (g_kept != nullptr) g_kept->push_back(channel);
  return channel;
}

}  // namespace

void KeepChannelsUntilExit() {
  std::lock_guard<std::mutex> lock(g_kept_mutex);
  if (g_kept == nullptr) g_kept = new std::vector<std::shared_ptr<grpc::Channel>>();
}

std::shared_ptr<grpc::Channel> NewChannel(const GlobalOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // a Find of many long lines can exceed 4 MiB
  args.SetMaxSendMessageSize(-1);
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (options.tls || !options.ca.empty() || !options.cert.empty()) {
    grpc::SslCredentialsOptions ssl;
    std::string error;
    if (!options.ca.empty() && !ReadFile(options.ca, &ssl.pem_root_certs)) {
      error = "cannot read --ca file " + options.ca;
    }
    if (!options.cert.empty() && (!ReadFile(options.cert, &ssl.pem_cert_chain) ||
                                  !ReadFile(options.key, &ssl.pem_private_key))) {
      error = "cannot read --cert/--key " + options.cert + " " + options.key;
    }
    if (!error.empty()) {
      // A channel that fails every call with the reason.
      return Kept(grpc::CreateCustomChannel("unix:/nonexistent/" + error,
                                            grpc::InsecureChannelCredentials(), args));
    }
    creds = grpc::SslCredentials(ssl);
  }
  return Kept(grpc::CreateCustomChannel(ChannelTarget(options.server), creds, args));
}

std::unique_ptr<mlq::v1::Query::Stub> NewQueryStub(const GlobalOptions& options) {
  return mlq::v1::Query::NewStub(NewChannel(options));
}

void AddCredentials(grpc::ClientContext* context, const GlobalOptions& options) {
  if (!options.token.empty()) context->AddMetadata("authorization", "Bearer " + options.token);
}

bool WaitForConnection(grpc::Channel& channel, double timeout_s) {
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::microseconds(static_cast<int64_t>(timeout_s * 1e6));
  grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY && state != GRPC_CHANNEL_TRANSIENT_FAILURE &&
         state != GRPC_CHANNEL_SHUTDOWN) {
    if (!channel.WaitForStateChange(state, deadline)) return false;
    state = channel.GetState(/*try_to_connect=*/true);
  }
  return true;
}

void SetTimeout(grpc::ClientContext* context, double timeout_s) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::microseconds(static_cast<int64_t>(timeout_s * 1e6)));
}

std::string RpcErrorMessage(const grpc::Status& status, const GlobalOptions& options) {
  const std::string& server = options.server;
  const std::string msg = OneLine(status.error_message());
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      // mlqd answered, but its store cannot write now (disk full, ...).
      if (msg.starts_with("store unavailable")) return "mlqd at " + server + ": " + msg;
      return "cannot reach mlqd at " + server + ": " + msg;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "no answer from mlqd at " + server + " within " + Seconds(options.timeout_s) +
             " (see --timeout)";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "mlqd rejected the request: " + msg;
    case grpc::StatusCode::UNAUTHENTICATED:
      return "mlqd at " + server + " did not accept the token: " + msg;
    case grpc::StatusCode::PERMISSION_DENIED:
      return "mlqd at " + server + " refused: " + msg;
    case grpc::StatusCode::UNIMPLEMENTED:
      return "mlqd at " + server + " does not support this request (is it older than mlq?): " + msg;
    default:
      return "request to mlqd at " + server +
             " failed: " + std::string(GrpcCodeName(status.error_code())) + ": " + msg;
  }
}

int ReportRpcError(const grpc::Status& status, const GlobalOptions& options) {
  std::fprintf(stderr, "mlq: %s\n", RpcErrorMessage(status, options).c_str());
  return kExitError;
}

}  // namespace mlq::cli
