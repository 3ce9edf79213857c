// The subcommands of mlq: find, trace, tail, stats, queue, status, import.
//
// Each Add*Command adds its subcommand (options, help text with examples) to
// `app` and returns a Command whose run() executes it once the command line
// has parsed. run() prints results on stdout and one-line errors on stderr
// ("mlq: ...") and returns the exit code (see options.h). Options are bound
// to storage owned by the returned Command; `globals` must outlive it.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "cli/options.h"

namespace mlq::cli {

struct Command {
  CLI::App* app = nullptr;   // the subcommand; app->parsed() tells whether it was chosen
  std::function<int()> run;  // its body
};

Command AddFindCommand(CLI::App& app, GlobalOptions& globals);
Command AddStatusCommand(CLI::App& app, GlobalOptions& globals);
Command AddImportCommand(CLI::App& app, GlobalOptions& globals);
Command AddTraceCommand(CLI::App& app, GlobalOptions& globals);
Command AddTailCommand(CLI::App& app, GlobalOptions& globals);
Command AddStatsCommand(CLI::App& app, GlobalOptions& globals);
Command AddQueueCommand(CLI::App& app, GlobalOptions& globals);

}  // namespace mlq::cli
