// TextCursor: the position in a text a hand-written parser reads, shared by the schema
// parser and the IR text parser.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace tessera {

/// Skips white space (and, when asked, '#' comments to the end of the line), peeks at,
/// accepts and expects single characters. A parser derives from it and says how it fails.
class TextCursor {
 public:
  virtual ~TextCursor() = default;

 protected:
  TextCursor(std::string_view text, bool hash_comments) : s_(text), hash_comments_(hash_comments) {}

  /// Throws the parser's error for msg at the current position.
  [[noreturn]] virtual void fail(const std::string& msg) = 0;

  void skip_space() {
    while (pos_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      } else if (hash_comments_ && s_[pos_] == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }
  /// The next character after space, or '\0' at the end.
  char peek() {
    skip_space();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }

  std::string_view s_;
  size_t pos_ = 0;

 private:
  bool hash_comments_;
};

}  // namespace tessera
