// The IR's text form: printer and parser. See Note [IR text form].
#include "ir/text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "core/factories.h"
#include "dispatch/text_cursor.h"

namespace tessera::ir {
namespace {

bool plain_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string ref(char sigil, std::string_view name) {
  const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), plain_name_char);
  return sigil + (plain ? std::string(name) : quoted(name));
}

std::string value_ref(const Value* v) {
  return ref('%', v->name());
}

// A float as Python's repr writes it: shortest round-trip digits, always looking like one.
std::string float_text(double x) {
  std::string s = fmt::format("{}", x);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

std::string literal_text(const IValue& v) {
  if (v.is_string()) return quoted(v.to_string());
  if (v.is_double()) return float_text(v.to_double());
  if (v.is_double_list()) {
    std::string s = "[";
    for (size_t i = 0; i < v.to_double_list().size(); ++i) {
      s += (i ? ", " : "") + float_text(v.to_double_list()[i]);
    }
    return s + "]";
  }
  if (v.is_complex()) {
    const complex128 c = v.to_scalar().to<complex128>();
    return "complex(" + float_text(c.real()) + ", " + float_text(c.imag()) + ")";
  }
  std::ostringstream os;
  if (v.is_device()) {
    os << v.to_device();
    return "device(" + quoted(os.str()) + ")";
  }
  TSR_ASSERT(!v.is_tensor() && !v.is_tensor_list(), "a tensor literal in a graph node");
  os << v;  // None, True/False, ints, int lists, dtype names
  return os.str();
}

bool inline_constant(const Tensor& t) {
  return t.numel() <= kInlineConstant && !is_complex(t.dtype());
}

std::string constant_text(const Tensor& t) {
  std::string s = "[";
  const DType d = t.dtype();
  const Tensor flat = t.contiguous().reshape({-1});
  if (d == DType::Bool || is_integral(d, false)) {
    const Tensor v = flat.to(DType::Int64);
    const auto* p = static_cast<const int64_t*>(v.data_ptr());
    for (int64_t i = 0; i < v.numel(); ++i) {
      s += (i ? ", " : "");
      s += d == DType::Bool ? (p[i] ? "True" : "False") : std::to_string(p[i]);
    }
  } else {
    const Tensor v = flat.to(DType::Float64);
    const auto* p = static_cast<const double*>(v.data_ptr());
    for (int64_t i = 0; i < v.numel(); ++i) {
      // float32 and narrower print their float's shortest digits, not the double's.
      const std::string x = d == DType::Float64 ? fmt::format("{}", p[i])
                                                : fmt::format("{}", static_cast<float>(p[i]));
      s += (i ? ", " : "") + x;
    }
  }
  return s + "]";
}

void print_graph(std::ostream& os, const Graph& g, const std::string& indent = "") {
  os << "graph " << ref('@', g.name()).substr(1) << "(";
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    os << (i ? ", " : "") << value_ref(g.inputs()[i]) << ": " << g.inputs()[i]->type().str();
  }
  os << ") -> (";
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    os << (i ? ", " : "") << value_ref(g.outputs()[i]);
  }
  os << ") {\n";
  for (const Value* c : g.constants()) {
    os << indent << "  const " << value_ref(c) << ": " << c->type().str() << " = "
       << (inline_constant(c->constant()) ? constant_text(c->constant()) : ref('@', c->name()))
       << "\n";
  }
  for (const Node* n : g.nodes()) {
    os << indent << "  ";
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      const Value* out = n->outputs()[i];
      os << (i ? ", " : "") << value_ref(out);
      if (out->type() != TensorType{}) os << ": " << out->type().str();
    }
    os << (n->outputs().empty() ? "" : " = ") << n->op_name() << "(";
    if (!n->is_op()) {  // if(%cond, %captured...) / loop(%max, %cond, %v..., carried=k)
      for (size_t i = 0; i < n->inputs().size(); ++i) {
        os << (i ? ", " : "") << value_ref(n->inputs()[i]);
      }
      if (n->kind() == NodeKind::Loop) os << ", carried=" << n->num_carried();
      os << ")";
      if (!n->name().empty()) os << " loc(" << quoted(n->name()) << ")";
      os << " {\n";
      for (const auto& b : n->blocks()) {
        os << indent << "    ";
        print_graph(os, *b, indent + "    ");
      }
      os << indent << "  }\n";
      continue;
    }
    bool positional = true, first = true;
    for (int i = 0; i < n->num_args(); ++i) {
      const Argument& a = n->schema().arguments[static_cast<size_t>(i)];
      const std::optional<Arg>& arg = n->arg(i);
      if (!arg || a.kwarg_only) positional = false;
      if (!arg) continue;
      os << (first ? "" : ", ") << (positional ? "" : a.name + "=");
      first = false;
      switch (arg->kind) {
        case Arg::Kind::Literal:
          os << literal_text(arg->literal);
          break;
        case Arg::Kind::Value:
          os << value_ref(n->input(arg->first));
          if (arg->element >= 0) os << "[" << arg->element << "]";
          break;
        case Arg::Kind::ValueList:
          os << "[";
          for (int k = 0; k < arg->count; ++k) {
            os << (k ? ", " : "") << value_ref(n->input(arg->first + k));
          }
          os << "]";
          break;
      }
    }
    os << ")";
    if (!n->name().empty()) os << " loc(" << quoted(n->name()) << ")";
    os << "\n";
  }
  os << indent << "}\n";
}

// A recursive-descent parser over the text, with line and column for errors.
class Parser final : public TextCursor {
 public:
  Parser(std::string_view text, const ConstantTable& constants)
      : TextCursor(text, /*hash_comments=*/true), constants_(constants) {}

  std::unique_ptr<Graph> graph() {
    auto g = block();
    skip_space();
    if (pos_ != s_.size()) fail("expected the end of the text after the graph's '}'");
    return g;
  }

 private:
  struct Position {
    size_t pos;
  };

  // graph name(%in: type, ...) -> (%out, ...) { statements }
  std::unique_ptr<Graph> block() {
    keyword("graph");
    auto g = std::make_unique<Graph>(name_token("a graph name"));
    Graph* const outer = g_;
    g_ = g.get();
    expect('(');
    if (!accept(')')) {
      do {
        const std::string name = value_name();
        expect(':');
        const TensorType t = type();
        guard([&] { g_->add_input(name, t); });
      } while (accept(','));
      expect(')');
    }
    expect('-');
    expect('>');
    expect('(');
    std::vector<std::pair<std::string, Position>> outputs;
    if (!accept(')')) {
      do {
        const Position at = position();
        outputs.emplace_back(value_name(), at);
      } while (accept(','));
      expect(')');
    }
    expect('{');
    while (!accept('}')) statement();
    for (const auto& [name, at] : outputs) {
      Value* v = g_->find(name);
      if (v == nullptr) fail_at(at, "graph output %" + name + " is not defined");
      g_->add_output(v);
    }
    g_ = outer;
    return g;
  }

  // The rest of `%outs = if(...) {...}` or `loop(...)` after the op's name.
  void control_flow(const std::string& kind, const std::vector<std::string>& names,
                    const std::vector<std::optional<TensorType>>& types, Position op_at) {
    std::vector<Value*> ins;
    int64_t carried = -1;
    expect('(');
    if (!accept(')')) {
      do {
        if (kind == "loop" && accept_keyword("carried")) {
          expect('=');
          const IValue k = number();
          if (!k.is_int() || k.to_int() < 0) fail("carried= takes a count of values");
          carried = k.to_int();
        } else {
          if (carried >= 0) fail("a value after carried=");
          ins.push_back(value_use());
        }
      } while (accept(','));
      expect(')');
    }
    const std::string loc = location();
    expect('{');
    std::vector<std::unique_ptr<Graph>> blocks;
    while (!accept('}')) blocks.push_back(block());
    Node* n = nullptr;
    guard_at(op_at, [&] {
      if (kind == "if") {
        TSR_CHECK(!ins.empty() && blocks.size() == 2,
                  "an if takes a condition and two blocks (then, else)");
        n = g_->create_if(ins[0], {ins.begin() + 1, ins.end()}, std::move(blocks[0]),
                          std::move(blocks[1]), names);
      } else {
        TSR_CHECK(
            carried >= 0 && ins.size() >= 2 + static_cast<size_t>(carried) && blocks.size() == 1,
            "a loop takes a trip count, a condition, carried=k values and one block");
        const auto mid = ins.begin() + 2 + carried;
        n = g_->create_loop(ins[0], ins[1], {ins.begin() + 2, mid}, {mid, ins.end()},
                            std::move(blocks[0]), names);
      }
    });
    n->set_name(loc);
    for (size_t i = 0; i < types.size(); ++i) {
      if (types[i]) n->output(static_cast<int>(i))->set_type(*types[i]);
    }
  }

  void statement() {
    if (accept_keyword("const")) {
      const std::string name = value_name();
      expect(':');
      const Position type_at = position();
      const TensorType t = type();
      expect('=');
      Tensor data;
      if (peek() == '@') {
        ++pos_;
        const Position at = position();
        const std::string key = name_token("a constant's name");
        const auto it = constants_.find(key);
        if (it == constants_.end()) fail_at(at, "no data given for constant @" + key);
        data = it->second;
      } else {
        data = inline_data(t, type_at);
      }
      if (TensorType::of(data) != t) {
        fail_at(type_at, "constant %" + name + " is declared " + t.str() + " but its data is " +
                             TensorType::of(data).str());
      }
      guard([&] { g_->add_constant(name, data); });
      return;
    }
    // %a: type, %b = op(args) loc("name")
    std::vector<std::string> names;
    std::vector<std::optional<TensorType>> types;
    do {
      names.push_back(value_name());
      types.emplace_back(accept(':') ? std::optional<TensorType>(type()) : std::nullopt);
    } while (accept(','));
    expect('=');
    const Position op_at = position();
    const std::string op_name = name_token("an op name");
    if (op_name == "if" || op_name == "loop") return control_flow(op_name, names, types, op_at);
    const std::optional<OperatorHandle> op = Dispatcher::get().find(op_name);
    if (!op) fail_at(op_at, "unknown op '" + op_name + "'");
    const Schema& schema = op->schema();
    std::vector<Input> positional;
    std::vector<std::pair<std::string, Input>> keyword_args;
    expect('(');
    if (!accept(')')) {
      do {
        const Position at = position();
        // name=value, or a positional value.
        std::string kw;
        const size_t save = pos_;
        if (std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_') {
          kw = name_token("an argument name");
          if (!accept('=')) {
            kw.clear();
            pos_ = save;
          }
        }
        int index = -1;
        if (!kw.empty()) {
          index = schema.find_argument(kw);
          if (index < 0) fail_at(at, op_name + " has no argument '" + kw + "'");
        } else {
          if (!keyword_args.empty()) fail_at(at, "a positional argument after a keyword one");
          index = static_cast<int>(positional.size());
          if (index >= static_cast<int>(schema.arguments.size()) ||
              schema.arguments[static_cast<size_t>(index)].kwarg_only) {
            fail_at(at, op_name + " takes no more positional arguments");
          }
        }
        Input in = argument(schema.arguments[static_cast<size_t>(index)]);
        if (kw.empty()) {
          positional.push_back(std::move(in));
        } else {
          keyword_args.emplace_back(kw, std::move(in));
        }
      } while (accept(','));
      expect(')');
    }
    const std::string loc = location();
    Node* n = nullptr;
    guard_at(op_at, [&] {
      n = g_->create(*op, std::move(positional), std::move(keyword_args),
                     static_cast<int>(names.size()), names);
    });
    n->set_name(loc);
    for (size_t i = 0; i < types.size(); ++i) {
      if (types[i]) n->output(static_cast<int>(i))->set_type(*types[i]);
    }
  }

  // One argument's value, read as the schema's type asks.
  Input argument(const Argument& a) {
    const SchemaType& t = a.type;
    if (peek() == '%') {
      Value* v = value_use();
      if (!accept('[')) return v;
      const IValue index = number();
      if (!index.is_int()) fail("an element index is an integer");
      expect(']');
      return ir::ValueElement{v, index.to_int()};
    }
    if (accept_keyword("None")) return IValue();
    if (t.kind == TypeKind::Tensor && t.is_list) {
      std::vector<Value*> vals;
      expect('[');
      if (!accept(']')) {
        do {
          vals.push_back(value_use());
        } while (accept(','));
        expect(']');
      }
      return vals;
    }
    if (t.is_list && peek() == '[') {
      ++pos_;
      std::vector<IValue> items;
      if (!accept(']')) {
        do {
          items.push_back(number());
        } while (accept(','));
        expect(']');
      }
      const bool floats =
          t.kind == TypeKind::Float ||
          std::any_of(items.begin(), items.end(), [](const IValue& v) { return v.is_double(); });
      if (floats) {
        std::vector<double> out;
        for (const IValue& v : items) out.push_back(v.to_double());
        return IValue(std::move(out));
      }
      std::vector<int64_t> out;
      for (const IValue& v : items) out.push_back(v.to_int());
      return IValue(std::move(out));
    }
    switch (t.kind) {
      case TypeKind::Str:
        return IValue(string_literal());
      case TypeKind::DType: {
        const Position at = position();
        const std::string n = name_token("a dtype");
        try {
          return IValue(dtype_from_name(n));
        } catch (const Error&) {
          fail_at(at, "unknown dtype '" + n + "'");
        }
      }
      case TypeKind::Device: {
        keyword("device");
        expect('(');
        const std::string spec = string_literal();
        expect(')');
        IValue d;
        guard([&] { d = IValue(Device(spec)); });
        return d;
      }
      default:
        break;
    }
    if (accept_keyword("True")) return IValue(true);
    if (accept_keyword("False")) return IValue(false);
    if (accept_keyword("complex")) {
      expect('(');
      const double re = number().to_double();
      expect(',');
      const double im = number().to_double();
      expect(')');
      return IValue(complex128(re, im));
    }
    return number();
  }

  Tensor inline_data(const TensorType& t, Position type_at) {
    const auto shape = t.static_shape();
    if (!t.dtype || !shape) fail_at(type_at, "an inline constant needs a dtype and static shape");
    std::vector<IValue> items;
    expect('[');
    if (!accept(']')) {
      do {
        if (accept_keyword("True")) {
          items.emplace_back(true);
        } else if (accept_keyword("False")) {
          items.emplace_back(false);
        } else {
          items.push_back(number());
        }
      } while (accept(','));
      expect(']');
    }
    int64_t numel = 1;
    for (int64_t s : *shape) numel *= s;
    if (static_cast<int64_t>(items.size()) != numel) {
      fail_at(type_at, t.str() + " holds " + std::to_string(numel) + " elements but " +
                           std::to_string(items.size()) + " are given");
    }
    const DType d = *t.dtype;
    if (is_complex(d)) fail_at(type_at, "complex constants are given as @name, not inline");
    const bool ints = d == DType::Bool || is_integral(d, false);
    Tensor out = empty(*shape, ints ? DType::Int64 : DType::Float64);
    for (size_t i = 0; i < items.size(); ++i) {
      const IValue& v = items[i];
      if (ints) {
        if (v.is_double())
          fail_at(type_at, "a constant of type " + t.str() + " holds integers only");
        static_cast<int64_t*>(out.data_ptr())[i] = v.is_bool() ? v.to_bool() : v.to_int();
      } else {
        static_cast<double*>(out.data_ptr())[i] = v.is_bool() ? v.to_bool() : v.to_double();
      }
    }
    return out.to(d);
  }

  TensorType type() {
    TensorType t;
    if (!accept('?')) {
      const Position at = position();
      const std::string n = name_token("a dtype or ?");
      try {
        t.dtype = dtype_from_name(n);
      } catch (const Error&) {
        fail_at(at, "unknown dtype '" + n + "'");
      }
    }
    if (accept('[')) {
      std::vector<Dim> dims;
      if (!accept(']')) {
        do {
          if (accept('?')) {
            dims.push_back(Dim::unknown());
          } else if (std::isdigit(static_cast<unsigned char>(peek()))) {
            const IValue v = number();
            if (!v.is_int() || v.to_int() < 0) fail("a dim is a size, a symbol or ?");
            dims.push_back(Dim::of(v.to_int()));
          } else {
            dims.push_back(Dim::sym(name_token("a dim (a size, a symbol or ?)")));
          }
        } while (accept(','));
        expect(']');
      }
      t.shape = std::move(dims);
    }
    return t;
  }

  // An optional loc("name") after a node: the name, or empty.
  std::string location() {
    if (!accept_keyword("loc")) return {};
    expect('(');
    std::string loc = string_literal();
    expect(')');
    return loc;
  }

  IValue number() {
    skip_space();
    const size_t start = pos_;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) ++pos_;
    while (
        pos_ < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
         ((s_[pos_] == '-' || s_[pos_] == '+') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')))) {
      ++pos_;
    }
    std::string_view tok = s_.substr(start, pos_ - start);
    if (tok == "inf" || tok == "+inf") return IValue(INFINITY);
    if (tok == "-inf") return IValue(-INFINITY);
    if (tok == "nan" || tok == "-nan") return IValue(NAN);
    if (!tok.empty() && tok[0] == '+') tok.remove_prefix(1);
    int64_t i = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), i);
    if (!tok.empty() && ec == std::errc() && p == tok.data() + tok.size()) return IValue(i);
    double d = 0;
    auto [p2, ec2] = std::from_chars(tok.data(), tok.data() + tok.size(), d);
    if (!tok.empty() && ec2 == std::errc() && p2 == tok.data() + tok.size()) return IValue(d);
    pos_ = start;
    fail("expected a number");
  }

  std::string string_literal() {
    if (peek() != '"') fail("expected a string in double quotes");
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      if (e == 'n') {
        out += '\n';
      } else if (e == 'x') {
        unsigned v = 0;
        auto [p, ec] =
            std::from_chars(s_.data() + pos_, s_.data() + std::min(pos_ + 2, s_.size()), v, 16);
        if (ec != std::errc() || p != s_.data() + pos_ + 2) fail("expected two hex digits");
        pos_ += 2;
        out += static_cast<char>(v);
      } else if (e == '"' || e == '\\') {
        out += e;
      } else {
        fail(std::string("unknown escape \\") + e);
      }
    }
  }

  // %name or %"text"
  std::string value_name() {
    if (peek() != '%') fail("expected a value (%name)");
    ++pos_;
    return name_token("a value name");
  }

  Value* value_use() {
    const Position at = position();
    const std::string name = value_name();
    Value* v = g_->find(name);
    if (v == nullptr) fail_at(at, "value %" + name + " is used before it is defined");
    return v;
  }

  // A plain name ([A-Za-z0-9_.]+) or a quoted one.
  std::string name_token(const char* what) {
    if (peek() == '"') return string_literal();
    const size_t start = pos_;
    while (pos_ < s_.size() && plain_name_char(s_[pos_])) ++pos_;
    if (start == pos_) fail(std::string("expected ") + what);
    return std::string(s_.substr(start, pos_ - start));
  }

  bool accept_keyword(std::string_view k) {
    skip_space();
    if (s_.substr(pos_, k.size()) != k) return false;
    const size_t end = pos_ + k.size();
    if (end < s_.size() && plain_name_char(s_[end])) return false;
    pos_ = end;
    return true;
  }
  void keyword(std::string_view k) {
    if (!accept_keyword(k)) fail("expected '" + std::string(k) + "'");
  }

  Position position() {
    skip_space();
    return Position{pos_};
  }

  // Runs f, giving an Error it throws the line and column of `at`.
  template <typename F>
  void guard_at(Position at, F&& f) {
    try {
      f();
    } catch (const Error& e) {
      fail_at(at, e.what());
    }
  }
  template <typename F>
  void guard(F&& f) {
    guard_at(position(), std::forward<F>(f));
  }

  [[noreturn]] void fail(const std::string& msg) override { fail_at(position(), msg); }
  [[noreturn]] void fail_at(Position at, const std::string& msg) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at.pos && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string got =
        at.pos < s_.size() ? "'" + std::string(s_.substr(at.pos, 12)) + "'" : "the end of the text";
    const size_t nl = got.find('\n');
    if (nl != std::string::npos) got = got.substr(0, nl) + "'";
    detail::throw_error<Error>("ir text: line ", line, ", column ", col, ": ", msg, " (at ", got,
                               ")");
  }

  const ConstantTable& constants_;
  Graph* g_ = nullptr;
};

}  // namespace

std::string print(const Graph& g) {
  std::ostringstream os;
  print_graph(os, g);
  return os.str();
}

ConstantTable referenced_constants(const Graph& g) {
  ConstantTable out;
  for (const Value* c : g.constants()) {
    if (!inline_constant(c->constant())) out.emplace(c->name(), c->constant());
  }
  return out;
}

std::unique_ptr<Graph> parse(std::string_view text, const ConstantTable& constants) {
  return Parser(text, constants).graph();
}

}  // namespace tessera::ir
