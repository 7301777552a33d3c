// An op declared and implemented entirely in this test file, with no edit under src/,
// called through the typed and the boxed paths. See docs/adding-an-op.md.
#include <gtest/gtest.h>

#include "ops/elementwise.h"
#include "tessera.h"

namespace tessera {
namespace {

TSR_OP(axpy, "test_axpy(Tensor x, Tensor y, *, float a=2.0) -> Tensor")

// Typed kernels for the floating dtypes...
template <typename T>
Tensor axpy_kernel(const Tensor& x, const Tensor& y, double a) {
  using C = compute_t<T>;
  return binary_map<T, T>(x, y, "test_axpy", [a](T xv, T yv) { return T(C(a) * C(xv) + C(yv)); });
}

// ...and a dtype-generic one for the rest, computing in float64.
Tensor axpy_generic(const Tensor& x, const Tensor& y, double a) {
  const DType out = promote_types(x.dtype(), y.dtype());
  return axpy_kernel<double>(x, y, a).to(out);
}

TSR_REGISTER {
  impl_for(axpy_op(), kBackendReference, DTypeList<DType::Float32, DType::Float64>{},
           []<typename T>() { return &axpy_kernel<T>; });
  impl_generic(axpy_op(), kBackendReference, &axpy_generic);
}

Tensor axpy(const Tensor& x, const Tensor& y, double a) {
  static const auto op = axpy_op().typed<Tensor(const Tensor&, const Tensor&, double)>();
  return op.call(x, y, a);
}

TEST(CustomOp, TypedAndBoxedCallsReachItsKernels) {
  const Tensor x = arange(3, DType::Float32), y = ones({3});
  const Tensor typed = axpy(x, y, 3.0);
  EXPECT_EQ(typed.dtype(), DType::Float32);
  EXPECT_EQ(element_at(typed, 2).to<double>(), 7.0);
  const Stack boxed = Dispatcher::get().call("test_axpy", {x, y});  // default a=2.0
  EXPECT_EQ(element_at(boxed[0].to_tensor(), 2).to<double>(), 5.0);
}

TEST(CustomOp, OtherDtypesReachTheGenericKernel) {
  const Tensor x = arange(3, DType::Int32);
  const Tensor r = axpy(x, x, 2.0);
  EXPECT_EQ(r.dtype(), DType::Int32);
  EXPECT_EQ(element_at(r, 2).to<int64_t>(), 6);
}

TEST(CustomOp, ItIsListedWithItsSchema) {
  const auto op = Dispatcher::get().find("test_axpy");
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->schema().str(), "test_axpy(Tensor x, Tensor y, *, float a=2.0) -> Tensor");
  EXPECT_EQ(Dispatcher::get().registered(*op).size(), 3u);
}

}  // namespace
}  // namespace tessera
