// dropout: identity in inference; in training, zeroes each element with probability p
// (default generator) and scales the rest by 1 / (1 - p).
#include "api/functions.h"
#include "core/generator.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(dropout, "dropout(Tensor input, float p, bool train) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T>
Tensor dropout_kernel(const Tensor& input, double p, bool train) {
  TSR_CHECK(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got ", p);
  if (!train || p == 0) return input;
  using C = compute_t<T>;
  const C scale = p == 1 ? C(0) : C(1.0 / (1.0 - p));
  Tensor keep = empty(input.sizes(), TensorOptions(DType::Bool, input.device()));
  auto* k = static_cast<bool*>(keep.data_ptr());
  default_generator().with_engine([&](auto& engine) {
    std::bernoulli_distribution draw(1.0 - p);
    for (int64_t i = 0; i < keep.numel(); ++i) k[i] = draw(engine);
  });
  return binary_map<T, T>(input, cast(keep, dtype_of<T>), "dropout", [scale](T x, T m) {
    return convert<bool>(m) ? T(C(x) * scale) : T(C(0));
  });
}

}  // namespace

TSR_REGISTER {
  impl_for(dropout_op(), kBackendReference, InexactDTypes{},
           []<typename T>() { return &dropout_kernel<T>; });
}

Tensor dropout(const Tensor& input, double p, bool train) {
  static const auto op = dropout_op().typed<Tensor(const Tensor&, double, bool)>();
  return op.call(input, p, train);
}

}  // namespace tessera
