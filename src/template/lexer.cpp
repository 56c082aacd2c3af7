// Jinja2-compatible tokenizer. See lexer.h for the contract.
#include "template/lexer.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "template/unicode.h"

namespace runhook::templating {
namespace {

// Character classes, one table lookup each (the lexer asks for every byte of every tag).
enum CharClass : uint8_t { kSpace = 1, kDigit = 2, kNameStart = 4, kNameChar = 8 };

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> classes{};
  for (char c : {' ', '\t', '\n', '\r', '\f', '\v'})
    classes[static_cast<unsigned char>(c)] = kSpace;
  for (int c = '0'; c <= '9'; ++c) classes[c] = kDigit | kNameChar;
  for (int c = 'a'; c <= 'z'; ++c) classes[c] = kNameStart | kNameChar;
  for (int c = 'A'; c <= 'Z'; ++c) classes[c] = kNameStart | kNameChar;
  classes['_'] = kNameStart | kNameChar;
  for (int c = 0x80; c < 0x100; ++c) classes[c] = kNameStart | kNameChar;
  return classes;
}
constexpr std::array<uint8_t, 256> kCharClasses = MakeCharClasses();

bool Is(char c, CharClass char_class) {
  return (kCharClasses[static_cast<unsigned char>(c)] & char_class) != 0;
}
bool IsAsciiSpace(char c) { return Is(c, kSpace); }
bool IsDigit(char c) { return Is(c, kDigit); }
bool IsNameStart(char c) { return Is(c, kNameStart); }
bool IsNameChar(char c) { return Is(c, kNameChar); }

// Code points in [begin, end): the bytes that do not continue a UTF-8 sequence.
int CountCodePoints(const char* begin, const char* end) {
  int count = 0;
  for (const char* at = begin; at < end; ++at) {
    if ((static_cast<unsigned char>(*at) & 0xC0) != 0x80) ++count;
  }
  return count;
}

// Newlines as Jinja2 sees them: "\r\n", "\r" and "\n" all become "\n"; one trailing newline is
// dropped unless asked to keep it. Returns a view of `source` itself when it has no '\r',
// otherwise of `*storage`.
std::string_view NormalizeNewlines(std::string_view source, bool keep_trailing_newline,
                                   std::string* storage) {
  std::string_view out = source;
  if (source.find('\r') != std::string_view::npos) {
    storage->reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        *storage += '\n';
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        *storage += source[i];
      }
    }
    out = *storage;
  }
  if (!keep_trailing_newline && !out.empty() && out.back() == '\n') out.remove_suffix(1);
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view source, std::string_view name, const LexerOptions& options,
        TokenStorage* storage)
      : source_(
            NormalizeNewlines(source, options.keep_trailing_newline, &storage->normalized_source)),
        name_(name),
        options_(options),
        storage_(storage) {
    tokens_.resize(source_.size() / 4 + 16);
    ascii_ = IsAscii(source_);
  }

  std::vector<Token> Run() {
    size_t position = 0;
    const size_t size = source_.size();
    while (position < size) {
      size_t start = FindTagStart(position);
      if (start == std::string::npos) {
        EmitData(position, size);
        break;
      }
      char kind = source_[start + 1];
      char modifier = start + 2 < size ? source_[start + 2] : '\0';
      size_t data_end = start;
      if (modifier == '-') {
        while (data_end > position && IsStripSpace(data_end - 1)) --data_end;
      } else if (kind != '{' && options_.lstrip_blocks && modifier != '+') {
        size_t line_begin = data_end;
        while (line_begin > position &&
               (source_[line_begin - 1] == ' ' || source_[line_begin - 1] == '\t')) {
          --line_begin;
        }
        bool at_line_start = line_begin > position
                                 ? source_[line_begin - 1] == '\n'
                                 : (position == 0 || source_[position - 1] == '\n');
        if (at_line_start) data_end = line_begin;
      }
      EmitData(position, data_end);
      size_t inner = start + 2 + ((modifier == '-' || modifier == '+') ? 1 : 0);
      if (kind == '#') {
        position = SkipComment(start, inner);
      } else if (kind == '%' && TryRaw(start, inner, &position)) {
        // raw block emitted as data
      } else {
        position = LexTag(start, inner, kind == '{');
      }
    }
    Emit(TokenKind::kEnd, size);
    tokens_.resize(token_count_);
    return std::move(tokens_);
  }

 private:
  bool IsStripSpace(size_t index) const { return IsAsciiSpace(source_[index]); }

  size_t FindTagStart(size_t from) const {
    while (true) {
      size_t brace = source_.find('{', from);
      if (brace == std::string::npos || brace + 1 >= source_.size()) return std::string::npos;
      char next = source_[brace + 1];
      if (next == '{' || next == '%' || next == '#') return brace;
      from = brace + 1;
    }
  }

  // Line and column (in code points) of `offset`. Tokens are located in increasing order, so
  // the newlines are counted from the last located offset on, and the column is the distance
  // from the start of the line (in code points when the source is not ASCII).
  SourceLocation Locate(size_t offset) {
    if (ascii_ && offset == located_offset_) {  // inside tags: LexTag counted the newlines
      return {line_, static_cast<int>(offset - line_start_) + 1};
    }
    return LocateAfterGap(offset);
  }

  [[gnu::noinline]] SourceLocation LocateAfterGap(size_t offset) {
    if (offset < located_offset_) return LocateFromStart(offset);
    const char* data = source_.data();
    const char* at = data + located_offset_;
    const char* end = data + offset;
    int line = line_;
    const char* line_begin = data + line_start_;
    if (end - at < 32) {  // most gaps are short: no memchr call
      for (; at < end; ++at) {
        if (*at == '\n') ++line, line_begin = at + 1;
      }
    } else {
      while (const void* newline = std::memchr(at, '\n', static_cast<size_t>(end - at))) {
        ++line;
        at = line_begin = static_cast<const char*>(newline) + 1;
      }
    }
    line_ = line;
    line_start_ = static_cast<size_t>(line_begin - data);
    if (ascii_) {
      located_offset_ = offset;
      return {line_, static_cast<int>(offset - line_start_) + 1};
    }
    int column = located_offset_ >= line_start_
                     ? located_column_ + CountCodePoints(data + located_offset_, end)
                     : CountCodePoints(data + line_start_, end) + 1;
    located_offset_ = offset;
    located_column_ = column;
    return {line_, column};
  }

  // The same for any offset, counted from the start (for errors, which may point back).
  SourceLocation LocateFromStart(size_t offset) const {
    if (offset > source_.size()) offset = source_.size();
    SourceLocation location{1, 1};
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
      if (source_[i] == '\n') {
        ++location.line;
        line_start = i + 1;
      }
    }
    location.column = CountCodePoints(source_.data() + line_start, source_.data() + offset) + 1;
    return location;
  }

  [[noreturn]] void Fail(size_t offset, const std::string& message) const {
    SourceLocation location = LocateFromStart(offset);
    throw TemplateError("TemplateSyntaxError", message, std::string(name_), location.line,
                        location.column);
  }

  void EmitData(size_t begin, size_t end) {
    if (end <= begin) return;
    Emit(TokenKind::kData, begin, source_.substr(begin, end - begin));
  }

  // Inlined: called for every token, and a call would cost as much as its body.
  [[gnu::always_inline]] Token& Emit(TokenKind kind, size_t offset, std::string_view text = {}) {
    if (token_count_ == tokens_.size()) GrowTokens();
    Token& token = tokens_[token_count_++];  // value-initialized: no operator, integer 0
    token.kind = kind;
    token.text = text;
    token.location = Locate(offset);
    return token;
  }

  [[gnu::noinline]] void GrowTokens() { tokens_.resize(tokens_.size() * 2 + 16); }

  // A token that holds no newline, from `offset` to `end`: the next location is counted from
  // its end.
  [[gnu::always_inline]] Token& EmitOneLine(TokenKind kind, size_t offset, size_t end) {
    Token& token = Emit(kind, offset, std::string_view(source_.data() + offset, end - offset));
    located_offset_ = end;
    if (!ascii_) located_column_ += CountCodePoints(source_.data() + offset, source_.data() + end);
    return token;
  }

  // After a closing delimiter at `after`: '-' strips all whitespace, '+' keeps everything,
  // otherwise trim_blocks drops one newline.
  size_t AfterTagEnd(size_t after, char modifier) const {
    if (modifier == '-') {
      while (after < source_.size() && IsStripSpace(after)) ++after;
    } else if (modifier != '+' && options_.trim_blocks && after < source_.size() &&
               source_[after] == '\n') {
      ++after;
    }
    return after;
  }

  size_t SkipComment(size_t start, size_t inner) {
    size_t close = source_.find("#}", inner);
    if (close == std::string::npos) Fail(start, "Missing end of comment tag");
    char modifier = close > inner && (source_[close - 1] == '-' || source_[close - 1] == '+')
                        ? source_[close - 1]
                        : '\0';
    return AfterTagEnd(close + 2, modifier);
  }

  // Matches "\s*word\s*" then "-%}", "+%}" or "%}" at `at`; returns the offset after the
  // delimiter (whitespace control applied) or npos.
  size_t MatchWordTag(size_t at, std::string_view word) const {
    while (at < source_.size() && IsAsciiSpace(source_[at])) ++at;
    if (source_.compare(at, word.size(), word) != 0) return std::string::npos;
    at += word.size();
    if (at < source_.size() && IsNameChar(source_[at])) return std::string::npos;
    while (at < source_.size() && IsAsciiSpace(source_[at])) ++at;
    char modifier = '\0';
    if (at < source_.size() && (source_[at] == '-' || source_[at] == '+')) modifier = source_[at++];
    if (source_.compare(at, 2, "%}") != 0) return std::string::npos;
    return AfterTagEnd(at + 2, modifier);
  }

  bool TryRaw(size_t start, size_t inner, size_t* position) {
    size_t body = MatchWordTag(inner, "raw");
    if (body == std::string::npos) return false;
    size_t search = body;
    while (true) {
      size_t open = source_.find("{%", search);
      if (open == std::string::npos) Fail(start, "Missing end of raw directive");
      size_t tag_inner = open + 2;
      char modifier = tag_inner < source_.size() ? source_[tag_inner] : '\0';
      if (modifier == '-' || modifier == '+') ++tag_inner;
      size_t after = MatchWordTag(tag_inner, "endraw");
      if (after == std::string::npos) {
        search = open + 2;
        continue;
      }
      size_t data_end = open;
      if (modifier == '-') {
        while (data_end > body && IsStripSpace(data_end - 1)) --data_end;
      }
      EmitData(body, data_end);
      *position = after;
      return true;
    }
  }

  // Lexes the inside of {{ ... }} or {% ... %} from `inner`; returns the offset after the tag.
  size_t LexTag(size_t start, size_t inner, bool is_variable) {
    EmitOneLine(is_variable ? TokenKind::kVariableBegin : TokenKind::kBlockBegin, start, start + 2);
    std::string balance;  // expected closing brackets
    size_t at = inner;
    const char* data = source_.data();
    const size_t size = source_.size();
    while (true) {
      // Every token ends at located_offset_ (see Locate), so the newlines of the whitespace
      // before the next one are counted here, on the way.
      while (at < size && IsAsciiSpace(data[at])) {
        if (data[at] == '\n' && ascii_) {
          ++line_;
          line_start_ = at + 1;
        }
        ++at;
      }
      if (ascii_) located_offset_ = at;
      if (at >= size) return at;  // the parser reports the missing end
      char c = data[at];
      if (balance.empty() && (c == '-' || c == '+' || c == '}' || c == '%')) {
        size_t end = TryTagEnd(at, is_variable);
        if (end != std::string::npos) return end;
      }
      if (IsNameStart(c)) {
        size_t begin = at;
        ++at;
        while (at < size && IsNameChar(data[at])) ++at;
        EmitOneLine(TokenKind::kName, begin, at);
      } else if (IsDigit(c)) {
        at = LexNumber(at);
      } else if (c == '\'' || c == '"') {
        at = LexString(at);
        Locate(at);  // counts the newlines in the string
      } else {
        at = LexOperator(at, &balance);
      }
    }
  }

  size_t TryTagEnd(size_t at, bool is_variable) {
    const char* data = source_.data();
    const size_t size = source_.size();
    const char close = is_variable ? '}' : '%';
    char modifier = '\0';
    size_t delimiter = at;
    if ((data[at] == '-' || (!is_variable && data[at] == '+')) && at + 2 < size &&
        data[at + 1] == close && data[at + 2] == '}') {
      modifier = data[at];
      delimiter = at + 1;
    } else if (!(data[at] == close && at + 1 < size && data[at + 1] == '}')) {
      return std::string::npos;
    }
    Emit(is_variable ? TokenKind::kVariableEnd : TokenKind::kBlockEnd, at);
    if (is_variable) {
      size_t after = delimiter + 2;
      if (modifier == '-') {
        while (after < size && IsStripSpace(after)) ++after;
      }
      return after;
    }
    return AfterTagEnd(delimiter + 2, modifier);
  }

  // Digits with optional '_' separators between them; returns the end offset.
  size_t ScanDigits(size_t at, bool (*is_digit)(char)) const {
    if (at >= source_.size() || !is_digit(source_[at])) return at;
    ++at;
    while (at < source_.size()) {
      if (is_digit(source_[at])) {
        ++at;
      } else if (source_[at] == '_' && at + 1 < source_.size() && is_digit(source_[at + 1])) {
        at += 2;
      } else {
        break;
      }
    }
    return at;
  }

  static std::string WithoutUnderscores(std::string_view text) {
    std::string out;
    for (char c : text) {
      if (c != '_') out += c;
    }
    return out;
  }

  size_t LexNumber(size_t begin) {
    const size_t size = source_.size();
    auto is_decimal = [](char c) { return c >= '0' && c <= '9'; };
    // Float: digits ( '.' digits )? exponent | digits '.' digits; not right after a '.'.
    if (begin == 0 || source_[begin - 1] != '.') {
      size_t at = ScanDigits(begin, is_decimal);
      size_t fraction_end = at;
      bool has_fraction = false;
      if (at < size && source_[at] == '.' && at + 1 < size && IsDigit(source_[at + 1])) {
        fraction_end = ScanDigits(at + 1, is_decimal);
        has_fraction = true;
      }
      size_t exponent_end = std::string::npos;
      if (fraction_end < size && (source_[fraction_end] == 'e' || source_[fraction_end] == 'E')) {
        size_t digits = fraction_end + 1;
        if (digits < size && (source_[digits] == '+' || source_[digits] == '-')) ++digits;
        if (digits < size && IsDigit(source_[digits]))
          exponent_end = ScanDigits(digits, is_decimal);
      }
      size_t end =
          exponent_end != std::string::npos ? exponent_end : (has_fraction ? fraction_end : 0);
      if (end != 0) {
        std::string text = WithoutUnderscores(source_.substr(begin, end - begin));
        Token& token = EmitOneLine(TokenKind::kFloat, begin, end);
        token.floating = std::strtod(text.c_str(), nullptr);
        return end;
      }
    }
    int base = 10;
    size_t at = begin;
    size_t end;
    char prefix = begin + 1 < size ? static_cast<char>(source_[begin + 1] | 0x20) : '\0';
    auto scan_prefixed = [&](bool (*is_digit)(char)) {
      size_t pos = begin + 2;
      if (pos < size && source_[pos] == '_') ++pos;
      return ScanDigits(pos, is_digit);
    };
    if (source_[begin] == '0' && prefix == 'b') {
      base = 2;
      end = scan_prefixed([](char c) { return c == '0' || c == '1'; });
    } else if (source_[begin] == '0' && prefix == 'o') {
      base = 8;
      end = scan_prefixed([](char c) { return c >= '0' && c <= '7'; });
    } else if (source_[begin] == '0' && prefix == 'x') {
      base = 16;
      end = scan_prefixed([](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      });
    } else if (source_[begin] == '0') {
      end = begin + 1;
      while (end + 1 < size &&
             (source_[end] == '0' || (source_[end] == '_' && source_[end + 1] == '0'))) {
        end += source_[end] == '0' ? 1 : 2;
      }
      if (end < size && source_[end] == '0') ++end;
    } else {
      end = ScanDigits(begin, is_decimal);
    }
    if (base != 10 && end == begin + 2) {
      base = 10;  // "0x" with no digits: the 0 alone, then a name
      end = begin + 1;
    }
    unsigned long long value = 0;
    if (base == 10 && end - begin <= 18) {  // fits: summed directly, '_' skipped
      for (size_t i = begin; i < end; ++i) {
        if (source_[i] != '_') value = value * 10 + static_cast<unsigned>(source_[i] - '0');
      }
    } else {
      std::string digits = WithoutUnderscores(
          source_.substr(at + (base != 10 ? 2 : 0), end - at - (base != 10 ? 2 : 0)));
      errno = 0;
      char* parse_end = nullptr;
      value = std::strtoull(digits.c_str(), &parse_end, base);
      if (errno == ERANGE || value > static_cast<unsigned long long>(INT64_MAX)) {
        Fail(begin, "integer literal too large for a 64-bit integer");
      }
    }
    EmitOneLine(TokenKind::kInteger, begin, end).integer = static_cast<int64_t>(value);
    return end;
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  size_t LexString(size_t begin) {
    const char quote = source_[begin];
    const size_t size = source_.size();
    // Without a backslash before the closing quote the value is the source text itself.
    for (size_t scan = begin + 1; scan < size && source_[scan] != '\\'; ++scan) {
      if (source_[scan] == quote) {
        Emit(TokenKind::kString, begin, source_.substr(begin + 1, scan - begin - 1));
        return scan + 1;
      }
    }
    std::string value;
    size_t at = begin + 1;
    while (true) {
      if (at >= size) Fail(begin, "unexpected end of string");
      char c = source_[at];
      if (c == quote) {
        ++at;
        break;
      }
      if (c != '\\') {
        value += c;
        ++at;
        continue;
      }
      if (at + 1 >= size) Fail(begin, "unexpected end of string");
      char escape = source_[at + 1];
      at += 2;
      switch (escape) {
        case '\n':
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'v':
          value += '\v';
          break;
        case 'x':
        case 'u':
        case 'U': {
          int digits = escape == 'x' ? 2 : (escape == 'u' ? 4 : 8);
          uint32_t code = 0;
          for (int i = 0; i < digits; ++i) {
            int hex = at + i < size ? HexValue(source_[at + i]) : -1;
            if (hex < 0) Fail(begin, std::string("truncated \\") + escape + " escape in string");
            code = code * 16 + static_cast<uint32_t>(hex);
          }
          if (code > 0x10FFFF) Fail(begin, "illegal Unicode character in string");
          at += static_cast<size_t>(digits);
          AppendUtf8(code, &value);
          break;
        }
        default:
          if (escape >= '0' && escape <= '7') {
            uint32_t code = static_cast<uint32_t>(escape - '0');
            for (int i = 0; i < 2 && at < size && source_[at] >= '0' && source_[at] <= '7'; ++i) {
              code = code * 8 + static_cast<uint32_t>(source_[at++] - '0');
            }
            AppendUtf8(code, &value);
          } else {
            value += '\\';
            value += escape;
          }
      }
    }
    storage_->strings.push_back(std::make_unique<std::string>(std::move(value)));
    Emit(TokenKind::kString, begin, *storage_->strings.back());
    return at;
  }

  // One operator at `at`; keeps `balance` (the closing brackets expected) up to date.
  size_t LexOperator(size_t at, std::string* balance) {
    const char c = source_[at];
    const char next = at + 1 < source_.size() ? source_[at + 1] : '\0';
    Operator op = Operator::kNone;
    size_t length = 1;
    switch (c) {
      case '+':
        op = Operator::kAdd;
        break;
      case '-':
        op = Operator::kSubtract;
        break;
      case '/':
        op = next == '/' ? Operator::kFloorDivide : Operator::kDivide;
        break;
      case '*':
        op = next == '*' ? Operator::kPower : Operator::kMultiply;
        break;
      case '%':
        op = Operator::kModulo;
        break;
      case '~':
        op = Operator::kTilde;
        break;
      case '[':
        op = Operator::kLeftBracket;
        break;
      case ']':
        op = Operator::kRightBracket;
        break;
      case '(':
        op = Operator::kLeftParenthesis;
        break;
      case ')':
        op = Operator::kRightParenthesis;
        break;
      case '{':
        op = Operator::kLeftBrace;
        break;
      case '}':
        op = Operator::kRightBrace;
        break;
      case '=':
        op = next == '=' ? Operator::kEqual : Operator::kAssign;
        break;
      case '!':
        if (next == '=') op = Operator::kNotEqual;
        break;
      case '<':
        op = next == '=' ? Operator::kLessEqual : Operator::kLess;
        break;
      case '>':
        op = next == '=' ? Operator::kGreaterEqual : Operator::kGreater;
        break;
      case '.':
        op = Operator::kDot;
        break;
      case ':':
        op = Operator::kColon;
        break;
      case '|':
        op = Operator::kPipe;
        break;
      case ',':
        op = Operator::kComma;
        break;
      case ';':
        op = Operator::kSemicolon;
        break;
      default:
        break;
    }
    if (op == Operator::kNone) {
      std::string shown = c == '\'' ? "\"'\"" : "'" + std::string(1, c) + "'";
      if (static_cast<unsigned char>(c) >= 0x80) shown = "'" + DecodeOne(source_, at) + "'";
      Fail(at, "unexpected char " + shown + " at " + std::to_string(at));
    }
    if (op == Operator::kFloorDivide || op == Operator::kPower || op == Operator::kEqual ||
        op == Operator::kNotEqual || op == Operator::kLessEqual || op == Operator::kGreaterEqual) {
      length = 2;
    } else if (c == '(' || c == '[' || c == '{') {
      balance->push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance->empty()) Fail(at, std::string("unexpected '") + c + "'");
      if (balance->back() != c) {
        Fail(at, std::string("unexpected '") + c + "', expected '" + balance->back() + "'");
      }
      balance->pop_back();
    }
    EmitOneLine(TokenKind::kOperator, at, at + length).op = op;
    return at + length;
  }

  std::string_view source_;
  std::string_view name_;
  LexerOptions options_;
  TokenStorage* storage_;
  bool ascii_ = true;  // no multi-byte characters: columns are byte offsets
  // Sized ahead and filled up to token_count_ (no capacity check and value-initialization of
  // its own per token, as emplace_back would do), cut to size at the end.
  std::vector<Token> tokens_;
  size_t token_count_ = 0;
  size_t located_offset_ = 0;  // the last located offset; newlines before it are counted
  size_t line_start_ = 0;      // where the line of located_offset_ starts
  int line_ = 1;               // its line (1-based)
  int located_column_ = 1;     // its column, when the source is not ASCII
};

}  // namespace

std::string_view OperatorSpelling(Operator op) {
  static constexpr std::string_view kSpellings[] = {
      "",  "+",  "-",  "/", "//", "*", "**", "%", "~", "[", "]", "(", ")", "{",
      "}", "==", "!=", "<", "<=", ">", ">=", "=", ".", ":", "|", ",", ";"};
  return kSpellings[static_cast<size_t>(op)];
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kData:
      return "template data / text";
    case TokenKind::kVariableBegin:
      return "begin of print statement";
    case TokenKind::kVariableEnd:
      return "end of print statement";
    case TokenKind::kBlockBegin:
      return "begin of statement block";
    case TokenKind::kBlockEnd:
      return "end of statement block";
    case TokenKind::kName:
      return std::string(token.text);
    case TokenKind::kString:
      return "string";
    case TokenKind::kInteger:
      return "integer";
    case TokenKind::kFloat:
      return "float";
    case TokenKind::kOperator:
      return std::string(token.text);
    case TokenKind::kEnd:
      return "end of template";
  }
  return "token";
}

std::vector<Token> Tokenize(std::string_view source, std::string_view template_name,
                            const LexerOptions& options, TokenStorage* storage) {
  return Lexer(source, template_name, options, storage).Run();
}

}  // namespace runhook::templating
