#include "cli/tail_output.h"

#include <algorithm>

#include "base/utf8.h"
#include "cli/find_output.h"
#include "cli/format.h"
#include "cli/timefmt.h"

namespace mlq::cli {
namespace {

constexpr const char* kHeaders[] = {"TIME", "HOST", "PROGRAM[PID]", "QUEUE ID", "EVENT", "MESSAGE"};
constexpr size_t kColumns = 6;
// The caps of find's table (find_output.cc); 0 = none.
constexpr size_t kMaxWidth[kColumns] = {0, 24, 28, 16, 14, 0};

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string TailDroppedNote(std::string_view count) {
  return "mlq: mlqd dropped " + SanitizeForTerminal(count) +
         " lines this tail could not take in time\n";
}

std::string TailTable::Rows(const google::protobuf::RepeatedPtrField<mlq::v1::Record>& records) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(records.size());
  for (const mlq::v1::Record& r : records) {
    std::string program = r.program();
    if (!r.pid().empty()) program += "[" + r.pid() + "]";
    // Lines whose header did not parse have no message part: show the raw line.
    const std::string& text = r.message().empty() ? r.raw() : r.message();
    std::vector<std::string> cells = {FormatTableTime(r.timestamp_us(), utc_),
                                      OrDash(HostText(r)),
                                      OrDash(program),
                                      OrDash(r.queue_id()),
                                      OrDash(r.event()),
                                      text};
    for (std::string& c : cells) c = SanitizeForTerminal(c);
    rows.push_back(std::move(cells));
  }
  // Widths only grow (up to the caps), so earlier rows stay as printed.
  auto widen = [this](const std::vector<std::string>& cells) {
    for (size_t c = 0; c + 1 < kColumns; ++c) {
      const size_t w = Utf8Width(cells[c]);
      const size_t capped = kMaxWidth[c] == 0 ? w : std::min(w, kMaxWidth[c]);
      width_[c] = std::max(width_[c], capped);
    }
  };
  std::string out;
  auto emit = [this, &out](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < kColumns; ++c) {
      line += cells[c];
      if (c + 1 == kColumns) break;
      const size_t w = Utf8Width(cells[c]);
      line.append(w < width_[c] ? width_[c] - w : 0, ' ');
      line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  if (!header_done_) {
    // The first rows (usually the history) set the widths, as in find's table.
    const std::vector<std::string> header(std::begin(kHeaders), std::end(kHeaders));
    width_.assign(kColumns - 1, 0);
    widen(header);
    for (const auto& cells : rows) widen(cells);
    emit(header);
    header_done_ = true;
  }
  for (const auto& cells : rows) {
    widen(cells);
    emit(cells);
  }
  return out;
}

}  // namespace mlq::cli
