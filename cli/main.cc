// mlq: the command-line client of mlqd. Parses the command line, runs the
// chosen subcommand and maps every failure to an exit code (options.h).
#include <absl/synchronization/mutex.h>
#include <malloc.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cli/client_config.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/rpc.h"

#ifndef MLQ_VERSION
#define MLQ_VERSION "unknown"
#endif

namespace {

constexpr char kFooter[] = R"(Examples:
  mlq find --message-id '<CAOmnsz0abc@mail.gmail.com>'
  mlq find --address user@example.com --since 2h
  mlq find --queue-id 4Xb3cG2Y0Zz1kH2 --host mx1 --json
  mlq status
  mlq import /var/log/mail.log /var/log/mail.log.2.gz
  MLQ_SERVER=mlq.example.net:7600 mlq status

Defaults for --server, --token, --ca, --cert, --key, --tls, --utc and
--timeout come from ~/.config/mlq/config ($XDG_CONFIG_HOME/mlq/config, or
$MLQ_CONFIG), `key = value` lines such as: server = mlq.example.net:7600
Flags and MLQ_* variables override it.

Run 'mlq <command> --help' for a command's options. Global options may also
follow the command (mlq find --utc ...).
Exit status: 0 success or found, 1 nothing found, 2 usage or connection error.)";

}  // namespace

#ifdef MLQ_CLI_NO_FRAME_REGISTRY
// The fully static mlq (cli/CMakeLists.txt, MLQ_CLI_STATIC_LIBC) starts with
// crtbeginT.o, which registers all of .eh_frame with libgcc's unwinder: the
// first exception thrown (CLI11 throws for --help, --version and every usage
// error) then sorted the ~34k FDEs of the whole binary, 6-9 ms. The link
// redirects the registration to these no-ops (-Wl,--wrap) and adds an
// .eh_frame_hdr, so the unwinder finds frames as it does in a dynamically
// linked program: through dl_iterate_phdr and a binary search.
extern "C" void __wrap___register_frame_info(const void*, void*) {}  // NOLINT(*reserved-identifier)
extern "C" void* __wrap___deregister_frame_info(const void*) {       // NOLINT(*reserved-identifier)
  return nullptr;
}
#endif

int main(int argc, char** argv) {
  using mlq::cli::kExitError;
  using mlq::cli::kExitOk;
  // Debian builds Abseil without NDEBUG, so every absl::Mutex lock (gRPC
  // takes hundreds setting up one call) also ran the deadlock detector's
  // lock-graph bookkeeping. mlq's few threads are gRPC's own.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // One malloc arena, not one more for each of gRPC's threads (each a
  // 64 MiB mapping set up on its first allocation).
  mallopt(M_ARENA_MAX, 1);

  mlq::cli::GlobalOptions globals;
  CLI::App app("mlq: find what happened to an email across your mail servers, by asking mlqd.",
               "mlq");
  app.footer(kFooter);
  app.set_version_flag("--version", "mlq " MLQ_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the command too
  CLI::Option* server_opt =
      app.add_option("--server", globals.server, "mlqd's gRPC address, HOST:PORT")
          ->envname("MLQ_SERVER")
          ->capture_default_str();
  CLI::Option* utc_opt =
      app.add_flag("--utc", globals.utc, "Show and read times in UTC (default: local time zone)");
  CLI::Option* timeout_opt =
      app.add_option("--timeout", globals.timeout_s,
                     "Seconds to wait for an answer (import: for the connection)")
          ->check(CLI::Validator(
              [](std::string& value) -> std::string {
                double v = 0;
                if (!CLI::detail::lexical_cast(value, v) || !(v > 0) || v > 1e6) {
                  return "must be a positive number of seconds";
                }
                return "";
              },
              "SECONDS"))
          ->capture_default_str();
  app.add_flag("--json", globals.json, "Machine-readable output (one JSON object per line)");
  CLI::Option* token_opt =
      app.add_option("--token", globals.token, "Bearer token for mlqd (from `mlq token create`)")
          ->envname("MLQ_TOKEN");
  CLI::Option* ca_opt =
      app.add_option("--ca", globals.ca, "PEM CA that signed mlqd's certificate: speak TLS")
          ->envname("MLQ_CA");
  CLI::Option* tls_opt = app.add_flag("--tls", globals.tls, "Speak TLS, trusting the system's CAs");
  CLI::Option* cert_opt =
      app.add_option("--cert", globals.cert, "PEM client certificate (mlqd --grpc-client-ca)")
          ->envname("MLQ_CERT");
  CLI::Option* key_opt =
      app.add_option("--key", globals.key, "PEM private key of --cert")->envname("MLQ_KEY");

  const std::vector<mlq::cli::Command> commands = {
      mlq::cli::AddFindCommand(app, globals),   mlq::cli::AddTraceCommand(app, globals),
      mlq::cli::AddTailCommand(app, globals),   mlq::cli::AddStatsCommand(app, globals),
      mlq::cli::AddQueueCommand(app, globals),  mlq::cli::AddStatusCommand(app, globals),
      mlq::cli::AddImportCommand(app, globals), mlq::cli::AddBackupCommand(app, globals),
      mlq::cli::AddTokenCommand(app, globals),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every real parse error is a usage error.
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  // The config file fills what no flag and no MLQ_* variable gave (an
  // option's count() is non-zero when either did).
  bool config_required = false;
  const char* home = std::getenv("HOME");
  const std::string config_path = mlq::cli::ClientConfigPath(
      std::getenv("MLQ_CONFIG"), std::getenv("XDG_CONFIG_HOME"), home, &config_required);
  absl::StatusOr<mlq::cli::ClientConfig> file =
      mlq::cli::LoadClientConfig(config_path, config_required, home != nullptr ? home : "");
  if (!file.ok()) {
    std::fprintf(stderr, "mlq: %s\n", std::string(file.status().message()).c_str());
    return kExitError;
  }
  for (const std::string& warning : file->warnings) {
    std::fprintf(stderr, "mlq: WARNING: %s\n", warning.c_str());
  }
  auto fill = [](CLI::Option* opt, auto& target, const auto& from) {
    if (opt->count() == 0 && from.has_value()) target = *from;
  };
  fill(server_opt, globals.server, file->server);
  fill(token_opt, globals.token, file->token);
  fill(ca_opt, globals.ca, file->ca);
  fill(cert_opt, globals.cert, file->cert);
  fill(key_opt, globals.key, file->key);
  fill(tls_opt, globals.tls, file->tls);
  fill(utc_opt, globals.utc, file->utc);
  fill(timeout_opt, globals.timeout_s, file->timeout_s);
  if (globals.cert.empty() != globals.key.empty()) {
    std::fprintf(stderr, "mlq: --cert and --key go together\n");
    return kExitError;
  }
  if (globals.server.empty()) {
    std::fprintf(stderr, "mlq: --server must not be empty\n");
    return kExitError;
  }
  mlq::cli::KeepChannelsUntilExit();
  for (const mlq::cli::Command& command : commands) {
    if (!command.app->parsed()) continue;
    const int rc = command.run();
    // Everything is written; skip gRPC's shutdown and the destructors.
    std::fflush(nullptr);
    std::_Exit(rc);
  }
  return kExitError;  // unreachable: require_subcommand(1)
}
