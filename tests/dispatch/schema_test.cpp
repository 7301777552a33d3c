// Schema parsing: round trips, and errors that say where and what.
#include <gtest/gtest.h>

#include "dispatch/schema.h"

namespace tessera {
namespace {

TEST(Schema, RoundTrips) {
  for (const char* s : {
           "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
           "sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> "
           "Tensor",
           "max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
           "real(Tensor(a) self) -> Tensor(a)",
           "conv(Tensor x, Tensor? w=None, int[2] stride=[1, 1], float eps=1e-05, str "
           "mode=\"same\") -> Tensor",
           "split(Tensor self, int[] sizes) -> Tensor[]",
           "noop() -> ()",
       }) {
    const Schema schema = parse_schema(s);
    EXPECT_EQ(schema.str(), s);
    EXPECT_EQ(parse_schema(schema.str()), schema);
  }
}

TEST(Schema, ParsesParts) {
  const Schema s =
      parse_schema("add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor");
  EXPECT_EQ(s.name, "add");
  EXPECT_EQ(s.overload, "Tensor");
  ASSERT_EQ(s.arguments.size(), 3u);
  EXPECT_TRUE(s.arguments[2].kwarg_only);
  EXPECT_EQ(*s.arguments[2].default_value, IValue(int64_t{1}));
  EXPECT_EQ(s.find_argument("other"), 1);
  const Schema c = parse_schema("f(Tensor x, int[2] stride=1, float eps=1) -> Tensor");
  EXPECT_EQ(*c.arguments[1].default_value, IValue(std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(c.arguments[2].default_value->is_double());
}

std::string error_of(const char* text) {
  try {
    parse_schema(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Schema, ErrorsNameTheProblemAndColumn) {
  EXPECT_EQ(error_of("f(Tensr x) -> Tensor"),
            "schema: unknown type 'Tensr' at column 8 of 'f(Tensr x) -> Tensor'");
  EXPECT_EQ(error_of("f(Tensor x, Tensor x) -> Tensor"),
            "schema: argument 'x' appears twice at column 32 of 'f(Tensor x, Tensor x) -> Tensor'");
  EXPECT_EQ(error_of("f(int x=1, int y) -> Tensor"),
            "schema: argument 'y' has no default but follows one that has (make it keyword-only) "
            "at column 28 of "
            "'f(int x=1, int y) -> Tensor'");
  EXPECT_EQ(error_of("f(int x=1.5) -> Tensor"),
            "schema: default value 1.5 does not fit argument 'x' of type int at column 9 of 'f(int "
            "x=1.5) -> Tensor'");
  EXPECT_EQ(error_of("f(Tensor x) Tensor"),
            "schema: expected '-' at column 13 of 'f(Tensor x) Tensor'");
  EXPECT_EQ(error_of("f(Tensor x) -> Tensor out extra"),
            "schema: unexpected text after the returns at column 27 of 'f(Tensor x) -> Tensor out "
            "extra'");
  EXPECT_EQ(error_of("(Tensor x) -> Tensor"),
            "schema: expected an op name at column 1 of '(Tensor x) -> Tensor'");
}

}  // namespace
}  // namespace tessera
