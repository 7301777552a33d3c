// Op schemas: "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", parsed once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/ivalue.h"

namespace tessera {

/// The element kind of a schema type.
enum class TypeKind : uint8_t { Tensor, Scalar, Int, Float, Bool, Str, DType, Device };

/// A schema type: a kind, maybe a list (of fixed size when list_size >= 0), maybe optional.
struct SchemaType {
  TypeKind kind = TypeKind::Tensor;
  bool is_list = false;
  bool is_optional = false;
  int list_size = -1;

  bool operator==(const SchemaType&) const = default;
  /// As written in a schema: "Tensor", "int[1]?", "ScalarType?".
  std::string str() const;
  /// Whether v may be passed for this type (int for float, numbers for Scalar, None for optionals).
  bool accepts(const IValue& v) const;
};

struct Argument {
  std::string name;
  SchemaType type;
  std::optional<IValue> default_value;
  bool kwarg_only = false;
  std::string alias;  // "a" in Tensor(a), "a!" when written to; empty when none
};

struct Return {
  std::string name;  // may be empty
  SchemaType type;
  std::string alias;
};

/// A parsed op schema. name is the op ("add"), overload its variant ("Tensor", may be empty).
struct Schema {
  std::string name;
  std::string overload;
  std::vector<Argument> arguments;
  std::vector<Return> returns;

  /// "add.Tensor", or "add" without an overload.
  std::string full_name() const { return overload.empty() ? name : name + "." + overload; }
  /// The canonical text; parse_schema(s.str()) == s.
  std::string str() const;
  /// Index of the argument with this name, or -1.
  int find_argument(std::string_view arg_name) const;
  bool operator==(const Schema& o) const { return str() == o.str(); }
};

/// Where Python-style call arguments go in a schema: n_positional values fill the
/// arguments in order (up to the first keyword-only one), then each keyword names one.
/// Returns the argument index of each keyword; throws Error naming the op (what) for too
/// many positional values, an unknown keyword or an argument given twice.
std::vector<int> keyword_slots(const Schema& schema, size_t n_positional,
                               const std::vector<std::string_view>& keywords,
                               std::string_view what);

/// v as argument a takes it: a single int for a fixed-size int list stands for all of it (as
/// in PyTorch), an int for a float becomes a float. Other values are returned unchanged.
IValue coerce_argument(const Argument& a, IValue v);

/// Parses and validates a schema string. Throws Error with the position and the problem.
Schema parse_schema(std::string_view text);

}  // namespace tessera
