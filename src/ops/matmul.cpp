// matmul: dot, matrix-vector, matrix-matrix and batched products with broadcast batch dims.
#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(matmul, "matmul(Tensor self, Tensor other) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

// Accumulator of the reference product: wrapping int64 for integers, double for reals,
// complex<double> for complex; bool accumulates as "any".
template <typename T>
using dot_acc_t = std::conditional_t<is_complex_v<T>, complex128,
                                     std::conditional_t<std::is_integral_v<T>, int64_t, double>>;

// out[b] = a[b] @ w[b] for contiguous [B, n, k] x [B, k, m].
template <typename T>
void batched_mm(const T* a, const T* w, T* out, int64_t batch, int64_t n, int64_t k, int64_t m) {
  using Acc = dot_acc_t<T>;
  for (int64_t b = 0; b < batch; ++b) {
    const T* ab = a + b * n * k;
    const T* wb = w + b * k * m;
    T* ob = out + b * n * m;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < m; ++j) {
        Acc acc{};
        for (int64_t p = 0; p < k; ++p) {
          acc = arith::add<Acc>(
              acc, arith::mul<Acc>(convert<Acc>(ab[i * k + p]), convert<Acc>(wb[p * m + j])));
        }
        ob[i * m + j] = convert<T>(acc);
      }
    }
  }
}

std::string shape_str(const Tensor& t) {
  std::string s;
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "x" : "") + std::to_string(t.sizes()[i]);
  return s;
}

template <typename T>
Tensor matmul_kernel(const Tensor& self, const Tensor& other) {
  TSR_CHECK(self.dim() >= 1 && other.dim() >= 1,
            "matmul: both arguments need to be at least 1D, but they are ", self.dim(), "D and ",
            other.dim(), "D");
  // Promote 1-D operands to matrices, remembering which dims to drop from the result.
  const bool vec_a = self.dim() == 1, vec_b = other.dim() == 1;
  const Tensor a = vec_a ? self.unsqueeze(0) : self;
  const Tensor b = vec_b ? other.unsqueeze(-1) : other;
  const int64_t n = a.size(-2), k = a.size(-1), k2 = b.size(-2), m = b.size(-1);
  TSR_CHECK(k == k2, "matmul: shapes cannot be multiplied (", shape_str(self), " and ",
            shape_str(other), ")");
  const IntArrayRef ba(a.sizes().data(), a.dim() - 2), bb(b.sizes().data(), b.dim() - 2);
  const Shape batch = broadcast_shapes(ba, bb, "matmul");
  int64_t nbatch = 1;
  for (int64_t s : batch) nbatch *= s;
  Shape sa(batch), sb(batch);
  sa.push_back(n);
  sa.push_back(k);
  sb.push_back(k);
  sb.push_back(m);
  const Tensor ac = cast_if_needed(a, dtype_of<T>).expand(sa).contiguous();
  const Tensor bc = cast_if_needed(b, dtype_of<T>).expand(sb).contiguous();
  Shape out_shape(batch);
  if (!vec_a) out_shape.push_back(n);
  if (!vec_b) out_shape.push_back(m);
  Tensor out = empty(out_shape, TensorOptions(dtype_of<T>, output_device({&self, &other})));
  batched_mm<T>(static_cast<const T*>(ac.data_ptr()), static_cast<const T*>(bc.data_ptr()),
                static_cast<T*>(out.data_ptr()), nbatch, n, k, m);
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_for(matmul_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &matmul_kernel<T>; });
}

Tensor matmul(const Tensor& self, const Tensor& other) {
  static const auto op = matmul_op().typed<Tensor(const Tensor&, const Tensor&)>();
  return op.call(self, other);
}

}  // namespace tessera
