// Ingest: raw log lines streamed by `mlq import`, parsed like syslog traffic,
// deduplicated by import identity (store.h) and stored. The reply (stored=N)
// is sent only once every line it counts is durable; a store that cannot
// write ends the call with UNAVAILABLE, and importing again completes it.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "query/convert.h"
#include "query/service.h"
#include "query/status_util.h"

namespace mlq {

namespace {

// Numbers the identical (host, time, raw) lines of one import stream: the
// first is 0, the next 1, ... so a line legitimately logged twice keeps both
// copies while re-importing the stream adds nothing. Remembers between
// kWindow and 2 * kWindow distinct lines (two generations), which bounds
// memory; identical lines share their second and host, so they are close
// together in any log.
//
// Each generation is an open-addressing table keyed by the line hash
// itself (SipHash output: its first 8 bytes are a well-mixed slot number),
// so a lookup is about one cache miss; a node-based map took three, and
// they were most of the Ingest thread's own time.
class OccurrenceCounter {
 public:
  uint32_t Next(std::string_view line_hash) {
    const Key key = KeyOf(line_hash);
    if (uint32_t* count = current_.Find(key)) return (*count)++;
    uint32_t seen = 0;
    // A line found in the previous generation moves to the current one; its
    // old entry is shadowed (the current generation is looked at first) and
    // dropped with its generation.
    if (const uint32_t* count = previous_.Find(key)) seen = *count;
    if (current_.size() >= kWindow) {
      std::swap(previous_, current_);
      current_.Clear();
    }
    current_.Insert(key, seen + 1);
    return seen;
  }

 private:
  static constexpr size_t kWindow = 1 << 18;
  struct Key {
    uint64_t a = 0, b = 0;
    bool operator==(const Key&) const = default;
  };
  // Linear probing; a slot with count 0 is free (stored counts are >= 1).
  // Grows by doubling up to 2 * kWindow slots (load <= 1/2), so a small
  // import allocates little.
  class Table {
   public:
    size_t size() const { return size_; }
    uint32_t* Find(const Key& key) {
      if (slots_.empty()) return nullptr;
      for (size_t i = key.a & mask_;; i = (i + 1) & mask_) {
        Slot& s = slots_[i];
        if (s.count == 0) return nullptr;
        if (s.key == key) return &s.count;
      }
    }
    // `key` must not be in the table.
    void Insert(const Key& key, uint32_t count) {
      if ((size_ + 1) * 2 > slots_.size()) Grow();
      for (size_t i = key.a & mask_;; i = (i + 1) & mask_) {
        Slot& s = slots_[i];
        if (s.count == 0) {
          s.key = key;
          s.count = count;
          ++size_;
          return;
        }
      }
    }
    void Clear() {
      std::fill(slots_.begin(), slots_.end(), Slot{});
      size_ = 0;
    }

   private:
    struct Slot {
      Key key;
      uint32_t count = 0;
    };
    void Grow() {
      std::vector<Slot> old = std::move(slots_);
      slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
      mask_ = slots_.size() - 1;
      size_ = 0;
      for (const Slot& s : old) {
        if (s.count != 0) Insert(s.key, s.count);
      }
    }
    std::vector<Slot> slots_;
    size_t mask_ = 0;
    size_t size_ = 0;
  };
  static Key KeyOf(std::string_view h) {
    Key k;
    for (size_t i = 0; i < 8 && i < h.size(); ++i) k.a = (k.a << 8) | static_cast<uint8_t>(h[i]);
    for (size_t i = 8; i < 16 && i < h.size(); ++i) k.b = (k.b << 8) | static_cast<uint8_t>(h[i]);
    return k;
  }
  Table current_, previous_;
};

// Counts the acknowledgements an Ingest call waits for. Shared with the
// callbacks, which may run after the call ended (a cancelled stream).
class Acks : public std::enable_shared_from_this<Acks> {
 public:
  // The callback for one batch of `records`, pushed once (retries reuse it).
  RecordSink::ImportCallback Expect(size_t records) {
    {
      std::lock_guard lock(mu_);
      ++pending_;
    }
    return [self = shared_from_this(), records](bool stored, size_t skipped) {
      self->Done(stored, records, skipped);
    };
  }
  // A callback from Expect that was never taken (the push gave up).
  void Forget() {
    std::lock_guard lock(mu_);
    --pending_;
    cv_.notify_all();
  }
  enum class Outcome { kAllStored, kLost, kGaveUp };
  // Waits for every expected acknowledgement, looking at `give_up` every
  // 100 ms: a store that cannot write may hold batches until space
  // returns, and neither the client nor mlqd's shutdown should wait for that.
  template <typename GiveUp>
  Outcome Wait(GiveUp give_up) {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return pending_ == 0; })) {
      lock.unlock();
      const bool stop = give_up();
      lock.lock();
      if (stop && pending_ != 0) return Outcome::kGaveUp;
    }
    return lost_ ? Outcome::kLost : Outcome::kAllStored;
  }
  // Records stored by this call's batches (not those the writer skipped).
  uint64_t acknowledged() {
    std::lock_guard lock(mu_);
    return acknowledged_;
  }
  // Records the writer skipped because a concurrent import had stored the
  // same lines after this call checked them.
  uint64_t skipped() {
    std::lock_guard lock(mu_);
    return skipped_;
  }

 private:
  void Done(bool stored, size_t records, size_t skipped) {
    std::lock_guard lock(mu_);
    --pending_;
    if (stored) {
      acknowledged_ += records - std::min(records, skipped);
      skipped_ += std::min(records, skipped);
    } else {
      lost_ = true;
    }
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  size_t pending_ = 0;
  uint64_t acknowledged_ = 0;
  uint64_t skipped_ = 0;
  bool lost_ = false;
};

}  // namespace

grpc::Status QueryService::Ingest(grpc::ServerContext* ctx,
                                  grpc::ServerReader<v1::IngestRequest>* reader,
                                  v1::IngestResponse* resp) {
  Caller caller;
  std::shared_ptr<void> slot;
  if (grpc::Status st = Authorize(Call(ctx), Method::kIngest, &caller, &slot); !st.ok()) return st;
  v1::IngestRequest req;
  bool first = true;
  bool dry_run = false;
  std::string host;
  uint32_t samples = 0;
  std::vector<std::string> identities;
  std::vector<LogRecord> batch;
  OccurrenceCounter occurrences;
  uint64_t stored = 0;
  uint64_t duplicates = 0;
  // Acknowledgements of the pushed batches (the writer's threads report).
  auto acks = std::make_shared<Acks>();
  std::string unavailable;
  auto push = [&]() -> bool {
    // Back-pressure: the client's stream waits while the writer catches up;
    // a store that cannot write (disk full) ends the call with a retryable
    // error instead.
    if (batch.empty()) return true;
    const RecordSink::ImportCallback done = acks->Expect(batch.size());
    while (!options_.sink->TryPushImported(batch, done)) {
      unavailable = options_.sink->Unavailable();
      if (ctx->IsCancelled() || !unavailable.empty()) {
        acks->Forget();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  };
  // While waiting for acknowledgements: give up when the client went away
  // or the store cannot write (then the batches wait for space, not us).
  auto give_up = [&] {
    if (ctx->IsCancelled()) return true;
    unavailable = options_.sink->Unavailable();
    return !unavailable.empty();
  };
  auto unavailable_status = [&] {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "store unavailable: " + unavailable + "; " +
                            std::to_string(acks->acknowledged()) +
                            " lines of this import are stored; import again to finish (stored "
                            "lines are not stored twice)");
  };
  while (reader->Read(&req)) {
    if (static_cast<size_t>(req.lines_size()) > options_.max_ingest_lines) {
      options_.counters->Get("ingest.refused_too_many_lines")
          .fetch_add(1, std::memory_order_relaxed);
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "an Ingest request of " + std::to_string(req.lines_size()) +
                              " lines; mlqd takes at most " +
                              std::to_string(options_.max_ingest_lines) +
                              " per request (--max-ingest-lines). Lines of earlier requests are "
                              "stored and not stored twice when sent again");
    }
    if (first) {
      dry_run = req.dry_run();
      host = req.host();
      samples = req.unknown_samples();
      first = false;
    }
    const int64_t now = NowUs();
    // Parsed straight into the batch to push (empty here: a push hands back
    // an empty vector); the duplicates are taken out below.
    static const std::string kUnknown = "unknown";
    batch.clear();
    identities.clear();
    for (const std::string& line : req.lines()) {
      LogRecord& rec = batch.emplace_back();
      options_.parse_line(line, host, now, rec);
      resp->set_lines(resp->lines() + 1);
      const std::string& family = rec.family.empty() ? kUnknown : rec.family;
      v1::FamilySummary& fs = (*resp->mutable_families())[family];
      fs.set_lines(fs.lines() + 1);
      if (rec.family.empty() || rec.event.empty()) {
        resp->set_unknown(resp->unknown() + 1);
        if (static_cast<uint32_t>(resp->unknown_samples_size()) < samples) {
          resp->add_unknown_samples(line);
        }
      }
      if (!rec.event.empty()) {
        fs.set_recognized(fs.recognized() + 1);
        (*fs.mutable_kinds())[rec.event] += 1;
      }
      // The identity of an imported line (store.h). A line dated on receipt
      // gets time 0, so importing it again still finds it.
      const int64_t time = (rec.flags & kFlagNoTimestamp) ? 0 : rec.timestamp_us;
      const std::string hash = Store::ImportLineHash(rec.host, time, rec.raw);
      identities.push_back(Store::ImportIdentity(hash, occurrences.Next(hash)));
    }
    std::vector<bool> known(batch.size(), false);
    if (options_.store != nullptr) {
      absl::StatusOr<std::vector<bool>> found = options_.store->ImportedAlready(identities);
      if (!found.ok()) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(found.status().message()));
      }
      known = *std::move(found);
    }
    size_t kept = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (known[i]) {
        ++duplicates;  // imported before: not stored again
        continue;
      }
      if (dry_run) continue;
      Store::SetImportIdentity(batch[i], std::move(identities[i]));
      if (kept != i) batch[kept] = std::move(batch[i]);
      ++kept;
    }
    batch.resize(kept);
    if (!dry_run) {
      const size_t n = batch.size();
      if (!push()) {
        if (!unavailable.empty()) return unavailable_status();
        return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
      }
      stored += n;
    }
  }
  // Acknowledged = durable: the reply waits for every batch's sync.
  switch (acks->Wait(give_up)) {
    case Acks::Outcome::kAllStored:
      break;
    case Acks::Outcome::kLost:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "store unavailable: mlqd stopped before storing every line; import "
                          "again to finish (stored lines are not stored twice)");
    case Acks::Outcome::kGaveUp:
      if (!unavailable.empty()) return unavailable_status();
      return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
  }
  // A concurrent import of the same lines may have stored some of them
  // after this call's check: the writer skipped those, they count as
  // duplicates here and as stored in the other call's reply.
  const uint64_t skipped = acks->skipped();
  resp->set_stored(stored - std::min(stored, skipped));
  resp->set_duplicates(duplicates + skipped);
  RepairUtf8(resp);  // unknown_samples are lines as read, in any encoding
  return grpc::Status::OK;
}

}  // namespace mlq
