#include "cli/import_output.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "cli/format.h"
#include "cli/json.h"
#include "cli/sorted.h"

namespace mlq::cli {

void MergeIngestResponse(const mlq::v1::IngestResponse& part, uint32_t max_samples,
                         mlq::v1::IngestResponse* total) {
  total->set_lines(total->lines() + part.lines());
  total->set_stored(total->stored() + part.stored());
  total->set_duplicates(total->duplicates() + part.duplicates());
  total->set_unknown(total->unknown() + part.unknown());
  for (const auto& [name, f] : part.families()) {
    mlq::v1::FamilySummary& t = (*total->mutable_families())[name];
    t.set_lines(t.lines() + f.lines());
    t.set_recognized(t.recognized() + f.recognized());
    for (const auto& [kind, n] : f.kinds()) (*t.mutable_kinds())[kind] += n;
  }
  for (const std::string& line : part.unknown_samples()) {
    if (static_cast<uint32_t>(total->unknown_samples_size()) >= max_samples) break;
    total->add_unknown_samples(line);
  }
}

std::string IngestToJson(const mlq::v1::IngestResponse& r, bool dry_run,
                         const std::vector<ImportedFile>& files) {
  JsonWriter w;
  w.BeginObject();
  w.Key("lines").Uint(r.lines());
  w.Key("stored").Uint(r.stored());
  w.Key("duplicates").Uint(r.duplicates());
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
  w.Key("files").BeginArray();
  for (const ImportedFile& f : files) {
    w.BeginObject();
    w.Key("path").String(f.path);
    w.Key("format").String(f.format);
    w.Key("lines").Uint(f.lines);
    w.Key("stored").Uint(f.stored);
    w.Key("duplicates").Uint(f.duplicates);
    if (!f.error.empty()) w.Key("error").String(f.error);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str();
}

std::string IngestToText(const mlq::v1::IngestResponse& r, bool dry_run,
                         const std::vector<ImportedFile>& files) {
  std::string out;
  out += "Lines       " + GroupThousands(r.lines()) + "\n";
  out += "Stored      " + GroupThousands(r.stored()) + (dry_run ? " (dry run)" : "") + "\n";
  out += "Duplicates  " + GroupThousands(r.duplicates()) +
         (r.duplicates() > 0 ? " (imported before, not stored again)" : "") + "\n";
  out += "Unknown     " + GroupThousands(r.unknown()) + "\n";

  const bool any_error = std::any_of(files.begin(), files.end(),
                                     [](const ImportedFile& f) { return !f.error.empty(); });
  if (files.size() > 1 || any_error) {
    Table table({"FILE", "FORMAT", "LINES", "STORED", "DUPLICATES", "NOTE"});
    for (size_t c = 2; c <= 4; ++c) table.SetRightAligned(c);
    for (const ImportedFile& f : files) {
      table.AddRow({f.path == "-" ? "(standard input)" : f.path, f.format, GroupThousands(f.lines),
                    GroupThousands(f.stored), GroupThousands(f.duplicates), f.error});
    }
    out += "\n" + table.Render();
  }

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
