#include <cstdio>

#include "cli/commands.h"

namespace mlq::cli {

Command AddQueueCommand(CLI::App& app, GlobalOptions& globals) {
  Command c;
  c.app = app.add_subcommand("queue", "Messages that entered a queue and were never removed");
  c.run = [] {
    std::fprintf(stderr, "mlq: queue is not implemented yet\n");
    return kExitError;
  };
  return c;
}

}  // namespace mlq::cli
