#include <cstdio>

#include "cli/commands.h"

namespace mlq::cli {

Command AddStatsCommand(CLI::App& app, GlobalOptions& globals) {
  Command c;
  c.app = app.add_subcommand("stats", "A pflogsumm-style report over a time range");
  c.run = [] {
    std::fprintf(stderr, "mlq: stats is not implemented yet\n");
    return kExitError;
  };
  return c;
}

}  // namespace mlq::cli
