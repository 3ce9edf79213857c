#include <cstdio>

#include "cli/commands.h"

namespace mlq::cli {

Command AddTailCommand(CLI::App& app, GlobalOptions& globals) {
  Command c;
  c.app =
      app.add_subcommand("tail", "Print matching lines live, like tail -f | grep over the fleet");
  c.run = [] {
    std::fprintf(stderr, "mlq: tail is not implemented yet\n");
    return kExitError;
  };
  return c;
}

}  // namespace mlq::cli
