#include "cli/import_output.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "cli/format.h"
#include "cli/json.h"
#include "cli/sorted.h"

namespace mlq::cli {

std::string IngestToJson(const mlq::v1::IngestResponse& r, bool dry_run) {
  JsonWriter w;
  w.BeginObject();
  w.Key("lines").Uint(r.lines());
  w.Key("stored").Uint(r.stored());
  w.Key("unknown").Uint(r.unknown());
  w.Key("dry_run").Bool(dry_run);
  w.Key("families").BeginObject();
  for (const auto& [name, f] : SortedByKey(r.families())) {
    w.Key(name).BeginObject();
    w.Key("lines").Uint(f.lines());
    w.Key("recognized").Uint(f.recognized());
    w.Key("kinds").BeginObject();
    for (const auto& [kind, n] : SortedByKey(f.kinds())) w.Key(kind).Uint(n);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.Key("unknown_samples").BeginArray();
  for (const std::string& line : r.unknown_samples()) w.String(line);
  w.EndArray();
  w.EndObject();
  return w.str();
}

std::string IngestToText(const mlq::v1::IngestResponse& r, bool dry_run) {
  std::string out;
  out += "Lines     " + GroupThousands(r.lines()) + "\n";
  out += "Stored    " + GroupThousands(r.stored()) + (dry_run ? " (dry run)" : "") + "\n";
  out += "Unknown   " + GroupThousands(r.unknown()) + "\n";

  if (!r.families().empty()) {
    auto families = SortedByKey(r.families());
    std::stable_sort(families.begin(), families.end(), [](const auto& a, const auto& b) {
      return a.second.lines() > b.second.lines();
    });
    Table table({"FAMILY", "LINES", "RECOGNIZED", "KINDS"});
    table.SetRightAligned(1);
    table.SetRightAligned(2);
    for (const auto& [name, f] : families) {
      auto kinds = SortedByKey(f.kinds());
      std::stable_sort(kinds.begin(), kinds.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      std::string list;
      for (const auto& [kind, n] : kinds) {
        if (!list.empty()) list += ", ";
        list += kind + " " + GroupThousands(n);
      }
      table.AddRow({name, GroupThousands(f.lines()), GroupThousands(f.recognized()),
                    list.empty() ? "-" : list});
    }
    out += "\n" + table.Render();
  }

  if (!r.unknown_samples().empty()) {
    out += "\nUnknown lines (" + std::to_string(r.unknown_samples_size()) + " of " +
           GroupThousands(r.unknown()) + "):\n";
    for (const std::string& line : r.unknown_samples()) {
      out += "  " + SanitizeForTerminal(line) + "\n";
    }
  }
  return out;
}

}  // namespace mlq::cli
