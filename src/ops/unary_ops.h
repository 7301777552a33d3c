// The table of unary math ops of the one signature `name(Tensor self) -> Tensor`.
#pragma once

// clang-format off
// X(name, dtypes): a floating-point function of each element, registered by unary.cpp for
// the dtypes listed. Bool and integer inputs (where listed) give float32, PyTorch's default
// float dtype; float16, bfloat16 and float8 compute in float32 and round once; complex
// inputs give complex. unary.cpp defines math::name for each row; handles.h and
// api/functions.h declare the op handle and the eager function from the same rows.
#define TSR_FLOAT_UNARY_OPS(X)            \
  X(exp, AllDTypes)                       \
  X(exp2, AllDTypes)                      \
  X(expm1, AllDTypes)                     \
  X(log, AllDTypes)                       \
  X(log2, AllDTypes)                      \
  X(log10, AllDTypes)                     \
  X(log1p, AllDTypes)                     \
  X(sqrt, AllDTypes)                      \
  X(rsqrt, AllDTypes)                     \
  X(reciprocal, AllDTypes)                \
  X(sin, AllDTypes)                       \
  X(cos, AllDTypes)                       \
  X(tan, AllDTypes)                       \
  X(asin, AllDTypes)                      \
  X(acos, AllDTypes)                      \
  X(atan, AllDTypes)                      \
  X(sinh, AllDTypes)                      \
  X(cosh, AllDTypes)                      \
  X(tanh, AllDTypes)                      \
  X(asinh, AllDTypes)                     \
  X(acosh, AllDTypes)                     \
  X(atanh, AllDTypes)                     \
  X(sigmoid, AllDTypes)                   \
  X(softsign, AllDTypes)                  \
  X(erf, RealDTypes)                      \
  X(erfc, RealDTypes)                     \
  X(silu, InexactDTypes)                  \
  X(selu, FloatingDTypes)                 \
  X(mish, FloatingDTypes)                 \
  X(hardsigmoid, FloatingDTypes)          \
  X(hardswish, FloatingDTypes)            \
  X(frac, FloatingDTypes)
// clang-format on

// X(name): ops of the same signature whose kernels unary.cpp writes out one by one.
#define TSR_OTHER_UNARY_OPS(X) \
  X(neg)                       \
  X(abs)                       \
  X(sign)                      \
  X(floor)                     \
  X(ceil)                      \
  X(round)                     \
  X(trunc)                     \
  X(relu)                      \
  X(logical_not)               \
  X(bitwise_not)               \
  X(isnan)                     \
  X(isinf)                     \
  X(isfinite)
