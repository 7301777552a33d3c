// addmm, linear, bmm, outer, einsum: schemas and dtype-generic reference kernels composed
// of matmul, mul, add and sum (so a backend's matmul serves them all); linalg_det by LU
// decomposition.
#include <map>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(addmm,
       "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor")
TSR_OP(linear, "linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor")
TSR_OP(bmm, "bmm(Tensor self, Tensor mat2) -> Tensor")
TSR_OP(outer, "outer(Tensor self, Tensor vec2) -> Tensor")
TSR_OP(einsum, "einsum(str equation, Tensor[] tensors) -> Tensor")
TSR_OP(linalg_det, "linalg_det(Tensor A) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

bool is_one(const Scalar& s) {
  return s.to<complex128>() == complex128(1);
}
bool is_zero(const Scalar& s) {
  return s.to<complex128>() == complex128(0);
}

Tensor addmm_kernel(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
                    const Scalar& alpha) {
  TSR_CHECK(mat1.dim() == 2 && mat2.dim() == 2, "addmm: expected 2-D matrices, got ", mat1.dim(),
            "-D and ", mat2.dim(), "-D");
  TSR_CHECK(mat1.size(1) == mat2.size(0), "addmm: mat1 and mat2 shapes cannot be multiplied (",
            mat1.size(0), "x", mat1.size(1), " and ", mat2.size(0), "x", mat2.size(1), ")");
  const Shape out_shape{mat1.size(0), mat2.size(1)};
  TSR_CHECK(IntArrayRef(broadcast_shapes(self.sizes(), out_shape, "addmm")).equals(out_shape),
            "addmm: self of shape ", self.sizes(), " does not broadcast to ", out_shape);
  Tensor prod = matmul(mat1, mat2);
  if (!is_one(alpha)) prod = mul(prod, alpha);
  // beta = 0 ignores self entirely (NaN and inf in it included), as BLAS does.
  if (is_zero(beta)) return prod;
  return add(prod, self, beta);
}

Tensor linear_kernel(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
  TSR_CHECK(weight.dim() <= 2, "linear: weight must be 1-D or 2-D, got ", weight.dim(), "-D");
  Tensor out = matmul(input, weight.dim() == 2 ? weight.t() : weight);
  if (bias && bias->defined()) out = add(out, *bias);
  return out;
}

Tensor bmm_kernel(const Tensor& self, const Tensor& mat2) {
  TSR_CHECK(self.dim() == 3 && mat2.dim() == 3, "bmm: expected 3-D tensors, got ", self.dim(),
            "-D and ", mat2.dim(), "-D");
  TSR_CHECK(self.size(0) == mat2.size(0), "bmm: batch sizes differ: ", self.size(0), " and ",
            mat2.size(0));
  return matmul(self, mat2);
}

Tensor outer_kernel(const Tensor& self, const Tensor& vec2) {
  TSR_CHECK(self.dim() == 1 && vec2.dim() == 1, "outer: expected 1-D vectors, got ", self.dim(),
            "-D and ", vec2.dim(), "-D");
  return mul(self.unsqueeze(1), vec2.unsqueeze(0));
}

// einsum as broadcasting: each operand is laid out over all the equation's labels (size 1
// where it lacks one), the operands are multiplied, and the labels missing from the
// output are summed. Repeated labels within an operand take its diagonal; "..." stands for
// the (broadcast) leading dims. A label is a letter; '.' only in "...".
Tensor einsum_kernel(std::string_view equation, TensorList tensors) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t at = 0;;) {
    const size_t comma = lhs.find(',', at);
    terms.push_back(lhs.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  TSR_CHECK(terms.size() == tensors.size(), "einsum: the equation has ", terms.size(),
            " operands but ", tensors.size(), " tensors were given");
  // Labels: letters as themselves; the ellipsis's dims as '0', '1', ... (leading dims).
  int64_t ell = 0;
  std::vector<std::vector<char>> labels(terms.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    const std::string& t = terms[i];
    const size_t dots = t.find("...");
    int64_t letters = 0;
    for (char c : t) {
      if (c == '.') continue;
      TSR_CHECK(std::isalpha(static_cast<unsigned char>(c)), "einsum: invalid subscript '", c,
                "' in operand ", i, "; subscripts must be letters");
      ++letters;
    }
    TSR_CHECK(dots == std::string::npos ? letters == tensors[i].dim() : letters <= tensors[i].dim(),
              "einsum: operand ", i, " has ", tensors[i].dim(), " dims but subscripts '", t, "'");
    if (dots != std::string::npos) ell = std::max(ell, tensors[i].dim() - letters);
  }
  for (size_t i = 0; i < terms.size(); ++i) {
    const std::string& t = terms[i];
    for (size_t p = 0; p < t.size(); ++p) {
      if (t[p] == '.') {
        int64_t letters = 0;
        for (char c : t) letters += c != '.';
        const int64_t n = tensors[i].dim() - letters;
        for (int64_t e = ell - n; e < ell; ++e) labels[i].push_back(static_cast<char>('0' + e));
        p += 2;
      } else {
        labels[i].push_back(t[p]);
      }
    }
  }
  std::vector<char> out_labels;
  if (arrow != std::string::npos) {
    const std::string rhs = eq.substr(arrow + 2);
    for (size_t p = 0; p < rhs.size(); ++p) {
      if (rhs[p] == '.') {
        for (int64_t e = 0; e < ell; ++e) out_labels.push_back(static_cast<char>('0' + e));
        p += 2;
      } else {
        TSR_CHECK(std::isalpha(static_cast<unsigned char>(rhs[p])),
                  "einsum: invalid output subscript '", rhs[p], "'");
        out_labels.push_back(rhs[p]);
      }
    }
  } else {
    std::map<char, int> count;
    for (const auto& l : labels)
      for (char c : l) ++count[c];
    for (int64_t e = 0; e < ell; ++e) out_labels.push_back(static_cast<char>('0' + e));
    for (const auto& [c, n] : count)
      if (n == 1 && std::isalpha(static_cast<unsigned char>(c))) out_labels.push_back(c);
  }
  // Every label: the output's first, then the summed ones.
  std::vector<char> all = out_labels;
  for (const auto& l : labels)
    for (char c : l)
      if (std::find(all.begin(), all.end(), c) == all.end()) all.push_back(c);
  for (char c : out_labels) {
    bool found = false;
    for (const auto& l : labels) found = found || std::find(l.begin(), l.end(), c) != l.end();
    TSR_CHECK(found || std::isdigit(static_cast<unsigned char>(c)), "einsum: output subscript '", c,
              "' does not appear in the equation for any input operand");
  }
  Tensor product;
  for (size_t i = 0; i < tensors.size(); ++i) {
    Tensor t = tensors[i];
    std::vector<char> l = labels[i];
    // Repeated labels: take the diagonal (the diagonal dim goes last).
    for (size_t a = 0; a < l.size(); ++a) {
      for (size_t b = a + 1; b < l.size();) {
        if (l[a] != l[b]) {
          ++b;
          continue;
        }
        TSR_CHECK(t.size(static_cast<int64_t>(a)) == t.size(static_cast<int64_t>(b)),
                  "einsum: subscript '", l[a], "' is repeated for operand ", i,
                  " but the sizes don't match, ", t.size(static_cast<int64_t>(a)),
                  " != ", t.size(static_cast<int64_t>(b)));
        t = t.diagonal(0, static_cast<int64_t>(a), static_cast<int64_t>(b));
        const char c = l[a];
        l.erase(l.begin() + static_cast<int64_t>(b));
        l.erase(l.begin() + static_cast<int64_t>(a));
        l.push_back(c);
        b = a + 1;
      }
    }
    // Lay t out over `all`: permute its dims into all's order, size 1 where absent.
    Shape perm, shape;
    for (char c : all) {
      const auto it = std::find(l.begin(), l.end(), c);
      if (it != l.end()) perm.push_back(it - l.begin());
    }
    t = t.permute(perm);
    size_t k = 0;
    for (char c : all) {
      const bool has = std::find(l.begin(), l.end(), c) != l.end();
      shape.push_back(has ? t.size(static_cast<int64_t>(k++)) : 1);
    }
    t = t.reshape(shape);
    product = product.defined() ? mul(product, t) : t;
  }
  const auto n_out = static_cast<int64_t>(out_labels.size());
  if (static_cast<int64_t>(all.size()) == n_out) return product.contiguous();
  Shape summed;
  for (int64_t d = n_out; d < static_cast<int64_t>(all.size()); ++d) summed.push_back(d);
  // As PyTorch: a reduction of one operand is a sum (integers sum to int64); products of
  // several keep their dtype.
  if (tensors.size() == 1) return sum(product, IntArrayRef(summed));
  return sum(product, IntArrayRef(summed), false, product.dtype());
}

}  // namespace

// The determinant of each [n, n] matrix of A [..., n, n]: Gaussian elimination with
// partial pivoting in float64, the product of the pivots with the permutation's sign.
template <typename T>
Tensor det_kernel(const Tensor& a) {
  TSR_CHECK(a.dim() >= 2, "linalg.det: The input tensor A must have at least 2 dimensions.");
  TSR_CHECK(a.size(-1) == a.size(-2),
            "linalg.det: A must be batches of square matrices, but they are ", a.size(-2), " by ",
            a.size(-1), " matrices");
  const int64_t n = a.size(-1);
  const Tensor m = cast(a, DType::Float64).contiguous();
  Shape batch;
  for (int64_t d = 0; d + 2 < a.dim(); ++d) batch.push_back(a.size(d));
  Tensor out = empty(batch, DType::Float64);
  const int64_t count = out.numel();
  std::vector<double> lu(static_cast<size_t>(n * n));
  for (int64_t b = 0; b < count; ++b) {
    std::copy_n(m.data<double>() + b * n * n, n * n, lu.begin());
    double det = 1;
    for (int64_t k = 0; k < n && det != 0; ++k) {
      int64_t p = k;  // the row with the largest pivot
      for (int64_t r = k + 1; r < n; ++r) {
        if (std::abs(lu[static_cast<size_t>(r * n + k)]) >
            std::abs(lu[static_cast<size_t>(p * n + k)]))
          p = r;
      }
      const double pivot = lu[static_cast<size_t>(p * n + k)];
      if (pivot == 0) {
        det = 0;
        break;
      }
      if (p != k) {
        std::swap_ranges(lu.begin() + k * n, lu.begin() + (k + 1) * n, lu.begin() + p * n);
        det = -det;
      }
      det *= pivot;
      for (int64_t r = k + 1; r < n; ++r) {
        const double f = lu[static_cast<size_t>(r * n + k)] / pivot;
        for (int64_t c = k; c < n; ++c) {
          lu[static_cast<size_t>(r * n + c)] -= f * lu[static_cast<size_t>(k * n + c)];
        }
      }
    }
    out.data<double>()[b] = det;
  }
  return cast(out, dtype_of<T>);
}

TSR_REGISTER {
  impl_for(linalg_det_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &det_kernel<T>; });
  impl_generic(addmm_op(), kBackendReference, &addmm_kernel);
  impl_generic(linear_op(), kBackendReference, &linear_kernel);
  impl_generic(bmm_op(), kBackendReference, &bmm_kernel);
  impl_generic(outer_op(), kBackendReference, &outer_kernel);
  impl_generic(einsum_op(), kBackendReference, &einsum_kernel);
}

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  static const auto op = addmm_op()
                             .typed<Tensor(const Tensor&, const Tensor&, const Tensor&,
                                           const Scalar&, const Scalar&)>();
  return op.call(self, mat1, mat2, beta, alpha);
}
Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
  static const auto op =
      linear_op().typed<Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&)>();
  return op.call(input, weight, bias);
}
TSR_BINARY_API(bmm)
TSR_BINARY_API(outer)
Tensor einsum(std::string_view equation, TensorList tensors) {
  static const auto op = einsum_op().typed<Tensor(std::string_view, TensorList)>();
  return op.call(equation, tensors);
}

Tensor linalg_det(const Tensor& a) {
  static const auto op = linalg_det_op().typed<Tensor(const Tensor&)>();
  return op.call(a);
}

}  // namespace tessera
