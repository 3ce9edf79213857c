#include <cstdio>

#include "cli/commands.h"

namespace mlq::cli {

Command AddTraceCommand(CLI::App& app, GlobalOptions& globals) {
  Command c;
  c.app = app.add_subcommand(
      "trace", "Follow a message across queue IDs and hosts; a verdict per recipient");
  c.run = [] {
    std::fprintf(stderr, "mlq: trace is not implemented yet\n");
    return kExitError;
  };
  return c;
}

}  // namespace mlq::cli
