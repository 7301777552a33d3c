// The ONNX ops that are one tessera op on the same inputs, with no attributes: the importer
// lowers them and the exporter writes them back from this one table.
#pragma once

namespace tessera::onnx_frontend {

struct SameOp {
  const char* onnx;
  int since;  // the first opset with these semantics
  const char* tessera;
  int inputs;
};

inline constexpr SameOp kSameOps[] = {
    {"Abs", 1, "abs", 1},
    {"Det", 11, "linalg_det", 1},
    {"Neg", 1, "neg", 1},
    {"Sqrt", 1, "sqrt", 1},
    {"Reciprocal", 1, "reciprocal", 1},
    {"Exp", 1, "exp", 1},
    {"Log", 1, "log", 1},
    {"Sin", 7, "sin", 1},
    {"Cos", 7, "cos", 1},
    {"Tan", 7, "tan", 1},
    {"Asin", 7, "asin", 1},
    {"Acos", 7, "acos", 1},
    {"Atan", 7, "atan", 1},
    {"Sinh", 9, "sinh", 1},
    {"Cosh", 9, "cosh", 1},
    {"Tanh", 1, "tanh", 1},
    {"Asinh", 9, "asinh", 1},
    {"Acosh", 9, "acosh", 1},
    {"Atanh", 9, "atanh", 1},
    {"Erf", 9, "erf", 1},
    {"Floor", 1, "floor", 1},
    {"Ceil", 1, "ceil", 1},
    {"Round", 11, "round", 1},
    {"Sign", 9, "sign", 1},
    {"Sigmoid", 1, "sigmoid", 1},
    {"Relu", 1, "relu", 1},
    {"Softsign", 1, "softsign", 1},
    {"Not", 1, "logical_not", 1},
    {"IsNaN", 9, "isnan", 1},
    {"HardSwish", 14, "hardswish", 1},
    {"Add", 1, "add.Tensor", 2},
    {"Sub", 1, "sub.Tensor", 2},
    {"Mul", 1, "mul.Tensor", 2},
    {"Equal", 1, "eq.Tensor", 2},
    {"Greater", 1, "gt.Tensor", 2},
    {"Less", 1, "lt.Tensor", 2},
    {"GreaterOrEqual", 12, "ge.Tensor", 2},
    {"LessOrEqual", 12, "le.Tensor", 2},
    {"And", 1, "logical_and", 2},
    {"Or", 1, "logical_or", 2},
    {"Xor", 1, "logical_xor", 2},
};

}  // namespace tessera::onnx_frontend
