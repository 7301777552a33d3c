// float32 matmul on the cpu backend through oneDNN's sgemm: a matrix or a batch of rows
// ([..., M, K]) times a matrix, and batched products with broadcast batch dims, whose
// matrices are contiguous or transposed views (no copies); linear and addmm with the bias
// accumulated into by the sgemm itself. Other cases (1-D right operands of batches, other
// strides, dtypes and errors) go to the reference kernel.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <optional>

#include "api/functions.h"
#include "backends/cpu/kernels/sgemm.h"
#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

// Multiply-adds below which an sgemm runs on one thread (4M: about 80 us on one core here).
constexpr int64_t kSmallGemm = int64_t{1} << 22;
// Products of at most kFewRows rows with a matrix of at least kLargeMatrix elements (1 MiB)
// are split by columns, kColumnChunk at least per chunk.
constexpr int64_t kFewRows = 4, kLargeMatrix = int64_t{1} << 18, kColumnChunk = 64;

void sgemm(int64_t m, int64_t n, int64_t k, const Operand& a, const Operand& b, float* c,
           float alpha, float beta, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (ldc == 0) ldc = n;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    }
    return;
  }
  const int threads = omp_get_max_threads();
  // A few rows times a large matrix (a classifier's vector times its weights) is bound by
  // reading the matrix: its columns are split into chunks the threads take as they come
  // (parallel_for), each chunk a one-thread sgemm (oneDNN runs serially inside a parallel
  // region), so a thread another process holds takes fewer chunks instead of stalling the
  // product.
  if (threads > 1 && !omp_in_parallel() && m <= kFewRows && n >= 4 * kColumnChunk &&
      n * k >= kLargeMatrix) {
    parallel_for(0, n, kColumnChunk, [&](int64_t j0, int64_t j1) {
      const float* bj = b.data + (b.trans == 'N' ? j0 : j0 * b.ld);
      const dnnl_status_t st = dnnl_sgemm(a.trans, b.trans, m, j1 - j0, k, alpha, a.data, a.ld, bj,
                                          b.ld, beta, c + j0, ldc);
      TSR_ASSERT(st == dnnl_success, "dnnl_sgemm failed with status ", static_cast<int>(st));
    });
    return;
  }
  // Another small product (tens of microseconds) runs on this thread: splitting it gains a
  // few microseconds, and waiting for a second thread that another process holds costs
  // milliseconds. oneDNN takes the calling thread's OpenMP thread count, so it is set for
  // the call and put back.
  const bool one = threads > 1 && m * n * k < kSmallGemm;
  if (one) omp_set_num_threads(1);
  const dnnl_status_t st =
      dnnl_sgemm(a.trans, b.trans, m, n, k, alpha, a.data, a.ld, b.data, b.ld, beta, c, ldc);
  if (one) omp_set_num_threads(threads);
  TSR_ASSERT(st == dnnl_success, "dnnl_sgemm failed with status ", static_cast<int>(st));
}

namespace {

using MatmulSig = Tensor(const Tensor&, const Tensor&);

// The last two dims of m ([rows, cols] with strides s) as an sgemm operand: rows of
// contiguous elements ('N'), or columns of them ('T', a transposed view); nullopt when
// neither. data is m's first matrix; batch offsets are added by the caller.
std::optional<Operand> as_operand(const Tensor& m) {
  const int64_t rows = m.size(-2), cols = m.size(-1), s0 = m.stride(-2), s1 = m.stride(-1);
  const auto* data = static_cast<const float*>(m.data_ptr());
  if ((s1 == 1 || cols == 1) && (s0 >= cols || rows == 1)) {
    return Operand{data, 'N', std::max<int64_t>({s0, cols, 1})};
  }
  if ((s0 == 1 || rows == 1) && (s1 >= rows || cols == 1)) {
    return Operand{data, 'T', std::max<int64_t>({s1, rows, 1})};
  }
  return std::nullopt;
}

// [..., M, K] x [..., K, N] with broadcast batch dims, each matrix an sgemm operand; batches
// are split over the intra-op threads.
Tensor batched(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  const Shape batch = broadcast_shapes(IntArrayRef(a.sizes().data(), a.dim() - 2),
                                       IntArrayRef(b.sizes().data(), b.dim() - 2), "matmul");
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Shape ea = batch, eb = batch;
  ea.push_back(m);
  ea.push_back(k);
  eb.push_back(k);
  eb.push_back(n);
  const Tensor xa = a.expand(ea), xb = b.expand(eb);
  const auto oa = as_operand(xa), ob = as_operand(xb);
  TSR_ASSERT(oa && ob, "matmul: operands checked by the caller");
  Tensor out = empty(out_shape, TensorOptions(DType::Float32, output_device({&a, &b})));
  const int64_t count = checked_numel(batch, "matmul");
  const auto nb = static_cast<int64_t>(batch.size());
  float* o = static_cast<float*>(out.data_ptr());
  parallel_for(0, count, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(m * n * k / 64, 1)),
               [&](int64_t i0, int64_t i1) {
                 for (int64_t i = i0; i < i1; ++i) {
                   int64_t rest = i, off_a = 0, off_b = 0;
                   for (int64_t d = nb - 1; d >= 0; --d) {
                     const int64_t idx = rest % batch[static_cast<size_t>(d)];
                     rest /= batch[static_cast<size_t>(d)];
                     off_a += idx * xa.stride(d);
                     off_b += idx * xb.stride(d);
                   }
                   sgemm(m, n, k, {oa->data + off_a, oa->trans, oa->ld},
                         {ob->data + off_b, ob->trans, ob->ld}, o + i * m * n);
                 }
               });
  return out;
}

Tensor matmul_kernel(const Tensor& a, const Tensor& b) {
  static const auto op = ops::matmul_op().typed<MatmulSig>();
  const bool f32 = a.dtype() == DType::Float32 && b.dtype() == DType::Float32;
  if (f32 && a.dim() >= 1 && a.is_contiguous() && b.dim() == 2 && a.size(-1) == b.size(0)) {
    if (const auto ob = as_operand(b)) {
      // A batch of rows times one matrix: one sgemm over all rows.
      const int64_t k = b.size(0), n = b.size(1);
      Shape out_shape(a.sizes());
      out_shape.back() = n;
      if (a.dim() == 1) out_shape = Shape{n};
      const int64_t rows =
          a.dim() == 1 ? 1 : checked_numel(IntArrayRef(a.sizes().data(), a.dim() - 1), "matmul");
      Tensor out = empty(out_shape, TensorOptions(DType::Float32, output_device({&a, &b})));
      sgemm(rows, n, k, {static_cast<const float*>(a.data_ptr()), 'N', k}, *ob,
            static_cast<float*>(out.data_ptr()));
      return out;
    }
  }
  if (f32 && a.dim() >= 2 && b.dim() >= 2 && a.size(-1) == b.size(-2) && as_operand(a) &&
      as_operand(b)) {
    return batched(a, b);
  }
  return op.redispatch(kBackendReference, a, b);
}

// float16/bfloat16 matmul with float32 accumulation: both operands widened to float32, the
// float32 kernels above, one rounding back (the reference kernel's arithmetic, summed in
// the GEMM's order). This CPU path serves CPUs without AVX512-BF16/AMX; the cases it does
// not cover (mixed dtypes, mismatched sizes, empty operands) go to the reference.
Tensor half_matmul_kernel(const Tensor& a, const Tensor& b) {
  static const auto op = ops::matmul_op().typed<MatmulSig>();
  const bool covered = a.dtype() == b.dtype() && a.dim() >= 1 && b.dim() >= 1 && a.numel() > 0 &&
                       b.numel() > 0 && a.size(-1) == (b.dim() == 1 ? b.size(0) : b.size(-2));
  if (!covered) return op.redispatch(kBackendReference, a, b);
  return cast(op.call(cast(a, DType::Float32), cast(b, DType::Float32)), a.dtype());
}

// C = beta * bias (broadcast over rows) + alpha * A B for float32 operands: C is filled with
// the bias, row by row, and sgemm accumulates into it (no separate pass over C). bias is
// a row of n ([n] or [1, n]), or all of C ([m, n]), contiguous; nullptr for none.
// Returns an undefined tensor when the operands are not covered.
Tensor gemm_bias(const Tensor& a, const Tensor& b, const Tensor* bias, float alpha, float beta) {
  if (a.dtype() != DType::Float32 || b.dtype() != DType::Float32 || a.dim() != 2 || b.dim() != 2 ||
      a.size(1) != b.size(0) || !a.is_contiguous())
    return {};
  const auto ob = as_operand(b);
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  const bool row =
      bias && bias->numel() == n && (bias->dim() == 1 || (bias->dim() == 2 && bias->size(0) == 1));
  const bool full = bias && bias->dim() == 2 && bias->size(0) == m && bias->size(1) == n;
  if (!ob ||
      (bias && (bias->dtype() != DType::Float32 || !bias->is_contiguous() || !(row || full))))
    return {};
  Tensor out = empty({m, n}, TensorOptions(DType::Float32, output_device({&a, &b})));
  float* c = static_cast<float*>(out.data_ptr());
  const bool use_bias = bias && beta != 0.0f;
  if (use_bias) {
    const auto* src = static_cast<const float*>(bias->data_ptr());
    for (int64_t i = 0; i < m; ++i) std::copy_n(full ? src + i * n : src, n, c + i * n);
  }
  sgemm(m, n, k, {static_cast<const float*>(a.data_ptr()), 'N', k}, *ob, c, alpha,
        use_bias ? beta : 0.0f);
  return out;
}

// A real Scalar as float32 (complex and bool ones are the reference's case).
std::optional<float> real_float(const Scalar& s) {
  if (!s.is_floating() && !s.is_integral()) return std::nullopt;
  return static_cast<float>(s.to<double>());
}

Tensor linear_kernel(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
  const bool has_bias = bias && bias->defined();
  if (input.dim() >= 1 && weight.dim() == 2 && input.is_contiguous() &&
      (!has_bias || bias->dim() == 1)) {
    // A batch of rows: [..., K] as [rows, K].
    const int64_t k = input.size(-1);
    const Tensor rows = input.view({input.numel() / std::max<int64_t>(k, 1), k});
    if (k > 0) {
      if (Tensor out = gemm_bias(rows, weight.t(), has_bias ? &*bias : nullptr, 1.0f, 1.0f);
          out.defined()) {
        Shape shape(input.sizes());
        shape.back() = weight.size(0);
        return out.view(shape);
      }
    }
  }
  return ops::linear_op()
      .typed<Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&)>()
      .redispatch(kBackendReference, input, weight, bias);
}

Tensor addmm_kernel(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
                    const Scalar& alpha) {
  // alpha 0 is the reference's: BLAS would not read A and B, whose NaN must still show.
  const auto fb = real_float(beta), fa = real_float(alpha);
  if (fb && fa && *fa != 0.0f) {
    if (Tensor out = gemm_bias(mat1, mat2, &self, *fa, *fb); out.defined()) return out;
  }
  return ops::addmm_op()
      .typed<Tensor(const Tensor&, const Tensor&, const Tensor&, const Scalar&, const Scalar&)>()
      .redispatch(kBackendReference, self, mat1, mat2, beta, alpha);
}

}  // namespace

TSR_REGISTER {
  Dispatcher::get().impl(ops::matmul_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&matmul_kernel));
  for (DType d : {DType::Float16, DType::BFloat16}) {
    Dispatcher::get().impl(ops::matmul_op(), kBackendCPU, d,
                           KernelFunction::from_unboxed(&half_matmul_kernel));
  }
  Dispatcher::get().impl(ops::linear_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&linear_kernel));
  Dispatcher::get().impl(ops::addmm_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&addmm_kernel));
}

}  // namespace tessera::cpu
