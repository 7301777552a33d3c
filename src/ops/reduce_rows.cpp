// Reductions as rows: the plan shared by the reduction reference kernels.
#include "ops/reduce.h"

namespace tessera {

Rows plan_rows(const Tensor& self, OptionalIntArrayRef dims, bool keepdim, const char* op) {
  const int64_t nd = self.dim();
  std::vector<bool> reduce(std::max<int64_t>(nd, 1), false);
  if (!dims || dims->empty()) {
    std::fill(reduce.begin(), reduce.end(), true);
  } else {
    for (int64_t d : *dims) {
      const int64_t w = wrap_dim(d, nd, op);
      TSR_CHECK(!reduce[w], op, ": dim ", w, " appears multiple times in the list of dims");
      reduce[w] = true;
    }
  }
  Rows r;
  Shape perm;
  for (int64_t d = 0; d < nd; ++d) {
    if (reduce[d]) {
      if (keepdim) r.out_shape.push_back(1);
    } else {
      perm.push_back(d);
      r.m *= self.sizes()[d];
      r.out_shape.push_back(self.sizes()[d]);
    }
  }
  for (int64_t d = 0; d < nd; ++d) {
    if (reduce[d]) {
      perm.push_back(d);
      r.k *= self.sizes()[d];
    }
  }
  r.rows = self.permute(perm).contiguous().reshape({r.m, r.k});
  return r;
}

void check_nonempty_reduction(const Tensor& self, OptionalIntArrayRef dims, const char* op) {
  if (self.dim() == 0) return;
  if (!dims || dims->empty()) {
    TSR_CHECK_AS(IndexError, self.numel() > 0, op,
                 ": expected reduction dim to be specified for input.numel() == 0");
    return;
  }
  for (int64_t d : *dims) {
    const int64_t w = wrap_dim(d, self.dim(), op);
    TSR_CHECK_AS(IndexError, self.size(w) > 0, op, ": expected reduction dim ", w,
                 " to have non-zero size");
  }
}

}  // namespace tessera
