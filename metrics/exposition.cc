#include "metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/utf8.h"

namespace mlq::metrics {

std::string CleanLabelValue(std::string_view value) {
  std::string s = IsValidUtf8(value) ? std::string(value) : ToValidUtf8(value);
  if (s.size() > kMaxLabelValueBytes) {
    size_t cut = kMaxLabelValueBytes;
    // Back to the start of a character (continuation bytes are 10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
  }
  return s;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

// HELP text: backslash and newline escaped.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view TypeName(Exposition::Type t) {
  switch (t) {
    case Exposition::Type::kCounter:
      return "counter";
    case Exposition::Type::kGauge:
      return "gauge";
    case Exposition::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendLabels(std::span<const Label> labels, std::string_view extra_name,
                  std::string_view extra_value, std::string* out) {
  if (labels.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  auto one = [&](std::string_view name, std::string_view value) {
    if (!first) out->push_back(',');
    first = false;
    out->append(name);
    out->append("=\"");
    out->append(EscapeLabelValue(CleanLabelValue(value)));
    out->push_back('"');
  };
  for (const Label& l : labels) one(l.first, l.second);
  if (!extra_name.empty()) one(extra_name, extra_value);
  out->push_back('}');
}

}  // namespace

void AppendValue(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    out->append(buf, p);
    return;
  }
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, p);
}

Exposition::Family& Exposition::Get(std::string_view name) {
  auto it = index_.find(name);
  if (it != index_.end()) return families_[it->second];
  index_.emplace(std::string(name), families_.size());
  families_.push_back(Family{std::string(name), Type::kGauge, "", ""});
  return families_.back();
}

void Exposition::Declare(std::string_view name, Type type, std::string_view help) {
  if (index_.contains(name)) return;
  Family& f = Get(name);
  f.type = type;
  f.help = EscapeHelp(help);
}

void Exposition::Add(std::string_view family, std::span<const Label> labels, double value,
                     std::string_view suffix) {
  std::string& out = Get(family).samples;
  out.append(family);
  out.append(suffix);
  AppendLabels(labels, "", "", &out);
  out.push_back(' ');
  AppendValue(value, &out);
  out.push_back('\n');
}

void Exposition::AddHistogram(std::string_view family, std::span<const Label> labels,
                              std::span<const double> bounds,
                              std::span<const uint64_t> bucket_counts, double sum) {
  std::string& out = Get(family).samples;
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size() && i < bucket_counts.size(); ++i) {
    cumulative += bucket_counts[i];
    std::string le;
    if (i < bounds.size()) {
      AppendValue(bounds[i], &le);
    } else {
      le = "+Inf";
    }
    out.append(family);
    out.append("_bucket");
    AppendLabels(labels, "le", le, &out);
    out.push_back(' ');
    AppendValue(static_cast<double>(cumulative), &out);
    out.push_back('\n');
  }
  out.append(family);
  out.append("_sum");
  AppendLabels(labels, "", "", &out);
  out.push_back(' ');
  AppendValue(sum, &out);
  out.push_back('\n');
  out.append(family);
  out.append("_count");
  AppendLabels(labels, "", "", &out);
  out.push_back(' ');
  AppendValue(static_cast<double>(cumulative), &out);
  out.push_back('\n');
}

std::string Exposition::Text() const {
  std::string out;
  size_t total = 0;
  for (const Family& f : families_) total += f.samples.size() + f.help.size() + 64;
  out.reserve(total);
  for (const Family& f : families_) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    out += f.help;
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += TypeName(f.type);
    out += '\n';
    out += f.samples;
  }
  return out;
}

}  // namespace mlq::metrics
