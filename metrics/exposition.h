// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one
// "# HELP" and one "# TYPE" line per metric family, then its samples, the
// samples of a family together however they were added.
//
// Label values are escaped as the format asks (backslash, double quote,
// newline) after being made valid UTF-8 (invalid bytes -> U+FFFD) and cut
// to at most kMaxLabelValueBytes bytes on a character boundary: they come
// from syslog senders. Label and metric names are fixed in code and not
// checked. Values: integers as integers, others in the shortest form that
// reads back exactly, +Inf/-Inf/NaN as the format spells them.
//
// Not thread-safe; one per scrape.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlq::metrics {

inline constexpr size_t kMaxLabelValueBytes = 128;

// Content-Type of the exposition.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Label = std::pair<std::string_view, std::string_view>;  // name, value

// `value` made valid UTF-8, cut to kMaxLabelValueBytes (on a character
// boundary), not yet escaped. For keys of bounded label sets.
std::string CleanLabelValue(std::string_view value);

// `value` escaped for a label value inside double quotes (after CleanLabelValue).
std::string EscapeLabelValue(std::string_view value);

class Exposition {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Declares a family; its HELP and TYPE lines are written once, before its
  // samples, however often it is declared. The first declaration's help
  // and type count.
  void Declare(std::string_view name, Type type, std::string_view help);

  // A sample of declared family `family` (a sample of an undeclared family
  // is declared as an untyped gauge); `suffix` is appended to the name
  // ("_bucket", "_sum", "_count" for histograms).
  void Add(std::string_view family, std::span<const Label> labels, double value,
           std::string_view suffix = "");
  void Add(std::string_view family, std::initializer_list<Label> labels, double value,
           std::string_view suffix = "") {
    Add(family, std::span<const Label>(labels.begin(), labels.size()), value, suffix);
  }

  // A histogram's samples: `bucket_counts[i]` observations fell at or below
  // `bounds[i]` and above the bound before (not cumulative; one more entry
  // than bounds, for +Inf). Writes the cumulative _bucket{le} series, _sum
  // and _count.
  void AddHistogram(std::string_view family, std::span<const Label> labels,
                    std::span<const double> bounds, std::span<const uint64_t> bucket_counts,
                    double sum);

  // The whole exposition, families in the order first declared.
  std::string Text() const;

 private:
  struct Family {
    std::string name;
    Type type;
    std::string help;
    std::string samples;
  };
  Family& Get(std::string_view name);

  std::vector<Family> families_;
  std::map<std::string, size_t, std::less<>> index_;
};

// Appends `v` as the format writes a value.
void AppendValue(double v, std::string* out);

}  // namespace mlq::metrics
