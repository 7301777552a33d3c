// The schema parser and printer.
#include "dispatch/schema.h"

#include "dispatch/text_cursor.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

namespace tessera {
namespace {

struct KindName {
  std::string_view name;
  TypeKind kind;
};
constexpr KindName kKindNames[] = {
    {"Tensor", TypeKind::Tensor}, {"Scalar", TypeKind::Scalar},    {"int", TypeKind::Int},
    {"SymInt", TypeKind::Int},    {"float", TypeKind::Float},      {"bool", TypeKind::Bool},
    {"str", TypeKind::Str},       {"ScalarType", TypeKind::DType}, {"Device", TypeKind::Device},
};

std::string_view kind_name(TypeKind k) {
  for (const auto& kn : kKindNames) {
    if (kn.kind == k) return kn.name;
  }
  return "?";
}

class Parser final : public TextCursor {
 public:
  explicit Parser(std::string_view text) : TextCursor(text, /*hash_comments=*/false) {}

  Schema parse() {
    Schema schema;
    std::string full = identifier("an op name");
    if (accept('.')) schema.overload = identifier("an overload name");
    schema.name = std::move(full);
    expect('(');
    bool kwarg_only = false;
    if (!accept(')')) {
      do {
        if (accept('*')) {
          fail_if(kwarg_only, "'*' appears twice");
          kwarg_only = true;
          continue;
        }
        Argument a;
        a.type = type(&a.alias);
        a.name = identifier("an argument name");
        a.kwarg_only = kwarg_only;
        if (accept('=')) a.default_value = default_value(a.type, a.name);
        schema.arguments.push_back(std::move(a));
      } while (accept(','));
      expect(')');
    }
    expect('-');
    expect('>');
    if (accept('(')) {
      if (!accept(')')) {
        do {
          schema.returns.push_back(one_return());
        } while (accept(','));
        expect(')');
      }
    } else {
      schema.returns.push_back(one_return());
    }
    skip_space();
    fail_if(pos_ != s_.size(), "unexpected text after the returns");
    validate(schema);
    return schema;
  }

 private:
  Return one_return() {
    Return r;
    r.type = type(&r.alias);
    skip_space();
    if (pos_ < s_.size() &&
        (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
      r.name = identifier("a return name");
    }
    return r;
  }

  SchemaType type(std::string* alias) {
    SchemaType t;
    const std::string base = identifier("a type");
    bool found = false;
    for (const auto& kn : kKindNames) {
      if (kn.name == base) {
        t.kind = kn.kind;
        found = true;
      }
    }
    fail_if(!found, "unknown type '" + base + "'");
    if (peek() == '(') {  // alias annotation: Tensor(a) or Tensor(a!)
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != ')') *alias += s_[pos_++];
      expect(')');
      fail_if(alias->empty(), "empty alias annotation");
    }
    if (accept('[')) {
      t.is_list = true;
      skip_space();
      if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])))
        t.list_size = integer_literal();
      expect(']');
    }
    if (accept('?')) t.is_optional = true;
    return t;
  }

  IValue default_value(const SchemaType& t, const std::string& arg) {
    skip_space();
    const size_t start = pos_;
    IValue v = literal();
    // An int default of a fixed-size int list repeats: int[2] stride=1 means [1, 1].
    if (t.is_list && t.kind == TypeKind::Int && v.is_int()) {
      fail_if(t.list_size < 0,
              "default of '" + arg + "' is an int but the type is an int list of no fixed size");
      v = std::vector<int64_t>(static_cast<size_t>(t.list_size), v.to_int());
    }
    if (!t.is_list && t.kind == TypeKind::Float && v.is_int()) v = static_cast<double>(v.to_int());
    if (t.is_list && v.is_double_list() && v.to_double_list().empty() &&
        t.kind != TypeKind::Float) {
      v = std::vector<int64_t>{};
    }
    if (!t.accepts(v)) {
      pos_ = start;
      fail("default value " + to_str(v) + " does not fit argument '" + arg + "' of type " +
           t.str());
    }
    return v;
  }

  IValue literal() {
    skip_space();
    if (accept('[')) {
      std::vector<int64_t> ints;
      std::vector<double> floats;
      bool is_float = false;
      if (!accept(']')) {
        do {
          IValue e = literal();
          if (e.is_int()) {
            ints.push_back(e.to_int());
            floats.push_back(static_cast<double>(e.to_int()));
          } else if (e.is_double()) {
            is_float = true;
            floats.push_back(e.to_double());
          } else {
            fail("list defaults hold numbers only");
          }
        } while (accept(','));
        expect(']');
      } else {
        return std::vector<double>{};  // untyped empty list; default_value() fixes its type
      }
      if (is_float) return floats;
      return ints;
    }
    if (peek() == '"' || peek() == '\'') {
      const char q = s_[pos_++];
      std::string str;
      while (pos_ < s_.size() && s_[pos_] != q) str += s_[pos_++];
      expect(q);
      return str;
    }
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
            std::string_view("+-._").find(s_[pos_]) != std::string_view::npos)) {
      ++pos_;
    }
    const std::string_view tok = s_.substr(start, pos_ - start);
    fail_if(tok.empty(), "expected a default value");
    if (tok == "None") return IValue();
    if (tok == "True") return true;
    if (tok == "False") return false;
    if (tok == "inf") return INFINITY;
    if (tok == "-inf") return -INFINITY;
    int64_t i = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), i);
    if (ec == std::errc() && p == tok.data() + tok.size()) return i;
    double d = 0;
    auto [p2, ec2] = std::from_chars(tok.data(), tok.data() + tok.size(), d);
    if (ec2 == std::errc() && p2 == tok.data() + tok.size()) return d;
    pos_ = start;
    fail("cannot read default value '" + std::string(tok) + "'");
  }

  int integer_literal() {
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    int v = 0;
    std::from_chars(s_.data() + start, s_.data() + pos_, v);
    return v;
  }

  std::string identifier(const char* what) {
    skip_space();
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    fail_if(start == pos_ || std::isdigit(static_cast<unsigned char>(s_[start])),
            std::string("expected ") + what);
    return std::string(s_.substr(start, pos_ - start));
  }

  void validate(const Schema& schema) {
    std::set<std::string> names;
    bool seen_default = false;
    for (const Argument& a : schema.arguments) {
      fail_if(!names.insert(a.name).second, "argument '" + a.name + "' appears twice");
      if (!a.kwarg_only) {
        fail_if(seen_default && !a.default_value,
                "argument '" + a.name +
                    "' has no default but follows one that has (make it keyword-only)");
        seen_default = seen_default || a.default_value.has_value();
      }
    }
  }

  static std::string to_str(const IValue& v) {
    std::ostringstream os;
    os << v;
    return os.str();
  }
  void fail_if(bool cond, const std::string& msg) {
    if (cond) fail(msg);
  }
  [[noreturn]] void fail(const std::string& msg) override {
    detail::throw_error<Error>("schema: ", msg, " at column ", pos_ + 1, " of '", s_, "'");
  }
};

}  // namespace

std::vector<int> keyword_slots(const Schema& schema, size_t n_positional,
                               const std::vector<std::string_view>& keywords,
                               std::string_view what) {
  size_t max_positional = 0;
  for (const Argument& a : schema.arguments) max_positional += !a.kwarg_only;
  TSR_CHECK(n_positional <= max_positional, what, ": takes ", max_positional,
            " positional arguments but ", n_positional, " were given");
  std::vector<bool> taken(schema.arguments.size());
  for (size_t i = 0; i < n_positional; ++i) taken[i] = true;
  std::vector<int> slots;
  for (std::string_view k : keywords) {
    const int i = schema.find_argument(k);
    TSR_CHECK(i >= 0, what, ": got an unexpected keyword argument '", k, "'");
    TSR_CHECK(!taken[static_cast<size_t>(i)], what, ": got multiple values for argument '", k, "'");
    taken[static_cast<size_t>(i)] = true;
    slots.push_back(i);
  }
  return slots;
}

IValue coerce_argument(const Argument& a, IValue v) {
  if (a.type.is_list && a.type.kind == TypeKind::Int && v.is_int()) {
    return std::vector<int64_t>(static_cast<size_t>(std::max(a.type.list_size, 1)), v.to_int());
  }
  if (a.type.kind == TypeKind::Float && !a.type.is_list && v.is_int()) {
    return static_cast<double>(v.to_int());
  }
  return v;
}

std::string SchemaType::str() const {
  std::string s(kind_name(kind));
  if (is_list) s += "[" + (list_size >= 0 ? std::to_string(list_size) : "") + "]";
  if (is_optional) s += "?";
  return s;
}

bool SchemaType::accepts(const IValue& v) const {
  if (v.is_none()) return is_optional;
  if (is_list) {
    switch (kind) {
      case TypeKind::Int:
        return v.is_int_list() && (list_size < 0 || list_size == 1 ||
                                   static_cast<int>(v.to_int_list().size()) == list_size);
      case TypeKind::Float:
        return v.is_double_list() || v.is_int_list();
      case TypeKind::Tensor:
        return v.is_tensor_list();
      default:
        return false;
    }
  }
  switch (kind) {
    case TypeKind::Tensor:
      return v.is_tensor();
    case TypeKind::Scalar:
      return v.is_scalar();
    case TypeKind::Int:
      return v.is_int();
    case TypeKind::Float:
      return v.is_double() || v.is_int();
    case TypeKind::Bool:
      return v.is_bool();
    case TypeKind::Str:
      return v.is_string();
    case TypeKind::DType:
      return v.is_dtype();
    case TypeKind::Device:
      return v.is_device();
  }
  return false;
}

std::string Schema::str() const {
  std::ostringstream os;
  os << full_name() << "(";
  bool kw = false;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const Argument& a = arguments[i];
    if (i) os << ", ";
    if (a.kwarg_only && !kw) {
      os << "*, ";
      kw = true;
    }
    std::string t = a.type.str();
    if (!a.alias.empty()) t.insert(std::string(kind_name(a.type.kind)).size(), "(" + a.alias + ")");
    os << t << " " << a.name;
    if (a.default_value) os << "=" << *a.default_value;
  }
  os << ") -> ";
  auto ret = [&](const Return& r) {
    std::string t = r.type.str();
    if (!r.alias.empty()) t.insert(std::string(kind_name(r.type.kind)).size(), "(" + r.alias + ")");
    os << t << (r.name.empty() ? "" : " " + r.name);
  };
  if (returns.size() == 1) {
    ret(returns[0]);
  } else {
    os << "(";
    for (size_t i = 0; i < returns.size(); ++i) {
      if (i) os << ", ";
      ret(returns[i]);
    }
    os << ")";
  }
  return os.str();
}

int Schema::find_argument(std::string_view arg_name) const {
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i].name == arg_name) return static_cast<int>(i);
  }
  return -1;
}

Schema parse_schema(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace tessera
