// The cpu kernel of fused_elementwise (Note [Fused elementwise programs]) for float32: the
// output in blocks of elements, each block the whole program in cache through the
// elementwise kernels' vector loops, so each input is read and the output written once.
// Inputs must be contiguous with the output's shape, or one element (broadcast); other
// cases are the reference kernel's.
#include <algorithm>

#include "backends/cpu/kernels/vector_loops.h"
#include "core/factories.h"
#include "core/parallel.h"
#include "dispatch/registration.h"
#include "ops/elementwise.h"
#include "ops/fused_elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {
namespace {

constexpr int64_t kBlock = 512;  // elements per block: the temporaries stay in L1
constexpr int kMaxDepth = 8;     // deeper programs are the reference kernel's

// A step bound to its loop.
struct Bound {
  ops::FusedStep::Kind kind;
  int input = 0;
  float literal = 0;
  UnaryLoop unary = nullptr;
  BinaryLoop binary = nullptr;
};

// An operand on the block's stack: elements with step 1, or one element (step 0).
struct Operand {
  const float* p;
  size_t step;
};

Tensor fused_elementwise_kernel(TensorList inputs, std::string_view program) {
  const auto reference = [&] {
    return ops::fused_elementwise_op().typed<Tensor(TensorList, std::string_view)>().redispatch(
        kBackendReference, inputs, program);
  };
  const std::vector<ops::FusedStep> steps =
      ops::parse_fused_program(program, static_cast<int64_t>(inputs.size()));
  if (inputs.empty() || ops::fused_program_depth(steps) > kMaxDepth) return reference();
  Shape shape;  // 0-d, broadcast with each input's
  for (const Tensor& t : inputs) {
    if (t.dtype() != DType::Float32) return reference();
    shape = broadcast_shapes(shape, t.sizes(), "fused_elementwise");
  }
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  for (const Tensor& t : inputs) {
    if (t.numel() != 1 && (t.numel() != n || !t.is_contiguous())) return reference();
  }
  std::vector<Bound> bound;
  // Ops on literals alone compute in float64 in the definition: those are the reference's.
  std::vector<bool> literal_only;
  for (const ops::FusedStep& s : steps) {
    switch (s.kind) {
      case ops::FusedStep::Kind::Input:
      case ops::FusedStep::Kind::Literal:
        literal_only.push_back(s.kind == ops::FusedStep::Kind::Literal);
        break;
      case ops::FusedStep::Kind::Unary:
        if (literal_only.back()) return reference();
        break;
      case ops::FusedStep::Kind::Binary: {
        const bool both = literal_only.back() && literal_only[literal_only.size() - 2];
        if (both) return reference();
        literal_only.pop_back();
        literal_only.back() = false;
        break;
      }
    }
    Bound b{s.kind, s.input, static_cast<float>(s.literal)};
    if (s.kind == ops::FusedStep::Kind::Unary) b.unary = unary_loop(s.op);
    if (s.kind == ops::FusedStep::Kind::Binary) b.binary = binary_loop(s.op);
    if ((s.kind == ops::FusedStep::Kind::Unary && !b.unary) ||
        (s.kind == ops::FusedStep::Kind::Binary && !b.binary)) {
      return reference();
    }
    bound.push_back(b);
  }
  Tensor out = empty(shape, DType::Float32);
  if (n == 0) return out;
  float* o = static_cast<float*>(out.data_ptr());
  parallel_for(0, n, kGrainSize / static_cast<int64_t>(std::max<size_t>(1, bound.size() / 2)),
               [&](int64_t b0, int64_t b1) {
                 float tmp[kMaxDepth][kBlock];
                 Operand stack[kMaxDepth];
                 for (int64_t b = b0; b < b1; b += kBlock) {
                   const auto nb = static_cast<size_t>(std::min(kBlock, b1 - b));
                   // The last op writes a full block straight into the output.
                   const auto dst_of = [&](const Bound& s, int at, size_t step) {
                     return &s == &bound.back() && step == 1 ? o + b : tmp[at];
                   };
                   int sp = 0;
                   for (const Bound& s : bound) {
                     switch (s.kind) {
                       case ops::FusedStep::Kind::Input: {
                         const Tensor& t = inputs[static_cast<size_t>(s.input)];
                         const auto* p = static_cast<const float*>(t.data_ptr());
                         stack[sp++] = t.numel() == 1 ? Operand{p, 0} : Operand{p + b, 1};
                         break;
                       }
                       case ops::FusedStep::Kind::Literal:
                         stack[sp++] = Operand{&s.literal, 0};
                         break;
                       case ops::FusedStep::Kind::Unary: {
                         Operand& a = stack[sp - 1];
                         float* dst = dst_of(s, sp - 1, a.step);
                         s.unary(a.p, dst, a.step == 0 ? 1 : nb);
                         a = Operand{dst, a.step};
                         break;
                       }
                       case ops::FusedStep::Kind::Binary: {
                         const Operand x = stack[sp - 2], y = stack[sp - 1];
                         const size_t step = std::max(x.step, y.step);
                         float* dst = dst_of(s, sp - 2, step);
                         s.binary(x.p, x.step, y.p, y.step, dst, step == 0 ? 1 : nb);
                         stack[sp - 2] = Operand{dst, step};
                         --sp;
                         break;
                       }
                     }
                   }
                   const Operand r = stack[0];
                   if (r.step == 0) {
                     std::fill(o + b, o + b + nb, *r.p);
                   } else if (r.p != o + b) {  // the program is one input
                     std::copy(r.p, r.p + nb, o + b);
                   }
                 }
               });
  return out;
}

}  // namespace

TSR_REGISTER {
  Dispatcher::get().impl(ops::fused_elementwise_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&fused_elementwise_kernel));
}

}  // namespace tessera::cpu
