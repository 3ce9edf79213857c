// The subcommands of mlq: find, trace, tail, stats, queue, status, import,
// backup.
//
// Each Add*Command adds its subcommand (options, help text with examples) to
// `app` and returns a Command whose run() executes it once the command line
// has parsed. run() prints results on stdout and one-line errors on stderr
// ("mlq: ...") and returns the exit code (see options.h). Options are bound
// to storage owned by the returned Command; `globals` must outlive it.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "cli/options.h"

namespace mlq::cli {

struct Command {
  CLI::App* app = nullptr;   // the subcommand; app->parsed() tells whether it was chosen
  std::function<int()> run;  // its body
};

// For the Add*Command functions: adds subcommand `name` with its one-line
// description and its --help footer (examples, exit status) to `app`.
inline CLI::App* AddSubcommand(CLI::App& app, const std::string& name,
                               const std::string& description, const char* footer) {
  CLI::App* sub = app.add_subcommand(name, description);
  sub->footer(footer);
  return sub;
}

// For the run() bodies: writes `out` to stdout as is and flushes it (so a
// pipe reader sees it at once). Returns kExitOk.
inline int PrintOut(std::string_view out) {
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

Command AddFindCommand(CLI::App& app, GlobalOptions& globals);
Command AddStatusCommand(CLI::App& app, GlobalOptions& globals);
Command AddImportCommand(CLI::App& app, GlobalOptions& globals);
Command AddTraceCommand(CLI::App& app, GlobalOptions& globals);
Command AddTailCommand(CLI::App& app, GlobalOptions& globals);
Command AddStatsCommand(CLI::App& app, GlobalOptions& globals);
Command AddQueueCommand(CLI::App& app, GlobalOptions& globals);
Command AddBackupCommand(CLI::App& app, GlobalOptions& globals);
Command AddTokenCommand(CLI::App& app, GlobalOptions& globals);

}  // namespace mlq::cli
