// Deterministic iteration over protobuf maps (whose order is unspecified).
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace mlq::cli {

// The entries of a map (any map with string keys), sorted by key.
template <typename Map>
std::vector<std::pair<std::string, typename Map::mapped_type>> SortedByKey(const Map& map) {
  std::vector<std::pair<std::string, typename Map::mapped_type>> out(map.begin(), map.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace mlq::cli
