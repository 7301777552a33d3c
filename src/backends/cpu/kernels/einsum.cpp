// einsum of two float32/float64 operands as one batched matmul on the cpu backend: each
// label is a batch label (in both operands and the output), a contracted one (in both, not
// in the output) or a free one (in one operand and the output). The operands are permuted
// to [batch, M, K] and [batch, K, N] (views where the strides allow) and the product is
// permuted back. Other equations (one or three operands, ellipses, repeated labels, a label
// summed within one operand, implicit output) are the reference kernel's, as are errors.
#include <algorithm>
#include <optional>
#include <string>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {
namespace {

using EinsumSig = Tensor(std::string_view, TensorList);

// "ab,bc->ac" without spaces, split into its three terms; nullopt when it is not two
// explicit terms of distinct letters each.
std::optional<std::array<std::string, 3>> parse(std::string_view equation) {
  std::string eq;
  for (char c : equation) {
    if (c != ' ') eq += c;
  }
  const size_t arrow = eq.find("->"), comma = eq.find(',');
  if (arrow == std::string::npos || comma == std::string::npos || comma > arrow ||
      eq.find(',', comma + 1) != std::string::npos)
    return std::nullopt;
  std::array<std::string, 3> t = {eq.substr(0, comma), eq.substr(comma + 1, arrow - comma - 1),
                                  eq.substr(arrow + 2)};
  for (const std::string& s : t) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (!std::isalpha(static_cast<unsigned char>(s[i])) ||
          s.find(s[i], i + 1) != std::string::npos)
        return std::nullopt;
    }
  }
  return t;
}

std::optional<Tensor> as_matmul(std::string_view equation, TensorList tensors) {
  if (tensors.size() != 2) return std::nullopt;
  const Tensor& a = tensors[0];
  const Tensor& b = tensors[1];
  if (a.dtype() != b.dtype() || (a.dtype() != DType::Float32 && a.dtype() != DType::Float64))
    return std::nullopt;
  const auto terms = parse(equation);
  if (!terms) return std::nullopt;
  const auto& [la, lb, lo] = *terms;
  if (static_cast<int64_t>(la.size()) != a.dim() || static_cast<int64_t>(lb.size()) != b.dim())
    return std::nullopt;
  auto has = [](const std::string& s, char c) { return s.find(c) != std::string::npos; };
  auto size_of = [&](char c) {
    return has(la, c) ? a.size(static_cast<int64_t>(la.find(c)))
                      : b.size(static_cast<int64_t>(lb.find(c)));
  };
  std::string batch, free_a, free_b, contracted;
  for (char c : la) {
    if (has(lb, c)) {
      if (a.size(static_cast<int64_t>(la.find(c))) != b.size(static_cast<int64_t>(lb.find(c))))
        return std::nullopt;  // broadcasting of size-1 labels, or an error: the reference's
      (has(lo, c) ? batch : contracted) += c;
    } else if (has(lo, c)) {
      free_a += c;
    } else {
      return std::nullopt;
    }
  }
  for (char c : lb) {
    if (has(la, c)) continue;
    if (!has(lo, c)) return std::nullopt;
    free_b += c;
  }
  for (char c : lo) {
    if (!has(la, c) && !has(lb, c)) return std::nullopt;
  }
  auto permuted = [&](const Tensor& t, const std::string& labels, const std::string& order) {
    Shape perm;
    for (char c : order) perm.push_back(static_cast<int64_t>(labels.find(c)));
    return t.permute(perm);
  };
  auto product = [&](const std::string& labels) {
    int64_t p = 1;
    for (char c : labels) p *= size_of(c);
    return p;
  };
  const int64_t nb = product(batch), m = product(free_a), k = product(contracted),
                n = product(free_b);
  const Tensor a3 = permuted(a, la, batch + free_a + contracted).reshape({nb, m, k});
  const Tensor b3 = permuted(b, lb, batch + contracted + free_b).reshape({nb, k, n});
  Shape shape;
  const std::string result = batch + free_a + free_b;
  for (char c : result) shape.push_back(size_of(c));
  return permuted(matmul(a3, b3).reshape(shape), result, lo).contiguous();
}

Tensor einsum_kernel(std::string_view equation, TensorList tensors) {
  if (auto out = as_matmul(equation, tensors)) return *out;
  return ops::einsum_op().typed<EinsumSig>().redispatch(kBackendReference, equation, tensors);
}

}  // namespace

TSR_REGISTER {
  for (DType d : {DType::Float32, DType::Float64}) {
    Dispatcher::get().impl(ops::einsum_op(), kBackendCPU, d,
                           KernelFunction::from_unboxed(&einsum_kernel));
  }
}

}  // namespace tessera::cpu
