// The program of fused_elementwise: a chain of elementwise ops in postfix (see Note
// [Fused elementwise programs]).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera::ops {

// Note [Fused elementwise programs]
// fused_elementwise(Tensor[] inputs, str program) computes what a chain of elementwise ops
// computes, as one op, so a backend can run the whole chain in one pass over memory (the
// graph optimiser makes it: passes/fuse_elementwise.cpp). The program is postfix, tokens
// separated by spaces:
//   x0 x1 add relu 0.5 mul      relu(inputs[0] + inputs[1]) * 0.5
// - xK pushes inputs[K];
// - a number pushes a 0-d float64 tensor (like a Python number in PyTorch, it takes the
//   other operand's floating dtype);
// - a binary op (add, sub, mul, div, maximum, minimum) pops b, then a, and pushes a op b
//   (add and sub with alpha 1, div true division);
// - a unary op (neg, abs, relu, sigmoid, tanh, exp, log, sqrt, rsqrt, reciprocal, erf,
//   silu) pops a and pushes op(a).
// What is left is the one result. The definition (the reference kernel) is those ops,
// called in order: broadcasting, dtype promotion and errors are theirs.

/// One step of a program.
struct FusedStep {
  enum class Kind : uint8_t { Input, Literal, Unary, Binary };
  Kind kind;
  int input = 0;       // Input: the index into inputs
  double literal = 0;  // Literal
  std::string op;      // Unary, Binary: the op's name
};

/// The binary and unary ops a program may name.
bool is_fused_binary(std::string_view op);
bool is_fused_unary(std::string_view op);

/// Parses a program over `num_inputs` inputs. Throws Error naming the token when it is not
/// one of the above, reads past the inputs, pops an empty stack, or leaves other than one
/// value.
std::vector<FusedStep> parse_fused_program(std::string_view program, int64_t num_inputs);

/// The deepest the program's stack grows.
int fused_program_depth(const std::vector<FusedStep>& steps);

}  // namespace tessera::ops
