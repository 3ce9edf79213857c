// A tiny JSON writer: builds one JSON text into a string, by hand.
//
// Output is always valid JSON (RFC 8259) and valid UTF-8, whatever bytes the
// strings hold: '"' and '\' are escaped, control characters become \n, \t,
// ... or \u00XX, DEL becomes \u007f, and every byte that is not part of a
// valid UTF-8 sequence is replaced by U+FFFD. C1 controls (U+0080..U+009F)
// and the bidi and line-separator controls of IsInvisibleLayoutControl
// (format.h) are written as \uXXXX as well, so JSON read on a terminal is
// as safe as the text output. Output is compact (no spaces or
// newlines), so one value fits on one line.
//
// The writer inserts commas itself; the caller is responsible for the
// structure (a Key before every value inside an object, Begin/End balanced).
// Misuse is a programming error and is not diagnosed.
//
// Not thread-safe; one writer per output value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlq::cli {

// Appends s as a quoted, escaped JSON string to *out.
void AppendJsonString(std::string_view s, std::string* out);

// s as a quoted, escaped JSON string.
std::string JsonQuote(std::string_view s);

// True when s is a number literal by the JSON grammar ("-1", "0.25", "1e3"),
// false for "", "01", "1.", ".5", "+1", "0x1", "NaN", ...
bool IsJsonNumber(std::string_view s);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();

  // The name of the next member; must be followed by exactly one value.
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A number given as text; must satisfy IsJsonNumber (written verbatim).
  JsonWriter& Number(std::string_view literal);

  // The JSON text written so far.
  const std::string& str() const { return out_; }

 private:
  // Writes the comma that separates this value from the previous one.
  void BeforeValue();

  std::string out_;
  std::vector<bool> empty_;  // per open container: nothing written into it yet
  bool after_key_ = false;
};

}  // namespace mlq::cli
