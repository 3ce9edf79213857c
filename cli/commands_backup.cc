// `mlq backup DIR`: a consistent copy of the running store, made by mlqd.
#include <filesystem>
#include <string>

#include "cli/backup_output.h"
#include "cli/commands.h"
#include "cli/rpc.h"

namespace mlq::cli {
namespace {

constexpr char kBackupFooter[] =
    R"(DIR must not exist. mlqd writes it, so it is a path on mlqd's machine
(a relative DIR is taken from the current folder). The copy is a RocksDB
checkpoint: consistent, with every line stored before the call, hard-linked
where DIR is on the store's filesystem (then it costs almost no space until
the store compacts). To restore, stop mlqd and start it on the copy:
  mlqd --data DIR          (or move DIR to where --data points)

Examples:
  mlq backup /var/backups/mlq-$(date +%F)
  mlq --server 127.0.0.1:7600 backup /srv/mlq-copy

Exit status: 0 success, 2 usage or connection error, or the copy failed (e.g. DIR exists).)";

int RunBackup(const GlobalOptions& g, const std::string& dir) {
  mlq::v1::BackupRequest request;
  std::error_code ec;
  request.set_dir(std::filesystem::absolute(dir, ec).lexically_normal().string());
  mlq::v1::BackupResponse response;
  const grpc::Status status = CallQuery(g, &mlq::v1::Query::Stub::Backup, request, &response);
  if (!status.ok()) return ReportRpcError(status, g);
  return PrintOut(BackupToText(response));
}

}  // namespace

Command AddBackupCommand(CLI::App& app, GlobalOptions& globals) {
  CLI::App* sub = AddSubcommand(
      app, "backup", "Copy the running store, consistently, into a new folder", kBackupFooter);
  auto dir = std::make_shared<std::string>();
  sub->add_option("DIR", *dir, "new folder for the copy (on mlqd's machine)")->required();
  return {sub, [&globals, dir] { return RunBackup(globals, *dir); }};
}

}  // namespace mlq::cli
