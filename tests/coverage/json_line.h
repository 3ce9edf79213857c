// Reading values out of the one-object-per-line JSON files of the shared
// corpus (../shared/corpus/expected/*.jsonl) without a JSON library.
//
// JsonValue(obj, key, &out) finds the first `"key": ` in `obj` and reads the
// value after it: a string (unescaped: \" \\ \/ \n \t \r, \uXXXX for ASCII,
// '?' for the rest) or a bare literal (true, false, a number). It returns
// false when the key is absent, the value is null, or it is an object or
// array. Keys are matched anywhere in the line, nested or not: the corpus
// files use each key once per line.
#pragma once

#include <string>
#include <string_view>

namespace mlq::testing {

inline bool JsonValue(std::string_view obj, std::string_view key, std::string* out) {
  std::string needle = "\"" + std::string(key) + "\": ";
  size_t pos = obj.find(needle);
  if (pos == std::string_view::npos) return false;
  pos += needle.size();
  out->clear();
  if (pos >= obj.size() || obj[pos] == '{' || obj[pos] == '[') return false;
  if (obj[pos] != '"') {
    size_t end = obj.find_first_of(",}", pos);
    *out = std::string(obj.substr(pos, end == std::string_view::npos ? end : end - pos));
    return *out != "null";
  }
  for (size_t i = pos + 1; i < obj.size(); ++i) {
    char c = obj[i];
    if (c == '"') return true;
    if (c != '\\' || i + 1 >= obj.size()) {
      out->push_back(c);
      continue;
    }
    char e = obj[++i];
    switch (e) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'u':
        if (i + 4 < obj.size()) {
          unsigned v = 0;
          for (size_t k = 1; k <= 4; ++k) {
            char h = obj[i + k];
            v = v * 16 + (h >= '0' && h <= '9'   ? h - '0'
                          : h >= 'a' && h <= 'f' ? h - 'a' + 10
                          : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                 : 0);
          }
          out->push_back(v < 0x80 ? static_cast<char>(v) : '?');
          i += 4;
        }
        break;
      default:
        out->push_back(e);
        break;
    }
  }
  return false;
}

}  // namespace mlq::testing
