// Backup: a RocksDB checkpoint of the running store into a new folder on
// mlqd's machine. The copy is consistent (one point in time, everything
// synced before it) and is a store of its own: `mlqd --data DIR` serves it.
#include <filesystem>
#include <string>
#include <system_error>

#include "query/service.h"

namespace mlq {

grpc::Status QueryService::Backup(grpc::ServerContext* ctx, const v1::BackupRequest* req,
                                  v1::BackupResponse* resp) {
  Caller caller;
  std::shared_ptr<void> slot;
  if (grpc::Status st = Authorize(Call(ctx), Method::kBackup, &caller, &slot); !st.ok()) return st;
  const std::filesystem::path dir(req->dir());
  if (req->dir().empty() || !dir.is_absolute()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "backup needs an absolute folder path on mlqd's machine");
  }
  uint64_t records = 0;
  absl::Status st = options_.store->Checkpoint(dir.lexically_normal().string(), &records);
  if (!st.ok()) {
    const auto code = absl::IsAlreadyExists(st) ? grpc::StatusCode::ALREADY_EXISTS
                                                : grpc::StatusCode::UNAVAILABLE;
    return grpc::Status(code, std::string(st.message()));
  }
  resp->set_dir(dir.lexically_normal().string());
  resp->set_records(records);  // of the copy, not of the store as it is now
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    std::error_code fec;
    if (entry.is_regular_file(fec)) bytes += entry.file_size(fec);
  }
  resp->set_bytes(bytes);
  return grpc::Status::OK;
}

}  // namespace mlq
