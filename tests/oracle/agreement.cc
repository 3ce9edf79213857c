#include "oracle/agreement.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "oracle/oracle.h"
#include "oracle/process.h"

namespace mlq::oracle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Whether trace object `t` holds the entry (host, qid), with `line` among
// its lines when `line` is given.
bool HoldsEntry(const json& t, const Message& m, bool with_line) {
  if (!t.contains("hops") || !t["hops"].is_array()) return false;
  for (const auto& hop : t["hops"]) {
    if (Str(hop, "queue_id") != m.qid) continue;
    if (!m.host.empty() && Str(hop, "host") != m.host) continue;
    if (!with_line) return true;
    if (!hop.contains("lines") || !hop["lines"].is_array()) continue;
    for (const auto& l : hop["lines"]) {
      if (Str(l, "raw") == m.first_line) return true;
    }
  }
  return false;
}

// The host name given to lines that name none (Exim mainlogs).
std::string HostFor(const std::string& file) {
  std::string stem = fs::path(file).stem().string();
  std::string out;
  for (char c : stem) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out.substr(0, 60);
}

void MeasureFile(const AgreementOptions& o, const std::string& file, AgreementReport* report) {
  std::vector<Message> all = DeriveFile(o.corpus + "/mail/" + file);
  std::vector<Message> messages;
  for (auto& m : all) {
    if (m.complete) messages.push_back(std::move(m));
  }
  if (messages.empty()) return;
  std::string tmpl = (fs::temp_directory_path() / "mlq-oracle-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    report->error = "mkdtemp failed";
    return;
  }
  const std::string dir = tmpl;
  {
    MlqdProcess mlqd(o.mlqd, dir + "/data");
    if (!mlqd.Start()) {
      report->error = "mlqd did not start: " + mlqd.log();
    } else {
      ProcessResult imported =
          RunProcess({o.mlq, "--server", mlqd.grpc(), "import", "--no-progress", "--json", "--host",
                      HostFor(file), o.corpus + "/mail/" + file});
      if (imported.exit_code != 0) {
        report->error = "mlq import " + file + " failed: " + imported.err;
      } else {
        FileAgreement fa;
        fa.file = file;
        fa.messages = messages.size();
        std::vector<std::string> diffs(messages.size());
        std::atomic<size_t> next{0};
        std::vector<std::thread> workers;
        for (int w = 0; w < std::max(1, o.jobs); ++w) {
          workers.emplace_back([&] {
            for (size_t i = next++; i < messages.size(); i = next++) {
              const Message& m = messages[i];
              std::vector<std::string> argv = {o.mlq,    "--server",   mlqd.grpc(), "trace",
                                               "--json", "--queue-id", m.qid};
              if (!m.host.empty()) argv.insert(argv.end(), {"--host", m.host});
              ProcessResult t = RunProcess(argv);
              diffs[i] = t.exit_code == 0 || t.exit_code == 1
                             ? CompareTrace(m, t.out)
                             : "mlq trace failed (" + std::to_string(t.exit_code) + "): " + t.err;
            }
          });
        }
        for (auto& w : workers) w.join();
        for (size_t i = 0; i < messages.size(); ++i) {
          if (diffs[i].empty()) {
            ++fa.agreed;
            continue;
          }
          Disagreement d;
          d.file = file;
          d.key =
              messages[i].host.empty() ? messages[i].qid : messages[i].host + "/" + messages[i].qid;
          d.what = diffs[i];
          for (const Row& r : messages[i].rows) {
            d.lines.insert(d.lines.end(), r.lines.begin(), r.lines.end());
          }
          report->disagreements.push_back(std::move(d));
        }
        report->files.push_back(fa);
      }
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::remove(dir + "/data.stderr", ec);
}

}  // namespace

std::vector<std::string> CorpusLogs(const std::string& corpus) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& folder : fs::directory_iterator(corpus + "/mail", ec)) {
    if (!folder.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(folder.path(), ec)) {
      std::string name = f.path().filename().string();
      if (!name.ends_with(".log") || name.ends_with("-subset.log") ||
          name.ends_with("-msgbodies.log")) {
        continue;
      }
      out.push_back(folder.path().filename().string() + "/" + name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string CompareTrace(const Message& m, const std::string& trace_json) {
  std::vector<json> traces;
  size_t start = 0;
  while (start < trace_json.size()) {
    size_t end = trace_json.find('\n', start);
    if (end == std::string::npos) end = trace_json.size();
    json j = json::parse(trace_json.substr(start, end - start), nullptr, false);
    if (j.is_object()) traces.push_back(std::move(j));
    start = end + 1;
  }
  const json* t = nullptr;
  for (int pass = 0; pass < 2 && t == nullptr; ++pass) {
    for (const auto& x : traces) {
      if (HoldsEntry(x, m, pass == 0)) {
        t = &x;
        break;
      }
    }
  }
  if (t == nullptr) return "no trace holds " + m.qid;
  std::vector<json> rows;
  if (t->contains("recipients") && (*t)["recipients"].is_array()) {
    for (const auto& r : (*t)["recipients"]) rows.push_back(r);
  }
  std::vector<bool> used(rows.size(), false);
  std::string diff;
  auto add = [&diff](const std::string& s) { diff += (diff.empty() ? "" : "; ") + s; };
  for (const Row& want : m.rows) {
    int found = -1;
    for (size_t i = 0; i < rows.size(); ++i) {
      bool notice = !Str(rows[i], "notice").empty();
      std::string a = Lower(Str(rows[i], "address"));
      std::string orig = Lower(Str(rows[i], "orig_address"));
      bool same = a == want.address || (!want.alt_address.empty() && a == want.alt_address) ||
                  (!orig.empty() && orig == want.address && want.alt_address.empty());
      if (notice != want.notice || !same) continue;
      if (found < 0 || Str(rows[i], "verdict") == want.verdict) found = static_cast<int>(i);
    }
    const std::string who = (want.notice ? "notice to " : "") + want.address;
    if (found < 0) {
      add(who + ": oracle " + want.verdict + ", trace has no row");
      continue;
    }
    used[found] = true;
    std::string got = Str(rows[found], "verdict");
    if (got != want.verdict) add(who + ": oracle " + want.verdict + ", trace " + got);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (used[i] || !Str(rows[i], "notice").empty()) continue;
    std::string v = Str(rows[i], "verdict");
    if (v == "rejected") continue;  // a pre-queue reject the oracle does not judge
    bool known = false;
    for (const Row& want : m.rows) {
      std::string a = Lower(Str(rows[i], "address"));
      known = known || a == want.address || a == want.alt_address;
    }
    if (!known) add(Lower(Str(rows[i], "address")) + ": not a recipient to the oracle, trace " + v);
  }
  return diff;
}

AgreementReport MeasureAgreement(const AgreementOptions& options) {
  AgreementReport report;
  for (const std::string& file : CorpusLogs(options.corpus)) {
    if (file.find(options.only) == std::string::npos) continue;
    MeasureFile(options, file, &report);
    if (!report.error.empty()) break;
  }
  return report;
}

std::string FormatReport(const AgreementReport& report) {
  auto percent = [](size_t a, size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", n == 0 ? 100.0 : 100.0 * a / n);
    return std::string(buf);
  };
  std::string out =
      "| corpus log | complete messages | trace agrees | agreement |\n"
      "|---|--:|--:|--:|\n";
  size_t n = 0, a = 0;
  for (const auto& f : report.files) {
    out += "| `" + f.file + "` | " + std::to_string(f.messages) + " | " + std::to_string(f.agreed) +
           " | " + percent(f.agreed, f.messages) + " |\n";
    n += f.messages;
    a += f.agreed;
  }
  out += "| **all** | " + std::to_string(n) + " | " + std::to_string(a) + " | " + percent(a, n) +
         " |\n\nDisagreements: " + std::to_string(report.disagreements.size()) + "\n";
  if (!report.disagreements.empty()) out += "\n";
  for (const auto& d : report.disagreements) {
    out += "- `" + d.file + "` `" + d.key + "`: " + d.what + "\n";
  }
  return out;
}

}  // namespace mlq::oracle
