// fused_elementwise: a chain of elementwise ops as one op (Note [Fused elementwise
// programs]). The reference kernel is the definition: the program's ops, called in order.
#include "ops/fused_elementwise.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "api/functions.h"
#include "core/factories.h"
#include "dispatch/registration.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(fused_elementwise, "fused_elementwise(Tensor[] inputs, str program) -> Tensor")

namespace {
constexpr std::array<std::string_view, 6> kBinary = {"add", "sub",     "mul",
                                                     "div", "maximum", "minimum"};
constexpr std::array<std::string_view, 12> kUnary = {"neg",   "abs",        "relu", "sigmoid",
                                                     "tanh",  "exp",        "log",  "sqrt",
                                                     "rsqrt", "reciprocal", "erf",  "silu"};
}  // namespace

bool is_fused_binary(std::string_view op) {
  return std::find(kBinary.begin(), kBinary.end(), op) != kBinary.end();
}

bool is_fused_unary(std::string_view op) {
  return std::find(kUnary.begin(), kUnary.end(), op) != kUnary.end();
}

std::vector<FusedStep> parse_fused_program(std::string_view program, int64_t num_inputs) {
  std::vector<FusedStep> steps;
  int64_t depth = 0;
  size_t at = 0;
  const auto fail = [&](std::string_view token, const auto&... why) {
    detail::throw_error<Error>("fused_elementwise: token '", token, "' of program '", program,
                               "': ", why...);
  };
  while (at < program.size()) {
    if (program[at] == ' ') {
      ++at;
      continue;
    }
    const size_t end = std::min(program.find(' ', at), program.size());
    const std::string_view token = program.substr(at, end - at);
    at = end;
    FusedStep s{};
    if (token.size() > 1 && token[0] == 'x' && std::isdigit(static_cast<unsigned char>(token[1]))) {
      int k = -1;
      const auto [p, ec] = std::from_chars(token.data() + 1, token.data() + token.size(), k);
      if (ec != std::errc() || p != token.data() + token.size()) fail(token, "not an input");
      if (k >= num_inputs) fail(token, "there are ", num_inputs, " inputs");
      s.kind = FusedStep::Kind::Input;
      s.input = k;
      ++depth;
    } else if (is_fused_binary(token)) {
      if (depth < 2) fail(token, "takes two values, the stack holds ", depth);
      s.kind = FusedStep::Kind::Binary;
      s.op = token;
      --depth;
    } else if (is_fused_unary(token)) {
      if (depth < 1) fail(token, "takes a value, the stack is empty");
      s.kind = FusedStep::Kind::Unary;
      s.op = token;
    } else {
      double v = 0;
      const auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
      if (ec != std::errc() || p != token.data() + token.size()) {
        fail(token, "not an input (xK), a number or an op this program may use");
      }
      s.kind = FusedStep::Kind::Literal;
      s.literal = v;
      ++depth;
    }
    steps.push_back(std::move(s));
  }
  TSR_CHECK(depth == 1, "fused_elementwise: program '", program, "' leaves ", depth,
            " values, not one");
  return steps;
}

int fused_program_depth(const std::vector<FusedStep>& steps) {
  int depth = 0, most = 0;
  for (const FusedStep& s : steps) {
    if (s.kind == FusedStep::Kind::Input || s.kind == FusedStep::Kind::Literal) {
      most = std::max(most, ++depth);
    } else if (s.kind == FusedStep::Kind::Binary) {
      --depth;
    }
  }
  return most;
}

}  // namespace ops
using namespace ops;

namespace {

Tensor apply_binary(std::string_view op, const Tensor& a, const Tensor& b) {
  if (op == "add") return add(a, b);
  if (op == "sub") return sub(a, b);
  if (op == "mul") return mul(a, b);
  if (op == "div") return div(a, b);
  if (op == "maximum") return maximum(a, b);
  return minimum(a, b);
}

// Every unary op a program names is an op `name(Tensor self) -> Tensor`.
Tensor apply_unary(std::string_view op, const Tensor& a) {
  return Dispatcher::get().find_or_throw(op).typed<Tensor(const Tensor&)>().call(a);
}

Tensor fused_elementwise_kernel(TensorList inputs, std::string_view program) {
  const std::vector<FusedStep> steps =
      parse_fused_program(program, static_cast<int64_t>(inputs.size()));
  std::vector<Tensor> stack;
  for (const FusedStep& s : steps) {
    switch (s.kind) {
      case FusedStep::Kind::Input:
        stack.push_back(inputs[static_cast<size_t>(s.input)]);
        break;
      case FusedStep::Kind::Literal:
        stack.push_back(scalar_tensor(s.literal, DType::Float64));
        break;
      case FusedStep::Kind::Unary:
        stack.back() = apply_unary(s.op, stack.back());
        break;
      case FusedStep::Kind::Binary: {
        Tensor b = std::move(stack.back());
        stack.pop_back();
        stack.back() = apply_binary(s.op, stack.back(), b);
        break;
      }
    }
  }
  return stack.back();
}

}  // namespace

TSR_REGISTER {
  Dispatcher::get().impl(fused_elementwise_op(), kBackendReference, std::nullopt,
                         KernelFunction::from_unboxed(&fused_elementwise_kernel));
}

}  // namespace tessera
