// RocksDB's own log, sent to mlqd's standard error (journald under systemd)
// instead of a LOG file in the data folder: warnings and errors only.
//
// Why not RocksDB's LOG file: it lives on the disk that fills up, and
// RocksDB 7.8's file logger reuses its file writer after a failed append,
// which Debian's build (assertions on) turns into an abort, taking mlqd
// down exactly when the disk is full.
//
// Thread safety: RocksDB calls Logv from any of its threads; each call is
// one fprintf, which stdio serializes.
#pragma once

#include <rocksdb/env.h>

#include <memory>

namespace mlq {

std::shared_ptr<rocksdb::Logger> NewStderrRocksLogger();

}  // namespace mlq
