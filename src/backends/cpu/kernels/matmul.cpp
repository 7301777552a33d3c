// float32 matmul on the cpu backend through oneDNN's sgemm: a matrix or a batch of rows
// ([..., M, K]) times a matrix ([K, N], contiguous or a transposed contiguous one), and
// equal-batch 3-D products. Other cases go to the reference kernel.
#include <oneapi/dnnl/dnnl.h>

#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {
namespace {

using MatmulSig = Tensor(const Tensor&, const Tensor&);

// B as sgemm sees it: its row-major data and whether it is transposed.
struct Operand {
  const float* data;
  char trans;
  int64_t ld;
};

std::optional<Operand> as_operand(const Tensor& m) {
  if (m.is_contiguous()) return Operand{static_cast<const float*>(m.data_ptr()), 'N', m.size(-1)};
  if (m.dim() == 2 && m.stride(0) == 1 && m.stride(1) == m.size(0)) {  // m.t() of a contiguous one
    return Operand{static_cast<const float*>(m.data_ptr()), 'T', m.size(0)};
  }
  return std::nullopt;
}

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, const Operand& b, float* c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(c, c + m * n, 0.0f);
    return;
  }
  const dnnl_status_t st = dnnl_sgemm('N', b.trans, m, n, k, 1.0f, a, k, b.data, b.ld, 0.0f, c, n);
  TSR_ASSERT(st == dnnl_success, "dnnl_sgemm failed with status ", static_cast<int>(st));
}

Tensor matmul_kernel(const Tensor& a, const Tensor& b) {
  static const auto op = ops::matmul_op().typed<MatmulSig>();
  const bool f32 = a.dtype() == DType::Float32 && b.dtype() == DType::Float32;
  if (f32 && a.dim() >= 1 && a.is_contiguous() && b.dim() == 2 && a.size(-1) == b.size(0)) {
    if (const auto ob = as_operand(b)) {
      const int64_t k = b.size(0), n = b.size(1);
      Shape out_shape(a.sizes());
      out_shape.back() = n;
      if (a.dim() == 1) out_shape = Shape{n};
      const int64_t rows =
          a.dim() == 1 ? 1 : checked_numel(IntArrayRef(a.sizes().data(), a.dim() - 1), "matmul");
      Tensor out = empty(out_shape, TensorOptions(DType::Float32, output_device({&a, &b})));
      sgemm(rows, n, k, static_cast<const float*>(a.data_ptr()), *ob,
            static_cast<float*>(out.data_ptr()));
      return out;
    }
  }
  if (f32 && a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0) && a.size(2) == b.size(1) &&
      a.is_contiguous() && b.is_contiguous()) {
    const int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
    Tensor out = empty({batch, m, n}, TensorOptions(DType::Float32, output_device({&a, &b})));
    for (int64_t i = 0; i < batch; ++i) {
      const Operand ob{static_cast<const float*>(b.data_ptr()) + i * k * n, 'N', n};
      sgemm(m, n, k, static_cast<const float*>(a.data_ptr()) + i * m * k, ob,
            static_cast<float*>(out.data_ptr()) + i * m * n);
    }
    return out;
  }
  return op.redispatch(kBackendReference, a, b);
}

}  // namespace

TSR_REGISTER {
  Dispatcher::get().impl(ops::matmul_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&matmul_kernel));
}

}  // namespace tessera::cpu
