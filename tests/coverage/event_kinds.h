// Which event kinds count as specific in the corpus coverage figures
// (docs/COVERAGE.md and the family tests' coverage lines).
//
// A line gets a specific event kind when a normalizer recognized it and its
// event names what happened ("delivery", "auth-failure", "queue-run-start",
// ...). Generic kinds say no more than the line's log level ("info",
// "notice", "warning", "error", "fatal", "panic", "debug"), that the line
// continues another ("continuation"), or that the line is the family's but
// unclassified ("other"). Every family is judged by the same list; Postfix
// verbose logging (-v), tagged "debug", is therefore generic too.
#pragma once

#include <string_view>

namespace mlq::testing {

inline constexpr std::string_view kGenericEvents[] = {
    "other", "info", "notice", "warning", "error", "fatal", "panic", "debug", "continuation"};

inline bool IsGenericEvent(std::string_view event) {
  for (std::string_view g : kGenericEvents) {
    if (event == g) return true;
  }
  return false;
}

// Recognized (family and event set) with an event that is not generic.
inline bool IsSpecificEvent(std::string_view family, std::string_view event) {
  return !family.empty() && !event.empty() && !IsGenericEvent(event);
}

}  // namespace mlq::testing
